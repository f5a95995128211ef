// The multihoming datapath plan: which nft rules a switch wants for its ESs, from the DF results and the ES
// peers. Checked line by line (the same text was loaded into nft 1.0.6 on kernel 6.18 and listed back
// unchanged, docs/DECISIONS.md), and the errors for what nft could not take.
import BGPWire
import Testing
@testable import VTEP

struct DatapathFilterPlanTests {
    let sw1 = IPAddress.v4(IPv4Address(10, 0, 0, 1))
    let sw3 = IPAddress.v4(IPv4Address(10, 0, 0, 3))

    func segment(_ port: String, peers: Set<IPAddress>, df: Bool, vni: UInt32 = 100) -> DatapathFilterInput.Segment {
        .init(port: port, peers: peers, vnis: [.init(vni: vni, vxlanDevice: "vxlan\(vni)", designatedForwarder: df)])
    }

    @Test func nonDFBlocksOverlayBUMAndLocalBiasBlocksThePeersBUM() throws {
        let plan = try DatapathFilterPlan(.init(segments: [segment("server1", peers: [sw1], df: false)]))
        #expect(plan.rules == [.nonDF(port: "server1", vni: 100, vxlanDevice: "vxlan100"),
                               .splitHorizon(port: "server1", peer: 1, address: sw1)])
        #expect(plan.bridgeRules == [
            "iifname \"vxlan100\" oifname \"server1\" ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 counter drop comment \"non-DF vni 100\"",
            "meta mark & 0xff0000 == 0x10000 oifname \"server1\" ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 counter drop comment \"local bias 10.0.0.1\"",
        ])
        #expect(plan.markRules == ["ip saddr 10.0.0.1 udp dport 4789 meta mark set meta mark & 0xff00ffff | 0x10000"])
    }

    @Test func theDFKeepsOnlyTheLocalBiasRule() throws {
        let plan = try DatapathFilterPlan(.init(segments: [segment("server1", peers: [sw1], df: true)]))
        #expect(plan.rules == [.splitHorizon(port: "server1", peer: 1, address: sw1)])
    }

    @Test func whenTheDFMovesOnlyTheNonDFRuleChanges() throws {
        let before = try DatapathFilterPlan(.init(segments: [segment("server1", peers: [sw1], df: true)]))
        let after = try DatapathFilterPlan(.init(segments: [segment("server1", peers: [sw1], df: false)]))
        #expect(Set(after.rules).subtracting(before.rules) == [.nonDF(port: "server1", vni: 100, vxlanDevice: "vxlan100")])
        #expect(before.markRules == after.markRules)
    }

    @Test func peersAreNumberedByAddressAcrossSegments() throws {
        let v6 = IPAddress.v6(IPv6Address(high: 0xfd00_0000_0000_0000, low: 1))
        let plan = try DatapathFilterPlan(.init(segments: [
            segment("server2", peers: [sw3, v6], df: true),
            segment("server1", peers: [sw1, sw3], df: true),
        ], vxlanUDPPorts: [4789, 8472]))
        #expect(plan.peerNumbers == [sw1: 1, sw3: 2, v6: 3])
        #expect(plan.rules == [.splitHorizon(port: "server1", peer: 1, address: sw1),
                               .splitHorizon(port: "server1", peer: 2, address: sw3),
                               .splitHorizon(port: "server2", peer: 2, address: sw3),
                               .splitHorizon(port: "server2", peer: 3, address: v6)])
        #expect(plan.markRules == [
            "ip saddr 10.0.0.1 udp dport { 4789, 8472 } meta mark set meta mark & 0xff00ffff | 0x10000",
            "ip saddr 10.0.0.3 udp dport { 4789, 8472 } meta mark set meta mark & 0xff00ffff | 0x20000",
            "ip6 saddr fd00::1 udp dport { 4789, 8472 } meta mark set meta mark & 0xff00ffff | 0x30000",
        ])
    }

    @Test func aSegmentWithoutPeersOnlyHasItsNonDFRules() throws {
        // Alone on its ES (the peer's type-4 has not arrived): the DF election makes it DF after the wait;
        // before, it is not DF and must not flood overlay BUM into the ES.
        let plan = try DatapathFilterPlan(.init(segments: [segment("server1", peers: [], df: false)]))
        #expect(plan.rules == [.nonDF(port: "server1", vni: 100, vxlanDevice: "vxlan100")])
        #expect(plan.markRules.isEmpty)
        #expect(!plan.nftScript.contains("table inet evpnd {"))
    }

    @Test func theScriptReplacesBothTablesInOneTransaction() throws {
        let plan = try DatapathFilterPlan(.init(segments: [segment("server1", peers: [sw1], df: false)]))
        let lines = plan.nftScript.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(4)) == ["table bridge evpnd", "delete table bridge evpnd", "table inet evpnd", "delete table inet evpnd"])
        #expect(lines.contains("\t\ttype filter hook forward priority filter; policy accept;"))
        #expect(lines.contains("\t\ttype filter hook prerouting priority raw; policy accept;"))
    }

    @Test func noSegmentsMeansNoTables() throws {
        let plan = try DatapathFilterPlan(.init(segments: []))
        #expect(plan.isEmpty)
        #expect(plan.nftScript == DatapathFilterPlan.removalScript)
    }

    @Test(arguments: ["", "a/b", "has space", "quote\"d", "sixteen-chars-xx", "back\\slash"])
    func interfaceNamesNftCannotTakeAreRefused(name: String) {
        #expect(throws: DatapathFilterPlan.PlanError.self) {
            try DatapathFilterPlan(.init(segments: [segment(name, peers: [], df: false)]))
        }
    }

    @Test func moreThan255PeersAreRefused() {
        let peers = Set((1...256).map { IPAddress.v4(IPv4Address(rawValue: 0x0a01_0000 + UInt32($0))) })
        #expect(throws: DatapathFilterPlan.PlanError(description: "256 ES peers: the mark field numbers at most 255")) {
            try DatapathFilterPlan(.init(segments: [segment("server1", peers: peers, df: true)]))
        }
    }
}
