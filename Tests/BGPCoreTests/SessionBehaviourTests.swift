// Session behaviour beyond single table rows: collisions, timers, negotiation, reasons, counting.

import BGPCore
import BGPWire
import Testing

@Suite struct CollisionTests {
    /// Both connections reach OpenSent; the OPEN arrives on the outbound one while the inbound one
    /// waits in OpenSent. The speaker with the higher BGP Identifier keeps the connection it opened.
    @Test(arguments: [(IPv4Address(10, 0, 0, 2), ConnectionDirection.inbound), (IPv4Address(10, 0, 0, 0), .outbound)])
    func collision(peerID: IPv4Address, kept: ConnectionDirection) {
        var h = Harness()
        h.toOpenSent()
        h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 40000, local: .v4(Fixture.routerID)))
        let out = h.receive(.open(Fixture.open(identifier: peerID)), on: Fixture.outbound)
        let loser = kept == .inbound ? Fixture.outbound : Fixture.inbound
        let winner = kept == .inbound ? Fixture.inbound : Fixture.outbound
        #expect(notifications(out, on: loser).map { [$0.code.rawValue, $0.subcode] } == [[6, 7]])
        #expect(closed(out) == [loser])
        #expect(!closed(out).contains(winner))
        if kept == .outbound {
            #expect(sentTypes(out, on: Fixture.outbound) == [.keepalive])
            #expect(h.state == .openConfirm)
        } else {
            // The inbound connection carries on; its OPEN from the peer is still to come.
            #expect(h.state == .openSent)
            _ = h.receive(.open(Fixture.open(identifier: peerID)), on: Fixture.inbound)
            _ = h.receive(.keepalive, on: Fixture.inbound)
            #expect(h.state == .established)
        }
        // A collision is not a reset of the peer.
        #expect(h.summary?.lastResetDueTo == nil)
    }

    @Test func collisionWithEstablishedClosesTheNewConnection() {
        var h = Harness()
        h.toEstablished()
        let out = h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 40000, local: .v4(Fixture.routerID)))
        #expect(out.contains { if case .refuse(Fixture.inbound, _) = $0 { return true } else { return false } })
        #expect(h.state == .established)
    }

    @Test func establishedClosesTheOtherPendingConnection() {
        var h = Harness()
        h.step(.start)
        h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 40000, local: .v4(Fixture.routerID)))
        _ = h.receive(.open(Fixture.open()), on: Fixture.inbound)
        let out = h.receive(.keepalive, on: Fixture.inbound)
        #expect(h.state == .established)
        #expect(closed(out) == [Fixture.outbound])
    }
}

@Suite struct TimerTests {
    @Test func holdTimerExpiryRecordsTheReasonAndRestarts() {
        var h = Harness()
        h.toEstablished()
        let out = h.fire(.hold) ?? []
        #expect(notifications(out, on: Fixture.outbound).map { [$0.code.rawValue, $0.subcode] } == [[4, 0]])
        #expect(out.contains(.sessionDown(Fixture.peer, reason: "Hold Timer Expired")))
        #expect(h.summary?.lastResetReason == "Hold Timer Expired")
        #expect(h.summary?.connectionsDropped == 1)
        #expect(h.state == .idle)
        // IdleHold, then a new connection attempt.
        let restart = h.fire(.idleHold) ?? []
        #expect(connects(restart).count == 1)
        #expect(h.state == .connect)
    }

    @Test func keepalivesEveryIntervalAndHoldIsTheSmaller() {
        var h = Harness()
        h.toEstablished(Fixture.open(holdTime: 30))
        #expect(h.engine.negotiated(with: Fixture.peer)?.holdTime == 9)
        #expect(h.engine.negotiated(with: Fixture.peer)?.keepaliveInterval == 3)
        let start = h.now
        var keepalives = 0
        for _ in 0..<5 {
            let out = h.fire(.keepalive) ?? []
            keepalives += sentTypes(out, on: Fixture.outbound).filter { $0 == .keepalive }.count
            _ = h.receive(.keepalive, on: Fixture.outbound)
        }
        #expect(keepalives == 5)
        #expect(h.now.duration(since: start) == .seconds(15))
        #expect(h.state == .established)
    }

