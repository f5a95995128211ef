// RFC 4724 graceful restart through one engine and one scripted peer: the helper side (which
// session endings keep the peer's routes stale, and how the restart ends) as tables, then the
// restarting side (R and F bits, End-of-RIB deferral).

import BGPCore
import BGPWire
import Testing

@Suite struct GracefulRestartTests {
    static let evpnF = GracefulRestartCapability.Family(family: .l2vpnEVPN, forwardingPreserved: true)
    static let evpnNoF = GracefulRestartCapability.Family(family: .l2vpnEVPN, forwardingPreserved: false)

    /// An OPEN like FRR's in restart mode: restart time and the l2vpn evpn entry.
    static func open(restartTime: UInt16 = 120, families: [GracefulRestartCapability.Family]? = [evpnF],
                     restarting: Bool = false) -> OpenMessage {
        var caps: [Capability] = [.multiprotocol(.l2vpnEVPN), .routeRefresh, .fourOctetAS(Fixture.peerAS)]
        if let families {
            caps.append(.gracefulRestart(GracefulRestartCapability(restarting: restarting, restartTime: restartTime, families: families)))
        }
        return OpenMessage(asn: Fixture.peerAS, holdTime: 9, identifier: IPv4Address(10, 0, 0, 2), capabilities: caps)
    }

    static func config(_ mode: GracefulRestartMode = .helper, timers: GracefulRestartTimers = GracefulRestartTimers(stalePathTime: 30, selectDeferTime: 60)) -> EngineConfig {
        var peer = Fixture.peerConfig()
        peer.gracefulRestart = mode
        var config = Fixture.config(peers: [peer])
        config.gracefulRestartTimers = timers
        return config
    }

    /// Established, routes 1, 2, 3 received.
    static func withRoutes(_ mode: GracefulRestartMode = .helper, open: OpenMessage = open()) -> Harness {
        var h = Harness(config(mode))
        h.toEstablished(open)
        _ = h.receive(Fixture.announce([Fixture.imet(1), Fixture.imet(2), Fixture.imet(3)]), on: Fixture.outbound)
        return h
    }

    static func has(_ h: Harness, _ n: UInt8) -> Bool { h.engine.bestPath(EVPNRouteKey(Fixture.imet(n).route)) != nil }

    // MARK: helper: how the session ends

    enum Ending: String, CaseIterable, Sendable {
        case tcpClosed, notificationReceived, holdTimerExpired, clearedByOperator
    }

    struct DownRow: Sendable, CustomTestStringConvertible {
        var ending: Ending
        var restartTime: UInt16 = 120
        var families: [GracefulRestartCapability.Family]? = [GracefulRestartTests.evpnF]
        var mode: GracefulRestartMode = .helper
        var kept: Bool
        var testDescription: String {
            "\(ending.rawValue), restart time \(restartTime), \(families.map { "\($0.count) families" } ?? "no capability"), \(mode): \(kept ? "kept" : "removed")"
        }
    }

    static let downRows: [DownRow] = [
        DownRow(ending: .tcpClosed, kept: true),
        // Our NOTIFICATION (Hold Timer Expired) ends it without a restart (no RFC 8538).
        DownRow(ending: .holdTimerExpired, kept: false),
        DownRow(ending: .tcpClosed, mode: .restart, kept: true),
        DownRow(ending: .notificationReceived, kept: false),
        DownRow(ending: .clearedByOperator, kept: false),
        DownRow(ending: .tcpClosed, families: [], kept: false),
        DownRow(ending: .tcpClosed, families: nil, kept: false),
        DownRow(ending: .tcpClosed, restartTime: 0, kept: false),
        DownRow(ending: .tcpClosed, mode: .disable, kept: false),
        // The F bit matters on return, not on the way down.
        DownRow(ending: .tcpClosed, families: [GracefulRestartTests.evpnNoF], kept: true),
    ]

