// Constants of include/uapi/linux/nexthop.h and rtnetlink.h for nexthop objects (kernel 5.3+), which Glibc does
// not export to Swift. FDB nexthops and groups (the `fdb` flag, kernel 5.8+) are what EVPN multihoming points
// remote MACs at; plain gateway nexthops and groups are unicast ECMP.

extension NetlinkMessageType {
    /// include/uapi/linux/rtnetlink.h: RTM_NEWNEXTHOP = 104
    public static let newNexthop = Self(104)
    /// include/uapi/linux/rtnetlink.h: RTM_DELNEXTHOP = 105
    public static let delNexthop = Self(105)
    /// include/uapi/linux/rtnetlink.h: RTM_GETNEXTHOP = 106
    public static let getNexthop = Self(106)

    /// Types whose payload is a struct nhmsg.
    var isNexthopMessage: Bool { (104...106).contains(rawValue) }
}

extension MulticastGroup {
    /// include/uapi/linux/rtnetlink.h: RTNLGRP_NEXTHOP = 32 (joined with NETLINK_ADD_MEMBERSHIP, not the old
    /// 32-bit group mask, which cannot name it)
    public static let nexthop = Self(32)
}

/// Attributes of an nhmsg (NHA_*).
public struct NexthopAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/nexthop.h: NHA_ID = 1 (u32; 0 in a request asks the kernel to choose)
    public static let id = Self(1)
    /// include/uapi/linux/nexthop.h: NHA_GROUP = 2 (array of struct nexthop_grp)
    public static let group = Self(2)
    /// include/uapi/linux/nexthop.h: NHA_GROUP_TYPE = 3 (u16, NEXTHOP_GRP_TYPE_*)
    public static let groupType = Self(3)
    /// include/uapi/linux/nexthop.h: NHA_BLACKHOLE = 4 (flag)
    public static let blackhole = Self(4)
    /// include/uapi/linux/nexthop.h: NHA_OIF = 5 (u32; in a dump request: only nexthops on that device)
    public static let oif = Self(5)
    /// include/uapi/linux/nexthop.h: NHA_GATEWAY = 6 (be32 or struct in6_addr)
    public static let gateway = Self(6)
    /// include/uapi/linux/nexthop.h: NHA_ENCAP_TYPE = 7 (u16, lwtunnel encapsulation)
    public static let encapType = Self(7)
    /// include/uapi/linux/nexthop.h: NHA_ENCAP = 8 (nested, lwtunnel encapsulation)
    public static let encap = Self(8)
    /// include/uapi/linux/nexthop.h: NHA_GROUPS = 9 (flag; in a dump request: only groups)
    public static let groups = Self(9)
    /// include/uapi/linux/nexthop.h: NHA_MASTER = 10 (u32; in a dump request: only nexthops under that master)
    public static let master = Self(10)
    /// include/uapi/linux/nexthop.h: NHA_FDB = 11 (flag; the nexthop belongs to the bridge FDB; in a dump
    /// request: only FDB nexthops)
    public static let fdb = Self(11)
    /// include/uapi/linux/nexthop.h: NHA_RES_GROUP = 12 (nested, resilient group parameters)
    public static let resilientGroup = Self(12)
    /// include/uapi/linux/nexthop.h: NHA_RES_BUCKET = 13 (nested, a resilient group's bucket)
    public static let resilientBucket = Self(13)
    /// include/uapi/linux/nexthop.h: NHA_OP_FLAGS = 14 (u32; kernel 6.12+ sets NHA_OP_FLAG_RESP_GRP_RESVD_0
    /// in replies: the group entries' reserved bits are zero)
    public static let opFlags = Self(14)
}

/// NHA_GROUP_TYPE values (enum in include/uapi/linux/nexthop.h).
public struct NexthopGroupType: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// NEXTHOP_GRP_TYPE_MPATH = 0: hash-threshold multipath, the default when NHA_GROUP_TYPE is absent
    public static let multipath = Self(rawValue: 0)
    /// NEXTHOP_GRP_TYPE_RES = 1: resilient hashing
    public static let resilient = Self(rawValue: 1)

    public var description: String {
        switch self {
        case .multipath: return "mpath"
        case .resilient: return "resilient"
        default: return "type \(rawValue)"
        }
    }
}

/// nhmsg.nh_flags: the RTNH_F_* bits of include/uapi/linux/rtnetlink.h.
public struct NexthopFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// RTNH_F_DEAD = 1
    public static let dead = Self(rawValue: 1 << 0)
    /// RTNH_F_PERVASIVE = 2
    public static let pervasive = Self(rawValue: 1 << 1)
    /// RTNH_F_ONLINK = 4: the gateway is on the link even without a matching route
    public static let onlink = Self(rawValue: 1 << 2)
    /// RTNH_F_OFFLOAD = 8
    public static let offload = Self(rawValue: 1 << 3)
    /// RTNH_F_LINKDOWN = 16
    public static let linkDown = Self(rawValue: 1 << 4)
    /// RTNH_F_UNRESOLVED = 32
    public static let unresolved = Self(rawValue: 1 << 5)
    /// RTNH_F_TRAP = 64
    public static let trap = Self(rawValue: 1 << 6)
}

/// nhmsg.nh_protocol: who installed the nexthop (the RTPROT_* values of include/uapi/linux/rtnetlink.h).
public struct NexthopProtocol: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// RTPROT_UNSPEC = 0: what `ip nexthop add` sends when no `proto` is given
    public static let unspecified = Self(rawValue: 0)
    /// RTPROT_ZEBRA = 11: FRR's zebra marks its nexthops so
    public static let zebra = Self(rawValue: 11)
    /// RTPROT_BGP = 186
    public static let bgp = Self(rawValue: 186)
}
