// `show evpn [json]` against zebra's (FRR 8.4) on a VTEP with one VNI (Tests/Fixtures/frr-json/vtep1-evpn.*,
// scripts/lab/capture-views-json): FRR's keys, values and lines, but for the documented multihoming block.

import ControlProtocol
import Foundation
import Testing
import VTEP
@testable import Daemon

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/frr-json")

@Suite struct EVPNGlobalReportTests {
    /// zebra's defaults, as in the capture: detection on, 5 moves in 180 s, no freeze.
    static let view = EVPNGlobalView(l2VNIs: 1, duplicateDetection: DuplicateDetection(freeze: .off))

    @Test func jsonIsZebras() throws {
        let frr = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixtures.appendingPathComponent("vtep1-evpn.json"))) as? [String: Any])
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(EVPNGlobalReport.json(Self.view).frrPretty.utf8)) as? [String: Any])
        #expect(Set(frr.keys).subtracting(ours.keys) == Set(EVPNGlobalKeyDifferences.onlyInFRR.keys))
        #expect(Set(ours.keys).subtracting(frr.keys).isEmpty)
        for (key, value) in ours { #expect("\(value)" == "\(frr[key] ?? "missing")", "\(key)") }
    }

    @Test func textIsZebras() throws {
        let frr = try String(contentsOf: fixtures.appendingPathComponent("vtep1-evpn.txt"), encoding: .utf8)
        // Everything before zebra's multihoming block.
        let before = try #require(frr.components(separatedBy: "EVPN MH:").first)
        #expect(EVPNGlobalReport.text(Self.view) == before)
    }

    @Test(arguments: [(DuplicateDetection.Freeze.permanent, "  Detection freeze permanent\n", Int64(0)),
                      (.after(.seconds(30)), "  Detection freeze 30\n", 30)])
    func freezeIsShownAsZebraShowsIt(_ freeze: DuplicateDetection.Freeze, _ line: String, _ seconds: Int64) {
        let view = EVPNGlobalView(l2VNIs: 2, duplicateDetection: DuplicateDetection(freeze: freeze))
        #expect(EVPNGlobalReport.text(view).hasSuffix(line))
        #expect(EVPNGlobalReport.freezeSeconds(freeze) == seconds)
    }
}
