// JSON parity with FRR (issue 6's last Must-show): the same `show ... json` commands against an FRR 8.4 bgpd
// reflector (vtysh) and an evpnd reflector that run side by side in one lab, and a comparison of every key both
// documents have.
//
// Underlay: the fabric of ReflectorInteropTests (one bridge in namespace F, every speaker on 10.0.0.0/24):
//   V1 10.0.0.1, V2 10.0.0.2 (FRR zebra+bgpd, `frr defaults datacenter`, advertise-all-vni, br100 + vxlan100, host
//   H1/H2 10.1.0.1/.2), RF 10.0.0.253 (FRR bgpd, no zebra), RE 10.0.0.252 (evpnd). Each VTEP peers with both
//   reflectors; the reflectors do not peer with each other, so both see the same two peers and, for every route,
//   exactly one path (from the VTEP that originated it).
//
// Both reflectors load the very same configuration file, byte for byte. That includes `bgp router-id`: the two
// reflectors share the router id (the cluster id's address, which neither owns) as well as the cluster id, so the
// answering reflector's `routerId` needs no exemption. The VTEPs accept two iBGP peers with one router id (only
// their own id is refused).
//
// Compared: `show bgp l2vpn evpn summary json` (peers keyed by address) and `show bgp l2vpn evpn route json`
// (RD -> prefix -> paths; each path keyed by its peerId rather than its position). Both documents are flattened to
// leaf paths; every leaf present in both must be equal unless its key is in `exempt` below. A key FRR has and evpnd
// lacks is a difference too (keys only evpnd has are printed, not failed: FRR leaves several keys out when unset).

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A JSON value decoded strictly (a Bool is never a number), so `true` and `1` compare unequal.
indirect enum ParityJSON: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), int(Int64), uint(UInt64), double(Double), string(String)
    case array([ParityJSON]), object([String: ParityJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int64.self) { self = .int(v) }
        else if let v = try? c.decode(UInt64.self) { self = .uint(v) }
        else if let v = try? c.decode(Double.self) { self = .double(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([ParityJSON].self) { self = .array(v) }
        else { self = .object(try c.decode([String: ParityJSON].self)) }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let v): "\(v)"
        case .int(let v): "\(v)"
        case .uint(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let v): "\"\(v)\""
        case .array(let v): "[\(v.map(\.description).joined(separator: ","))]"
        case .object(let v): "{\(v.keys.sorted().map { "\($0):\(v[$0]!)" }.joined(separator: ","))}"
        }
    }

    var object: [String: ParityJSON]? { if case .object(let v) = self { v } else { nil } }

    static func parse(_ text: String, what: String) throws -> ParityJSON {
        do { return try JSONDecoder().decode(ParityJSON.self, from: Data(text.utf8)) } catch {
            throw LabError("\(what) is not JSON (\(error)): \(text.prefix(2000))")
        }
    }

    /// Leaf path -> value. Objects recurse by key, `paths` (FRR's array of one-path arrays) by each path's
    /// `peerId`, other arrays by index. An empty object or array is a leaf of its own.
    func flatten(_ prefix: String = "", into leaves: inout [String: ParityJSON]) {
        switch self {
        case .object(let members) where !members.isEmpty:
            for (key, value) in members {
                let path = prefix.isEmpty ? key : "\(prefix)/\(key)"
                if key == "paths", case .array(let groups) = value {
                    var seen: [String: Int] = [:]
                    for path0 in groups.flatMap({ if case .array(let inner) = $0 { inner } else { [$0] } }) {
                        var id = "?"
                        if case .string(let peer)? = path0.object?["peerId"] { id = peer }
                        let n = seen[id, default: 0]
                        seen[id] = n + 1
                        path0.flatten("\(path)[\(id)\(n == 0 ? "" : "#\(n)")]", into: &leaves)
                    }
                } else {
                    value.flatten(path, into: &leaves)
                }
            }
        case .array(let items) where !items.isEmpty:
            for (i, item) in items.enumerated() { item.flatten("\(prefix)[\(i)]", into: &leaves) }
        default:
            leaves[prefix] = self
        }
    }
}

