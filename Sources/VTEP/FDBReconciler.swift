// The level-triggered FDB reconciler: desired rows (from the Loc-RIB) against actual rows (a kernel
// dump at start, then events), compared row by row; the difference becomes add/replace/append/delete
// operations. Missed events, a restart, or an operator deleting a row all heal the same way: the next
// look at the row puts it back.
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
// delete+add, so forwarding has no gap. Operations are applied to the model of the kernel as they are
// issued; `fold` takes the acknowledgements back: EEXIST on an add makes the next round a replace,
// ENOENT on a delete is success, any other failure parks the row until the next dump or until its
// intent changes (so a refused row is not retried in a loop).
//
// Unicast rows of a device table are single-valued here (the last event wins): evpnd never appends
// a second destination to a unicast MAC, and a dump restores the kernel's truth.

import BGPWire

public enum FDBOperation: Hashable, Sendable, CustomStringConvertible {
    /// NLM_F_CREATE | NLM_F_EXCL.
    case add(KernelFDBEntry)
    /// NLM_F_CREATE | NLM_F_REPLACE.
    case replace(KernelFDBEntry)
    /// NLM_F_CREATE | NLM_F_APPEND: another destination for the flood MAC.
    case append(KernelFDBEntry)
    case delete(KernelFDBEntry)

    public var entry: KernelFDBEntry {
        switch self {
        case .add(let e), .replace(let e), .append(let e), .delete(let e): return e
        }
    }

    public var description: String {
        switch self {
        case .add(let e): return "add \(e)"
        case .replace(let e): return "replace \(e)"
        case .append(let e): return "append \(e)"
        case .delete(let e): return "delete \(e)"
        }
    }

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

/// The kernel's answer to one operation.
public enum FDBOperationResult: Hashable, Sendable {
    case ok
    /// A positive errno.
    case failed(errno: Int32)
    /// No acknowledgement (socket overrun): resync with a dump.
    case unanswered

    /// Linux errno values (include/uapi/asm-generic/errno-base.h).
    public static let ENOENT: Int32 = 2
    public static let EEXIST: Int32 = 17
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

public struct FDBReconciler: Sendable {
    /// The kernel as last seen (dump, events, and the operations issued since).
    public private(set) var actual: [FDBKey: KernelFDBEntry] = [:]
    public private(set) var desired: [FDBKey: FDBIntent] = [:]
    private var devices: [Int32: Int32] = [:]
    private var bridges: [Int32: Int32] = [:]
    /// Which bridge each port belongs to, to key bridge rows reported without NDA_MASTER.
    private var portBridge: [Int32: Int32] = [:]
    var dirty: Set<FDBKey> = []
    private var forceReplace: Set<FDBKey> = []
    private(set) var parked: Set<FDBKey> = []
    private var conflictsReported: Set<FDBKey> = []
    /// Bridge-table keys whose row changed since last taken (local learning looks at them again).
    var changedBridgeRows: Set<FDBKey> = []
    /// Graceful restart: owned rows nobody wants are kept, not deleted, until this goes off
    /// (FDBReconciler+Retention.swift).
    public internal(set) var retainsStale = false
    var retained: Set<FDBKey> = []

    public init() {}

    // MARK: what is managed

    public var managed: [ManagedDevice] { devices.map { ManagedDevice(device: $0.key, bridge: $0.value) }.sorted { $0.device < $1.device } }

    /// The managed devices; rows of devices no longer managed are forgotten as evpnd's (never touched).
    public mutating func setManaged(_ list: [ManagedDevice]) {
        let new = Dictionary(list.map { ($0.device, $0.bridge) }, uniquingKeysWith: { a, _ in a })
        if new == devices { return }
        devices = new
        bridges = Dictionary(list.map { ($0.bridge, $0.device) }, uniquingKeysWith: { a, _ in a })
        dirty.formUnion(actual.keys)
        dirty.formUnion(desired.keys)
    }

    public mutating func setPortBridges(_ map: [Int32: Int32]) { portBridge = map }

    public func key(of entry: KernelFDBEntry) -> FDBKey { FDBKey(entry, bridgeOf: { portBridge[$0] }) }

    // MARK: desired

    public mutating func setDesired(_ intent: FDBIntent?, at key: FDBKey) {
        // One lookup for compare-and-set, and none in sets that are empty (as they are in a large install).
        let old: FDBIntent?
        if let intent { old = desired.updateValue(intent, forKey: key) } else { old = desired.removeValue(forKey: key) }
        if old == intent { return }
        dirty.insert(key)
        if !parked.isEmpty { parked.remove(key) }
        if !conflictsReported.isEmpty { conflictsReported.remove(key) }
    }

    // MARK: actual

    /// A full dump: the kernel's truth replaces the model, and every row is looked at again.
    public mutating func replaceActual(with dump: [KernelFDBEntry]) {
        let old = actual
        actual = [:]
        for entry in dump { actual[key(of: entry)] = entry }
        for (key, _) in old where isBridgeTable(key) { changedBridgeRows.insert(key) }
        for (key, _) in actual where isBridgeTable(key) { changedBridgeRows.insert(key) }
        dirty.formUnion(old.keys)
        dirty.formUnion(actual.keys)
        dirty.formUnion(desired.keys)
        parked = []
        forceReplace = []
        conflictsReported = []
    }

