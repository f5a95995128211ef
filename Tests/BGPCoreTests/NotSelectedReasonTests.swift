// Why a path that is not the best lost (the report's `notSelectedReason`, BestPath.lossReason): worked out
// only when the Loc-RIB is reported, one comparison with the best path each.

@testable import BGPCore
import BGPWire
import Testing

@Suite struct NotSelectedReasonTests {
    /// One route from three peers: n1 wins on MED against n2 and on LOCAL_PREF against c1.
    @Test func eachLoserSaysTheStepItLostAt() throws {
        var h = ReflectorHarness()
        let route = Routes.mac(1)
        h.send(Routes.announce([route], nextHop: IPv4Address(10, 0, 1, 9),
                               attributes: Routes.attributes(extra: [PathAttribute(.multiExitDisc(10))])), from: ReflectorHarness.n1)
        h.send(Routes.announce([route], nextHop: IPv4Address(10, 0, 1, 9),
                               attributes: Routes.attributes(extra: [PathAttribute(.multiExitDisc(20))])), from: ReflectorHarness.n2)
        h.send(Routes.announce([route], nextHop: IPv4Address(10, 0, 1, 9), attributes: Routes.attributes(localPref: 90)),
               from: ReflectorHarness.c1)
        let entry = try #require(h.engine.routes().first { $0.key == EVPNRouteKey(route) })
        #expect(entry.paths.count == 3)
        let byPeer = Dictionary(uniqueKeysWithValues: entry.paths.map { ($0.peer?.address.description ?? "local", $0) })
        let best = try #require(byPeer["10.0.0.21"])
        #expect(best.best)
        #expect(best.lostReason == nil)
        #expect(byPeer["10.0.0.22"]?.best == false)
        #expect(byPeer["10.0.0.22"]?.lostReason == .med)
        #expect(byPeer["10.0.0.11"]?.lostReason == .localPref)
        // The best path's own reason is the decision's, unchanged.
        #expect(best.selectionReason != nil)
    }

    /// The hot path's single-route report (what the VTEP reads) computes no loss reason.
    @Test func aSinglePathHasNoLossReason() throws {
        var h = ReflectorHarness()
        let route = Routes.mac(2)
        h.send(Routes.announce([route]), from: ReflectorHarness.n1)
        let entry = try #require(h.engine.routes().first { $0.key == EVPNRouteKey(route) })
        #expect(entry.paths.map(\.lostReason) == [nil])
        #expect(entry.paths.first?.selectionReason == SelectionReason.first.rawValue)
    }
}
