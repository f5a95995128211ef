// Reloads apply only what changed; listen ranges create dynamic peers up to the listen limit.

import BGPCore
import BGPWire
import Testing

@Suite struct ReloadTests {
    static let second = IPAddress.v4(IPv4Address(10, 0, 0, 3))

    @Test func addingAPeerStartsOnlyThatPeer() {
        var h = Harness()
        h.toEstablished()
        let out = h.step(.configure(Fixture.config(peers: [Fixture.peerConfig(), Fixture.peerConfig(Self.second)])))
        #expect(connects(out).count == 1)
        #expect(out.contains { if case .connect(_, Self.second, 179, nil) = $0 { return true } else { return false } })
        #expect(closed(out).isEmpty)
        #expect(sent(out, on: Fixture.outbound).isEmpty)
        #expect(h.state == .established)
    }

    @Test func removingAPeerSendsPeerDeconfiguredAndLeavesTheOthers() {
        var h = Harness(Fixture.config(peers: [Fixture.peerConfig(), Fixture.peerConfig(Self.second)]))
        h.toEstablished()
        let out = h.step(.configure(Fixture.config(peers: [Fixture.peerConfig(Self.second)])))
        #expect(notifications(out, on: Fixture.outbound).map { [$0.code.rawValue, $0.subcode] } == [[6, 3]])
        #expect(h.engine.peerIDs == [PeerID(Self.second)])
        #expect(out.contains(.cancelTimer(TimerID(peer: Fixture.peer, kind: .hold))))
        // The other peer's pending connect is untouched.
        #expect(closed(out) == [Fixture.outbound])
    }

    @Test func unchangedConfigTouchesNothing() {
        var h = Harness()
        h.toEstablished()
        #expect(h.step(.configure(Fixture.config())).isEmpty)
        var described = Fixture.peerConfig()
        described.description = "spine 1"
        #expect(h.step(.configure(Fixture.config(peers: [described]))).isEmpty)
        #expect(h.state == .established)
    }

    @Test func changedPeerIsReset() {
        var h = Harness()
        h.toEstablished()
        var changed = Fixture.peerConfig()
        changed.remoteAS = .external
        let out = h.step(.configure(Fixture.config(peers: [changed])))
        #expect(notifications(out, on: Fixture.outbound).map { [$0.code.rawValue, $0.subcode] } == [[6, 6]])
        #expect(connects(out).count == 1)
        #expect(h.summary?.lastResetDueTo == "Remote AS changed")
    }

    @Test func shutdownAndNoShutdown() {
        var h = Harness()
        h.toEstablished()
        var down = Fixture.peerConfig()
        down.shutdown = true
        let out = h.step(.configure(Fixture.config(peers: [down])))
        #expect(notifications(out, on: Fixture.outbound).map { [$0.code.rawValue, $0.subcode] } == [[6, 2]])
        #expect(h.state == .idle)
        #expect(h.armed.isEmpty)
        let up = h.step(.configure(Fixture.config()))
        #expect(connects(up).count == 1)
        #expect(h.state == .connect)
    }
}

@Suite struct ListenRangeTests {
    static let range = ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 0, 2, 0)), length: 24),
                                   template: PeerConfig(address: .v4(IPv4Address(0, 0, 0, 0)), remoteAS: .external,
                                                        keepalive: 3, holdTime: 9, connectRetry: 5, peerGroup: "VTEPS"))

    static func accept(_ h: inout Harness, _ last: UInt8, id: UInt64) -> [EngineOutput] {
        h.step(.connectionAccepted(ConnectionID(id), remote: .v4(IPv4Address(10, 0, 2, last)), remotePort: 40000, local: .v4(Fixture.routerID)))
    }

    @Test func insideARangeCreatesADynamicPeer() {
        var h = Harness(Fixture.config(peers: [], ranges: [Self.range]))
        h.step(.start)
        let out = Self.accept(&h, 7, id: 1)
        #expect(sentTypes(out, on: ConnectionID(1)) == [.open])
        let summary = h.engine.summary(now: h.now)
        #expect(summary.map(\.isDynamic) == [true])
        #expect(summary.first?.peerGroup == "VTEPS")
        #expect(summary.first?.state == .openSent)
    }

    @Test func outsideEveryRangeIsRefused() {
        var h = Harness(Fixture.config(peers: [], ranges: [Self.range]))
        let out = h.step(.connectionAccepted(ConnectionID(1), remote: .v4(IPv4Address(192, 0, 2, 1)), remotePort: 1, local: .v4(Fixture.routerID)))
        #expect(out.contains(.refuse(ConnectionID(1), reason: "no neighbor or listen range for 192.0.2.1")))
        #expect(h.engine.peerIDs.isEmpty)
    }

    @Test func listenLimit() {
        var h = Harness(Fixture.config(peers: [], ranges: [Self.range], limit: 2))
        _ = Self.accept(&h, 1, id: 1)
        _ = Self.accept(&h, 2, id: 2)
        let third = Self.accept(&h, 3, id: 3)
        #expect(third.contains { if case .refuse(ConnectionID(3), _) = $0 { return true } else { return false } })
        #expect(h.engine.peerIDs.count == 2)
    }

    @Test func dynamicPeerVanishesWhenItsSessionGoesDown() {
        var h = Harness(Fixture.config(peers: [], ranges: [Self.range]))
        _ = Self.accept(&h, 1, id: 1)
        _ = h.receive(.open(Fixture.open(asn: 65010)), on: ConnectionID(1))
        _ = h.receive(.keepalive, on: ConnectionID(1))
        #expect(h.engine.summary(now: h.now).first?.state == .established)
        let out = h.step(.connectionClosed(ConnectionID(1), reason: "EOF"))
        #expect(out.contains { if case .sessionDown = $0 { return true } else { return false } })
        #expect(h.engine.peerIDs.isEmpty)
        #expect(h.armed.isEmpty)
    }

    @Test func removingTheRangeRemovesItsPeers() {
        var h = Harness(Fixture.config(peers: [], ranges: [Self.range]))
        _ = Self.accept(&h, 1, id: 1)
        let out = h.step(.configure(Fixture.config(peers: [], ranges: [])))
        #expect(notifications(out, on: ConnectionID(1)).map { [$0.code.rawValue, $0.subcode] } == [[6, 3]])
        #expect(h.engine.peerIDs.isEmpty)
    }

    @Test func mappedIPv4AddressesMatchIPv4Ranges() {
        var h = Harness(Fixture.config(peers: [], ranges: [Self.range]))
        let mapped = IPAddress.v6(IPv6Address(high: 0, low: 0xffff_0a00_0209))
        let out = h.step(.connectionAccepted(ConnectionID(1), remote: mapped, remotePort: 1, local: .v4(Fixture.routerID)))
        #expect(sentTypes(out, on: ConnectionID(1)) == [.open])
        #expect(h.engine.peerIDs == [PeerID(.v4(IPv4Address(10, 0, 2, 9)))])
    }
}
