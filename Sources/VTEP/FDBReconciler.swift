// The FDB as a table of the shared reconciler (KernelTableReconciler.swift has the level-triggered
// comparison, the parking, the EEXIST -> replace rule and retention): how FDB rows are keyed, which
// evpnd owns, which it may take over, and the order of a round.
//
// What evpnd owns, and so may change or delete (everything else is never touched):
//   - on the VXLAN device of a managed VNI: `extern_learn` rows, and flood rows (all-zero MAC with a
//     destination; FRR installs them `permanent` without `extern_learn`, and so does evpnd);
//   - in the bridge of a managed VNI: `extern_learn` rows whose port is that VNI's VXLAN device.
// One exception, zebra's own: when a MAC that was learned locally moved to a remote VTEP (mobility
// decided so), the bridge's dynamic row for it (learned, not static, not permanent, not sticky) is
// taken over with a replace, as the kernel does when zebra installs the remote MAC with
// NLM_F_REPLACE. A row that blocks an intent and is not evpnd's (a static row an operator added) is
// left alone and reported as a conflict.
//
// A MAC moving between remote VTEPs is a `replace` of the device row (the bridge row stays), never
// delete+add, so forwarding has no gap.
//
// Unicast rows of a device table are single-valued here (the last event wins): evpnd never appends
// a second destination to a unicast MAC, and a dump restores the kernel's truth.

import BGPWire

public typealias FDBOperation = TableOperation<KernelFDBEntry>
public typealias FDBOperationResult = KernelOperationResult
public typealias FDBReconciler = KernelTableReconciler<FDBTable>

extension TableOperation where Entry == KernelFDBEntry {
    /// Order inside a round: bridge rows go before device rows when removing (traffic stops going to
    /// the VXLAN port first) and after them when adding (the destination is known before the bridge
    /// forwards to the port).
    var phase: Int {
        switch self {
        case .delete(let e): return e.isBridgeRow ? 0 : 1
        case .add(let e), .replace(let e), .append(let e): return e.isBridgeRow ? 3 : 2
        }
    }
}

/// A VXLAN device evpnd manages and its bridge.
public struct ManagedDevice: Hashable, Sendable {
    public var device: Int32
    public var bridge: Int32
    public init(device: Int32, bridge: Int32) {
        self.device = device
        self.bridge = bridge
    }
}

/// The bridge and VXLAN forwarding tables of the managed VNIs.
public struct FDBTable: ReconciledTable {
    public typealias Key = FDBKey
    public typealias Entry = KernelFDBEntry
    public typealias Intent = FDBIntent

    var devices: [Int32: Int32] = [:]
    var bridges: [Int32: Int32] = [:]
    /// Which bridge each port belongs to, to key bridge rows reported without NDA_MASTER.
    var portBridge: [Int32: Int32] = [:]

    public init() {}

    public func key(of entry: KernelFDBEntry) -> FDBKey { FDBKey(entry, bridgeOf: { portBridge[$0] }) }

    public func isOwned(_ entry: KernelFDBEntry, at key: FDBKey) -> Bool {
        switch key.table {
        case .device(let d):
            guard devices[d] != nil, !entry.isBridgeRow else { return false }
            return entry.isFloodEntry || (entry.mac != .zero && entry.isExternallyLearned)
        case .bridge(let b):
            guard let device = bridges[b] else { return false }
            return entry.ifindex == device && entry.isExternallyLearned
        }
    }

    /// A dynamic row the bridge learned, which a remote install may take over (see the header).
    public func isTakeover(_ entry: KernelFDBEntry, at key: FDBKey) -> Bool {
        guard case .bridge(let b) = key.table, bridges[b] != nil else { return false }
        return !entry.isExternallyLearned && !entry.state.contains(.permanent) && !entry.state.contains(.noARP)
            && !entry.flags.contains(.sticky)
    }

    /// Bridge rows are local MACs (or not): the device tables hold only remote VTEPs.
    public func isLearnable(_ key: FDBKey) -> Bool {
        if case .bridge = key.table { return true }
        return false
    }

    public static func isControlPlane(_ entry: KernelFDBEntry) -> Bool { entry.isExternallyLearned }

    public static func isSameRow(removed: KernelFDBEntry, current: KernelFDBEntry) -> Bool {
        removed.isBridgeRow
            ? current.ifindex == removed.ifindex
            : current.destination == removed.destination && current.nexthopID == removed.nexthopID
    }

    public static func stored(_ entry: KernelFDBEntry) -> KernelFDBEntry {
        guard entry.isBridgeRow else { return entry }
        // Kernels report bridge rows without NTF_MASTER, with NDA_MASTER: store them so.
        var stored = entry
        stored.flags.remove(.master)
        return stored
    }

    public static func sorted(_ keys: [FDBKey]) -> [FDBKey] { FDBKey.sortedQuickly(keys) }

    public static var phaseCount: Int { 4 }
    public static func phase(of operation: FDBOperation) -> Int { operation.phase }
}

extension FDBIntent: ReconciledIntent {
    public var appends: Bool { kind == .flood }
}

extension KernelTableReconciler where Table == FDBTable {
    public init() { self.init(table: FDBTable()) }

    public var managed: [ManagedDevice] {
        table.devices.map { ManagedDevice(device: $0.key, bridge: $0.value) }.sorted { $0.device < $1.device }
    }

    /// The managed devices; rows of devices no longer managed are forgotten as evpnd's (never touched).
    public mutating func setManaged(_ list: [ManagedDevice]) {
        updateTable { table in
            let new = Dictionary(list.map { ($0.device, $0.bridge) }, uniquingKeysWith: { a, _ in a })
            if new == table.devices { return false }
            table.devices = new
            table.bridges = Dictionary(list.map { ($0.bridge, $0.device) }, uniquingKeysWith: { a, _ in a })
            return true
        }
    }

    public mutating func setPortBridges(_ map: [Int32: Int32]) { table.portBridge = map }

    /// Bridge-table keys whose row changed since last taken (local learning looks at them again).
    var changedBridgeRows: Set<FDBKey> {
        get { changedLearnedRows }
        _modify { yield &changedLearnedRows }
    }

    /// A dynamic row the bridge learned, which a remote install may take over.
    func isTakeover(_ entry: KernelFDBEntry, at key: FDBKey) -> Bool { table.isTakeover(entry, at: key) }

    // MARK: the whole comparison

    /// The operations that make `actual` into `desired`, touching only rows evpnd owns on `managed`.
    /// Applying them to `actual` and calling this again gives none.
    public static func reconcile(desired: Set<FDBIntent>, actual: [KernelFDBEntry], managed: [ManagedDevice],
                                 portBridges: [Int32: Int32] = [:]) -> [FDBOperation] {
        var r = FDBReconciler()
        r.setManaged(managed)
        r.setPortBridges(portBridges)
        r.replaceActual(with: actual)
        for intent in desired { r.setDesired(intent, at: intent.key) }
        return r.plan().operations
    }
}
