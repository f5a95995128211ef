// Constants of include/uapi/linux/rtnetlink.h for routes (struct rtmsg, RTA_*, RTN_*, RTPROT_*, RT_SCOPE_*,
// RTNH_F_*), which Glibc does not export to Swift. Value sets the kernel can extend are structs, not enums.

extension NetlinkMessageType {
    /// include/uapi/linux/rtnetlink.h: RTM_NEWROUTE = 24
    public static let newRoute = Self(24)
    /// include/uapi/linux/rtnetlink.h: RTM_DELROUTE = 25
    public static let delRoute = Self(25)
    /// include/uapi/linux/rtnetlink.h: RTM_GETROUTE = 26
    public static let getRoute = Self(26)

    /// Types whose payload is a struct rtmsg.
    var isRouteMessage: Bool { (24...26).contains(rawValue) }
}

extension MulticastGroup {
    /// include/uapi/linux/rtnetlink.h: RTNLGRP_IPV4_ROUTE = 7
    public static let ipv4Route = Self(7)
    /// include/uapi/linux/rtnetlink.h: RTNLGRP_IPV6_ROUTE = 11
    public static let ipv6Route = Self(11)
}

/// enum rtattr_type_t (include/uapi/linux/rtnetlink.h).
public struct RouteAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let dst = Self(1)
    public static let oif = Self(4)
    public static let gateway = Self(5)
    public static let priority = Self(6)
    public static let prefsrc = Self(7)
    public static let multipath = Self(9)
    public static let table = Self(15)
    public static let via = Self(18)
    public static let nhID = Self(30)
}

/// rtm_protocol (RTPROT_*): who installed the route.
public struct RouteProtocol: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// RTPROT_KERNEL = 2: connected routes of an address.
    public static let kernel = Self(2)
    /// RTPROT_BOOT = 3: `ip route add` without `proto`.
    public static let boot = Self(3)
    /// RTPROT_STATIC = 4: what zebra marks static routes with.
    public static let `static` = Self(4)
    /// RTPROT_BGP = 186 (include/uapi/linux/rtnetlink.h, as zebra's RTPROT_BGP).
    public static let bgp = Self(186)

    public var description: String {
        switch self {
        case .kernel: return "kernel"
        case .boot: return "boot"
        case .static: return "static"
        case .bgp: return "bgp"
        default: return "\(rawValue)"
        }
    }
}

/// rtm_type (RTN_*).
public struct RouteType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let unspecified = Self(0)
    /// RTN_UNICAST = 1
    public static let unicast = Self(1)
    /// RTN_LOCAL = 2: an address of this host.
    public static let local = Self(2)
    /// RTN_BROADCAST = 3
    public static let broadcast = Self(3)
    /// RTN_MULTICAST = 5
    public static let multicast = Self(5)
    /// RTN_BLACKHOLE = 6
    public static let blackhole = Self(6)
    /// RTN_UNREACHABLE = 7
    public static let unreachable = Self(7)
}

/// rtm_scope (RT_SCOPE_*).
public struct RouteScope: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// RT_SCOPE_UNIVERSE = 0: via a gateway.
    public static let universe = Self(0)
    /// RT_SCOPE_LINK = 253: directly attached.
    public static let link = Self(253)
    /// RT_SCOPE_HOST = 254: local addresses.
    public static let host = Self(254)
    /// RT_SCOPE_NOWHERE = 255: a dump asks for every scope with it.
    public static let nowhere = Self(255)
}

/// Next-hop flags (RTNH_F_*), in rtm_flags' low byte for a single-path route and in rtnh_flags per
/// multipath member.
public struct RouteNextHopFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// RTNH_F_DEAD = 1
    public static let dead = Self(rawValue: 1)
    /// RTNH_F_PERVASIVE = 2
    public static let pervasive = Self(rawValue: 2)
    /// RTNH_F_ONLINK = 4: the gateway is on the device whatever its addresses say (RFC 8950's IPv6
    /// link-local next hop of an IPv4 route).
    public static let onlink = Self(rawValue: 4)
    /// RTNH_F_OFFLOAD = 8
    public static let offload = Self(rawValue: 8)
    /// RTNH_F_LINKDOWN = 16
    public static let linkDown = Self(rawValue: 16)
    /// RTNH_F_UNRESOLVED = 32
    public static let unresolved = Self(rawValue: 32)
}

/// Routing table ids (enum rt_class_t).
public enum RouteTable {
    /// RT_TABLE_MAIN = 254
    public static let main: UInt32 = 254
    /// RT_TABLE_LOCAL = 255
    public static let local: UInt32 = 255
}
