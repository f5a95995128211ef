// Stale paths (RFC 4724 section 4.2): when a peer restarts gracefully its source slot stays, with
// every route it had marked here; what it sends again is unmarked as it arrives; when the restart
// ends (its End-of-RIB, stalepath-time, or its Restart Time running out) the still-marked paths go.
// While stale, a path is an ordinary candidate: best, reflected and installed as before.
//
// The marks are per route, not per path: with ADD-PATH, one fresh path of a route refreshes its other
// paths from the same peer too (evpnd receives l2vpn evpn without ADD-PATH from FRR and GoBGP).

struct StaleRoutes {
    private var bySlot: [SourceSlot: RouteBitset] = [:]

    func isRetaining(_ slot: SourceSlot?) -> Bool { slot.map { bySlot[$0] != nil } ?? false }

    func count(_ slot: SourceSlot) -> Int { bySlot[slot]?.count ?? 0 }

    func isStale(_ id: RouteID, slot: SourceSlot) -> Bool { bySlot[slot]?.contains(id) ?? false }

    mutating func mark(_ ids: [RouteID], slot: SourceSlot) {
        var set = bySlot[slot] ?? RouteBitset()
        for id in ids { set.insert(id) }
        bySlot[slot] = set
    }

    /// The peer sent the route again.
    mutating func refreshed(_ id: RouteID, slot: SourceSlot) {
        guard bySlot[slot] != nil else { return }
        bySlot[slot]?.remove(id)
    }

    mutating func take(_ slot: SourceSlot) -> RouteBitset? { bySlot.removeValue(forKey: slot) }

    mutating func forget(_ slot: SourceSlot) { bySlot[slot] = nil }
}

extension RIB {
    /// The peer's session went down for a graceful restart: its outbound state goes, its paths stay, stale.
    mutating func retainStale(_ peer: PeerID) {
        removeOutbound(peer)
        guard let slot = slots[peer] else { return }
        var ids = table.liveIDs.filter { id in table[id].paths.contains { $0.source == slot } }
        // Graceful restart covers l2vpn evpn only (evpnd advertises no other family in the capability): the
        // peer's unicast paths go at once, as after any session loss (RFC 4724 section 4.2).
        for id in ids where table[id].route.family != .l2vpnEVPN {
            let before = snapshot(id)
            while let i = table[id].paths.firstIndex(where: { $0.source == slot }) {
                removePath(id, at: i)
                count(slot, table[id].route, -1)
            }
            decide(id, before: before)
            table.removeIfUnused(id)
        }
        ids.removeAll { !table[$0].live || !table[$0].paths.contains { $0.source == slot } }
        // Marked even when empty: the slot is kept for the peer's return either way.
        stale.mark(ids, slot: slot)
    }

    /// The restart is over: paths still stale go. A peer that is not back (its Restart Time ran out,
    /// or it returned without any family the RIB carries) leaves the RIB altogether.
    mutating func purgeStale(_ peer: PeerID) {
        guard let slot = slots[peer] else { return }
        guard outPeers[peer] != nil else {
            peerDown(peer)
            return
        }
        guard let marked = stale.take(slot) else { return }
        for id in marked.members() where Int(id) < table.capacity && table[id].live {
            guard table[id].paths.contains(where: { $0.source == slot }) else { continue }
            let before = snapshot(id)
            while let i = table[id].paths.firstIndex(where: { $0.source == slot }) {
                removePath(id, at: i)
                count(slot, table[id].route, -1)
            }
            decide(id, before: before)
            table.removeIfUnused(id)
        }
    }

    func staleCount(from peer: PeerID) -> Int { slots[peer].map { stale.count($0) } ?? 0 }

    func isStale(_ id: RouteID, slot: SourceSlot) -> Bool { stale.isStale(id, slot: slot) }
}
