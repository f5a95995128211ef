// The kernel as the VTEP logic sees it: links (`ip -d link`) and bridge/VXLAN forwarding database
// rows (`bridge fdb`), as plain values. This module does no I/O and does not import Netlink: the
// Daemon maps Netlink's `Link` and `FDBEntry` to these types field by field (the flag and state bits
// are the kernel's own, so the raw values carry over unchanged).

import BGPWire

/// A network device: what `ip -d link show` prints that matters to a VTEP.
public struct KernelLink: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case bridge
        case vxlan(VXLAN)
        /// veth, physical NICs, dummy, loopback...
        case other
    }

    /// IFLA_INFO_DATA of a "vxlan" link.
    public struct VXLAN: Hashable, Sendable {
        /// IFLA_VXLAN_ID.
        public var vni: UInt32
        /// IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6: the VTEP address. nil: the device cannot be a VTEP.
        public var local: IPAddress?
        /// IFLA_VXLAN_LEARNING (false for `nolearning`, which EVPN wants).
        public var learning: Bool

        public init(vni: UInt32, local: IPAddress?, learning: Bool = false) {
            self.vni = vni
            self.local = local
            self.learning = learning
        }
    }

    public var index: Int32
    public var name: String
    public var kind: Kind
    /// IFLA_MASTER: the bridge this device is a port of.
    public var masterIndex: Int32?
    /// Administratively and operationally up: IFF_UP set and operstate UP or UNKNOWN (VXLAN devices
    /// report UNKNOWN). A port that goes down loses its local MACs.
    public var isUp: Bool

    public init(index: Int32, name: String, kind: Kind = .other, masterIndex: Int32? = nil, isUp: Bool = true) {
        self.index = index
        self.name = name
        self.kind = kind
        self.masterIndex = masterIndex
        self.isUp = isUp
    }

    public var vxlan: VXLAN? {
        if case .vxlan(let info) = kind { return info }
        return nil
    }

    public var isBridge: Bool { kind == .bridge }
}

/// One row of `bridge fdb show`: an AF_BRIDGE neighbour (ndmsg + attributes).
public struct KernelFDBEntry: Hashable, Sendable, CustomStringConvertible {
    /// ndm_flags (include/uapi/linux/neighbour.h, NTF_*).
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// NTF_SELF: a row of the device's own table (the VXLAN device's remote list).
        public static let `self` = Flags(rawValue: 0x02)
        /// NTF_MASTER: a row of the bridge's table. The kernel reports bridge rows without it and with
        /// NDA_MASTER instead; requests set it.
        public static let master = Flags(rawValue: 0x04)
        /// NTF_EXT_LEARNED: added by a control plane (zebra, evpnd), not learned by the bridge.
        public static let extLearned = Flags(rawValue: 0x10)
        /// NTF_STICKY: the MAC may not move to another port (`bridge fdb add ... sticky`).
        public static let sticky = Flags(rawValue: 0x40)
    }

    /// ndm_state (include/uapi/linux/neighbour.h, NUD_*).
    public struct State: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let reachable = State(rawValue: 0x02)
        public static let stale = State(rawValue: 0x04)
        /// `static` in `bridge fdb`: added by hand, never ages.
        public static let noARP = State(rawValue: 0x40)
        /// `permanent`: the bridge's and its ports' own addresses (and `bridge fdb add` without `static`).
        public static let permanent = State(rawValue: 0x80)
    }

    public var mac: MACAddress
    /// ndm_ifindex: the port (bridge rows) or the device (`self` rows).
    public var ifindex: Int32
    /// NDA_MASTER: the bridge of a bridge row.
    public var master: Int32?
    /// NDA_VLAN.
    public var vlan: UInt16?
    /// NDA_DST: the remote VTEP of a VXLAN `self` row.
    public var destination: IPAddress?
    public var flags: Flags
    public var state: State
    /// NDA_NH_ID: the nexthop group (a remote ES) a VXLAN `self` row forwards to instead of `destination`.
    public var nexthopID: UInt32?

    public init(mac: MACAddress, ifindex: Int32, master: Int32? = nil, vlan: UInt16? = nil, destination: IPAddress? = nil,
                flags: Flags = [], state: State = .reachable, nexthopID: UInt32? = nil) {
        self.mac = mac
        self.ifindex = ifindex
        self.master = master
        self.vlan = vlan
        self.destination = destination
        self.flags = flags
        self.state = state
        self.nexthopID = nexthopID
    }

    /// A row of the bridge's table (`dev PORT master BRIDGE`): requested with NTF_MASTER, reported with
    /// NDA_MASTER and without NTF_SELF (Netlink's `FDBEntry.isBridgeRow`).
    public var isBridgeRow: Bool { flags.contains(.master) || (master != nil && !flags.contains(.self)) }

    public var isExternallyLearned: Bool { flags.contains(.extLearned) }

    /// `00:00:00:00:00:00 dst VTEP`: one head-end replication target of a VXLAN device.
    public var isFloodEntry: Bool { mac == .zero && destination != nil && !isBridgeRow }

    public var description: String {
        var s = "\(mac) dev \(ifindex)"
        if let vlan { s += " vlan \(vlan)" }
        if let destination { s += " dst \(destination)" }
        if let nexthopID { s += " nhid \(nexthopID)" }
        if let master { s += " master \(master)" }
        if flags.contains(.self) { s += " self" }
        if flags.contains(.master) { s += " master" }
        if flags.contains(.extLearned) { s += " extern_learn" }
        if flags.contains(.sticky) { s += " sticky" }
        if state.contains(.permanent) { s += " permanent" } else if state.contains(.noARP) { s += " static" }
        return s
    }
}
