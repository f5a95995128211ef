// The level-triggered reconciler of one kernel table, generic over the table (ARCHITECTURE.md, "one
// reconciler pattern for every kernel table"): desired rows (from the Loc-RIB) against actual rows (a
// kernel dump at start, then events), compared row by row; the difference becomes add/replace/append/
// delete operations. Missed events, a restart, or an operator deleting a row all heal the same way: the
// next look at the row puts it back. What differs between tables (how a row is keyed, which rows evpnd
// owns, which it may take over, the order of a round) is the `ReconciledTable` the reconciler holds;
// everything else (rows, the dirty list, parking, EEXIST -> replace, drift, graceful-restart retention)
// is here once. The FDB (FDBReconciler.swift) and the SVI neighbour table (NeighbourReconciler.swift)
// are its two tables today.
//
// Operations are applied to the model of the kernel as they are issued; `fold` takes the
// acknowledgements back: EEXIST on an add makes the next round a replace, ENOENT on a delete is
// success, any other failure parks the row until the next dump or until its intent changes (so a
// refused row is not retried in a loop). A row that blocks an intent and is neither owned nor one the
// table may take over is left alone and reported as a conflict, once.
//
// The reconciler is generic, its callers in this module are not: every use is specialised, so the FDB's
// hot path (scripts/bench.d/vtep) has no dynamic dispatch.

/// A kernel table: its row keys, rows and intents, and evpnd's rules for it.
public protocol ReconciledTable: Sendable {
    associatedtype Key: Hashable, Sendable, CustomStringConvertible
    associatedtype Entry: Hashable, Sendable, CustomStringConvertible
    associatedtype Intent: ReconciledIntent where Intent.Entry == Entry, Intent.Key == Key

    /// The row `entry` occupies.
    func key(of entry: Entry) -> Key
    /// Whether evpnd may change or delete `entry`, found at `key`.
    func isOwned(_ entry: Entry, at key: Key) -> Bool
    /// A row that is not evpnd's but that an install may replace (the kernel does so on NLM_F_REPLACE
    /// where zebra's install would take it over).
    func isTakeover(_ entry: Entry, at key: Key) -> Bool
    /// Whether changes of the row at `key` go to local learning (`changedLearnedRows`).
    func isLearnable(_ key: Key) -> Bool
    /// Whether `entry` was made by a control plane (evpnd, zebra) rather than learned by the kernel:
    /// such a row is never a local host, so evpnd's own installs are not handed to learning again.
    static func isControlPlane(_ entry: Entry) -> Bool
    /// A removal event for `removed` concerns the row the model holds as `current` (not an older one).
    static func isSameRow(removed: Entry, current: Entry) -> Bool
    /// The row as the model stores it after an operation installed `entry` (as the kernel reports it).
    static func stored(_ entry: Entry) -> Entry
    /// A round's dirty keys in the order they are planned (deterministic).
    static func sorted(_ keys: [Key]) -> [Key]
    /// How many phases a round has, and which one an operation goes in (stable inside a phase).
    static var phaseCount: Int { get }
    static func phase(of operation: TableOperation<Entry>) -> Int
}

/// One row evpnd wants.
public protocol ReconciledIntent: Hashable, Sendable, CustomStringConvertible {
    associatedtype Key
    associatedtype Entry
    var key: Key { get }
    /// The row as a request carries it.
    var entry: Entry { get }
    /// Whether the kernel row `actual`, at this intent's key, already is what this intent asks for.
    func isSatisfied(by actual: Entry) -> Bool
    /// Installed with NLM_F_APPEND (one of several rows at a key, the FDB's flood list) rather than
    /// NLM_F_EXCL.
    var appends: Bool { get }
}

public enum TableOperation<Entry: Hashable & Sendable & CustomStringConvertible>: Hashable, Sendable, CustomStringConvertible {
    /// NLM_F_CREATE | NLM_F_EXCL.
    case add(Entry)
    /// NLM_F_CREATE | NLM_F_REPLACE.
    case replace(Entry)
    /// NLM_F_CREATE | NLM_F_APPEND: another destination for the flood MAC.
    case append(Entry)
    case delete(Entry)

