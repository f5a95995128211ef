// `neighbor X maximum-prefix N [restart M|warning-only]`: the N+1th route ends the session with Cease/1 and
// the RFC 4486 data, the peer stays down for the restart interval (virtual clock) or until cleared.
import BGPCore
import BGPWire
import Testing

@Suite("Maximum prefix")
struct MaximumPrefixTests {
    static func config(_ limit: MaximumPrefix) -> EngineConfig {
        var peer = Fixture.peerConfig()
        peer.maximumPrefix = limit
        return Fixture.config(peers: [peer])
    }

    @Test func limitItselfIsAllowedAndTheNextRouteEndsTheSession() throws {
        var h = Harness(Self.config(MaximumPrefix(limit: 3, restart: .seconds(60))))
        h.toEstablished()
        let first = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2), Fixture.imet(3)]), on: Fixture.outbound)
        #expect(notifications(first, on: Fixture.outbound).isEmpty)
        #expect(h.state == .established)
        #expect(h.summary?.prefixesReceived == 3)

        let over = h.receive(Fixture.announce([Fixture.imet(4)]), on: Fixture.outbound)
        let notification = try #require(notifications(over, on: Fixture.outbound).first)
        #expect(notification.code == .cease)
        #expect(notification.subcode == NotificationSubcode.Cease.maximumPrefixesReached)
        // RFC 4486 section 4: AFI 25, SAFI 70, limit 3.
        #expect(notification.data == [0, 25, 70, 0, 0, 0, 3])
        #expect(closed(over).contains(Fixture.outbound))
        #expect(h.state == .idle)
        #expect(h.summary?.prefixesReceived == 0)
        #expect(h.summary?.lastResetDueTo == "BGP Notification send")
    }

    @Test func peerComesBackAfterTheRestartIntervalAndNotBefore() throws {
        var h = Harness(Self.config(MaximumPrefix(limit: 1, restart: .seconds(120))))
        h.toEstablished()
        let start = h.now
        _ = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2)]), on: Fixture.outbound)
        #expect(h.state == .idle)
        // An inbound connection during the hold is refused.
        h.advance(by: .seconds(30))
        let early = h.step(.connectionAccepted(ConnectionID(9), remote: Fixture.peerAddress, remotePort: 40000,
                                               local: .v4(Fixture.routerID)))
        #expect(early.contains { if case .refuse(ConnectionID(9), _) = $0 { return true } else { return false } })
        // The idle-hold timer is the restart interval; when it fires, the peer connects again.
        let fired = h.fire(.idleHold)
        let restarted = try #require(fired)
        #expect(h.now == start + .seconds(120))
        #expect(restarted.contains { if case .connect = $0 { return true } else { return false } })
        #expect(h.state == .connect)
    }

    @Test func withoutRestartThePeerStaysDownUntilCleared() throws {
        var h = Harness(Self.config(MaximumPrefix(limit: 1)))
        h.toEstablished()
        _ = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2)]), on: Fixture.outbound)
        #expect(h.state == .idle)
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .idleHold)] == nil)
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .connectRetry)] == nil)
        h.advance(by: .seconds(3600))
        let refused = h.step(.connectionAccepted(ConnectionID(9), remote: Fixture.peerAddress, remotePort: 40000,
                                                 local: .v4(Fixture.routerID)))
        #expect(refused.contains { if case .refuse(ConnectionID(9), _) = $0 { return true } else { return false } })
        let cleared = h.step(.clear(Fixture.peer, soft: false))
        #expect(cleared.contains { if case .connect = $0 { return true } else { return false } })
    }

    @Test func warningOnlyKeepsTheSession() {
        var h = Harness(Self.config(MaximumPrefix(limit: 1, warningOnly: true)))
        h.toEstablished()
        let out = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2), Fixture.imet(3)]), on: Fixture.outbound)
        #expect(notifications(out, on: Fixture.outbound).isEmpty)
        #expect(h.state == .established)
        #expect(h.summary?.prefixesReceived == 3)
        #expect(out.contains { if case .log(let e) = $0 { return e.message.contains("warning-only") } else { return false } })
    }

    @Test func withdrawalsKeepTheCountUnderTheLimit() {
        var h = Harness(Self.config(MaximumPrefix(limit: 2, restart: .seconds(60))))
        h.toEstablished()
        _ = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2)]), on: Fixture.outbound)
        _ = h.receive(Fixture.withdraw([Fixture.imet(1)]), on: Fixture.outbound)
        let out = h.receive(Fixture.announce([Fixture.imet(3)]), on: Fixture.outbound)
        #expect(notifications(out, on: Fixture.outbound).isEmpty)
        #expect(h.state == .established)
    }

    @Test func changingTheLimitDoesNotResetTheSession() {
        var h = Harness(Self.config(MaximumPrefix(limit: 5)))
        h.toEstablished()
        let out = h.step(.configure(Self.config(MaximumPrefix(limit: 10))))
        #expect(notifications(out, on: Fixture.outbound).isEmpty)
        #expect(h.state == .established)
    }
}