    @Test(arguments: downRows) func sessionEnding(_ row: DownRow) {
        var h = Self.withRoutes(row.mode, open: Self.open(restartTime: row.restartTime, families: row.families))
        #expect(h.engine.routeCount == 3)
        switch row.ending {
        case .tcpClosed: h.step(.connectionClosed(Fixture.outbound, reason: "Connection reset by peer"))
        case .notificationReceived: _ = h.receive(.notification(NotificationMessage(code: .cease, subcode: 2)), on: Fixture.outbound)
        case .holdTimerExpired: h.fire(.hold)
        case .clearedByOperator: h.step(.clear(Fixture.peer, soft: false))
        }
        #expect(h.state != .established)
        #expect(h.engine.routeCount == (row.kept ? 3 : 0))
        #expect(h.engine.isHelpingRestart(Fixture.peer) == row.kept)
        if row.ending == .tcpClosed {
            #expect(h.summary?.lastResetDueTo == (row.kept ? "NSF peer closed the session" : "Peer closed the session"))
        }
        #expect(h.engine.staleRouteCount(from: Fixture.peer) == (row.kept ? 3 : 0))
        #expect((h.armed[TimerID(peer: Fixture.peer, kind: .gracefulRestart)] != nil) == row.kept)
        if row.kept {
            // Stale routes stay best paths (what a VTEP installs and a reflector passes on).
            #expect(Self.has(h, 1) && Self.has(h, 2) && Self.has(h, 3))
            // `show bgp l2vpn evpn route` marks them stale, as FRR does.
            #expect(h.engine.routes().flatMap(\.paths).map(\.stale) == [true, true, true])
            #expect(h.armed[TimerID(peer: Fixture.peer, kind: .gracefulRestart)] == h.now + .seconds(Int(row.restartTime)))
        }
    }

    // MARK: helper: how the restart ends

    enum Return: String, CaseIterable, Sendable {
        /// Back with F set, routes 1 and 2 sent again, End-of-RIB.
        case endOfRIB
        /// Back with F set, routes 1 and 2 sent again, no End-of-RIB: stalepath-time.
        case stalePathTimer
        /// Back with F clear.
        case forwardingNotPreserved
        /// Back without the l2vpn evpn entry.
        case familyMissing
        /// Not back within the restart time.
        case restartTimerExpires
        /// Back, then down again before End-of-RIB (without graceful restart this time).
        case downAgainWithNotification
    }

    struct ReturnRow: Sendable, CustomTestStringConvertible {
        var way: Return
        /// Which of routes 1, 2, 3 remain.
        var remaining: [UInt8]
        var testDescription: String { "\(way.rawValue): \(remaining) remain" }
    }

    static let returnRows: [ReturnRow] = [
        ReturnRow(way: .endOfRIB, remaining: [1, 2]),
        ReturnRow(way: .stalePathTimer, remaining: [1, 2]),
        ReturnRow(way: .forwardingNotPreserved, remaining: [1, 2]),
        ReturnRow(way: .familyMissing, remaining: [1, 2]),
        ReturnRow(way: .restartTimerExpires, remaining: []),
        ReturnRow(way: .downAgainWithNotification, remaining: []),
    ]

    /// Down by TCP reset, then back on a new outbound connection.
    static func reconnect(_ h: inout Harness, open: OpenMessage) -> ConnectionID? {
        guard let out = h.fire(.idleHold), let connection = connects(out).first else { return nil }
        h.step(.connectionEstablished(connection))
        _ = h.receive(.open(open), on: connection)
        _ = h.receive(.keepalive, on: connection)
        return connection
    }

