// The `routesDropped` object of `show bgp [l2vpn evpn] summary json` (evpnd only; FRR has no such key): why
// received routes are not used, per peer and in total (docs/OPERATIONS.md, "Why a route is missing").
//
//   "routesDropped": {"asPathLoop": 12, "malformed": 1, "total": 13,
//                     "recent": [{"route": "10.0.0.2:2 [2]:[0]:[48]:[02:00:00:00:00:01]", "reason": "asPathLoop"}]}
//
// Keys are the reasons' names (camelCase, as FRR's keys are); a reason with no drops is left out, and the
// object is absent when nothing was dropped. `recent`: the last few routes dropped on receipt (per peer only).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct RoutesDropped: Codable, Hashable, Sendable {
    public struct Recent: Codable, Hashable, Sendable {
        public var route: String
        public var reason: String
        public init(route: String, reason: String) {
            self.route = route
            self.reason = reason
        }
    }

    /// Reason name -> count.
    public var counts: [String: UInt64]
    public var recent: [Recent]

    public var total: UInt64 { counts.values.reduce(0, +) }

    public init(counts: [String: UInt64], recent: [Recent] = []) {
        self.counts = counts
        self.recent = recent
    }

    struct Key: CodingKey {
        var stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var counts: [String: UInt64] = [:]
        var recent: [Recent] = []
        for key in container.allKeys {
            switch key.stringValue {
            case "total": continue
            case "recent": recent = try container.decode([Recent].self, forKey: key)
            default: counts[key.stringValue] = try container.decode(UInt64.self, forKey: key)
            }
        }
        self.counts = counts
        self.recent = recent
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (reason, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 {
            try container.encode(count, forKey: Key(stringValue: reason))
        }
        try container.encode(total, forKey: Key(stringValue: "total"))
        if !recent.isEmpty { try container.encode(recent, forKey: Key(stringValue: "recent")) }
    }
}
