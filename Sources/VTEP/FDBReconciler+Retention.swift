// Graceful restart on a VTEP (RFC 4724 section 4.1, the restarting speaker's forwarding state): evpnd
// starts with the kernel FDB as the previous process left it. Until the BGP engine's selection
// deferral ends (every neighbor's End-of-RIB, or select-defer-time), the rows evpnd owns that no
// route asks for yet are adopted as stale rather than deleted: traffic keeps flowing to the remote
// VTEPs while the routes come back. Rows whose route returns are compared and replaced as usual. When
// retention ends, what is still unwanted is deleted in one round.

import BGPCore

extension KernelTableReconciler {
    /// Stale rows held back from deletion that nobody wants yet (a row whose route came back is not one).
    public var retainedCount: Int { retained.filter { desiredIntent(at: $0) == nil && actualEntry(at: $0) != nil }.count }

    public mutating func setRetainsStale(_ on: Bool) {
        guard on != retainsStale else { return }
        retainsStale = on
        if !on {
            for key in retained { markDirty(key) }
            retained = []
        }
    }
}

extension VTEPState {
    /// Follows the engine: retention is on exactly while it defers selection. Returns whether it just
    /// ended (the caller then runs a round, which deletes what did not come back).
    mutating func followRestart(_ engine: Engine, _ fx: inout VTEPEffects) -> Bool {
        let deferring = engine.isDeferringSelection
        // The SVI neighbours follow as the FDB rows do.
        neighbours.setRetainsStale(deferring)
        nexthops.setRetainsStale(deferring)
        guard deferring != fdb.retainsStale else { return false }
        if deferring {
            fx.log(.notice, "graceful restart: FDB rows from before the restart are kept until the routes are back")
        } else {
            fx.log(.notice, "graceful restart: routes are back; \(fdb.retainedCount) FDB rows that did not return are removed")
        }
        fdb.setRetainsStale(deferring)
        return !deferring
    }
}
