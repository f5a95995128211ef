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
    /// One FDB row: what evpnd wants there and what the kernel holds, side by side, so that a row
    /// costs one hash lookup where two tables and a dirty set cost five (profile of
    /// scripts/bench.d/vtep, 100,000 MACs). A row with neither is not kept.
    struct Row: Sendable {
        var desired: FDBIntent?
        /// The kernel as last seen (dump, events, and the operations issued since).
        var actual: KernelFDBEntry?
        /// Listed in `dirtyKeys`, to be looked at by the next `plan`.
        var dirty = false
        /// The kernel lost or grew this row behind evpnd's back (FDBReconciler+Drift.swift); cleared by
        /// the repair.
        var drifted = false
    }

    var rows: [FDBKey: Row] = [:]
    /// Keys whose row changed since the last plan, each once (the row's `dirty` says whether listed).
    private var dirtyKeys: [FDBKey] = []
    private var devices: [Int32: Int32] = [:]
    private var bridges: [Int32: Int32] = [:]
    /// Which bridge each port belongs to, to key bridge rows reported without NDA_MASTER.
    private var portBridge: [Int32: Int32] = [:]
    private var forceReplace: Set<FDBKey> = []
    private(set) var parked: Set<FDBKey> = []
    private var conflictsReported: Set<FDBKey> = []
    /// Bridge-table keys whose row changed since last taken (local learning looks at them again).
    var changedBridgeRows: Set<FDBKey> = []
    /// Graceful restart: owned rows nobody wants are kept, not deleted, until this goes off
    /// (FDBReconciler+Retention.swift).
    public internal(set) var retainsStale = false
    var retained: Set<FDBKey> = []
    /// Drift found and repairs issued, and whether a first dump was seen (FDBReconciler+Drift.swift).
    public internal(set) var drift = FDBDriftCounters()
    var seenKernel = false

    public init() {}

    /// The kernel's rows as last seen, by key (a copy: for reports and tests, not for a hot path).
    public var actual: [FDBKey: KernelFDBEntry] { rows.compactMapValues(\.actual) }
    /// The rows evpnd wants, by key (a copy, as `actual`).
    public var desired: [FDBKey: FDBIntent] { rows.compactMapValues(\.desired) }
    /// The kernel's row at `key` as last seen.
    public func actualEntry(at key: FDBKey) -> KernelFDBEntry? { rows[key]?.actual }
    public func desiredIntent(at key: FDBKey) -> FDBIntent? { rows[key]?.desired }
    /// Whether a row changed since the last plan.
    public var hasChanges: Bool { !dirtyKeys.isEmpty }

    mutating func markDirty(_ key: FDBKey) {
        guard let i = rows.index(forKey: key) else { return }
        markDirty(at: i, key)
    }

    /// Flags the row at `i` (whose key is `key`) and lists it, once.
    private mutating func markDirty(at i: [FDBKey: Row].Index, _ key: FDBKey) {
        guard !rows.values[i].dirty else { return }
        rows.values[i].dirty = true
        dirtyKeys.append(key)
    }

    private mutating func markAllDirty() {
        dirtyKeys = []
        dirtyKeys.reserveCapacity(rows.count)
        for i in rows.indices {
            rows.values[i].dirty = true
            dirtyKeys.append(rows.keys[i])
        }
    }

    // MARK: what is managed

    public var managed: [ManagedDevice] { devices.map { ManagedDevice(device: $0.key, bridge: $0.value) }.sorted { $0.device < $1.device } }

    /// The managed devices; rows of devices no longer managed are forgotten as evpnd's (never touched).
    public mutating func setManaged(_ list: [ManagedDevice]) {
        let new = Dictionary(list.map { ($0.device, $0.bridge) }, uniquingKeysWith: { a, _ in a })
        if new == devices { return }
        devices = new
        bridges = Dictionary(list.map { ($0.bridge, $0.device) }, uniquingKeysWith: { a, _ in a })
        markAllDirty()
    }

    public mutating func setPortBridges(_ map: [Int32: Int32]) { portBridge = map }

    public func key(of entry: KernelFDBEntry) -> FDBKey { FDBKey(entry, bridgeOf: { portBridge[$0] }) }

    // MARK: desired

    public mutating func setDesired(_ intent: FDBIntent?, at key: FDBKey) {
        // One lookup for compare-and-set, and none in sets that are empty (as they are in a large install).
        if let intent {
            let changed = Self.update(&rows[key, default: Row()]) { row in
                guard row.desired != intent else { return false }
                row.desired = intent
                return true
            }
            guard changed.result else { return }
            if changed.listed { dirtyKeys.append(key) }
        } else {
            guard let i = rows.index(forKey: key), rows.values[i].desired != nil else { return }
            rows.values[i].desired = nil
            markDirty(at: i, key)
        }
        if !parked.isEmpty { parked.remove(key) }
        if !conflictsReported.isEmpty { conflictsReported.remove(key) }
    }

    /// Applies `change` to a row in place; when it reports a change, the row is flagged dirty, and
    /// `listed` says whether it was not before (so the caller lists the key).
    private static func update(_ row: inout Row, _ change: (inout Row) -> Bool) -> (result: Bool, listed: Bool) {
        guard change(&row) else { return (false, false) }
        if row.dirty { return (true, false) }
        row.dirty = true
        return (true, true)
    }

    // MARK: actual

    /// A full dump: the kernel's truth replaces the model, and every row is looked at again.
    public mutating func replaceActual(with dump: [KernelFDBEntry]) {
        let before = seenKernel ? rows : [:]
        defer {
            if seenKernel { noteDumpDrift(before: before) }
            seenKernel = true
        }
        var next: [FDBKey: Row] = [:]
        next.reserveCapacity(max(rows.count, dump.count))
        for (key, row) in rows {
            if row.actual != nil, isBridgeTable(key) { changedBridgeRows.insert(key) }
            if let desired = row.desired { next[key] = Row(desired: desired) }
        }
        for entry in dump {
            let key = key(of: entry)
            next[key, default: Row()].actual = entry
            if isBridgeTable(key) { changedBridgeRows.insert(key) }
        }
        rows = next
        markAllDirty()
        parked = []
        forceReplace = []
        conflictsReported = []
    }

    /// RTM_NEWNEIGH.
    public mutating func observeAdded(_ entry: KernelFDBEntry) {
        let k = key(of: entry)
        let changed = Self.update(&rows[k, default: Row()]) { row in
            row.actual = entry
            return true
        }
        if changed.listed { dirtyKeys.append(k) }
        if isBridgeTable(k) { changedBridgeRows.insert(k) }
    }

    /// RTM_DELNEIGH. Ignored when the model already holds a different row there (the event is older
    /// than an operation evpnd issued since).
    public mutating func observeRemoved(_ entry: KernelFDBEntry) {
        let k = key(of: entry)
        guard let i = rows.index(forKey: k), let current = rows.values[i].actual else { return }
        let same = entry.isBridgeRow ? current.ifindex == entry.ifindex : current.destination == entry.destination
        guard same else { return }
        rows.values[i].actual = nil
        noteDrift(at: i, k, before: current)
        markDirty(at: i, k)
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
        let keys = FDBKey.sortedQuickly(dirtyKeys)
        dirtyKeys.removeAll(keepingCapacity: true)  // (grown anew each round, it was copied as it grew)
        for key in keys {
            guard let i = rows.index(forKey: key) else { continue }
            rows.values[i].dirty = false
            let want = rows.values[i].desired
            let have = rows.values[i].actual
            let drifted = rows.values[i].drifted
            if drifted { rows.values[i].drifted = false }
            if !checkParked || !parked.contains(key),
               let op = operation(key, want: want, have: have, &conflicts) {
                if drifted { drift.repaired += 1 }
                ops.append(op)
                // The model as if the operation was done. Each key gets at most one operation a round,
                // so applying them in planning order or in phase order is the same.
                switch op {
                case .add(let e), .replace(let e), .append(let e):
                    var stored = e
                    if e.isBridgeRow {
                        // Kernels report bridge rows without NTF_MASTER, with NDA_MASTER: store them so.
                        stored.flags.remove(.master)
                    }
                    rows.values[i].actual = stored
                case .delete:
                    rows.values[i].actual = nil
                }
                // Local learning looks again only where the bridge row was not evpnd's (a learned row
                // taken over): evpnd's own rows are `extern_learn`, never a local MAC, before and after.
                // Handing it the 100,000 rows of a large install was a second round of lookups for nothing.
                if let have, !have.isExternallyLearned, isBridgeTable(key) { changedBridgeRows.insert(key) }
            }
            if rows.values[i].desired == nil && rows.values[i].actual == nil { rows.remove(at: i) }
        }
        // Stable by phase: four buckets in one pass (a comparison sort moved these large values around).
        var phases: [[FDBOperation]] = [[], [], [], []]
        for op in ops { phases[op.phase].append(op) }
        return (phases.flatMap { $0 }, conflicts)
    }

    /// What one row needs, if anything.
    private mutating func operation(_ key: FDBKey, want: FDBIntent?, have: KernelFDBEntry?,
                                    _ conflicts: inout [String]) -> FDBOperation? {
        switch (want, have) {
        case (nil, nil):
            return nil
        case (nil, let have?):
            guard isOwned(have, at: key) else { return nil }
            if retainsStale {
                retained.insert(key)
                return nil
            }
            return .delete(have)
        case (let want?, nil):
            if !forceReplace.isEmpty, forceReplace.contains(key) { return .replace(want.entry) }
            return want.kind == .flood ? .append(want.entry) : .add(want.entry)
        case (let want?, let have?):
            if want.isSatisfied(by: have) {
                if !forceReplace.isEmpty { forceReplace.remove(key) }
                return nil
            }
            if isOwned(have, at: key) || isTakeover(have, at: key) || forceReplace.contains(key) {
                return .replace(want.entry)
            }
            if !conflictsReported.contains(key) {
                conflictsReported.insert(key)
                conflicts.append("\(key): \(have) is not evpnd's; \(want) not installed")
            }
            return nil
        }
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
                rows[k]?.actual = nil
                forceReplace.insert(k)
                markDirty(k)
            default:
                rows[k]?.actual = nil
                parked.insert(k)
                markDirty(k)  // only to drop the row if it is now empty: a parked row is not planned
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
