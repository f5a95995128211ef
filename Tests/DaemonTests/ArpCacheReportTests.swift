// `show evpn arp-cache vni all|N [json]` against zebra's (FRR 8.4) on a VTEP with one local and one remote host
// (Tests/Fixtures/frr-json/vtep1-arp-cache*, scripts/lab/capture-arp-cache): FRR's keys, values and lines.

import BGPWire
import ControlProtocol
import Foundation
import Testing
import VTEP
@testable import Daemon

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/frr-json")

@Suite struct ArpCacheReportTests {
    /// The capture's two hosts, as the VTEP reports them.
    static let reports = [
        NeighbourReport(vni: 100, ip: IPAddress("10.1.0.11")!, mac: MACAddress("02:00:00:00:01:01")!, kind: .local, isActive: true,
                        localSequence: 0, remoteSequence: 0, detectionCount: 0, isDuplicate: false, isDefaultGateway: false),
        NeighbourReport(vni: 100, ip: IPAddress("10.1.0.12")!, mac: MACAddress("02:00:00:00:02:01")!,
                        kind: .remote(vtep: IPAddress("10.0.9.2")!), isActive: true, localSequence: 0, remoteSequence: 0,
                        detectionCount: 0, isDuplicate: false, isDefaultGateway: false),
    ]
    static let table = EVPNArpCache(reports, vnis: [100])

    static func object(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    @Test func allJSONIsZebras() throws {
        let frr = try Self.object(try String(contentsOf: fixtures.appendingPathComponent("vtep1-arp-cache.json"), encoding: .utf8))
        #expect(try Self.object(try Self.table.jsonText()) == frr)
    }

    @Test func oneVNIJSONIsZebras() throws {
        let frr = try Self.object(try String(contentsOf: fixtures.appendingPathComponent("vtep1-arp-cache-vni.json"), encoding: .utf8))
        #expect(try Self.object(try Self.table.jsonText(vni: 100)) == frr)
        #expect(try Self.table.jsonText(vni: 200) == "{\n}")
    }

    @Test func decodesZebrasJSON() throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("vtep1-arp-cache.json"))
        #expect(try JSONDecoder().decode(EVPNArpCache.self, from: data) == Self.table)
    }

    /// zebra lists in hash order; the lines are the same.
    @Test func textIsZebras() throws {
        let frr = try String(contentsOf: fixtures.appendingPathComponent("vtep1-arp-cache.txt"), encoding: .utf8)
        let ours = Self.table.tableText()
        #expect(Set(ours.split(separator: "\n", omittingEmptySubsequences: false)) == Set(frr.split(separator: "\n", omittingEmptySubsequences: false)))
        #expect(ours.hasPrefix("\nVNI 100 #ARP (IPv4 and IPv6, local and remote) 2\n"))
    }

    @Test func aGatewayAddressSaysSo() throws {
        var gateway = Self.reports[0]
        gateway.isDefaultGateway = true
        let json = try EVPNArpCache([gateway], vnis: [100]).jsonText()
        #expect(json.contains("\"defaultGateway\" : true"))
    }
}
