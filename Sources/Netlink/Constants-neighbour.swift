// Constants of include/uapi/linux/neighbour.h that Glibc does not export to Swift.

/// Attributes of an ndmsg (NDA_*).
public struct NeighbourAttributeType: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/neighbour.h: NDA_DST = 1 (for a VXLAN FDB entry: the remote VTEP, 4 or 16 bytes)
    public static let dst = Self(1)
    /// include/uapi/linux/neighbour.h: NDA_LLADDR = 2 (the MAC address)
    public static let lladdr = Self(2)
    /// include/uapi/linux/neighbour.h: NDA_CACHEINFO = 3 (struct nda_cacheinfo)
    public static let cacheInfo = Self(3)
    /// include/uapi/linux/neighbour.h: NDA_PROBES = 4
    public static let probes = Self(4)
    /// include/uapi/linux/neighbour.h: NDA_VLAN = 5 (u16)
    public static let vlan = Self(5)
    /// include/uapi/linux/neighbour.h: NDA_PORT = 6 (be16: network byte order)
    public static let port = Self(6)
    /// include/uapi/linux/neighbour.h: NDA_VNI = 7 (u32)
    public static let vni = Self(7)
    /// include/uapi/linux/neighbour.h: NDA_IFINDEX = 8 (u32: the outgoing device of a VXLAN entry)
    public static let ifindex = Self(8)
    /// include/uapi/linux/neighbour.h: NDA_MASTER = 9 (u32: the bridge)
    public static let master = Self(9)
    /// include/uapi/linux/neighbour.h: NDA_LINK_NETNSID = 10
    public static let linkNetnsID = Self(10)
    /// include/uapi/linux/neighbour.h: NDA_SRC_VNI = 11
    public static let srcVNI = Self(11)
    /// include/uapi/linux/neighbour.h: NDA_PROTOCOL = 12
    public static let `protocol` = Self(12)
    /// include/uapi/linux/neighbour.h: NDA_NH_ID = 13
    public static let nexthopID = Self(13)
    /// include/uapi/linux/neighbour.h: NDA_FDB_EXT_ATTRS = 14
    public static let fdbExtAttrs = Self(14)
    /// include/uapi/linux/neighbour.h: NDA_FLAGS_EXT = 15 (u32, NTF_EXT_*)
    public static let flagsExt = Self(15)
}

/// ndmsg.ndm_flags (NTF_*).
public struct NeighbourFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// include/uapi/linux/neighbour.h: NTF_USE = (1 << 0)
    public static let use = Self(rawValue: 1 << 0)
    /// include/uapi/linux/neighbour.h: NTF_SELF = (1 << 1) (the device's own table: vxlan100's FDB)
    public static let `self` = Self(rawValue: 1 << 1)
    /// include/uapi/linux/neighbour.h: NTF_MASTER = (1 << 2) (the master's table: the bridge's FDB)
    public static let master = Self(rawValue: 1 << 2)
    /// include/uapi/linux/neighbour.h: NTF_PROXY = (1 << 3)
    public static let proxy = Self(rawValue: 1 << 3)
    /// include/uapi/linux/neighbour.h: NTF_EXT_LEARNED = (1 << 4) (`extern_learn`: installed by a control plane)
    public static let extLearned = Self(rawValue: 1 << 4)
    /// include/uapi/linux/neighbour.h: NTF_OFFLOADED = (1 << 5)
    public static let offloaded = Self(rawValue: 1 << 5)
    /// include/uapi/linux/neighbour.h: NTF_STICKY = (1 << 6)
    public static let sticky = Self(rawValue: 1 << 6)
    /// include/uapi/linux/neighbour.h: NTF_ROUTER = (1 << 7)
    public static let router = Self(rawValue: 1 << 7)

    public var description: String {
        let names: [(Self, String)] = [
            (.use, "use"), (.self, "self"), (.master, "master"), (.proxy, "proxy"),
            (.extLearned, "extern_learn"), (.offloaded, "offload"), (.sticky, "sticky"), (.router, "router"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: " ")
    }
}

/// NDA_FLAGS_EXT bits (NTF_EXT_*).
public struct NeighbourExtendedFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// include/uapi/linux/neighbour.h: NTF_EXT_MANAGED = (1 << 0)
    public static let managed = Self(rawValue: 1 << 0)
    /// include/uapi/linux/neighbour.h: NTF_EXT_LOCKED = (1 << 1)
    public static let locked = Self(rawValue: 1 << 1)
}

/// ndmsg.ndm_state (NUD_*). A bit set, though an FDB entry has one of PERMANENT, NOARP, REACHABLE or STALE.
public struct NeighbourState: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// include/uapi/linux/neighbour.h: NUD_INCOMPLETE = 0x01
    public static let incomplete = Self(rawValue: 0x01)
    /// include/uapi/linux/neighbour.h: NUD_REACHABLE = 0x02 (a learned entry that ages out)
    public static let reachable = Self(rawValue: 0x02)
    /// include/uapi/linux/neighbour.h: NUD_STALE = 0x04
    public static let stale = Self(rawValue: 0x04)
    /// include/uapi/linux/neighbour.h: NUD_DELAY = 0x08
    public static let delay = Self(rawValue: 0x08)
    /// include/uapi/linux/neighbour.h: NUD_PROBE = 0x10
    public static let probe = Self(rawValue: 0x10)
    /// include/uapi/linux/neighbour.h: NUD_FAILED = 0x20
    public static let failed = Self(rawValue: 0x20)
    /// include/uapi/linux/neighbour.h: NUD_NOARP = 0x40 (`static` in bridge fdb)
    public static let noARP = Self(rawValue: 0x40)
    /// include/uapi/linux/neighbour.h: NUD_PERMANENT = 0x80 (`permanent`)
    public static let permanent = Self(rawValue: 0x80)

    public var description: String {
        let names: [(Self, String)] = [
            (.incomplete, "incomplete"), (.reachable, "reachable"), (.stale, "stale"), (.delay, "delay"),
            (.probe, "probe"), (.failed, "failed"), (.noARP, "noarp"), (.permanent, "permanent"),
        ]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: " ")
    }
}
