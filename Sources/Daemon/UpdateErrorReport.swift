// The engine's RFC 7606 counters in the control protocol's shape; absent while a peer sent nothing malformed,
// so evpnd's summary JSON stays key for key FRR's for well-behaved peers.

import BGPCore
import ControlProtocol

enum UpdateErrorReport {
    static func make(_ counters: UpdateErrorCounters) -> BGPSummary.Peer.UpdateErrors? {
        guard counters.total > 0 else { return nil }
        return BGPSummary.Peer.UpdateErrors(
            treatAsWithdraw: counters.treatAsWithdraw, routesWithdrawn: counters.routesWithdrawn,
            attributeDiscard: counters.attributeDiscard, sessionReset: counters.sessionReset,
            afiSafiDisable: counters.afiSafiDisable, unknownRouteTypes: counters.unknownRouteTypes,
            byAttribute: counters.byAttribute)
    }
}
