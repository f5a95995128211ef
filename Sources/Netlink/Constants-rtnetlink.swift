// Constants of include/uapi/linux/rtnetlink.h that Glibc does not export to Swift.

extension NetlinkMessageType {
    /// include/uapi/linux/rtnetlink.h: RTM_NEWLINK = 16
    public static let newLink = Self(16)
    /// include/uapi/linux/rtnetlink.h: RTM_DELLINK = 17
    public static let delLink = Self(17)
    /// include/uapi/linux/rtnetlink.h: RTM_GETLINK = 18
    public static let getLink = Self(18)
    /// include/uapi/linux/rtnetlink.h: RTM_SETLINK = 19
    public static let setLink = Self(19)
    /// include/uapi/linux/rtnetlink.h: RTM_NEWNEIGH = 28
    public static let newNeighbour = Self(28)
    /// include/uapi/linux/rtnetlink.h: RTM_DELNEIGH = 29
    public static let delNeighbour = Self(29)
    /// include/uapi/linux/rtnetlink.h: RTM_GETNEIGH = 30
    public static let getNeighbour = Self(30)

    /// Types whose payload is a struct ifinfomsg.
    var isLinkMessage: Bool { (16...19).contains(rawValue) }
    /// Types whose payload is a struct ndmsg.
    var isNeighbourMessage: Bool { (28...30).contains(rawValue) }
}

/// rtnetlink multicast groups (enum rtnetlink_groups), joined with NETLINK_ADD_MEMBERSHIP.
public struct MulticastGroup: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// include/uapi/linux/rtnetlink.h: RTNLGRP_LINK = 1
    public static let link = Self(1)
    /// include/uapi/linux/rtnetlink.h: RTNLGRP_NEIGH = 3
    public static let neighbour = Self(3)
}

/// Address families that appear in ifinfomsg/ndmsg (include/linux/socket.h).
public struct ProtocolFamily: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// include/linux/socket.h: AF_UNSPEC = 0
    public static let unspecified = Self(0)
    /// include/linux/socket.h: AF_INET = 2
    public static let inet = Self(2)
    /// include/linux/socket.h: AF_BRIDGE = 7 (FDB entries are neighbours of this family)
    public static let bridge = Self(7)
    /// include/linux/socket.h: AF_INET6 = 10
    public static let inet6 = Self(10)
}