/// The outcome of comparing one document pair.
struct ParityReport {
    var compared = 0, equal = 0, exempted = 0
    var differing: [(path: String, frr: ParityJSON, evpnd: ParityJSON)] = []
    var missingInEvpnd: [(path: String, frr: ParityJSON)] = []
    var onlyInEvpnd: [String] = []
    var problems: [String] { differing.map { "\($0.path): FRR \($0.frr), evpnd \($0.evpnd)" } + missingInEvpnd.map { "\($0.path): FRR \($0.frr), evpnd has no such key" } }
}

@Suite(.serialized)
struct JSONParityInteropTests {
    static let tools = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ping"]
    static let frrReflector = "10.0.0.253", evpndReflector = "10.0.0.252", routerID = "10.0.0.254"

    /// Keys whose values legitimately differ between two reflectors that hold the same state; each with why.
    /// Matched on the last component of a leaf path. Deliberately absent: `routerId` (same config, same id);
    /// `peerId` (the peer a path came from: the same VTEP on both); `bestpath`/`selectionReason` (each reflector
    /// has exactly one path per route, from its originator, so both pick it for the same reason); prefix counts,
    /// states, AS numbers, communities, next hops.
    static let exempt: [String: String] = [
        // Wall-clock: when each session came up differs by the few milliseconds between the two dials.
        "peerUptime": "time since the session came up",
        "peerUptimeMsec": "time since the session came up",
        "peerUptimeEstablishedEpoch": "time the session came up",
        // Message counts depend on how updates were packed and on how many keepalives each side has sent so far.
        "msgRcvd": "message count: update packing and keepalive timing",
        "msgSent": "message count: update packing and keepalive timing",
        // FRR's table version counts internal route-table events; evpnd has no such counter to mirror.
        "tableVersion": "FRR-internal table event counter",
        // FRR counts the nodes of its two-level (RD, then prefix) route table; evpnd the routes in its Loc-RIB.
        "ribCount": "FRR-internal table node count",
        // FRR's update groups send a client's own routes back to it (the client drops them on ORIGINATOR_ID);
        // evpnd does not (docs/DECISIONS.md), so it counts fewer routes sent to each client.
        "pfxSnt": "evpnd does not reflect a client's routes back to it",
        // Memory figures of two different implementations.
        "ribMemory": "bytes of memory",
        "peerMemory": "bytes of memory",
        "peerGroupMemory": "bytes of memory",
    ]

    /// The one configuration both reflectors load, unchanged (the FRR dialect evpnd reads).
    static let reflectorConfig = ReflectorLab.reflectorConfig(
        comment: "Route reflector of the JSON parity lab: loaded as-is by FRR's bgpd and by evpnd.", hostname: "rr",
        routerID: routerID, neighborLines: ["neighbor 10.0.0.1 peer-group VTEPS", "neighbor 10.0.0.2 peer-group VTEPS"])

    static func compare(frr: ParityJSON, evpnd: ParityJSON, skipping scopes: Set<String>) -> ParityReport {
        var a: [String: ParityJSON] = [:], b: [String: ParityJSON] = [:]
        frr.flatten(into: &a)
        evpnd.flatten(into: &b)
        // Leaves under a peer or route only one side has are reported by the set comparison, not here.
        func inScope(_ path: String) -> Bool { !scopes.contains { path == $0 || path.hasPrefix($0 + "/") } }
        var report = ParityReport()
        for (path, value) in a.sorted(by: { $0.key < $1.key }) where inScope(path) {
            guard let other = b[path] else {
                report.missingInEvpnd.append((path, value))
                continue
            }
            report.compared += 1
            let key = String(path.split(separator: "/").last ?? "").split(separator: "[").first.map(String.init) ?? ""
            if value == other { report.equal += 1 }
            else if exempt[key] != nil { report.exempted += 1 }
            else { report.differing.append((path, value, other)) }
        }
        report.onlyInEvpnd = b.keys.filter { a[$0] == nil && inScope($0) }.sorted()
        return report
    }

    /// Address -> peer object of a summary document.
    static func peers(_ summary: ParityJSON) -> Set<String> { Set((summary.object?["peers"]?.object ?? [:]).keys) }

    /// "RD prefix" of every route in a route document.
    static func routes(_ document: ParityJSON) -> Set<String> {
        var result: Set<String> = []
        for (rd, value) in document.object ?? [:] {
            guard let prefixes = value.object else { continue }
            for (prefix, route) in prefixes where route.object != nil { result.insert("\(rd) \(prefix)") }
        }
        return result
    }

