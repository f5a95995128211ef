// What `show bgp neighbors` reads from the engine (PeerDetail.swift): both OPENs, timers as configured and as
// negotiated, the activity times, and the last reset.

@testable import BGPCore
import BGPWire
import Testing

@Suite struct PeerDetailTests {
    @Test func anEstablishedPeerCarriesBothOpensAndItsActivity() throws {
        var h = ReflectorHarness(peers: [ReflectorHarness.c1])
        let start = h.now
        h.now = h.now + .seconds(4)
        h.send(Routes.announce([Routes.mac(1)]), from: ReflectorHarness.c1)
        let detail = try #require(h.engine.peerDetails(now: h.now + .seconds(2)).first)
        #expect(detail.summary.state == .established)
        #expect(detail.remoteRouterID == ReflectorHarness.c1.address)
        #expect(detail.localRouterID == ReflectorHarness.routerID)
        #expect(detail.negotiated?.holdTime == 9)
        #expect(detail.configuredHoldTime == 9 && detail.configuredKeepalive == 3)
        #expect(detail.routeReflectorClient)
        #expect(detail.receivedCapabilities.contains(.routeRefresh))
        #expect(detail.advertisedCapabilities.contains { $0.code == .fourOctetAS })
        #expect(detail.localHostname == "rr")
        // The UPDATE arrived 2 s before the report; the OPEN 6 s before.
        #expect(detail.sinceLastUpdateReceived == .seconds(2))
        #expect(detail.sinceLastRead == .seconds(2))
        #expect(detail.sinceLastWrite != nil)
        #expect(detail.sinceLastReset == nil)
        #expect(detail.connection == ReflectorHarness.c1.connection)
        #expect(h.now > start)
    }

    @Test func aResetIsTimed() throws {
        var h = ReflectorHarness(peers: [ReflectorHarness.c1])
        h.input(.connectionClosed(ReflectorHarness.c1.connection, reason: "reset by peer"))
        let detail = try #require(h.engine.peerDetails(now: h.now + .seconds(3)).first)
        #expect(detail.summary.lastResetDueTo == "Peer closed the session")
        #expect(detail.sinceLastReset == .seconds(3))
        #expect(detail.negotiated == nil)
        #expect(detail.engineAddressFilterWorks(h.engine, now: h.now))
    }
}

private extension PeerDetail {
    /// `show bgp neighbors ADDRESS`: only that peer; an unknown address, none.
    func engineAddressFilterWorks(_ engine: Engine, now: Instant) -> Bool {
        engine.peerDetails(now: now, address: summary.address).count == 1
            && engine.peerDetails(now: now, address: .v4(IPv4Address(192, 0, 2, 1))).isEmpty
    }
}
