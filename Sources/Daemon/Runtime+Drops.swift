// The summary's drop counts (DropReport.swift) with what the VTEP decides: routes held now that no local VNI
// imports (`routeTargetNotImported`) or whose VTEP does not resolve (`nextHopUnreachable`), by the peer of their
// best path. Those are current counts (they fall when a VNI that imports them appears, or the VTEP resolves
// again); the RIB's reasons count since the peer was configured.

import BGPCore
import BGPWire

extension Runtime {
    func summaryRowsWithVTEPDrops() -> [PeerSummary] {
        var rows = engine.summary(now: Runtime.monotonicNow())
        guard let notUsed = vtep?.state.routesNotUsed, !notUsed.isEmpty else { return rows }
        var perPeer: [PeerID: [DropReason: Int]] = [:]
        for (peer, reason) in notUsed.values { perPeer[peer, default: [:]][reason, default: 0] += 1 }
        for i in rows.indices {
            for (reason, n) in perPeer[PeerID(rows[i].address)] ?? [:] { rows[i].drops.count(reason, n) }
        }
        return rows
    }
}
