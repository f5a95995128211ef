// Next-hop tracking of EVPN routes (issue 15, Deliver 3): a remote VTEP the kernel cannot reach (no route
// to it but the default, NextHopResolver.swift) makes its type-2 and type-3 routes unusable: its MACs and
// its flood row leave the FDB (and its MAC+IP neighbours the SVI), and they come back when the VTEP
// resolves again. Without this a VTEP whose loopback left the underlay keeps its MACs until the BGP hold
// timer or the reflector's withdrawal, seconds later.
//
// The VTEP does not resolve anything itself: the runtime (Daemon/RouteDriver.swift) asks the kernel routes
// and answers with `resolveVTEPs`. A VTEP seen for the first time is held until answered (in the same
// feed round, so no route waits for a timer). Off unless the runtime turns it on, so the simulator and the
// tests that have no routing table behave as before.

import BGPCore
import BGPWire

public struct VTEPNextHopTracking: Sendable {
    public var enabled = false
    /// Each remote VTEP met, and whether it resolved when last asked.
    public internal(set) var reachable: [IPAddress: Bool] = [:]
    /// VTEPs met but not yet asked about.
    public internal(set) var pending: Set<IPAddress> = []
    /// Routes held back per VTEP (unreachable or not yet resolved), to import again when it resolves.
    var held: [IPAddress: Set<EVPNRouteKey>] = [:]
    /// Each held route's VTEP and the peer it came from (for the `nextHopUnreachable` count per peer); a
    /// withdrawn route leaves here and `held` at once.
    var heldRoutes: [EVPNRouteKey: (vtep: IPAddress, peer: PeerID?)] = [:]

    public init() {}

    /// How many routes are held because their VTEP is unreachable (a count for `show` and metrics).
    public var heldRouteCount: Int { held.reduce(0) { $0 + (reachable[$1.key] == false ? $1.value.count : 0) } }
    public var unreachable: [IPAddress] { reachable.filter { !$0.value }.map(\.key).sorted() }
}

extension RemoteRoute {
    /// The VTEP the route's rows point at.
    var vtep: IPAddress {
        switch kind {
        case .mac(_, let path, _): return path.vtep
        case .imet(let vtep): return vtep
        }
    }
}

extension VTEPState {
    /// The route to import, or nil when its VTEP is not known to be reachable (then it is held).
    mutating func admitByNextHop(_ route: RemoteRoute?, key: EVPNRouteKey) -> RemoteRoute? {
        guard nextHops.enabled else { return route }
        if let before = nextHops.heldRoutes.removeValue(forKey: key) { nextHops.held[before.vtep]?.remove(key) }
        guard let route else { return nil }
        let vtep = route.vtep
        switch nextHops.reachable[vtep] {
        case true?:
            return route
        case false?:
            nextHops.held[vtep, default: []].insert(key)
            nextHops.heldRoutes[key] = (vtep, route.peer)
            return nil
        case nil:
            nextHops.pending.insert(vtep)
            nextHops.held[vtep, default: []].insert(key)
            nextHops.heldRoutes[key] = (vtep, route.peer)
            return nil
        }
    }

    /// Every VTEP to ask about: those met for the first time and those known.
    public var trackedVTEPs: Set<IPAddress> { nextHops.pending.union(nextHops.reachable.keys) }

    public mutating func setNextHopTracking(_ on: Bool) { nextHops.enabled = on }

    /// The runtime's answers: the routes of every VTEP whose reachability changed (or was first learned)
    /// are imported again, through the same path as a Loc-RIB change.
    public mutating func resolveVTEPs(_ answers: [IPAddress: Bool], now: Instant, engine: inout Engine)
        -> (engine: [EngineOutput], vtep: [VTEPOutput]) {
        let (keys, notes) = applyReachability(answers)
        var result: (engine: [EngineOutput], vtep: [VTEPOutput]) = ([], [])
        if !keys.isEmpty { result = drive(.locRIBChanged(keys), now: now, engine: &engine) }
        var fx = VTEPEffects(now: now)
        for note in notes { fx.log(.notice, note) }
        result.vtep = fx.outputs + result.vtep
        return result
    }

    /// Records the answers; returns the routes to import again (in a deterministic order) and a sentence
    /// per VTEP whose state changed.
    mutating func applyReachability(_ answers: [IPAddress: Bool]) -> (keys: [EVPNRouteKey], notes: [String]) {
        var keys: [EVPNRouteKey] = []
        var notes: [String] = []
        for (vtep, reachable) in answers.sorted(by: { $0.key < $1.key }) {
            let wasPending = nextHops.pending.remove(vtep) != nil
            let before = nextHops.reachable.updateValue(reachable, forKey: vtep)
            guard wasPending || before != reachable else { continue }
            if before != nil || !reachable {
                notes.append("VTEP \(vtep) \(reachable ? "reachable again: its routes are used again" : "unreachable: its routes are not used")")
            }
            var affected: [EVPNRouteKey]
            if reachable {
                affected = Array(nextHops.held.removeValue(forKey: vtep) ?? [])
                for key in affected { nextHops.heldRoutes[key] = nil }
            } else {
                affected = remoteRoutes.compactMap { $0.value.vtep == vtep ? $0.key : nil }
            }
            affected.sort { "\($0)" < "\($1)" }
            keys += affected
        }
        return (keys, notes)
    }
}