    /// The keys that must exist in both documents: per peer, and per route and path.
    static func missingRequiredKeys(summary: ParityJSON, routes document: ParityJSON) -> [String] {
        var missing: [String] = []
        for (address, peer) in summary.object?["peers"]?.object ?? [:] {
            for key in ["state", "remoteAs", "pfxRcd", "pfxSnt"] where peer.object?[key] == nil { missing.append("peers/\(address)/\(key)") }
        }
        for (rd, value) in document.object ?? [:] {
            for (prefix, route) in value.object ?? [:] {
                guard let route = route.object else { continue }
                for key in ["prefix", "prefixLen", "paths"] where route[key] == nil { missing.append("\(rd)/\(prefix)/\(key)") }
                guard case .array(let groups)? = route["paths"] else { continue }
                let paths = groups.flatMap { if case .array(let inner) = $0 { inner } else { [$0] } }
                if paths.isEmpty { missing.append("\(rd)/\(prefix)/paths[]") }
                for path in paths.compactMap(\.object) {
                    if path["valid"] == nil { missing.append("\(rd)/\(prefix)/paths[]/valid") }
                    if path["extendedCommunity"]?.object?["string"] == nil { missing.append("\(rd)/\(prefix)/paths[]/extendedCommunity/string") }
                    guard case .array(let hops)? = path["nexthops"], !hops.isEmpty else {
                        missing.append("\(rd)/\(prefix)/paths[]/nexthops")
                        continue
                    }
                    if hops.contains(where: { $0.object?["ip"] == nil }) { missing.append("\(rd)/\(prefix)/paths[]/nexthops[]/ip") }
                }
            }
        }
        return missing.sorted()
    }

