// `show evpn es` with local ESs: FRR 8.4's keys and flags for a local ES alone, shared with another switch (its
// type-4 route's DF parameters and its member id in our group for the ES), non-DF, and a remote ES beside it.

import BGPWire
import ControlProtocol
@testable import Daemon
import Foundation
import Testing
@testable import VTEP

@Suite struct EVPNESReportLocalTests {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let other = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:02")!
    static let peer = IPAddress("10.0.0.2")!

    static func local(df: Set<UInt32>, peers: [ESCandidate]) -> LocalSegmentReport {
        LocalSegmentReport(segment: LocalEthernetSegment(esi: esi, port: "server1", dfPreference: 50000), isUp: true,
                           waiting: false, designatedForwarder: df, vnis: [100], vtep: IPAddress("10.0.0.1"), peers: peers)
    }

    @Test func aLocalESAloneIsLocalAndDF() {
        let report = EVPNEthernetSegments(local: [Self.local(df: [100], peers: [])], remote: [])
        #expect(report.segments == [.init(esi: Self.esi.description, accessPort: "server1", flags: ["local"], vteps: [])])
    }

    @Test func aSharedNonDFESListsThePeerWithItsDFParametersAndNexthop() throws {
        let candidate = ESCandidate(originator: Self.peer, algorithm: .preference, preference: 60000)
        let shared = RemoteSegmentReport(esi: Self.esi, advertisers: [Self.peer], members: [Self.peer], groupID: 0xE100_0000,
                                         memberIDs: [Self.peer: 0xE000_0000])
        let remoteOnly = RemoteSegmentReport(esi: Self.other, advertisers: [IPAddress("10.0.0.9")!], members: [], groupID: nil,
                                             memberIDs: [:])
        let report = EVPNEthernetSegments(local: [Self.local(df: [], peers: [candidate])], remote: [shared, remoteOnly])
        #expect(report.segments.count == 2)
        let es = try #require(report.segments.first)
        #expect(es.esi == Self.esi.description && es.accessPort == "server1")
        #expect(es.flags == ["local", "remote", "nonDF"])
        #expect(es.vteps == [.init(vtep: "10.0.0.2", dfAlgorithm: "preference", dfPreference: 60000, nexthopId: 0xE000_0000)])
        #expect(report.segments.last?.flags == ["remote"] && report.segments.last?.accessPort == nil)
        // The JSON keys are FRR 8.4's.
        let json = try report.jsonText()
        for key in ["\"esi\"", "\"accessPort\"", "\"flags\"", "\"vteps\"", "\"vtep\"", "\"dfAlgorithm\"", "\"dfPreference\"", "\"nexthopId\""] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        #expect(report.tableText().contains("LRN  server1"))
    }
}
