// The FDB rows evpnd wants, as FRR's zebra installs them (zebra/rt_netlink.c `netlink_macfdb_update`,
// `netlink_vxlan_flood_update_ctx`):
//
//   remote MAC (type 2):  MAC dev VXLAN dst REMOTE_VTEP self extern_learn     (the VXLAN device's row)
//                         MAC dev VXLAN master extern_learn                    (the bridge's row)
//   flood (type 3):       00:00:00:00:00:00 dev VXLAN dst REMOTE_VTEP self permanent, one per remote VTEP
//
// Rows are named by `FDBKey`: the table they live in (the bridge's, keyed by MAC and VLAN; or a
// device's own, keyed by MAC and VLAN, plus the destination for the all-zero flood MAC, which holds one
// row per remote VTEP) and the fields that pick one row in it.

import BGPWire

public struct FDBKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Table: Hashable, Sendable, Comparable {
        /// The bridge's table (rows reported with NDA_MASTER), by bridge ifindex.
        case bridge(Int32)
        /// A device's own table (NTF_SELF rows), by device ifindex.
        case device(Int32)
    }

    public var table: Table
    public var mac: MACAddress
    public var vlan: UInt16?
    /// Only for all-zero (flood) rows of a device table, which hold one row per destination.
    public var destination: IPAddress?

    public init(table: Table, mac: MACAddress, vlan: UInt16? = nil, destination: IPAddress? = nil) {
        self.table = table
        self.mac = mac
        self.vlan = vlan
        self.destination = mac == .zero ? destination : nil
    }

    /// The row `entry` occupies. `bridgeOf` finds the bridge of a port when the kernel left NDA_MASTER out.
    public init(_ entry: KernelFDBEntry, bridgeOf: (Int32) -> Int32?) {
        if entry.isBridgeRow {
            self.init(table: .bridge(entry.master ?? bridgeOf(entry.ifindex) ?? -1), mac: entry.mac, vlan: entry.vlan)
        } else {
            self.init(table: .device(entry.ifindex), mac: entry.mac, vlan: entry.vlan, destination: entry.destination)
        }
    }

    /// Two words instead of the synthesized walk over the enum, the optionals and the address: the
    /// reconciler hashes a key about ten times per row installed (profile of scripts/bench.d/vtep).
    /// Equal keys hash equally (every field goes in; a nil VLAN and VLAN 0xFFFF only collide).
    public func hash(into hasher: inout Hasher) {
        let tableWord: UInt64
        switch table {
        case .bridge(let b): tableWord = UInt64(UInt32(bitPattern: b)) << 1 | 1
        case .device(let d): tableWord = UInt64(UInt32(bitPattern: d)) << 1
        }
        hasher.combine(mac.rawValue | UInt64(vlan ?? 0xFFFF) << 48)
        hasher.combine(tableWord)
        if let destination { hasher.combine(destination) }
    }

    /// The table as one number in the order of `Table`'s cases (bridge tables first), then index.
    private var tableRank: Int64 {
        switch table {
        case .bridge(let b): return Int64(b)
        case .device(let d): return 1 << 33 + Int64(d)
        }
    }

    /// `keys.sorted()`, comparing two precomputed words per key (table, then MAC and VLAN) and the
    /// full `<` only on a tie: the reconciler sorts every round's dirty keys, thousands of them
    /// during a large install. What is sorted is the two words and the key's index (24 octets), not the
    /// key itself: moving whole keys around was most of the sort's cost (callgrind).
    public static func sortedQuickly(_ keys: [FDBKey]) -> [FDBKey] {
        var tagged = keys.indices.map { i in
            (rank: UInt64(bitPattern: keys[i].tableRank) ^ (1 << 63), word: keys[i].mac.rawValue << 16 | UInt64(keys[i].vlan ?? 0),
             index: i)
        }
        tagged.sort { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            if a.word != b.word { return a.word < b.word }
            return keys[a.index] < keys[b.index]
        }
        return tagged.map { keys[$0.index] }
    }

    public static func < (a: FDBKey, b: FDBKey) -> Bool {
        // Numbers first (the reconciler sorts every round's dirty keys with this); the destination's
        // text only for two flood rows of one device.
        let (ra, rb) = (a.tableRank, b.tableRank)
        if ra != rb { return ra < rb }
        if a.mac != b.mac { return a.mac.rawValue < b.mac.rawValue }
        if a.vlan != b.vlan { return (a.vlan ?? 0) < (b.vlan ?? 0) }
        if a.destination == b.destination { return false }
        return (a.destination?.description ?? "") < (b.destination?.description ?? "")
    }

    public var description: String {
        var s: String
        switch table {
        case .bridge(let b): s = "bridge \(b) \(mac)"
        case .device(let d): s = "dev \(d) \(mac)"
        }
        if let vlan { s += " vlan \(vlan)" }
        if let destination { s += " dst \(destination)" }
        return s
    }
}

