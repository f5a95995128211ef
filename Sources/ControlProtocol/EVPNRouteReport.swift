// `show bgp l2vpn evpn route [type macip|multicast] [json]` in FRR 8.4's layout (bgpd/bgp_evpn_vty.c
// `evpn_show_all_routes`, bgpd/bgp_route.c `route_vty_out` for each path):
//
//   { "RD": { "rd": "RD",
//             "PREFIX": { "prefix": "PREFIX", "prefixLen": 352,
//                         "paths": [ [ { "valid": true, "bestpath": true, "selectionReason": "...",
//                                        "pathFrom": "internal", "routeType": 2, "ethTag": 0, "macLen": 48,
//                                        "mac": "...", "ipLen": 32, "ip": "...", "locPrf": 100, "weight": 0,
//                                        "peerId": "...", "path": "", "origin": "IGP",
//                                        "extendedCommunity": { "string": "RT:65000:100 ET:8" },
//                                        "originatorId": "...", "clusterList": { "list": ["..."] },
//                                        "nexthops": [ { "ip": "...", "hostname": "...", "afi": "ipv4",
//                                                        "used": true } ] } ] ] },
//             ... },
//     ...,
//     "numPrefix": N, "numPaths": M }
//
// Each path is an array of one object (FRR's quirk). "bestpath" and "selectionReason" appear on the
// best path only; "locPrf" only when the path has LOCAL_PREF; "prefixLen" is FRR's EVPN prefix length
// (352 for every route type).

// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct EVPNRouteReport: Codable, Hashable, Sendable {
    public struct Nexthop: Codable, Hashable, Sendable {
        public var ip: String
        public var hostname: String?
        public var afi: String
        public var used: Bool

        public init(ip: String, hostname: String?, afi: String, used: Bool = true) {
            self.ip = ip
            self.hostname = hostname
            self.afi = afi
            self.used = used
        }
    }

    public struct CommunityText: Codable, Hashable, Sendable {
        public var string: String
        public init(string: String) { self.string = string }
    }

    public struct ClusterList: Codable, Hashable, Sendable {
        public var list: [String]
        public init(list: [String]) { self.list = list }
    }

    public struct Path: Codable, Hashable, Sendable {
        public var valid: Bool = true
        public var bestpath: Bool?
        public var selectionReason: String?
        /// FRR's `"stale":true`: held for a peer in a graceful restart (RFC 4724).
        public var stale: Bool?
        public var pathFrom: String
        public var routeType: Int
        public var ethTag: UInt32?
        public var esi: String?
        public var macLen: Int?
        public var mac: String?
        public var ipLen: Int?
        public var ip: String?
        public var metric: UInt32?
        public var locPrf: UInt32?
        public var weight: Int = 0
        public var peerId: String
        public var path: String
        public var origin: String
        public var extendedCommunity: CommunityText?
        public var originatorId: String?
        public var clusterList: ClusterList?
        public var nexthops: [Nexthop]

        public init(bestpath: Bool?, selectionReason: String?, pathFrom: String, routeType: Int, ethTag: UInt32?,
                    esi: String? = nil, macLen: Int? = nil, mac: String? = nil, ipLen: Int? = nil, ip: String? = nil,
                    metric: UInt32? = nil, locPrf: UInt32?, peerId: String, path: String, origin: String,
                    extendedCommunity: CommunityText?, originatorId: String?, clusterList: ClusterList?,
                    nexthops: [Nexthop]) {
            self.bestpath = bestpath
            self.selectionReason = selectionReason
            self.pathFrom = pathFrom
            self.routeType = routeType
            self.ethTag = ethTag
            self.esi = esi
            self.macLen = macLen
            self.mac = mac
            self.ipLen = ipLen
            self.ip = ip
            self.metric = metric
            self.locPrf = locPrf
            self.peerId = peerId
            self.path = path
            self.origin = origin
            self.extendedCommunity = extendedCommunity
            self.originatorId = originatorId
            self.clusterList = clusterList
            self.nexthops = nexthops
        }
    }

    public struct Prefix: Codable, Hashable, Sendable {
        public var prefix: String
        public var prefixLen: Int
        /// One array of one path object per path, best first.
        public var paths: [[Path]]

        public init(prefix: String, prefixLen: Int = 352, paths: [Path]) {
            self.prefix = prefix
            self.prefixLen = prefixLen
            self.paths = paths.map { [$0] }
        }
    }

    /// The routes of one route distinguisher: "rd", then one key per prefix.
    public struct Distinguisher: Codable, Hashable, Sendable {
        public var rd: String
        /// In the order FRR lists them (by prefix); keyed by prefix text.
        public var prefixes: [Prefix]

        public init(rd: String, prefixes: [Prefix]) {
            self.rd = rd
            self.prefixes = prefixes
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: DynamicKey.self)
            try container.encode(rd, forKey: DynamicKey("rd"))
            for prefix in prefixes { try container.encode(prefix, forKey: DynamicKey(prefix.prefix)) }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: DynamicKey.self)
            rd = try container.decode(String.self, forKey: DynamicKey("rd"))
            prefixes = try container.allKeys.filter { $0.stringValue != "rd" }
                .map { try container.decode(Prefix.self, forKey: $0) }
                .sorted { $0.prefix < $1.prefix }
        }
    }

    /// By RD, in the order FRR lists them.
    public var distinguishers: [Distinguisher]
    public var numPrefix: Int
    public var numPaths: Int

    public init(distinguishers: [Distinguisher]) {
        self.distinguishers = distinguishers
        numPrefix = distinguishers.reduce(0) { $0 + $1.prefixes.count }
        numPaths = distinguishers.reduce(0) { $0 + $1.prefixes.reduce(0) { $0 + $1.paths.count } }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        for rd in distinguishers { try container.encode(rd, forKey: DynamicKey(rd.rd)) }
        try container.encode(numPrefix, forKey: DynamicKey("numPrefix"))
        try container.encode(numPaths, forKey: DynamicKey("numPaths"))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicKey.self)
        distinguishers = try container.allKeys.filter { $0.stringValue != "numPrefix" && $0.stringValue != "numPaths" }
            .map { try container.decode(Distinguisher.self, forKey: $0) }
            .sorted { $0.rd < $1.rd }
        numPrefix = try container.decodeIfPresent(Int.self, forKey: DynamicKey("numPrefix")) ?? 0
        numPaths = try container.decodeIfPresent(Int.self, forKey: DynamicKey("numPaths")) ?? 0
    }

    /// FRR's JSON text (pretty-printed, as vtysh prints it).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        init(_ string: String) { stringValue = string }
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
