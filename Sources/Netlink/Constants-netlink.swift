// Constants of include/uapi/linux/netlink.h that Glibc does not export to Swift (none of linux/netlink.h is
// imported on these machines). Value sets the kernel extends are structs with static members, not enums.

/// nlmsghdr.nlmsg_type. The control types live here; the rtnetlink ones in Constants-rtnetlink.swift.
public struct NetlinkMessageType: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/netlink.h: NLMSG_NOOP = 0x1
    public static let noop = Self(0x1)
    /// include/uapi/linux/netlink.h: NLMSG_ERROR = 0x2 (an error, or an ACK when the error is 0)
    public static let error = Self(0x2)
    /// include/uapi/linux/netlink.h: NLMSG_DONE = 0x3
    public static let done = Self(0x3)
    /// include/uapi/linux/netlink.h: NLMSG_OVERRUN = 0x4
    public static let overrun = Self(0x4)

    public var description: String {
        switch self {
        case .noop: return "NLMSG_NOOP"
        case .error: return "NLMSG_ERROR"
        case .done: return "NLMSG_DONE"
        case .overrun: return "NLMSG_OVERRUN"
        case .newLink: return "RTM_NEWLINK"
        case .delLink: return "RTM_DELLINK"
        case .getLink: return "RTM_GETLINK"
        case .setLink: return "RTM_SETLINK"
        case .newNeighbour: return "RTM_NEWNEIGH"
        case .delNeighbour: return "RTM_DELNEIGH"
        case .getNeighbour: return "RTM_GETNEIGH"
        default: return "type \(rawValue)"
        }
    }
}

/// nlmsghdr.nlmsg_flags. Several bits mean different things for GET, NEW and ACK messages.
public struct NetlinkFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/netlink.h: NLM_F_REQUEST = 0x01
    public static let request = Self(rawValue: 0x01)
    /// include/uapi/linux/netlink.h: NLM_F_MULTI = 0x02 (part of a multipart reply ended by NLMSG_DONE)
    public static let multi = Self(rawValue: 0x02)
    /// include/uapi/linux/netlink.h: NLM_F_ACK = 0x04
    public static let ack = Self(rawValue: 0x04)
    /// include/uapi/linux/netlink.h: NLM_F_ECHO = 0x08
    public static let echo = Self(rawValue: 0x08)
    /// include/uapi/linux/netlink.h: NLM_F_DUMP_INTR = 0x10 (the dump changed under us: start again)
    public static let dumpInterrupted = Self(rawValue: 0x10)
    /// include/uapi/linux/netlink.h: NLM_F_DUMP_FILTERED = 0x20
    public static let dumpFiltered = Self(rawValue: 0x20)

    // Modifiers to GET requests.
    /// include/uapi/linux/netlink.h: NLM_F_ROOT = 0x100
    public static let root = Self(rawValue: 0x100)
    /// include/uapi/linux/netlink.h: NLM_F_MATCH = 0x200
    public static let match = Self(rawValue: 0x200)
    /// include/uapi/linux/netlink.h: NLM_F_ATOMIC = 0x400
    public static let atomic = Self(rawValue: 0x400)
    /// include/uapi/linux/netlink.h: NLM_F_DUMP = (NLM_F_ROOT|NLM_F_MATCH)
    public static let dump: Self = [.root, .match]

    // Modifiers to NEW requests.
    /// include/uapi/linux/netlink.h: NLM_F_REPLACE = 0x100
    public static let replace = Self(rawValue: 0x100)
    /// include/uapi/linux/netlink.h: NLM_F_EXCL = 0x200
    public static let exclusive = Self(rawValue: 0x200)
    /// include/uapi/linux/netlink.h: NLM_F_CREATE = 0x400
    public static let create = Self(rawValue: 0x400)
    /// include/uapi/linux/netlink.h: NLM_F_APPEND = 0x800
    public static let append = Self(rawValue: 0x800)

    // Flags of ACK messages.
    /// include/uapi/linux/netlink.h: NLM_F_CAPPED = 0x100 (the original request's payload is not echoed)
    public static let capped = Self(rawValue: 0x100)
    /// include/uapi/linux/netlink.h: NLM_F_ACK_TLVS = 0x200 (extended ACK attributes follow)
    public static let ackTLVs = Self(rawValue: 0x200)
}

/// Extended ACK attributes after an NLMSG_ERROR (enum nlmsgerr_attrs).
public struct ExtendedAckAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/netlink.h: NLMSGERR_ATTR_MSG = 1 (a NUL-terminated message)
    public static let message = Self(1)
    /// include/uapi/linux/netlink.h: NLMSGERR_ATTR_OFFS = 2 (u32 offset of the bad attribute in the request)
    public static let offset = Self(2)
    /// include/uapi/linux/netlink.h: NLMSGERR_ATTR_COOKIE = 3
    public static let cookie = Self(3)
    /// include/uapi/linux/netlink.h: NLMSGERR_ATTR_POLICY = 4
    public static let policy = Self(4)
    /// include/uapi/linux/netlink.h: NLMSGERR_ATTR_MISS_TYPE = 5
    public static let missingType = Self(5)
    /// include/uapi/linux/netlink.h: NLMSGERR_ATTR_MISS_NEST = 6
    public static let missingNest = Self(6)
}

/// Attribute type bits (struct nlattr.nla_type).
public enum AttributeTypeBits {
    /// include/uapi/linux/netlink.h: NLA_F_NESTED = (1 << 15)
    public static let nested: UInt16 = 1 << 15
    /// include/uapi/linux/netlink.h: NLA_F_NET_BYTEORDER = (1 << 14)
    public static let networkByteOrder: UInt16 = 1 << 14
    /// include/uapi/linux/netlink.h: NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
    public static let typeMask: UInt16 = ~(nested | networkByteOrder)
}

/// Socket-level numbers of AF_NETLINK.
enum NetlinkSocketConstants {
    /// include/linux/socket.h: AF_NETLINK = 16 (Glibc exports it; restated for the protocol below)
    /// include/uapi/linux/netlink.h: NETLINK_ROUTE = 0
    static let protocolRoute: Int32 = 0
    /// include/linux/socket.h: SOL_NETLINK = 270
    static let solNetlink: Int32 = 270
    /// include/uapi/linux/netlink.h: NETLINK_ADD_MEMBERSHIP = 1
    static let addMembership: Int32 = 1
    /// include/uapi/linux/netlink.h: NETLINK_DROP_MEMBERSHIP = 2
    static let dropMembership: Int32 = 2
    /// include/uapi/linux/netlink.h: NETLINK_NO_ENOBUFS = 5
    static let noENOBUFS: Int32 = 5
    /// include/uapi/linux/netlink.h: NETLINK_CAP_ACK = 10
    static let capAck: Int32 = 10
    /// include/uapi/linux/netlink.h: NETLINK_EXT_ACK = 11
    static let extendedAck: Int32 = 11
    /// include/uapi/linux/netlink.h: NETLINK_GET_STRICT_CHK = 12
    static let getStrictCheck: Int32 = 12
}