/// One row evpnd wants in the kernel.
public struct FDBIntent: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// `MAC dev VXLAN dst VTEP self extern_learn`.
        case remoteMAC
        /// `MAC dev VXLAN master extern_learn`.
        case bridgeRow
        /// `00:00:00:00:00:00 dev VXLAN dst VTEP self permanent`, appended.
        case flood
    }

    public var kind: Kind
    public var mac: MACAddress
    /// The VXLAN device.
    public var device: Int32
    /// Its bridge.
    public var bridge: Int32
    public var vtep: IPAddress?
    public var vlan: UInt16?
    /// A remote MAC with an ESI whose ES has a nexthop group: the row names the group (NDA_NH_ID) and no
    /// destination, so the ES's VTEPs share its traffic and leave it together (RemoteESGroups.swift).
    public var nexthopGroup: UInt32? = nil

    /// A remote MAC behind a remote ES's group: `MAC dev VXLAN nhid GROUP self extern_learn`.
    public static func remoteMAC(_ mac: MACAddress, device: Int32, bridge: Int32, group: UInt32) -> FDBIntent {
        FDBIntent(kind: .remoteMAC, mac: mac, device: device, bridge: bridge, vtep: nil, vlan: nil, nexthopGroup: group)
    }

    public static func remoteMAC(_ mac: MACAddress, device: Int32, bridge: Int32, vtep: IPAddress) -> FDBIntent {
        FDBIntent(kind: .remoteMAC, mac: mac, device: device, bridge: bridge, vtep: vtep, vlan: nil)
    }

    public static func bridgeRow(_ mac: MACAddress, device: Int32, bridge: Int32) -> FDBIntent {
        FDBIntent(kind: .bridgeRow, mac: mac, device: device, bridge: bridge, vtep: nil, vlan: nil)
    }

    public static func flood(device: Int32, bridge: Int32, vtep: IPAddress) -> FDBIntent {
        FDBIntent(kind: .flood, mac: .zero, device: device, bridge: bridge, vtep: vtep, vlan: nil)
    }

    public var key: FDBKey {
        switch kind {
        case .remoteMAC: return FDBKey(table: .device(device), mac: mac, vlan: vlan)
        case .bridgeRow: return FDBKey(table: .bridge(bridge), mac: mac, vlan: vlan)
        case .flood: return FDBKey(table: .device(device), mac: .zero, vlan: vlan, destination: vtep)
        }
    }

    /// The row as a request carries it. For bridge rows `master` names the bridge for evpnd's books:
    /// the request itself addresses the row with NTF_MASTER on the VXLAN device (Netlink's
    /// `FDBEntry.bridgeRow`), without NDA_MASTER.
    public var entry: KernelFDBEntry {
        switch kind {
        case .remoteMAC:
            return KernelFDBEntry(mac: mac, ifindex: device, vlan: vlan, destination: nexthopGroup == nil ? vtep : nil,
                                  flags: [.self, .extLearned], state: .reachable, nexthopID: nexthopGroup)
        case .bridgeRow:
            return KernelFDBEntry(mac: mac, ifindex: device, master: bridge, vlan: vlan, flags: [.master, .extLearned], state: .reachable)
        case .flood:
            return KernelFDBEntry(mac: .zero, ifindex: device, vlan: vlan, destination: vtep, flags: [.self], state: .permanent)
        }
    }

    /// Whether the kernel row `actual` (at this intent's key) already is what this intent asks for.
    public func isSatisfied(by actual: KernelFDBEntry) -> Bool {
        switch kind {
        case .remoteMAC:
            if let nexthopGroup {
                return !actual.isBridgeRow && actual.nexthopID == nexthopGroup && actual.isExternallyLearned
            }
            return !actual.isBridgeRow && actual.destination == vtep && actual.nexthopID == nil && actual.isExternallyLearned
        case .bridgeRow: return actual.isBridgeRow && actual.ifindex == device && actual.isExternallyLearned
        case .flood: return !actual.isBridgeRow && actual.destination == vtep
        }
    }

    public var description: String { entry.description }
}
