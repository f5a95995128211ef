// A VTEP keeps only the EVPN routes it imports: a route that carries none of the route targets of
// any local VNI is dropped on receipt and counted, instead of sitting in the Adj-RIB-In of a switch
// that will never use it. (RFC 4364 section 4.3.5's "a PE may discard routes it does not import";
// FRR's bgpd keeps such routes on a VTEP, which costs each switch of a 2,000-VTEP fabric the whole
// table: 110,000 routes twice over instead of the 2,750 it imports.) A route reflector with clients
// must keep everything, so the filter is for speakers without clients only (Engine+Retain.swift).

import BGPWire

extension RIB {
    /// Whether a received EVPN path with these attributes is kept.
    func retains(_ attributes: AttributeSet) -> Bool {
        guard let targets = retainedTargets else { return true }
        for community in attributes.extendedCommunities {
            if case .routeTarget(let target, _) = community.kind, targets.contains(target) { return true }
        }
        return false
    }

    /// The held EVPN paths of peers (never our own) that the filter no longer keeps go now.
    mutating func dropUnretained() {
        guard retainedTargets != nil else { return }
        for id in table.liveIDs {
            guard case .evpn = table[id].route else { continue }
            let before = snapshot(id)
            var changed = false
            while let i = table[id].paths.firstIndex(where: { $0.source != RIB.localSlot && !retains($0.attributes) }) {
                let slot = table[id].paths[i].source
                if let peer = sources[Int(slot)]?.peer { notRetained[peer, default: 0] += 1 }
                removePath(id, at: i)
                count(slot, table[id].route, -1)
                changed = true
            }
            guard changed else { continue }
            decide(id, before: before)
            table.removeIfUnused(id)
        }
    }
}
