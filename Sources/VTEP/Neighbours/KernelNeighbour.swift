// The SVI's neighbour table as the VTEP logic sees it: one row of `ip neigh show dev SVI` (an
// AF_INET or AF_INET6 neighbour, ndmsg + NDA_DST + NDA_LLADDR) as a plain value, its key, and the
// row evpnd wants for a remote MAC+IP route. As KernelState.swift: no Netlink here; the Daemon maps
// `IPNeighbour` to `KernelNeighbourEntry` field by field (the bits are the kernel's own).
//
// FRR's zebra installs a remote MAC+IP (zebra/rt_netlink.c `netlink_neigh_update_ctx`) as
//   ip neigh replace IP lladdr MAC dev SVI nud noarp extern_learn [router]
// and so does evpnd: NUD_NOARP keeps the kernel from probing or ageing it, NTF_EXT_LEARNED says a
// control plane made it (FRR, evpnd and the kernel's own `ip neigh` all read it so).

import BGPWire

/// One IPv4 (ARP) or IPv6 (ND) neighbour of a device.
public struct KernelNeighbourEntry: Hashable, Sendable, CustomStringConvertible {
    /// ndm_state (include/uapi/linux/neighbour.h, NUD_*).
    public struct State: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let incomplete = State(rawValue: 0x01)
        public static let reachable = State(rawValue: 0x02)
        public static let stale = State(rawValue: 0x04)
        public static let delay = State(rawValue: 0x08)
        public static let probe = State(rawValue: 0x10)
        public static let failed = State(rawValue: 0x20)
        public static let noARP = State(rawValue: 0x40)
        public static let permanent = State(rawValue: 0x80)
        /// NUD_VALID: the kernel holds a usable link-layer address (include/net/neighbour.h). FRR's
        /// zebra (`netlink_ipneigh_change`) takes a neighbour in one of these states as added or
        /// updated, and any other state (INCOMPLETE, FAILED, NONE) as deleted; without multihoming it
        /// treats STALE as active, and so does evpnd.
        public static let valid: State = [.permanent, .noARP, .reachable, .probe, .stale, .delay]
    }

    /// ndm_flags (NTF_*).
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// NTF_EXT_LEARNED: made by a control plane (zebra, evpnd): a remote host, never a local one.
        public static let extLearned = Flags(rawValue: 0x10)
        /// NTF_ROUTER: an IPv6 router (from the ND community, RFC 9047).
        public static let router = Flags(rawValue: 0x80)
    }

    /// NDA_DST.
    public var ip: IPAddress
    /// NDA_LLADDR; nil while unresolved (INCOMPLETE, FAILED).
    public var mac: MACAddress?
    /// ndm_ifindex: the SVI.
    public var ifindex: Int32
    public var state: State
    public var flags: Flags

    public init(ip: IPAddress, mac: MACAddress?, ifindex: Int32, state: State = .reachable, flags: Flags = []) {
        self.ip = ip
        self.mac = mac
        self.ifindex = ifindex
        self.state = state
        self.flags = flags
    }

    public var isExternallyLearned: Bool { flags.contains(.extLearned) }

    /// A local host as FRR's zebra reads one: usable (NUD_VALID) with a unicast link-layer address, not a
    /// control plane's row, and a unicast address (the kernel keeps NOARP rows for the multicast groups the SVI
    /// joined, 224.0.0.22 at 01:00:5e:00:00:16 for IGMP, which zebra does not list and neither does evpnd).
    public var isLocalHost: Bool {
        guard !isExternallyLearned, !state.isDisjoint(with: .valid), let mac, mac != .zero else { return false }
        // The group bit: multicast and broadcast MACs.
        guard mac.rawValue >> 40 & 0x01 == 0 else { return false }
        switch ip {
        case .v4(let a): return a.rawValue >> 28 != 0xE && a.rawValue != 0xFFFF_FFFF
        case .v6(let a): return a.high >> 56 != 0xFF
        }
    }

    public var description: String {
        var s = "\(ip) dev \(ifindex)"
        if let mac { s += " lladdr \(mac)" }
        if flags.contains(.extLearned) { s += " extern_learn" }
        if flags.contains(.router) { s += " router" }
        let names: [(State, String)] = [(.permanent, "PERMANENT"), (.noARP, "NOARP"), (.reachable, "REACHABLE"),
                                        (.stale, "STALE"), (.delay, "DELAY"), (.probe, "PROBE"),
                                        (.incomplete, "INCOMPLETE"), (.failed, "FAILED")]
        let states = names.filter { state.contains($0.0) }.map(\.1)
        s += " " + (states.isEmpty ? "NONE" : states.joined(separator: ","))
        return s
    }
}

/// The row a neighbour occupies: the device and the address (one MAC per IP per device).
public struct NeighbourKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var ifindex: Int32
    public var ip: IPAddress

    public init(ifindex: Int32, ip: IPAddress) {
        self.ifindex = ifindex
        self.ip = ip
    }

    public static func < (a: NeighbourKey, b: NeighbourKey) -> Bool {
        (a.ifindex, a.ip) < (b.ifindex, b.ip)
    }

    public var description: String { "dev \(ifindex) \(ip)" }
}

/// A remote host's address evpnd wants on an SVI: `IP lladdr MAC dev SVI nud noarp extern_learn`.
public struct NeighbourIntent: Hashable, Sendable, CustomStringConvertible, ReconciledIntent {
    public var ip: IPAddress
    public var mac: MACAddress
    /// The SVI (the VNI's bridge device).
    public var svi: Int32
    /// NTF_ROUTER (an IPv6 router, from the ND community).
    public var router: Bool

    public init(ip: IPAddress, mac: MACAddress, svi: Int32, router: Bool = false) {
        self.ip = ip
        self.mac = mac
        self.svi = svi
        self.router = router
    }

    public var key: NeighbourKey { NeighbourKey(ifindex: svi, ip: ip) }

    public var entry: KernelNeighbourEntry {
        KernelNeighbourEntry(ip: ip, mac: mac, ifindex: svi, state: .noARP,
                             flags: router ? [.extLearned, .router] : [.extLearned])
    }

    /// Installed as a replace by default (zebra's `ip neigh replace`); never appended.
    public var appends: Bool { false }

    public func isSatisfied(by actual: KernelNeighbourEntry) -> Bool {
        actual.mac == mac && actual.isExternallyLearned && actual.state.contains(.noARP)
            && actual.flags.contains(.router) == router
    }

    public var description: String { entry.description }
}
