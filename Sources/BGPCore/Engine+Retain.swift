// The VTEP's side of RIB+Retain.swift: which route targets the speaker imports, set by whoever knows
// the local VNIs (the simulator's fabric, from the VTEP reducer's VNIs). Narrowing drops what is no
// longer imported at once; widening asks every Established peer to send its routes again (RFC 2918
// ROUTE-REFRESH), since the routes of a newly imported target were dropped on receipt.

import BGPWire

extension Engine {
    /// Keep only received EVPN routes that carry one of `targets` (nil: keep every route, the default).
    /// Ignored while the speaker has route-reflector clients: a reflector must keep every route.
    public mutating func retainRouteTargets(_ targets: Set<RouteTarget>?, now: Instant) -> [EngineOutput] {
        let hasClients = config.peers.contains(where: \.routeReflectorClient)
            || config.listenRanges.contains(where: \.template.routeReflectorClient)
        let wanted = hasClients ? nil : targets
        let old = rib.retainedTargets
        guard wanted != old else { return [] }
        rib.retainedTargets = wanted
        var fx = Effects(now: now, nextConnectionID: nextConnectionID)
        rib.dropUnretained()
        // Widened: something is kept now that was dropped before (nil keeps everything).
        var widened = false
        if let old { widened = wanted.map { !$0.isSubset(of: old) } ?? true }
        if widened {
            for id in peers.keys.sorted() where peers[id]?.established != nil {
                update(id, &fx) { peer, fx in peer.softClear(&fx) }
            }
        }
        runRIB(&fx)
        nextConnectionID = fx.nextConnectionID
        return fx.outputs
    }

    /// EVPN routes from `peer` dropped on receipt because no local VNI imports them.
    public func notRetained(from peer: PeerID) -> Int { rib.notRetained[peer] ?? 0 }

    /// The same, from every peer.
    public var notRetainedTotal: Int { rib.notRetained.values.reduce(0, +) }
}
