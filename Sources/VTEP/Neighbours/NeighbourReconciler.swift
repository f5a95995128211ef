// The SVI neighbour table as a table of the shared reconciler (KernelTableReconciler.swift): remote
// MAC+IP routes become `nud noarp extern_learn` neighbours on the VNI's SVI, kept level-triggered like
// the FDB's rows (dumped at start, adopted across a restart, kept through graceful restart, healed when
// deleted).
//
// What evpnd owns, and so may change or delete: on the SVI of a managed VNI, `extern_learn` rows
// (FRR's zebra reads them the same way: `is_ext` is a remote neighbour). Everything else is never
// touched, with one exception as in the FDB: a dynamic row the kernel resolved itself (not
// `permanent`, not `noarp`) for an address a remote route now owns is taken over with a replace, as
// zebra's `ip neigh replace` does. A `permanent` or `noarp` row an operator added is a conflict,
// reported once and left alone. Rows on the SVI that are not evpnd's are local hosts: local learning
// (VTEPState+Neighbours.swift) reads them.

import BGPWire

public typealias NeighbourOperation = TableOperation<KernelNeighbourEntry>
public typealias NeighbourReconciler = KernelTableReconciler<NeighbourTable>

public struct NeighbourTable: ReconciledTable {
    public typealias Key = NeighbourKey
    public typealias Entry = KernelNeighbourEntry
    public typealias Intent = NeighbourIntent

    /// The SVIs of the managed VNIs (the VNIs' bridge devices).
    var svis: Set<Int32> = []

    public init() {}

    public func key(of entry: KernelNeighbourEntry) -> NeighbourKey { NeighbourKey(ifindex: entry.ifindex, ip: entry.ip) }

    public func isOwned(_ entry: KernelNeighbourEntry, at key: NeighbourKey) -> Bool {
        svis.contains(key.ifindex) && entry.isExternallyLearned
    }

    public func isTakeover(_ entry: KernelNeighbourEntry, at key: NeighbourKey) -> Bool {
        svis.contains(key.ifindex) && !entry.isExternallyLearned && entry.state.isDisjoint(with: [.permanent, .noARP])
    }

    public func isLearnable(_ key: NeighbourKey) -> Bool { svis.contains(key.ifindex) }

    public static func isControlPlane(_ entry: KernelNeighbourEntry) -> Bool { entry.isExternallyLearned }

    public static func isSameRow(removed: KernelNeighbourEntry, current: KernelNeighbourEntry) -> Bool {
        // RTM_DELNEIGH of an unresolved row carries no link-layer address: it still names the row.
        removed.mac == nil || removed.mac == current.mac
    }

    public static func stored(_ entry: KernelNeighbourEntry) -> KernelNeighbourEntry { entry }

    public static func sorted(_ keys: [NeighbourKey]) -> [NeighbourKey] { keys.sorted() }

    /// One phase: neighbours do not depend on each other within a round.
    public static var phaseCount: Int { 1 }
    public static func phase(of operation: NeighbourOperation) -> Int { 0 }
}

extension KernelTableReconciler where Table == NeighbourTable {
    public init() { self.init(table: NeighbourTable()) }

    public var svis: [Int32] { table.svis.sorted() }

    /// The managed SVIs; rows of SVIs no longer managed are forgotten as evpnd's (never touched).
    public mutating func setManaged(svis: [Int32]) {
        updateTable { table in
            let new = Set(svis)
            if new == table.svis { return false }
            table.svis = new
            return true
        }
    }

    /// The operations that make `actual` into `desired`, touching only rows evpnd owns on `svis`.
    public static func reconcile(desired: Set<NeighbourIntent>, actual: [KernelNeighbourEntry], svis: [Int32]) -> [NeighbourOperation] {
        var r = NeighbourReconciler()
        r.setManaged(svis: svis)
        r.replaceActual(with: actual)
        for intent in desired { r.setDesired(intent, at: intent.key) }
        return r.plan().operations
    }
}