    /// RTM_NEWNEIGH.
    public mutating func observeAdded(_ entry: KernelFDBEntry) {
        let k = key(of: entry)
        actual[k] = entry
        touched(k)
    }

    /// RTM_DELNEIGH. Ignored when the model already holds a different row there (the event is older
    /// than an operation evpnd issued since).
    public mutating func observeRemoved(_ entry: KernelFDBEntry) {
        let k = key(of: entry)
        guard let current = actual[k] else { return }
        let same = entry.isBridgeRow ? current.ifindex == entry.ifindex : current.destination == entry.destination
        guard same else { return }
        actual[k] = nil
        touched(k)
    }

    private mutating func touched(_ k: FDBKey) {
        dirty.insert(k)
        if isBridgeTable(k) { changedBridgeRows.insert(k) }
    }

    private func isBridgeTable(_ k: FDBKey) -> Bool {
        if case .bridge = k.table { return true }
        return false
    }

    // MARK: ownership

    /// Whether evpnd may change or delete `entry`, found at `key`.
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
    func isTakeover(_ entry: KernelFDBEntry, at key: FDBKey) -> Bool {
        guard case .bridge(let b) = key.table, bridges[b] != nil else { return false }
        return !entry.isExternallyLearned && !entry.state.contains(.permanent) && !entry.state.contains(.noARP)
            && !entry.flags.contains(.sticky)
    }

    // MARK: planning

    /// The operations for every dirty row, in phase order, applied to the model as issued; and a
    /// sentence for each new conflict.
    public mutating func plan() -> (operations: [FDBOperation], conflicts: [String]) {
        var ops: [FDBOperation] = []
        var conflicts: [String] = []
        let checkParked = !parked.isEmpty
        for key in FDBKey.sortedQuickly(dirty) {
            guard !checkParked || !parked.contains(key) else { continue }
            let want = desired[key]
            let have = actual[key]
            let op: FDBOperation
            switch (want, have) {
            case (nil, nil):
                continue
            case (nil, let have?):
                guard isOwned(have, at: key) else { continue }
                if retainsStale {
                    retained.insert(key)
                    continue
                }
                op = .delete(have)
            case (let want?, nil):
                if !forceReplace.isEmpty, forceReplace.contains(key) {
                    op = .replace(want.entry)
                } else {
                    op = want.kind == .flood ? .append(want.entry) : .add(want.entry)
                }
            case (let want?, let have?):
                if want.isSatisfied(by: have) {
                    if !forceReplace.isEmpty { forceReplace.remove(key) }
                    continue
                } else if isOwned(have, at: key) || isTakeover(have, at: key) || forceReplace.contains(key) {
                    op = .replace(want.entry)
                } else {
                    if !conflictsReported.contains(key) {
                        conflictsReported.insert(key)
                        conflicts.append("\(key): \(have) is not evpnd's; \(want) not installed")
                    }
                    continue
                }
            }
            ops.append(op)
            applyToModel(op, at: key, replacing: have)
        }
        dirty = []
        // Stable by phase: four buckets in one pass (a comparison sort moved these large values around).
        var phases: [[FDBOperation]] = [[], [], [], []]
        for op in ops { phases[op.phase].append(op) }
        return (phases.flatMap { $0 }, conflicts)
    }

    /// The model as if `op`, issued for `key` where the model held `old`, was done. Each key gets at most
    /// one operation a round, so applying them in planning order or in phase order is the same.
    private mutating func applyToModel(_ op: FDBOperation, at key: FDBKey, replacing old: KernelFDBEntry?) {
        switch op {
        case .add(let e), .replace(let e), .append(let e):
            var stored = e
            if e.isBridgeRow {
                // Kernels report bridge rows without NTF_MASTER, with NDA_MASTER: store them so.
                stored.flags.remove(.master)
            }
            actual[key] = stored
        case .delete:
            actual[key] = nil
        }
        // Local learning looks again only where the bridge row was not evpnd's (a learned row taken
        // over): evpnd's own rows are `extern_learn`, never a local MAC, before and after. Handing it the
        // 100,000 rows of a large install was a second round of lookups for nothing.
        if let old, !old.isExternallyLearned, isBridgeTable(key) { changedBridgeRows.insert(key) }
    }

    // MARK: acknowledgements

    /// Takes the kernel's answers to `operations` back into the model. Returns a sentence per failure.
    public mutating func fold(_ operations: [FDBOperation], _ results: [FDBOperationResult]) -> [String] {
        var failures: [String] = []
        for (op, result) in zip(operations, results) {
            guard case .failed(let errno) = result else { continue }
            let k = key(of: op.entry)
            switch (op, errno) {
            case (.delete, FDBOperationResult.ENOENT):
                continue
            case (.add, FDBOperationResult.EEXIST), (.append, FDBOperationResult.EEXIST):
                // Something is there that the model did not know: replace it next round.
                actual[k] = nil
                forceReplace.insert(k)
                dirty.insert(k)
            default:
                actual[k] = nil
                parked.insert(k)
                failures.append("\(op) failed with errno \(errno); row parked until the next dump or change")
            }
        }
        return failures
    }

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
