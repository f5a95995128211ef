// `show bgp ipv4|ipv6 unicast [json]` and the per-family summary against FRR 8.4's own output
// (Tests/Fixtures/frr-json/unicast-*, captured by scripts/lab/capture-unicast-json): the same routes, as evpnd's
// RIB reports them, must render to FRR's JSON key for key and to the same table.

@testable import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Testing
@testable import Daemon

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/frr-json")

@Suite struct UnicastReportTests {
    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func prefix(_ address: String, _ length: UInt8) -> IPPrefix {
        IPPrefix(address: IPAddress(address) ?? .v4(IPv4Address(rawValue: 0)), length: length)
    }

    /// frr-b's routes in the capture: its own 10.10.0.0/24, and frr-a's over eBGP (AS 65002, MED 0 as FRR sends it).
    static func received(_ prefix: IPPrefix, nextHop: String) -> UnicastRouteEntry {
        UnicastRouteEntry(prefix: prefix, paths: [.init(
            best: true, selectionReason: "First path received", peer: PeerID(.v4(IPv4Address(10, 98, 0, 2))),
            peerRouterID: IPv4Address(10, 98, 0, 2), hostname: "frr-a", pathFrom: "external", nextHop: IPAddress(nextHop),
            origin: .igp, asPath: ASPath(segments: [.init(type: .sequence, asns: [65002])]), localPref: nil, med: 0,
            originatorID: nil, clusterList: [], stale: false)])
    }

    static let ipv4: [UnicastRouteEntry] = [
        UnicastRouteEntry(prefix: prefix("10.10.0.0", 24), paths: [.init(
            best: true, selectionReason: "First path received", peer: nil, peerRouterID: IPv4Address(10, 98, 0, 1),
            hostname: nil, pathFrom: "external", nextHop: IPAddress("0.0.0.0"), origin: .igp, asPath: .empty,
            localPref: nil, med: 0, originatorID: nil, clusterList: [], stale: false)]),
        received(prefix("10.20.0.0", 24), nextHop: "10.98.0.2"),
        received(prefix("10.21.0.0", 16), nextHop: "10.98.0.2"),
    ]

    /// Every key and value of FRR's paths but `version` (FRR's per-route change counter, which evpnd does not keep).
    static func paths(_ json: [String: Any]) -> [String: [NSDictionary]] {
        var out: [String: [NSDictionary]] = [:]
        for (prefix, value) in json["routes"] as? [String: Any] ?? [:] {
            out[prefix] = (value as? [[String: Any]] ?? []).map { path in
                var path = path
                path["version"] = nil
                return path as NSDictionary
            }
        }
        return out
    }

    @Test func ipv4JSONIsFRRs() throws {
        let frr = try Self.object(Self.fixture("unicast-ipv4-route.json"))
        let ours = try Self.object(UnicastReport.json(Self.ipv4, family: .ipv4Unicast, routerID: IPv4Address(10, 98, 0, 1),
                                                      localAS: 65001, hostname: "frr-b").frrPretty)
        #expect(Self.paths(ours) == Self.paths(frr))
        for key in ["vrfId", "vrfName", "tableVersion", "routerId", "defaultLocPrf", "localAS"] {
            #expect((ours[key] as? NSObject) == (frr[key] as? NSObject), "\(key)")
        }
    }

    @Test func ipv6JSONIsFRRsWithTheMappedNextHopInFRRsSpelling() throws {
        let frr = try Self.object(Self.fixture("unicast-ipv6-route.json"))
        let entries = [Self.received(Self.prefix("2001:db8:20::", 48), nextHop: "::ffff:10.98.0.2")]
        let ours = try Self.object(UnicastReport.json(entries, family: .ipv6Unicast, routerID: IPv4Address(10, 98, 0, 1),
                                                      localAS: 65001, hostname: "frr-b").frrPretty)
        #expect(Self.paths(ours) == Self.paths(frr))
    }

    @Test func ipv4TableIsFRRs() throws {
        let frr = try Self.fixture("unicast-ipv4-route.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        let ours = UnicastReport.table(Self.ipv4, routerID: IPv4Address(10, 98, 0, 1), localAS: 65001, hostname: "frr-b")
        #expect(ours == frr)
    }

    @Test func summaryKeysAreFRRs() throws {
        let frr = try Self.object(Self.fixture("unicast-ipv4-summary.json"))
        let all = try Self.object(Self.fixture("unicast-summary-all.json"))
        #expect(Set(all.keys) == ["ipv4Unicast", "ipv6Unicast"])
        #expect(UnicastReport.jsonKey(.ipv4Unicast) == "ipv4Unicast")
        #expect(UnicastReport.jsonKey(.ipv6Unicast) == "ipv6Unicast")
        // The per-family summary is the l2vpn evpn summary's layout (BGPSummary), which FRR uses for every family.
        let peer = try #require((frr["peers"] as? [String: Any])?["10.98.0.2"] as? [String: Any])
        #expect(peer["pfxRcd"] as? Int == 2)
        #expect(peer["pfxSnt"] as? Int == 3)
        var row = BGPSummary.Peer(remoteAs: 65002, localAs: 65001, msgRcvd: 1, msgSent: 1, peerUptime: "00:00:05",
                                  peerUptimeMsec: 5000, peerUptimeEstablishedEpoch: 1, pfxRcd: 2, pfxSnt: 3, state: "Established",
                                  connectionsEstablished: 1, connectionsDropped: 0, lastResetDueTo: nil, hostname: "frr-a", desc: nil,
                                  dynamicPeer: nil, idType: "ipv4")
        row.updateErrors = nil
        let summary = BGPSummary(routerId: "10.98.0.1", as: 65001, peerGroupCount: 0, peers: ["10.98.0.2": row])
        let ours = try Self.object(try summary.jsonText())
        let ourPeer = try #require((ours["peers"] as? [String: Any])?["10.98.0.2"] as? [String: Any])
        let missing = Set(peer.keys).subtracting(ourPeer.keys)
        #expect(missing.isEmpty, "keys FRR has and evpnd lacks: \(missing)")
    }
}
