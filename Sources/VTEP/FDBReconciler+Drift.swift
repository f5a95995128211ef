// Drift: a row evpnd had in place that the kernel lost or changed behind its back (an operator's
// `bridge fdb del`, a flush, events missed and found by the next dump), or a row evpnd owns that turned
// up unwanted in a dump. Counted when found, and again when the reconciler issues the operation that
// repairs it, for the metrics endpoint (`evpnd_fdb_drift_found_total`, `..._repaired_total`).
//
// Not drift: evpnd's own operations and their echoes (the model already holds their outcome), the first
// dump at start (the model knew nothing before it: adoption, not loss), and local learning taking a row
// over (an RTM_NEWNEIGH: mobility decides about it, the reconciler does not repair it).

public struct FDBDriftCounters: Hashable, Sendable {
    /// Rows found out of place after being in place.
    public var found = 0
    /// Operations issued for such rows.
    public var repaired = 0

    public init() {}
}

extension KernelTableReconciler {
    /// Whether a row is as evpnd wants it: the wanted row is there, or an unwanted row is not evpnd's.
    func inPlace(_ key: Key, want: Intent?, have: Entry?) -> Bool {
        switch (want, have) {
        case (nil, nil): return true
        case (nil, let have?): return !table.isOwned(have, at: key)
        case (.some, nil): return false
        case (let want?, let have?): return want.isSatisfied(by: have)
        }
    }

    /// After the kernel changed the row at `i` from `before`: counts drift if it was in place and is not now.
    mutating func noteDrift(at i: Dictionary<Key, Row>.Index, _ key: Key, before: Entry?) {
        let row = rows.values[i]
        guard !row.drifted, inPlace(key, want: row.desired, have: before),
              !inPlace(key, want: row.desired, have: row.actual) else { return }
        rows.values[i].drifted = true
        drift.found += 1
    }

    /// After a dump replaced the model: every row that was in place and is not now.
    mutating func noteDumpDrift(before: [Key: Row]) {
        for (key, old) in before {
            guard let i = rows.index(forKey: key) else { continue }
            noteDrift(at: i, key, before: old.actual)
        }
        // Owned rows the model did not hold at all and nobody wants: left behind by something else.
        for i in rows.indices where before[rows.keys[i]] == nil {
            noteDrift(at: i, rows.keys[i], before: nil)
        }
    }
}
