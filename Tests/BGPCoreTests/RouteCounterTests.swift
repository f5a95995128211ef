// Routes per peer and EVPN route type (RouteCounters.swift), as the metrics endpoint reads them: announced
// (a counter), held in the Adj-RIB-In and in the Adj-RIB-Out (gauges), in step with pfxRcd and pfxSnt.

@testable import BGPCore
import BGPWire
import Testing

struct RouteCounterTests {
    typealias H = ReflectorHarness

    static let imet = Fixture.imet(7).route

    @Test func countsFollowTheRIBByRouteType() throws {
        var h = H(peers: [H.c1, H.c2])
        h.send(Routes.announce([Routes.mac(1), Routes.mac(2), Self.imet]), from: H.c1)
        h.drain()
        var c1 = try #require(h.engine.routeCounts(of: H.c1.id))
        var c2 = try #require(h.engine.routeCounts(of: H.c2.id))
        #expect(c1.received.macIP == 2 && c1.received.inclusiveMulticast == 1 && c1.received.total == 3)
        #expect(c1.accepted.macIP == 2 && c1.accepted.inclusiveMulticast == 1)
        #expect(c1.advertised.total == 0)  // nothing to reflect back to its source
        #expect(c2.advertised.macIP == 2 && c2.advertised.inclusiveMulticast == 1)
        #expect(c2.received.total == 0 && c2.accepted.total == 0)
        // In step with the summary's pfxRcd and pfxSnt.
        let summary = Dictionary(uniqueKeysWithValues: h.engine.summary(now: h.now).map { ($0.address, $0) })
        #expect(summary[H.c1.id.address]?.prefixesReceived == c1.accepted.total)
        #expect(summary[H.c2.id.address]?.prefixesSent == c2.advertised.total)

        // A withdrawal: held and advertised go down, announced stays (it counts announcements).
        h.send(Routes.withdraw([Routes.mac(1)]), from: H.c1)
        // The same route again with other attributes: announced again, still one path held.
        h.send(Routes.announce([Routes.mac(2)], attributes: Routes.attributes(localPref: 200)), from: H.c1)
        h.drain()
        c1 = try #require(h.engine.routeCounts(of: H.c1.id))
        c2 = try #require(h.engine.routeCounts(of: H.c2.id))
        #expect(c1.received.macIP == 3)
        #expect(c1.accepted.macIP == 1 && c1.accepted.inclusiveMulticast == 1)
        #expect(c2.advertised.macIP == 1 && c2.advertised.inclusiveMulticast == 1)

        // c1's session goes: its paths go, its announcements stay counted, c2 is told.
        h.input(.connectionClosed(H.c1.connection, reason: "test"))
        h.drain()
        c1 = try #require(h.engine.routeCounts(of: H.c1.id))
        c2 = try #require(h.engine.routeCounts(of: H.c2.id))
        #expect(c1.accepted.total == 0 && c1.received.macIP == 3)
        #expect(c2.advertised.total == 0)
        #expect(h.engine.routeCounts(of: PeerID(.v4(IPv4Address(10, 9, 9, 9)))) == nil)
    }

    @Test func treatAsWithdrawAndLoopsAreAnnouncedButNotAccepted() throws {
        var h = H(peers: [H.c1, H.c2])
        // Our own cluster id in CLUSTER_LIST: a loop, dropped.
        h.send(Routes.announce([Routes.mac(5)], attributes: Routes.attributes(extra: [PathAttribute(.clusterList([H.clusterID]))])),
               from: H.c1)
        h.drain()
        let c1 = try #require(h.engine.routeCounts(of: H.c1.id))
        #expect(c1.received.macIP == 1 && c1.accepted.macIP == 0)
    }
}
