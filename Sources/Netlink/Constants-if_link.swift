// Constants of include/uapi/linux/if_link.h (and if.h for operational states) that Glibc does not export.

/// Attributes of an ifinfomsg (IFLA_*). Only those evpnd reads or writes are named; every other type is kept as
/// a raw attribute and survives a round trip byte for byte.
public struct LinkAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/if_link.h: IFLA_ADDRESS = 1
    public static let address = Self(1)
    /// include/uapi/linux/if_link.h: IFLA_BROADCAST = 2
    public static let broadcast = Self(2)
    /// include/uapi/linux/if_link.h: IFLA_IFNAME = 3
    public static let name = Self(3)
    /// include/uapi/linux/if_link.h: IFLA_MTU = 4
    public static let mtu = Self(4)
    /// include/uapi/linux/if_link.h: IFLA_LINK = 5
    public static let link = Self(5)
    /// include/uapi/linux/if_link.h: IFLA_MASTER = 10
    public static let master = Self(10)
    /// include/uapi/linux/if_link.h: IFLA_OPERSTATE = 16
    public static let operState = Self(16)
    /// include/uapi/linux/if_link.h: IFLA_LINKINFO = 18
    public static let linkInfo = Self(18)
    /// include/uapi/linux/if_link.h: IFLA_EXT_MASK = 29
    public static let extMask = Self(29)
}

/// Attributes nested in IFLA_LINKINFO (IFLA_INFO_*).
public struct LinkInfoAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/if_link.h: IFLA_INFO_KIND = 1
    public static let kind = Self(1)
    /// include/uapi/linux/if_link.h: IFLA_INFO_DATA = 2
    public static let data = Self(2)
    /// include/uapi/linux/if_link.h: IFLA_INFO_XSTATS = 3
    public static let xstats = Self(3)
    /// include/uapi/linux/if_link.h: IFLA_INFO_SLAVE_KIND = 4
    public static let slaveKind = Self(4)
    /// include/uapi/linux/if_link.h: IFLA_INFO_SLAVE_DATA = 5
    public static let slaveData = Self(5)
}

/// Attributes nested in IFLA_INFO_DATA when IFLA_INFO_KIND is "vxlan" (IFLA_VXLAN_*).
public struct VXLANAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/if_link.h: IFLA_VXLAN_ID = 1 (u32)
    public static let id = Self(1)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_GROUP = 2 (IPv4, network order)
    public static let group = Self(2)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_LINK = 3 (u32 ifindex of the underlay device)
    public static let link = Self(3)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_LOCAL = 4 (IPv4, network order)
    public static let local = Self(4)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_TTL = 5 (u8)
    public static let ttl = Self(5)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_LEARNING = 7 (u8)
    public static let learning = Self(7)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_PORT = 15 (be16: network byte order)
    public static let port = Self(15)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_GROUP6 = 16 (struct in6_addr)
    public static let group6 = Self(16)
    /// include/uapi/linux/if_link.h: IFLA_VXLAN_LOCAL6 = 17 (struct in6_addr)
    public static let local6 = Self(17)
}

/// IFLA_OPERSTATE values (RFC 2863 operational states; include/uapi/linux/if.h: enum IF_OPER_*).
public struct OperState: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// include/uapi/linux/if.h: IF_OPER_UNKNOWN = 0
    public static let unknown = Self(0)
    /// include/uapi/linux/if.h: IF_OPER_NOTPRESENT = 1
    public static let notPresent = Self(1)
    /// include/uapi/linux/if.h: IF_OPER_DOWN = 2
    public static let down = Self(2)
    /// include/uapi/linux/if.h: IF_OPER_LOWERLAYERDOWN = 3
    public static let lowerLayerDown = Self(3)
    /// include/uapi/linux/if.h: IF_OPER_TESTING = 4
    public static let testing = Self(4)
    /// include/uapi/linux/if.h: IF_OPER_DORMANT = 5
    public static let dormant = Self(5)
    /// include/uapi/linux/if.h: IF_OPER_UP = 6
    public static let up = Self(6)

    public var description: String {
        switch rawValue {
        case 0: return "UNKNOWN"
        case 1: return "NOTPRESENT"
        case 2: return "DOWN"
        case 3: return "LOWERLAYERDOWN"
        case 4: return "TESTING"
        case 5: return "DORMANT"
        case 6: return "UP"
        default: return "state \(rawValue)"
        }
    }
}

/// ifinfomsg.ifi_flags (include/uapi/linux/if.h: enum net_device_flags). Only the bits evpnd looks at are named.
public struct InterfaceFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// include/uapi/linux/if.h: IFF_UP = 1<<0
    public static let up = Self(rawValue: 1 << 0)
    /// include/uapi/linux/if.h: IFF_BROADCAST = 1<<1
    public static let broadcast = Self(rawValue: 1 << 1)
    /// include/uapi/linux/if.h: IFF_LOOPBACK = 1<<3
    public static let loopback = Self(rawValue: 1 << 3)
    /// include/uapi/linux/if.h: IFF_RUNNING = 1<<6
    public static let running = Self(rawValue: 1 << 6)
    /// include/uapi/linux/if.h: IFF_MULTICAST = 1<<12
    public static let multicast = Self(rawValue: 1 << 12)
    /// include/uapi/linux/if.h: IFF_LOWER_UP = 1<<16
    public static let lowerUp = Self(rawValue: 1 << 16)
}
