// The summary's drop counts (DropReport.swift) with what the VTEP decides: routes held now that no local VNI
// imports (`routeTargetNotImported`, by the peer of their best path). That reason is a current count (it falls
// when a VNI that imports them appears); the RIB's reasons count since the peer was configured.

import BGPCore
import BGPWire

extension Runtime {
    func summaryRowsWithVTEPDrops() -> [PeerSummary] {
        var rows = engine.summary(now: Runtime.monotonicNow())
        guard let notImported = vtep?.state.routesNotImported, !notImported.isEmpty else { return rows }
        var perPeer: [PeerID: Int] = [:]
        for peer in notImported.values { perPeer[peer, default: 0] += 1 }
        for i in rows.indices {
            if let n = perPeer[PeerID(rows[i].address)] { rows[i].drops.count(.routeTargetNotImported, n) }
        }
        return rows
    }
}