    @Test func holdTimeZeroMeansNoKeepalivesAndNoHoldTimer() {
        var h = Harness()
        h.toEstablished(Fixture.open(holdTime: 0))
        #expect(h.state == .established)
        #expect(h.engine.negotiated(with: Fixture.peer)?.holdTime == 0)
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .keepalive)] == nil)
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .hold)] == nil)
    }

    @Test func openSentUsesTheLargeHoldTimer() {
        var h = Harness()
        h.toOpenSent()
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .hold)] == h.now + .seconds(240))
    }

    @Test func idleHoldBacksOffAfterRepeatedErrors() {
        var h = Harness()
        var waits: [Duration] = []
        h.toOpenSent()
        for _ in 0..<5 {
            let conn = connects(h.all).last ?? Fixture.outbound
            _ = h.receive(.open(Fixture.open(asn: 1)), on: conn)
            #expect(h.state == .idle)
            if let deadline = h.armed[TimerID(peer: Fixture.peer, kind: .idleHold)] { waits.append(deadline.duration(since: h.now)) }
            h.fire(.idleHold)
            h.step(.connectionEstablished(connects(h.all).last ?? Fixture.outbound))
            #expect(h.state == .openSent)
        }
        // 1, 2, 4, then capped at connect-retry (5 s).
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    @Test func delayOpenWaitsForThePeersOpen() {
        var config = Fixture.peerConfig()
        config.delayOpen = 5
        var h = Harness(Fixture.config(peers: [config]))
        h.step(.start)
        let out = h.step(.connectionEstablished(Fixture.outbound))
        #expect(sentTypes(out, on: Fixture.outbound).isEmpty)
        let onOpen = h.receive(.open(Fixture.open()), on: Fixture.outbound)
        #expect(sentTypes(onOpen, on: Fixture.outbound) == [.open, .keepalive])
        #expect(h.state == .openConfirm)
    }

    @Test func delayOpenExpirySendsOpen() {
        var config = Fixture.peerConfig()
        config.delayOpen = 5
        var h = Harness(Fixture.config(peers: [config]))
        h.step(.start)
        h.step(.connectionEstablished(Fixture.outbound))
        let out = h.fire(.delayOpen) ?? []
        #expect(sentTypes(out, on: Fixture.outbound) == [.open])
        #expect(h.state == .openSent)
    }
}

@Suite struct NegotiationTests {
    @Test func ourOpenCarriesFRRsCapabilities() throws {
        var h = Harness()
        let out = h.step(.start) + h.step(.connectionEstablished(Fixture.outbound))
        guard case .open(let open)? = sent(out, on: Fixture.outbound).first else {
            Issue.record("no OPEN sent")
            return
        }
        #expect(open.holdTime == 9)
        #expect(open.identifier == Fixture.routerID)
        #expect(open.asNumber == Fixture.localAS)
        let codes = open.capabilities.map(\.code.rawValue)
        #expect(codes == [1, 128, 2, 70, 65, 73, 64])
        #expect(open.capabilities.contains(.multiprotocol(.l2vpnEVPN)))
        #expect(!open.capabilities.contains(.multiprotocol(.ipv4Unicast)))
    }

    @Test func capabilitiesAreRecorded() {
        var h = Harness()
        h.toEstablished()
        let n = h.engine.negotiated(with: Fixture.peer)
        #expect(n?.families == [.l2vpnEVPN])
        #expect(n?.fourOctetAS == true)
        #expect(n?.routeRefresh == true)
        #expect(n?.enhancedRouteRefresh == false)
        #expect(n?.peerGracefulRestart?.restartTime == 120)
        #expect(n?.peerHostname == "spine1")
        #expect(h.summary?.hostname == "spine1")
        #expect(h.summary?.families == [.l2vpnEVPN])
    }

    @Test func aFamilyThePeerLacksIsNotSent() {
        var h = Harness()
        h.toEstablished(Fixture.open(families: [.ipv4Unicast]))
        #expect(h.engine.negotiated(with: Fixture.peer)?.families == [])
        let out = h.step(.writable(Fixture.outbound))
        #expect(sent(out, on: Fixture.outbound).isEmpty)
    }

    @Test func fourByteASViaASTrans() {
        var config = Fixture.peerConfig(remoteAS: .number(4_200_000_001))
        config.holdTime = 9
        var h = Harness(Fixture.config(peers: [config]))
        h.toEstablished(Fixture.open(asn: 4_200_000_001))
        #expect(h.state == .established)
        #expect(h.summary?.remoteAS == 4_200_000_001)
    }

    @Test(arguments: [(RemoteAS.internal, UInt32(65000), true), (.internal, 65001, false), (.external, 65001, true), (.external, 65000, false)])
    func remoteASKinds(remote: RemoteAS, peerAS: UInt32, accepted: Bool) {
        var h = Harness(Fixture.config(peers: [Fixture.peerConfig(remoteAS: remote)]))
        h.toOpenConfirm(Fixture.open(asn: peerAS))
        #expect((h.state == .openConfirm) == accepted)
    }

    @Test func iBGPPeerWithOurIdentifierIsRefused() {
        var h = Harness(Fixture.config(peers: [Fixture.peerConfig(remoteAS: .internal)]))
        h.toOpenSent()
        let out = h.receive(.open(Fixture.open(asn: Fixture.localAS, identifier: Fixture.routerID)), on: Fixture.outbound)
        #expect(notifications(out, on: Fixture.outbound).map(\.subcode) == [3])
    }

    @Test func badPeerASReasonIsWorded() {
        var h = Harness()
        h.toOpenSent()
        _ = h.receive(.open(Fixture.open(asn: 65099)), on: Fixture.outbound)
        #expect(h.summary?.lastResetReason == "NOTIFICATION sent: OPEN Message Error/Bad Peer AS")
        #expect(h.summary?.lastResetDueTo == "BGP Notification send")
    }