    @Test(arguments: returnRows) func restartEnding(_ row: ReturnRow) throws {
        var h = Self.withRoutes()
        h.step(.connectionClosed(Fixture.outbound, reason: "Connection reset by peer"))
        #expect(h.engine.staleRouteCount(from: Fixture.peer) == 3)
        let again = Fixture.announce([Fixture.imet(1), Fixture.imet(2)])
        switch row.way {
        case .endOfRIB, .stalePathTimer:
            let back = Self.reconnect(&h, open: Self.open(restarting: true))
            let c = try #require(back)
            #expect(h.state == .established)
            _ = h.receive(again, on: c)
            // Until the End-of-RIB, route 3 stays (stale), 1 and 2 are fresh again.
            #expect(h.engine.routeCount == 3)
            #expect(h.engine.staleRouteCount(from: Fixture.peer) == 1)
            if row.way == .endOfRIB {
                _ = h.receive(.update(.endOfRIB(.l2vpnEVPN)), on: c)
            } else {
                #expect(h.armed[TimerID(peer: Fixture.peer, kind: .stalePath)] == h.now + .seconds(30))
                #expect(h.fire(.stalePath) != nil)
            }
        case .forwardingNotPreserved, .familyMissing:
            let families = row.way == .familyMissing ? [] : [Self.evpnNoF]
            let back = Self.reconnect(&h, open: Self.open(families: families, restarting: true))
            let c = try #require(back)
            // Removed as the session comes up, before anything is sent again.
            #expect(h.engine.routeCount == 0)
            _ = h.receive(again, on: c)
        case .restartTimerExpires:
            #expect(h.fire(.gracefulRestart) != nil)
        case .downAgainWithNotification:
            let back = Self.reconnect(&h, open: Self.open(restarting: true))
            let c = try #require(back)
            _ = h.receive(.notification(NotificationMessage(code: .cease, subcode: 4)), on: c)
        }
        for n: UInt8 in [1, 2, 3] { #expect(Self.has(h, n) == row.remaining.contains(n), "route \(n)") }
        #expect(h.engine.routeCount == row.remaining.count)
        #expect(h.engine.staleRouteCount(from: Fixture.peer) == 0)
        #expect(!h.engine.routes().flatMap(\.paths).contains { $0.stale })
        #expect(!h.engine.isHelpingRestart(Fixture.peer))
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .gracefulRestart)] == nil)
        #expect(h.armed[TimerID(peer: Fixture.peer, kind: .stalePath)] == nil)
    }

    @Test func aPeerRemovedFromTheConfigurationWhileRestartingTakesItsStaleRoutes() {
        var h = Self.withRoutes()
        h.step(.connectionClosed(Fixture.outbound, reason: "reset"))
        #expect(h.engine.routeCount == 3)
        h.step(.configure(Fixture.config(peers: [])))
        #expect(h.engine.routeCount == 0)
    }

    @Test func aDynamicPeerStaysWhileItsRoutesAreHeldAndGoesWhenTheyDo() {
        let range = ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 0, 0, 0)), length: 24),
                                template: Fixture.peerConfig(.v4(IPv4Address(10, 0, 0, 0))))
        var h = Harness(Fixture.config(peers: [], ranges: [range]))
        h.step(.start)
        h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 40000, local: .v4(Fixture.routerID)))
        _ = h.receive(.open(Self.open()), on: Fixture.inbound)
        _ = h.receive(.keepalive, on: Fixture.inbound)
        _ = h.receive(Fixture.announce([Fixture.imet(1)]), on: Fixture.inbound)
        #expect(h.engine.routeCount == 1)
        h.step(.connectionClosed(Fixture.inbound, reason: "reset"))
        #expect(h.engine.peerIDs == [Fixture.peer])
        #expect(h.engine.routeCount == 1)
        #expect(h.fire(.gracefulRestart) != nil)
        #expect(h.engine.routeCount == 0)
        #expect(h.engine.peerIDs.isEmpty)
    }

    // MARK: restarting speaker

    static func ourOpen(_ h: Harness) -> OpenMessage? {
        for case .open(let open) in sent(h.all, on: Fixture.outbound) { return open }
        return nil
    }

    static func ourCapability(_ mode: GracefulRestartMode) -> GracefulRestartCapability?? {
        var h = Harness(config(mode))
        h.toOpenSent()
        guard let open = ourOpen(h) else { return nil }
        for case .gracefulRestart(let gr) in open.capabilities { return .some(gr) }
        return .some(nil)
    }

    @Test func restartModeSendsTheRBitWhileRestartingAndTheFBitForEVPN() throws {
        let outer = try #require(Self.ourCapability(.restart))
        let gr = try #require(outer)
        #expect(gr.restarting)
        #expect(gr.restartTime == 120)
        #expect(gr.families == [Self.evpnF])
    }

    @Test func helperModeSendsTheRestartTimeOnly() throws {
        let outer = try #require(Self.ourCapability(.helper))
        let gr = try #require(outer)
        #expect(!gr.restarting)
        #expect(gr.families.isEmpty)
    }

    @Test func disabledSendsNoCapability() throws {
        let gr = try #require(Self.ourCapability(.disable))
        #expect(gr == nil)
    }

    static func endOfRIBs(_ outputs: [EngineOutput], on c: ConnectionID) -> Int {
        sent(outputs, on: c).filter { if case .update(let u) = $0 { return u.endOfRIBFamily != nil } else { return false } }.count
    }

    @Test func endOfRIBWaitsForThePeersEndOfRIB() {
        var h = Harness(Self.config(.restart))
        #expect(h.engine.isDeferringSelection)
        h.toEstablished(Self.open())
        h.step(.writable(Fixture.outbound))
        #expect(Self.endOfRIBs(h.all, on: Fixture.outbound) == 0)
        #expect(h.engine.isDeferringSelection)
        let out = h.receive(.update(.endOfRIB(.l2vpnEVPN)), on: Fixture.outbound)
        #expect(!h.engine.isDeferringSelection)
        #expect(Self.endOfRIBs(out, on: Fixture.outbound) == 1)
        #expect(out.contains(.cancelTimer(TimerID.selectionDeferralForTests)))
    }

    @Test func selectDeferTimeEndsTheDeferral() {
        var h = Harness(Self.config(.restart))
        h.toEstablished(Self.open())
        h.step(.writable(Fixture.outbound))
        #expect(h.armed[TimerID.selectionDeferralForTests] != nil)
        let out = h.fire(TimerID.selectionDeferralForTests.kind, peer: TimerID.selectionDeferralForTests.peer) ?? []
        #expect(!h.engine.isDeferringSelection)
        #expect(Self.endOfRIBs(out, on: Fixture.outbound) == 1)
    }

    @Test func helperModeDoesNotDefer() {
        var h = Harness(Self.config(.helper))
        #expect(!h.engine.isDeferringSelection)
        h.toEstablished(Self.open())
        h.step(.writable(Fixture.outbound))
        #expect(Self.endOfRIBs(h.all, on: Fixture.outbound) == 1)
    }

    @Test func theRBitIsClearOnSessionsAfterTheDeferral() throws {
        var h = Harness(Self.config(.restart))
        h.toEstablished(Self.open())
        _ = h.receive(.update(.endOfRIB(.l2vpnEVPN)), on: Fixture.outbound)
        h.step(.connectionClosed(Fixture.outbound, reason: "reset"))
        let fired = h.fire(.idleHold)
        let out = try #require(fired)
        let c = try #require(connects(out).first)
        let opens = h.step(.connectionEstablished(c))
        var gr: GracefulRestartCapability?
        for case .open(let open) in sent(opens, on: c) { for case .gracefulRestart(let g) in open.capabilities { gr = g } }
        #expect(gr?.restarting == false)
        #expect(gr?.families == [Self.evpnF])
    }
}

extension TimerID {
    /// The engine-wide selection deferral timer as the runtime sees it.
    static var selectionDeferralForTests: TimerID { TimerID(peer: PeerID(.v4(IPv4Address(rawValue: 0))), kind: .selectionDeferral) }
}
