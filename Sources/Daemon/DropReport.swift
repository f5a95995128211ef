// The engine's drop counters (BGPCore.DropCounters) as the summary's `routesDropped` object.

import BGPCore
import ControlProtocol

enum DropReport {
    /// nil when nothing was dropped (the key is then absent, as `updateErrors` is).
    static func make(_ counters: DropCounters) -> RoutesDropped? {
        guard counters.total > 0 else { return nil }
        var counts: [String: UInt64] = [:]
        for reason in DropReason.allCases where counters[reason] > 0 { counts[reason.rawValue] = counters[reason] }
        return RoutesDropped(counts: counts, recent: counters.recent.map { RoutesDropped.Recent(route: $0.route, reason: $0.reason.rawValue) })
    }
}
