// What leaves and when: UPDATE packing, coalescing of changes made while a socket is busy,
// End-of-RIB after the initial table, route refresh, local routes and the Loc-RIB change feed.

import BGPCore
import BGPWire
import Testing

@Suite struct AdvertisementTests {
    typealias H = ReflectorHarness

    static func size(_ update: UpdateMessage) -> Int { H.bytes(.update(update)).count }

    @Test(arguments: [1, 100, 1000]) func routesSharingAttributesArePackedUnder4096(_ n: Int) {
        var h = H(peers: [H.c1, H.c2])
        let routes = (0..<UInt32(n)).map { Routes.mac($0) }
        // c2's socket is busy while the routes arrive, so they all wait for one drain.
        h.makeBusy(H.c2)
        // Sent in chunks small enough for one UPDATE each.
        for start in stride(from: 0, to: n, by: 50) {
            h.send(Routes.announce(Array(routes[start..<min(start + 50, n)])), from: H.c1)
        }
        h.drain()
        let updates = h.updates(H.c2).filter { $0.mpReach != nil }
        #expect(h.announced(H.c2).map(\.0) == routes)
        #expect(updates.allSatisfy { Self.size($0) <= 4096 })
        // Each route is 39 octets of NLRI: every UPDATE but the last is full.
        let perRoute = 2 + routes[0].valueLength
        for update in updates.dropLast() { #expect(Self.size(update) + perRoute > 4096) }
        let k = updates.first.map { $0.mpReach?.nlri.count ?? 0 } ?? 0
        #expect(updates.count == (n + k - 1) / max(k, 1))
    }

    @Test func withdrawalsArePackedToo() {
        var h = H(peers: [H.c1, H.c2])
        let routes = (0..<UInt32(500)).map { Routes.mac($0) }
        for start in stride(from: 0, to: 500, by: 50) { h.send(Routes.announce(Array(routes[start..<start + 50])), from: H.c1) }
        h.drain()
        h.got = [:]
        h.makeBusy(H.c2)
        for start in stride(from: 0, to: 500, by: 50) { h.send(Routes.withdraw(Array(routes[start..<start + 50])), from: H.c1) }
        h.drain()
        #expect(Set(h.withdrawn(H.c2)) == Set(routes))
        #expect(h.withdrawn(H.c2).count == 500)
        let updates = h.updates(H.c2)
        #expect(updates.allSatisfy { Self.size($0) <= 4096 && $0.mpReach == nil })
        #expect(updates.count == 5)
    }

    @Test func threeChangesWhileBusyGoOutOnce() {
        var h = H(peers: [H.c1, H.c2])
        h.makeBusy(H.c2)
        for localPref: UInt32 in [110, 120, 130] {
            h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(localPref: localPref)), from: H.c1)
        }
        #expect(h.announced(H.c2).isEmpty)
        h.drain()
        #expect(h.announced(H.c2).count == 1)
        #expect(h.announced(H.c2).first?.1.attribute(.localPref) == .localPref(130))
    }

    @Test func withdrawThenReadvertiseWhileBusySendsOnlyTheFinalState() {
        var h = H(peers: [H.c1, H.c2])
        h.send(Routes.announce([Routes.mac(1)]), from: H.c1)
        h.drain()
        h.got = [:]
        h.makeBusy(H.c2)
        h.send(Routes.withdraw([Routes.mac(1)]), from: H.c1)
        h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(localPref: 150)), from: H.c1)
        h.drain()
        #expect(h.withdrawn(H.c2).isEmpty)
        #expect(h.announced(H.c2).count == 1)
        #expect(h.announced(H.c2).first?.1.attribute(.localPref) == .localPref(150))
    }

    @Test func announceThenWithdrawWhileBusySendsNothing() {
        var h = H(peers: [H.c1, H.c2])
        h.makeBusy(H.c2)
        h.send(Routes.announce([Routes.mac(1)]), from: H.c1)
        h.send(Routes.withdraw([Routes.mac(1)]), from: H.c1)
        h.drain()
        #expect(h.updates(H.c2).isEmpty)
    }

    @Test func endOfRIBFollowsTheInitialTable() {
        var h = H(peers: [H.c1, H.c2], establish: false)
        h.establish(H.c1)
        h.drain()
        h.send(Routes.announce((0..<UInt32(300)).map { Routes.mac($0) }.prefix(50).map { $0 }), from: H.c1)
        h.send(Routes.announce((50..<UInt32(300)).map { Routes.mac($0) }.prefix(100).map { $0 }), from: H.c1)
        h.drain()
        h.establish(H.c2)
        h.drain()
        let updates = h.updates(H.c2)
        #expect(updates.last?.endOfRIBFamily == .l2vpnEVPN)
        #expect(updates.filter { $0.endOfRIBFamily != nil }.count == 1)
        #expect(h.announced(H.c2).count == 150)
        #expect(h.engine.summary(now: h.now).first { $0.address == .v4(H.c2.address) }?.prefixesSent == 150)
        #expect(h.engine.summary(now: h.now).first { $0.address == .v4(H.c1.address) }?.prefixesReceived == 150)
    }

    @Test func routeRefreshResendsTheAdjRIBOut() {
        var h = H(peers: [H.c1, H.c2])
        h.send(Routes.announce((0..<UInt32(20)).map { Routes.mac($0) }), from: H.c1)
        h.drain()
        h.got = [:]
        h.send(.routeRefresh(RouteRefreshMessage(family: .l2vpnEVPN)), from: H.c2)
        h.drain()
        #expect(h.announced(H.c2).count == 20)
        #expect(h.announced(H.c1).isEmpty)
    }

    @Test func softClearOutResendsTheAdjRIBOutWithoutAsking() {
        var h = H(peers: [H.c1, H.c2])
        h.send(Routes.announce((0..<UInt32(20)).map { Routes.mac($0) }), from: H.c1)
        h.drain()
        h.got = [:]
        h.input(.resendAdjRIBOut(H.c2.id))
        h.drain()
        #expect(h.announced(H.c2).count == 20)
        #expect(h.announced(H.c1).isEmpty)
        #expect(!(h.got["c2"] ?? []).contains { $0.type == .routeRefresh })
        // An unknown neighbor is a logged no-op, not a crash.
        h.input(.resendAdjRIBOut(PeerID(.v4(IPv4Address(192, 0, 2, 99)))))
    }

    @Test func enhancedRouteRefreshWrapsTheResendInBoRRAndEoRR() {
        var c2 = H.c2
        c2.enhancedRefresh = true
        var h = H(peers: [H.c1, c2])
        h.send(Routes.announce((0..<UInt32(20)).map { Routes.mac($0) }), from: H.c1)
        h.drain()
        h.got = [:]
        h.send(.routeRefresh(RouteRefreshMessage(family: .l2vpnEVPN)), from: c2)
        h.drain()
        let got = h.got["c2"] ?? []
        guard case .routeRefresh(let first)? = got.first, case .routeRefresh(let last)? = got.last else {
            Issue.record("expected BoRR ... EoRR, got \(got.map(\.type))")
            return
        }
        #expect(first.subtype == .beginningOfRouteRefresh)
        #expect(last.subtype == .endOfRouteRefresh)
        #expect(h.announced(c2).count == 20)
    }

    @Test func localRoutesAreAdvertisedWithdrawnAndFed() {
        var h = H(peers: [H.c1, H.n1])
        h.engine.tracksLocRIBChanges = true
        let route = Routes.mac(7, rd: .ipv4(H.routerID, 100))
        let local = LocalRoute(route: route, nextHop: .v4(H.routerID), attributes: [Routes.communities])
        h.input(.originate([local]))
        h.drain()
        for p in [H.c1, H.n1] {
            let update = h.announced(p).first?.1
            #expect(h.announced(p).map(\.0) == [route])
            #expect(update?.attribute(.localPref) == .localPref(100))
            #expect(update?.attribute(.originatorID) == nil)
            #expect(update?.attribute(.clusterList) == nil)
            #expect(update?.mpReach?.nextHopAddress == .v4(H.routerID))
        }
        #expect(h.engine.takeLocRIBChanges() == [route.key])
        #expect(h.engine.bestPath(route.key)?.peer == nil)
        #expect(h.engine.takeLocRIBChanges().isEmpty)

        // A received path for the same key (same next hop, so the EVPN steps tie) loses to the local one.
        h.send(Routes.announce([route], nextHop: H.routerID), from: H.c1)
        #expect(h.engine.routes().first?.paths.first?.selectionReason == "Local Route")
        #expect(h.engine.takeLocRIBChanges().isEmpty)

        h.input(.withdrawLocal([route.key]))
        h.drain()
        #expect(h.engine.takeLocRIBChanges() == [route.key])
        #expect(h.engine.bestPath(route.key)?.peer == H.c1.id)
        // n1 now gets c1's route in place of ours (reflected, so with ORIGINATOR_ID).
        #expect(h.announced(H.n1).last?.1.attribute(.originatorID) == .originatorID(H.c1.address))
    }

    @Test func routesReportShowsPathsWithReasons() {
        var h = H(peers: [H.c1, H.c2])
        h.send(Routes.announce([Routes.mac(1)]), from: H.c1)
        h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(localPref: 50)), from: H.c2)
        let imet = EVPNRoute.inclusiveMulticast(IMETRoute(rd: .ipv4(IPv4Address(10, 0, 1, 1), 100), originatorIP: .v4(IPv4Address(10, 0, 1, 1))))
        h.send(Routes.announce([imet]), from: H.c1)
        let all = h.engine.routes()
        #expect(all.count == 2)
        #expect(h.engine.routes(type: 3).count == 1)
        let mac = h.engine.routes(type: 2).first
        #expect(mac?.paths.count == 2)
        #expect(mac?.paths.first?.best == true)
        #expect(mac?.paths.first?.peer == H.c1.id)
        #expect(mac?.paths.first?.selectionReason == "Local Pref")
        #expect(mac?.paths.last?.selectionReason == nil)
        #expect(mac?.paths.first?.pathFrom == "internal")
        #expect(h.engine.attributeSetCount <= 4)
    }
}