    @Test func showJSONMatchesFRR() throws {
        guard Tools.ready("JSON parity of evpnd with FRR", needs: Self.tools) else { return }
        let started = Date()
        let lab = try ReflectorLab()
        defer { lab.close() }
        // FRR's reflector: bgpd only, as the seed's reflector runs; its log beside its run directory.
        let frr = lab.testbed.frr("RF", in: lab.ns("RF"), daemons: [.bgpd],
                                  arguments: ["--log", "file:\(FRRNode.runDirectory(lab.testbed.name("RF")))/bgpd.log"])
        let evpnd = lab.evpnd("RE")
        func vtyshRR(_ command: String) throws -> String { try frr.vtysh(command, timeout: 30) }
        func evpnctl(_ words: [String]) throws -> String { try evpnd.evpnctl(["show"] + words, timeout: 30) }
        do {
            try lab.addNode("RF", address: Self.frrReflector)
            try lab.addNode("RE", address: Self.evpndReflector)
            try lab.addVTEP(1)
            try lab.addVTEP(2)
            // Both reflectors load the same text.
            try frr.start(config: Self.reflectorConfig)
            try evpnd.start(config: Self.reflectorConfig, logLevel: "info")

            let reflectors = [Self.frrReflector, Self.evpndReflector]
            for i in 1...2 { try lab.startFRRVTEP(i, reflectors: reflectors) }
            let up = waitUntil(40, interval: 0.5) {
                (1...2).allSatisfy { i in reflectors.allSatisfy { lab.frrPeerState(i, $0) == "Established" } }
            }
            try #require(up, "VTEP sessions: \((1...2).map { i in reflectors.map { "V\(i)-\($0): \(lab.frrPeerState(i, $0) ?? "?")" } })")
            try #require(waitUntil(30, interval: 0.5) { lab.ping(from: 1, to: 2) }, "H1 cannot ping H2")
            #expect(lab.ping(from: 2, to: 1))
            print("JSON parity: converged after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

            // Snapshot both reflectors until they agree on peers and routes and the values settle (routes can still
            // be arriving, e.g. a MAC learned late); the last attempt is the one judged.
            var summaries: (frr: ParityJSON, evpnd: ParityJSON) = (.null, .null)
            var routeDocs: (frr: ParityJSON, evpnd: ParityJSON) = (.null, .null)
            var summaryReport = ParityReport(), routeReport = ParityReport()
            var peerSets: (Set<String>, Set<String>) = ([], []), routeSets: (Set<String>, Set<String>) = ([], [])
            let deadline = Date().addingTimeInterval(15)
            repeat {
                summaries = (try ParityJSON.parse(vtyshRR("show bgp l2vpn evpn summary json"), what: "FRR summary"),
                             try ParityJSON.parse(evpnctl(["bgp", "l2vpn", "evpn", "summary", "--json"]), what: "evpnd summary"))
                routeDocs = (try ParityJSON.parse(vtyshRR("show bgp l2vpn evpn route json"), what: "FRR routes"),
                             try ParityJSON.parse(evpnctl(["bgp", "l2vpn", "evpn", "route", "--json"]), what: "evpnd routes"))
                peerSets = (Self.peers(summaries.frr), Self.peers(summaries.evpnd))
                routeSets = (Self.routes(routeDocs.frr), Self.routes(routeDocs.evpnd))
                // Peers or routes only one side has are judged by the set comparison below.
                let peerScopes = Set(peerSets.0.symmetricDifference(peerSets.1).map { "peers/\($0)" })
                let routeScopes = Set(routeSets.0.symmetricDifference(routeSets.1).map { $0.replacingOccurrences(of: " ", with: "/") })
                summaryReport = Self.compare(frr: summaries.frr, evpnd: summaries.evpnd, skipping: peerScopes)
                routeReport = Self.compare(frr: routeDocs.frr, evpnd: routeDocs.evpnd, skipping: routeScopes)
                if peerSets.0 == peerSets.1, routeSets.0 == routeSets.1, routeSets.0.count >= 4,
                   summaryReport.problems.isEmpty, routeReport.problems.isEmpty { break }
                Thread.sleep(forTimeInterval: 1)
            } while Date() < deadline

            #expect(peerSets.0 == peerSets.1 && peerSets.0 == ["10.0.0.1", "10.0.0.2"],
                    "peers: FRR \(peerSets.0.sorted()), evpnd \(peerSets.1.sorted())")
            #expect(routeSets.0 == routeSets.1,
                    "routes only FRR has: \(routeSets.0.subtracting(routeSets.1).sorted()); only evpnd has: \(routeSets.1.subtracting(routeSets.0).sorted())")
            // Each VTEP's IMET route and its host's MAC route at least.
            #expect(routeSets.0.count >= 4, "FRR's routes: \(routeSets.0.sorted())")
            for (name, summary, document) in [("FRR", summaries.frr, routeDocs.frr), ("evpnd", summaries.evpnd, routeDocs.evpnd)] {
                let missing = Self.missingRequiredKeys(summary: summary, routes: document)
                #expect(missing.isEmpty, "\(name) lacks required keys: \(missing.prefix(20))")
            }

            for (title, report) in [("summary", summaryReport), ("route", routeReport)] {
                print("JSON parity, show bgp l2vpn evpn \(title) json: \(report.compared) keys compared, \(report.equal) equal, "
                      + "\(report.exempted) exempted, \(report.differing.count) differing, \(report.missingInEvpnd.count) missing in evpnd")
                for line in report.problems { print("  DIFF \(title): \(line)") }
                if !report.onlyInEvpnd.isEmpty { print("  only in evpnd (\(title)): \(report.onlyInEvpnd.prefix(30))") }
                #expect(report.problems.isEmpty, "\(title): \(report.problems.count) differences from FRR:\n\(report.problems.joined(separator: "\n"))")
            }
            // Where the prefix counts sent differ, show what each reflector says it advertised to that peer.
            for difference in summaryReport.differing where difference.path.hasSuffix("/pfxSnt") {
                let peer = difference.path.split(separator: "/")[1]
                let advertised = (try? vtyshRR("show bgp l2vpn evpn neighbors \(peer) advertised-routes")) ?? "?"
                print("  FRR's advertised-routes to \(peer):\n\(advertised)")
            }
            let total = summaryReport.compared + routeReport.compared
            let equal = summaryReport.equal + routeReport.equal, exempted = summaryReport.exempted + routeReport.exempted
            print("JSON parity: \(total) keys compared, \(equal) equal, \(exempted) exempted; "
                  + "\(peerSets.0.count) peers, \(routeSets.0.count) routes; \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            #expect(total > 50, "too few keys compared: \(total)")
        } catch {
            print("--- evpnd reflector log ---\n\(evpnd.logText.suffix(3000))")
            print("--- FRR reflector log ---\n\(Harness.fileText(frr.log).suffix(3000))")
            throw error
        }
    }
}
