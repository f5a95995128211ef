// The engine's side of the drop reasons (DropCounters.swift): what the RIB counted on receipt, and a hook for
// the parts outside the RIB that decide a kept route is not used (next-hop tracking).

import BGPWire

extension Engine {
    /// Routes from `peer` not used, by reason, since it was configured.
    public func dropped(from peer: PeerID) -> DropCounters { rib.drops[peer] ?? DropCounters() }

    /// Every peer's drops added up.
    public var droppedTotals: DropCounters {
        var total = DropCounters()
        for counters in rib.drops.values { total.add(counters) }
        return total
    }

    /// Counts a route of `peer` that another part decided not to use (the next-hop tracker: `.nextHopUnreachable`).
    public mutating func recordDrop(_ reason: DropReason, route: String, from peer: PeerID) {
        rib.drops[peer, default: DropCounters()].drop(route, reason)
    }
}