    public var entry: Entry {
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
}

/// The kernel's answer to one operation (of any table).
public enum KernelOperationResult: Hashable, Sendable {
    case ok
    /// A positive errno.
    case failed(errno: Int32)
    /// No acknowledgement (socket overrun): resync with a dump.
    case unanswered

    /// Linux errno values (include/uapi/asm-generic/errno-base.h).
    public static let ENOENT: Int32 = 2
    public static let EEXIST: Int32 = 17
}

public struct KernelTableReconciler<Table: ReconciledTable>: Sendable {
    public typealias Key = Table.Key
    public typealias Entry = Table.Entry
    public typealias Intent = Table.Intent
    public typealias Operation = TableOperation<Entry>

    /// One row: what evpnd wants there and what the kernel holds, side by side, so that a row costs one
    /// hash lookup where two tables and a dirty set cost five (profile of scripts/bench.d/vtep, 100,000
    /// MACs). A row with neither is not kept.
    struct Row: Sendable {
        var desired: Intent?
        /// The kernel as last seen (dump, events, and the operations issued since).
        var actual: Entry?
        /// Listed in `dirtyKeys`, to be looked at by the next `plan`.
        var dirty = false
        /// The kernel lost or grew this row behind evpnd's back (FDBReconciler+Drift.swift); cleared by
        /// the repair.
        var drifted = false

        init(desired: Intent? = nil) { self.desired = desired }
    }

    /// The table's rules and what it manages (devices, SVIs).
    public internal(set) var table: Table
    var rows: [Key: Row] = [:]
    /// Keys whose row changed since the last plan, each once (the row's `dirty` says whether listed).
    private var dirtyKeys: [Key] = []
    private var forceReplace: Set<Key> = []
    private(set) var parked: Set<Key> = []
    private var conflictsReported: Set<Key> = []
    /// Learnable keys (`Table.isLearnable`) whose row changed since last taken: local learning looks at
    /// them again.
    var changedLearnedRows: Set<Key> = []
    /// Graceful restart: owned rows nobody wants are kept, not deleted, until this goes off
    /// (FDBReconciler+Retention.swift).
    public internal(set) var retainsStale = false
    var retained: Set<Key> = []
    /// Drift found and repairs issued, and whether a first dump was seen (FDBReconciler+Drift.swift).
    public internal(set) var drift = FDBDriftCounters()
    var seenKernel = false

    public init(table: Table) { self.table = table }

    /// The kernel's rows as last seen, by key (a copy: for reports and tests, not for a hot path).
    public var actual: [Key: Entry] { rows.compactMapValues(\.actual) }
    /// The rows evpnd wants, by key (a copy, as `actual`).
    public var desired: [Key: Intent] { rows.compactMapValues(\.desired) }
    /// The kernel's row at `key` as last seen.
    public func actualEntry(at key: Key) -> Entry? { rows[key]?.actual }
    public func desiredIntent(at key: Key) -> Intent? { rows[key]?.desired }
    /// Whether a row changed since the last plan.
    public var hasChanges: Bool { !dirtyKeys.isEmpty }

    public func key(of entry: Entry) -> Key { table.key(of: entry) }

    public func isOwned(_ entry: Entry, at key: Key) -> Bool { table.isOwned(entry, at: key) }

    mutating func markDirty(_ key: Key) {
        guard let i = rows.index(forKey: key) else { return }
        markDirty(at: i, key)
    }

    /// Flags the row at `i` (whose key is `key`) and lists it, once.
    private mutating func markDirty(at i: [Key: Row].Index, _ key: Key) {
        guard !rows.values[i].dirty else { return }
        rows.values[i].dirty = true
        dirtyKeys.append(key)
    }

    mutating func markAllDirty() {
        dirtyKeys = []
        dirtyKeys.reserveCapacity(rows.count)
        for i in rows.indices {
            rows.values[i].dirty = true
            dirtyKeys.append(rows.keys[i])
        }
    }

    /// Changes what is managed (the table's own fields); every row is looked at again when it changed.
    mutating func updateTable(_ change: (inout Table) -> Bool) {
        if change(&table) { markAllDirty() }
    }

    // MARK: desired

