// The filters' input taken from the multihoming reducer: non-DF during the DF Wait, DF after it when alone,
// the peer that wins the election makes us non-DF and is a local-bias peer, and its withdrawal makes us DF.
import BGPWire
import Testing
@testable import VTEP

struct DatapathFilterInputTests {
    func only(_ input: DatapathFilterInput) throws -> DatapathFilterInput.Segment {
        try #require(input.segments.count == 1 ? input.segments.first : nil)
    }

    @Test func followsTheElection() throws {
        var state = MultihomingState()
        _ = state.handle(.configure(MultihomingStateTests.settings()))
        _ = state.handle(.vnis(MultihomingStateTests.evis([100, 200])))
        let token = try #require(MultihomingStateTests.token(state.handle(.portsUp(["server1"]))))
        // In the DF Wait: not DF anywhere, no peer yet.
        var segment = try only(DatapathFilterInput(multihoming: state))
        #expect(segment.port == "server1")
        #expect(segment.peers.isEmpty)
        #expect(segment.vnis.map(\.designatedForwarder) == [false, false])
        #expect(segment.vnis.map(\.vxlanDevice) == ["vxlan100", "vxlan200"])
        // A peer with a higher preference arrives, the wait ends: it is DF, we block and keep local bias.
        _ = state.handle(.esPath(MultihomingStateTests.remoteES("10.0.0.2", preference: 200)))
        _ = state.handle(.timerFired(token))
        segment = try only(DatapathFilterInput(multihoming: state))
        #expect(segment.peers == [IPAddress("10.0.0.2")!])
        #expect(segment.vnis.map(\.designatedForwarder) == [false, false])
        let plan = try DatapathFilterPlan(DatapathFilterInput(multihoming: state))
        #expect(plan.rules.count == 3)
        // The peer leaves: we are DF for both VNIs, no local-bias peer left.
        _ = state.handle(.esPathWithdrawn(MultihomingStateTests.remoteES("10.0.0.2", preference: 200).route.key))
        segment = try only(DatapathFilterInput(multihoming: state))
        #expect(segment.peers.isEmpty)
        #expect(segment.vnis.map(\.designatedForwarder) == [true, true])
        #expect(try DatapathFilterPlan(DatapathFilterInput(multihoming: state)).isEmpty)
    }

    @Test func noMultihomingNoSegments() {
        #expect(DatapathFilterInput(multihoming: MultihomingState()).segments.isEmpty)
    }
}