    @Test func notificationReceivedReasonIsWorded() {
        var h = Harness()
        h.toEstablished()
        let out = h.receive(.notification(NotificationMessage(code: .cease, subcode: 2)), on: Fixture.outbound)
        #expect(out.contains(.sessionDown(Fixture.peer, reason: "NOTIFICATION received: Cease/Administrative Shutdown")))
    }
}

@Suite struct MessageFlowTests {
    @Test func endOfRIBIsSentOnWritableAfterEstablished() {
        var h = Harness()
        h.toOpenConfirm()
        let atEstablished = h.receive(.keepalive, on: Fixture.outbound)
        #expect(atEstablished.contains(.sessionEstablished(Fixture.peer)))
        #expect(sent(atEstablished, on: Fixture.outbound).isEmpty)
        let out = h.step(.writable(Fixture.outbound))
        #expect(sent(out, on: Fixture.outbound) == [.update(.endOfRIB(.l2vpnEVPN))])
        // Nothing more to send: the next writable produces nothing.
        #expect(sent(h.step(.writable(Fixture.outbound)), on: Fixture.outbound).isEmpty)
    }

    @Test func anyChunkingGivesTheSameResult() {
        let stream = Fixture.bytes(.open(Fixture.open())) + Fixture.bytes(.keepalive) + Fixture.bytes(.update(.endOfRIB(.l2vpnEVPN)))
        var whole = Harness()
        whole.toOpenSent()
        let a = whole.step(.received(Fixture.outbound, stream))
        var bytewise = Harness()
        bytewise.toOpenSent()
        var b: [EngineOutput] = []
        for byte in stream { b += bytewise.step(.received(Fixture.outbound, [byte])) }
        #expect(whole.state == .established)
        #expect(a.filter { if case .armTimer = $0 { return false } else { return true } }
                == b.filter { if case .armTimer = $0 { return false } else { return true } })
        #expect(whole.summary?.messagesReceived == 3)
        #expect(bytewise.summary?.messagesReceived == 3)
    }

    @Test func prefixesReceivedFollowAnnouncementsAndWithdrawals() {
        var h = Harness()
        h.toEstablished()
        let out = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2), Fixture.imet(3)]), on: Fixture.outbound)
        #expect(out.contains { if case .received(Fixture.peer, _) = $0 { return true } else { return false } })
        #expect(h.summary?.prefixesReceived == 3)
        _ = h.receive(Fixture.announce([Fixture.imet(1)]), on: Fixture.outbound)
        #expect(h.summary?.prefixesReceived == 3)
        _ = h.receive(Fixture.withdraw([Fixture.imet(2)]), on: Fixture.outbound)
        #expect(h.summary?.prefixesReceived == 2)
        _ = h.step(.connectionClosed(Fixture.outbound, reason: "EOF"))
        #expect(h.summary?.prefixesReceived == 0)
    }

    @Test func messageCounters() {
        var h = Harness()
        h.toEstablished()
        #expect(h.summary?.messagesSent == 2)      // OPEN, KEEPALIVE
        #expect(h.summary?.messagesReceived == 2)
        #expect(h.summary?.connectionsEstablished == 1)
        #expect(h.summary?.state == .established)
        h.advance(by: .milliseconds(1500))
        #expect(h.summary?.uptimeMilliseconds == 1500)
    }

    @Test func softClearSendsRouteRefreshAndHardClearResets() {
        var h = Harness()
        h.toEstablished()
        let soft = h.step(.clear(Fixture.peer, soft: true))
        #expect(sent(soft, on: Fixture.outbound) == [.routeRefresh(RouteRefreshMessage(family: .l2vpnEVPN))])
        let hard = h.step(.clear(nil, soft: false))
        #expect(notifications(hard, on: Fixture.outbound).map { [$0.code.rawValue, $0.subcode] } == [[6, 4]])
        #expect(connects(hard).count == 1)
        #expect(h.state == .connect)
        #expect(h.summary?.lastResetDueTo == "User reset")
    }

    @Test func shutdownPeerStaysIdleAndRefusesInbound() {
        var config = Fixture.peerConfig()
        config.shutdown = true
        var h = Harness(Fixture.config(peers: [config]))
        #expect(connects(h.step(.start)).isEmpty)
        #expect(h.state == .idle)
        let out = h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 1, local: .v4(Fixture.routerID)))
        #expect(out.contains { if case .refuse(Fixture.inbound, _) = $0 { return true } else { return false } })
    }

    @Test func passivePeerWaitsInActive() {
        var config = Fixture.peerConfig()
        config.passive = true
        var h = Harness(Fixture.config(peers: [config]))
        #expect(connects(h.step(.start)).isEmpty)
        #expect(h.state == .active)
        let out = h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 1, local: .v4(Fixture.routerID)))
        #expect(sentTypes(out, on: Fixture.inbound) == [.open])
        #expect(h.state == .openSent)
    }
}
