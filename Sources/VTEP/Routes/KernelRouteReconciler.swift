// The kernel's main routing table as a table of the shared reconciler (KernelTableReconciler.swift):
// BGP best paths and the config's static routes become routes as zebra installs them (table main,
// metric 20, protocol bgp or static), kept level-triggered like the FDB's rows: dumped at start,
// evpnd's own adopted across a restart, removed when no longer wanted, put back when someone deletes
// them, kept through graceful restart.
//
// What evpnd owns, and so may change or delete: rows of protocol bgp (186) or static (4) at metric 20 in
// the main table, which is what zebra installs and what zebra itself sweeps at its start. Rows of any other
// protocol (kernel, boot, an operator's, another daemon's) or at another metric are never touched and
// never taken over: an install that meets one at its key is reported once as a conflict and left out.

import BGPWire

public typealias KernelRouteOperation = TableOperation<KernelRouteEntry>
public typealias KernelRouteReconciler = KernelTableReconciler<KernelRouteTable>

public struct KernelRouteTable: ReconciledTable {
    public typealias Key = KernelRouteKey
    public typealias Entry = KernelRouteEntry
    public typealias Intent = KernelRouteIntent

    public init() {}

    public func key(of entry: KernelRouteEntry) -> KernelRouteKey { KernelRouteKey(prefix: entry.prefix, metric: entry.metric) }

    public func isOwned(_ entry: KernelRouteEntry, at key: KernelRouteKey) -> Bool {
        key.metric == KernelRouteEntry.zebraMetric
            && (entry.protocol == KernelRouteProtocol.bgp || entry.protocol == KernelRouteProtocol.static)
    }

    public func isTakeover(_ entry: KernelRouteEntry, at key: KernelRouteKey) -> Bool { false }

    public func isLearnable(_ key: KernelRouteKey) -> Bool { false }

    public static func isControlPlane(_ entry: KernelRouteEntry) -> Bool { true }

    public static func isSameRow(removed: KernelRouteEntry, current: KernelRouteEntry) -> Bool {
        removed.protocol == current.protocol
    }

    public static func stored(_ entry: KernelRouteEntry) -> KernelRouteEntry { entry }

    public static func sorted(_ keys: [KernelRouteKey]) -> [KernelRouteKey] { keys.sorted() }

    /// One phase: routes do not depend on each other within a round (the kernel resolves a gateway
    /// against the connected routes, which evpnd never installs).
    public static var phaseCount: Int { 1 }
    public static func phase(of operation: KernelRouteOperation) -> Int { 0 }
}

/// One route evpnd wants in the kernel.
public struct KernelRouteIntent: ReconciledIntent, CustomStringConvertible {
    public var entry: KernelRouteEntry

    public init(_ entry: KernelRouteEntry) { self.entry = entry }

    public var key: KernelRouteKey { KernelRouteKey(prefix: entry.prefix, metric: entry.metric) }

    /// The same protocol and the same next hops. A next hop asked for without a device is satisfied by the
    /// kernel's row with the device it resolved.
    public func isSatisfied(by actual: KernelRouteEntry) -> Bool {
        guard actual.protocol == entry.protocol, actual.type == entry.type,
              actual.nextHops.count == entry.nextHops.count else { return false }
        return zip(entry.nextHops, actual.nextHops).allSatisfy { want, have in
            want.gateway == have.gateway && want.onlink == have.onlink && (want.ifindex == 0 || want.ifindex == have.ifindex)
        }
    }

    public var appends: Bool { false }

    public var description: String { entry.description }
}

extension KernelTableReconciler where Table == KernelRouteTable {
    public init() { self.init(table: KernelRouteTable()) }
}