    public mutating func setDesired(_ intent: Intent?, at key: Key) {
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
    public mutating func replaceActual(with dump: [Entry]) {
        let before = seenKernel ? rows : [:]
        defer {
            if seenKernel { noteDumpDrift(before: before) }
            seenKernel = true
        }
        var next: [Key: Row] = [:]
        next.reserveCapacity(max(rows.count, dump.count))
        for (key, row) in rows {
            if row.actual != nil, table.isLearnable(key) { changedLearnedRows.insert(key) }
            if let desired = row.desired { next[key] = Row(desired: desired) }
        }
        for entry in dump {
            let key = key(of: entry)
            next[key, default: Row()].actual = entry
            if table.isLearnable(key) { changedLearnedRows.insert(key) }
        }
        rows = next
        markAllDirty()
        parked = []
        forceReplace = []
        conflictsReported = []
    }

    /// RTM_NEWNEIGH.
    public mutating func observeAdded(_ entry: Entry) {
        let k = key(of: entry)
        let changed = Self.update(&rows[k, default: Row()]) { row in
            row.actual = entry
            return true
        }
        if changed.listed { dirtyKeys.append(k) }
        if table.isLearnable(k) { changedLearnedRows.insert(k) }
    }

    /// RTM_DELNEIGH. Ignored when the model already holds a different row there (the event is older
    /// than an operation evpnd issued since).
    public mutating func observeRemoved(_ entry: Entry) {
        let k = key(of: entry)
        guard let i = rows.index(forKey: k), let current = rows.values[i].actual,
              Table.isSameRow(removed: entry, current: current) else { return }
        rows.values[i].actual = nil
        noteDrift(at: i, k, before: current)
        markDirty(at: i, k)
        if table.isLearnable(k) { changedLearnedRows.insert(k) }
    }

    // MARK: planning

    /// The operations for every dirty row, in phase order, applied to the model as issued; and a
    /// sentence for each new conflict.
    public mutating func plan() -> (operations: [Operation], conflicts: [String]) {
        var ops: [Operation] = []
        var conflicts: [String] = []
        let checkParked = !parked.isEmpty
        let keys = Table.sorted(dirtyKeys)
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
                    rows.values[i].actual = Table.stored(e)
                case .delete:
                    rows.values[i].actual = nil
                }
                // Local learning looks again only where the row was not a control plane's (a learned row
                // taken over): evpnd's own rows never are a local host, before and after. Handing it the
                // 100,000 rows of a large install was a second round of lookups for nothing.
                if let have, !Table.isControlPlane(have), table.isLearnable(key) { changedLearnedRows.insert(key) }
            }
            if rows.values[i].desired == nil && rows.values[i].actual == nil { rows.remove(at: i) }
        }
        if Table.phaseCount <= 1 { return (ops, conflicts) }
        // Stable by phase: buckets in one pass (a comparison sort moved these large values around).
        var phases = [[Operation]](repeating: [], count: Table.phaseCount)
        for op in ops { phases[Table.phase(of: op)].append(op) }
        return (phases.flatMap { $0 }, conflicts)
    }

    /// What one row needs, if anything.
    private mutating func operation(_ key: Key, want: Intent?, have: Entry?, _ conflicts: inout [String]) -> Operation? {
        switch (want, have) {
        case (nil, nil):
            return nil
        case (nil, let have?):
            guard table.isOwned(have, at: key) else { return nil }
            if retainsStale {
                retained.insert(key)
                return nil
            }
            return .delete(have)
        case (let want?, nil):
            if !forceReplace.isEmpty, forceReplace.contains(key) { return .replace(want.entry) }
            return want.appends ? .append(want.entry) : .add(want.entry)
        case (let want?, let have?):
            if want.isSatisfied(by: have) {
                if !forceReplace.isEmpty { forceReplace.remove(key) }
                return nil
            }
            if table.isOwned(have, at: key) || table.isTakeover(have, at: key) || forceReplace.contains(key) {
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
    public mutating func fold(_ operations: [Operation], _ results: [KernelOperationResult]) -> [String] {
        var failures: [String] = []
        for (op, result) in zip(operations, results) {
            guard case .failed(let errno) = result else { continue }
            let k = key(of: op.entry)
            switch (op, errno) {
            case (.delete, KernelOperationResult.ENOENT):
                continue
            case (.add, KernelOperationResult.EEXIST), (.append, KernelOperationResult.EEXIST):
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
}
