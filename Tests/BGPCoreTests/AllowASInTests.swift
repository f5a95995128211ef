// `neighbor X allowas-in [N|origin]`: the AS_PATH loop check on eBGP routes (AllowASIn.swift), as FRR's
// `bgp_update` does it; and what a dropped loop leaves (a count, not the route).

import BGPCore
import BGPWire
import Testing

@Suite struct AllowASInTests {
    typealias H = ReflectorHarness

    static func config(allow: AllowASIn?) -> EngineConfig {
        let peers = [H.c1, H.e1].map { p in
            var peer = PeerConfig(address: .v4(p.address), remoteAS: .number(p.asn), keepalive: 3, holdTime: 9, connectRetry: 5,
                                  passive: true, routeReflectorClient: p.client)
            if p.asn != H.localAS, let allow { peer.allowAsIn[.l2vpnEVPN] = allow }
            return peer
        }
        return EngineConfig(localAS: H.localAS, routerID: H.routerID, hostname: "rr", peers: peers, clusterID: H.clusterID)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var allow: AllowASIn?
        var path: [UInt32]
        var kept: Bool
        var testDescription: String { "\(allow.map { "\($0)" } ?? "no allowas-in") \(path) -> \(kept ? "kept" : "loop")" }
    }

    static let cases: [Case] = [
        Case(allow: nil, path: [H.e1.asn, 65200], kept: true),
        Case(allow: nil, path: [H.e1.asn, H.localAS], kept: false),
        Case(allow: .occurrences(1), path: [H.e1.asn, H.localAS], kept: true),
        Case(allow: .occurrences(1), path: [H.e1.asn, H.localAS, 65200, H.localAS], kept: false),
        Case(allow: .occurrences(3), path: [H.e1.asn, H.localAS, H.localAS, H.localAS], kept: true),
        Case(allow: .origin, path: [H.e1.asn, H.localAS], kept: true),
        Case(allow: .origin, path: [H.e1.asn, H.localAS, 65200], kept: false),
        Case(allow: .origin, path: [H.e1.asn, 65200], kept: true),
    ]

    @Test(arguments: cases)
    func loopCheck(_ c: Case) {
        var h = H(peers: [H.c1, H.e1])
        h.input(.configure(Self.config(allow: c.allow)))
        // A changed allowas-in resets the session (the routes it dropped are gone, so they must come again).
        if h.engine.state(of: H.e1.id) != .established { h.establish(H.e1) }
        #expect(h.engine.state(of: H.e1.id) == .established)
        h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(asPath: c.path, localPref: nil)), from: H.e1)
        h.drain()
        #expect(h.engine.routes().isEmpty == !c.kept)
        #expect(h.announced(H.c1).count == (c.kept ? 1 : 0))
        #expect(h.engine.loopsDropped(from: H.e1.id) == (c.kept ? 0 : 1))
        // The reason is counted, and the dropped route is remembered for display (not kept in the RIB).
        let drops = h.engine.dropped(from: H.e1.id)
        #expect(drops[.asPathLoop] == (c.kept ? 0 : 1))
        #expect(drops.recent.map(\.reason) == (c.kept ? [] : [.asPathLoop]))
        #expect(h.engine.droppedTotals.total == (c.kept ? 0 : 1))
    }

    @Test func manyLoopsKeepOnlyAFewRoutesForDisplay() {
        var h = H(peers: [H.c1, H.e1])
        h.send(Routes.announce((1...50).map { Routes.mac(UInt32($0)) }, attributes: Routes.attributes(asPath: [H.e1.asn, H.localAS], localPref: nil)),
               from: H.e1)
        h.drain()
        let drops = h.engine.dropped(from: H.e1.id)
        #expect(drops[.asPathLoop] == 50)
        #expect(drops.recent.count == DropCounters.recentLimit)
        #expect(h.engine.routes().isEmpty)
    }

    @Test func onlyTheConfiguredFamilyIsRelaxed() {
        // allowas-in for ipv4 unicast does not let an l2vpn evpn loop in.
        var config = Self.config(allow: nil)
        config.peers[1].allowAsIn[.ipv4Unicast] = .origin
        var h = H(peers: [H.c1, H.e1])
        h.input(.configure(config))
        h.establish(H.e1)
        h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(asPath: [H.e1.asn, H.localAS], localPref: nil)), from: H.e1)
        h.drain()
        #expect(h.engine.routes().isEmpty)
        #expect(h.engine.loopsDropped(from: H.e1.id) == 1)
    }
}
