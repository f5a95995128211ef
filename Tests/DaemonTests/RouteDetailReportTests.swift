// `show bgp l2vpn evpn route detail [json]` against FRR 8.4's own output for a route with two paths
// (Tests/Fixtures/frr-json/vtep1-two-paths-detail.*, scripts/lab/capture-views-json): VTEP 1 holds VTEP 2's
// MAC from two reflectors and FRR picks rr2's path ("Neighbor IP"). evpnd, given the same two paths, prints
// FRR's keys (except the documented ones, ControlProtocol.RouteDetailKeyDifferences), FRR's best-path reason,
// and, where FRR prints nothing, why the other path lost.

@testable import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Testing
@testable import Daemon

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/frr-json")

@Suite struct RouteDetailReportTests {
    static let rdText = "10.0.0.2:2"
    static let prefix = "[2]:[0]:[48]:[aa:bb:cc:00:01:02]"

    /// The two paths of the capture, as evpnd's RIB reports them (rr2's best, rr1's lost on the peer address).
    static func entry() throws -> RouteReportEntry {
        let rd = try #require(RouteDistinguisher(rdText))
        let route = EVPNRoute.macIP(MACIPAdvertisementRoute(rd: rd, ethernetTag: 0, mac: try #require(MACAddress("aa:bb:cc:00:01:02")),
                                                            ip: nil, label1: MPLSLabelField(vni: 100)))
        let communities: [ExtendedCommunity] = [.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)]
        func path(_ reflector: String, _ name: String, cluster: String, best: Bool) throws -> RouteReportEntry.PathReport {
            let address = try #require(IPv4Address(reflector))
            var p = RouteReportEntry.PathReport(
                route: route, best: best, selectionReason: best ? SelectionReason.neighborIP.rawValue : nil,
                peer: PeerID(.v4(address)), peerRouterID: address, hostname: name, pathFrom: "internal",
                nextHop: .v4(IPv4Address(10, 0, 0, 2)), localPref: 100, med: 0, extendedCommunities: communities,
                originatorID: IPv4Address(10, 0, 0, 2), clusterList: [try #require(IPv4Address(cluster))])
            if !best { p.lostReason = .neighborIP }
            return p
        }
        return RouteReportEntry(key: EVPNRouteKey(route), paths: [
            try path("10.0.0.252", "rr2", cluster: "10.0.0.248", best: true),
            try path("10.0.0.253", "rr1", cluster: "10.0.0.249", best: false),
        ])
    }

    static func frrPrefix() throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("vtep1-two-paths-detail.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require((root[rdText] as? [String: Any])?[prefix] as? [String: Any])
    }

    static func ourPrefix() throws -> [String: Any] {
        let text = RouteDetailReport.json([try entry()]).serialized
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return try #require((root[rdText] as? [String: Any])?[prefix] as? [String: Any])
    }

    /// Key paths of one path object, next hops' keys as `nexthops.KEY`.
    static func pathKeys(_ path: [String: Any]) -> Set<String> {
        var keys = NeighborKeyDifferences.keyPaths(path)
        for hop in path["nexthops"] as? [[String: Any]] ?? [] { keys.formUnion(hop.keys.map { "nexthops." + $0 }) }
        return keys
    }

    static func paths(_ prefix: [String: Any]) throws -> [[String: Any]] {
        try #require((prefix["paths"] as? [[Any]])?.compactMap { $0.first as? [String: Any] })
    }

    @Test func keysAreFRRsOrDocumented() throws {
        let frr = try Self.frrPrefix(), ours = try Self.ourPrefix()
        let routeOnlyFRR = Set(frr.keys).subtracting(ours.keys).map { "route." + $0 }
        // FRR prints "advertisedTo" only on routes it sent on (its own, in this capture), so a subset here.
        #expect(Set(routeOnlyFRR).isSubset(of: Set(RouteDetailKeyDifferences.onlyInFRR.keys.filter { $0.hasPrefix("route.") })))
        #expect(Set(ours.keys).subtracting(frr.keys).isEmpty)
        let pathDocumented = Set(RouteDetailKeyDifferences.onlyInFRR.keys.filter { !$0.hasPrefix("route.") })
        for (f, o) in zip(try Self.paths(frr), try Self.paths(ours)) {
            let frrKeys = Self.pathKeys(f), ourKeys = Self.pathKeys(o)
            // A documented key covers what is below it ("lastUpdate.epoch").
            let undocumented = frrKeys.subtracting(ourKeys).filter { key in
                !pathDocumented.contains { key == $0 || key.hasPrefix($0 + ".") }
            }
            #expect(undocumented.isEmpty, "\(undocumented.sorted())")
            #expect(pathDocumented.isSubset(of: frrKeys), "documented keys FRR does not print: \(pathDocumented.subtracting(frrKeys).sorted())")
            #expect(ourKeys.subtracting(frrKeys).isSubset(of: Set(RouteDetailKeyDifferences.onlyInEvpnd.keys)), "\(ourKeys.subtracting(frrKeys).sorted())")
        }
    }

    @Test func theBestSaysWhyAndTheOtherWhyNot() throws {
        let ours = try Self.paths(try Self.ourPrefix()), frr = try Self.paths(try Self.frrPrefix())
        let ourBest = try #require(ours.first?["bestpath"] as? [String: Any])
        let frrBest = try #require(frr.first?["bestpath"] as? [String: Any])
        #expect(ourBest["selectionReason"] as? String == frrBest["selectionReason"] as? String)
        #expect(ourBest["overall"] as? Bool == true && ourBest["bestpathFromAs"] as? Int == frrBest["bestpathFromAs"] as? Int)
        // FRR prints no reason on the other path; evpnd does, and no `bestpath` object there (as FRR).
        #expect(frr.last?["bestpath"] == nil)
        #expect(ours.last?["bestpath"] == nil)
        #expect(ours.last?["notSelectedReason"] as? String == "Neighbor IP")
        for key in ["origin", "metric", "locPrf", "originatorId", "valid"] {
            #expect("\(ours.first?[key] ?? "-")" == "\(frr.first?[key] ?? "+")", "\(key)")
        }
    }

    @Test func textIsVtyshsWithTheNotSelectedLine() throws {
        let text = RouteDetailReport.text([try Self.entry()], localHostname: "vtep1", routerID: IPv4Address(10, 0, 0, 1))
        let frr = try String(contentsOf: fixtures.appendingPathComponent("vtep1-two-paths-detail.txt"), encoding: .utf8)
        // FRR's block for this route, minus its "Last update" and "Advertised to" lines (documented) and the VNI.
        let start = try #require(frr.range(of: "BGP routing table entry for \(Self.rdText):\(Self.prefix)"))
        let end = try #require(frr.range(of: "BGP routing table entry for", range: start.upperBound..<frr.endIndex))
        let frrLines = frr[start.lowerBound..<end.lowerBound].split(separator: "\n").map { String($0) }
            .filter { !$0.contains("Last update:") && !$0.contains("Not advertised to any peer") }
            .map { $0.replacingOccurrences(of: " VNI 100", with: "") }
        let ourLines = text.split(separator: "\n").map(String.init)
        for line in frrLines { #expect(ourLines.contains(line), "FRR line not printed: \(line)") }
        #expect(ourLines.contains("      Not selected: Neighbor IP"))
        #expect(ourLines.filter { $0.contains("best (Neighbor IP)") }.count == 1)
    }
}
