// Why a received route is not used, counted per peer, so an operator sees why a route is missing instead of
// guessing (issue 15). Counters are plain values in the core (ARCHITECTURE.md); the daemon shows them in
// `show bgp [l2vpn evpn] summary json` (`routesDropped` per peer and in total) and the metrics.
//
// A route dropped on receipt (a loop, a malformed UPDATE) is not kept: only its count and the last few keys
// (`recent`, at most `DropCounters.recentLimit`) stay, so a peer that sends a million loops costs a few
// hundred octets. A route kept but not used (route target not imported, next hop unreachable) is counted by
// the part that decides it: the VTEP, and the next-hop tracker through `Engine.recordDrop`.

import BGPWire

/// Why a received route is not used. The raw values are the JSON keys.
public enum DropReason: String, CaseIterable, Hashable, Sendable, Codable {
    /// Our AS in an eBGP route's AS_PATH (RFC 4271 section 9.1.2), beyond what `allowas-in` allows.
    case asPathLoop
    /// Our cluster id in CLUSTER_LIST (RFC 4456 section 8).
    case clusterListLoop
    /// Our router id as ORIGINATOR_ID (RFC 4456 section 8).
    case originatorIdLoop
    /// An EVPN route no local VNI imports (no matching route target; counted by the VTEP).
    case routeTargetNotImported
    /// The next hop does not resolve (counted by next-hop tracking, which reports through `Engine.recordDrop`).
    case nextHopUnreachable
    /// Refused by a limit or policy (`maximum-prefix`).
    case policy
    /// RFC 7606 treat-as-withdraw: a malformed UPDATE's routes.
    case malformed

    /// The sentence `show bgp ... route` prints for it.
    public var sentence: String {
        switch self {
        case .asPathLoop: return "AS_PATH holds our AS (AS path loop)"
        case .clusterListLoop: return "CLUSTER_LIST holds our cluster id"
        case .originatorIdLoop: return "ORIGINATOR_ID is our router id"
        case .routeTargetNotImported: return "no VNI imports its route targets"
        case .nextHopUnreachable: return "next hop unreachable"
        case .policy: return "refused by policy (maximum-prefix)"
        case .malformed: return "malformed (RFC 7606 treat-as-withdraw)"
        }
    }
}

/// One route dropped on receipt, kept for display only.
public struct DroppedRoute: Hashable, Sendable {
    /// The route as `show bgp` writes it ("[2]:[0]:[48]:[02:00:00:00:00:01]" with its RD, or a prefix).
    public var route: String
    public var reason: DropReason
}

/// Drops of one peer (or of all), by reason.
public struct DropCounters: Hashable, Sendable {
    public private(set) var counts: [DropReason: UInt64] = [:]
    /// The last few routes dropped on receipt, oldest first.
    public private(set) var recent: [DroppedRoute] = []

    /// How many dropped routes are kept for display per peer.
    public static let recentLimit = 8

    public init() {}

    public subscript(reason: DropReason) -> UInt64 { counts[reason] ?? 0 }
    public var total: UInt64 { counts.values.reduce(0, +) }

    public mutating func count(_ reason: DropReason, _ n: Int = 1) {
        guard n > 0 else { return }
        counts[reason, default: 0] += UInt64(n)
    }

    /// Counts one route and remembers it among the recent ones.
    public mutating func drop(_ route: String, _ reason: DropReason) {
        count(reason)
        recent.append(DroppedRoute(route: route, reason: reason))
        if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
    }

    /// Adds another peer's counts (totals); the recent lists are not merged.
    public mutating func add(_ other: DropCounters) {
        for (reason, n) in other.counts { counts[reason, default: 0] += n }
    }
}
