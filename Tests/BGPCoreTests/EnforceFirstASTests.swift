// `[no] bgp enforce-first-as`: an external peer's AS_PATH must start with its AS (RFC 4271 section 6.3),
// unless the operator turned the check off (FRR's command, for route servers that do not prepend).

import BGPCore
import BGPWire
import Testing

@Suite struct EnforceFirstASTests {
    typealias H = ReflectorHarness

    static func config(enforceFirstAS: Bool) -> EngineConfig {
        let peers = [H.c1, H.e1].map { p in
            PeerConfig(address: .v4(p.address), remoteAS: .number(p.asn), keepalive: 3, holdTime: 9, connectRetry: 5,
                       passive: true, routeReflectorClient: p.client)
        }
        var config = EngineConfig(localAS: H.localAS, routerID: H.routerID, hostname: "rr", peers: peers, clusterID: H.clusterID)
        config.enforceFirstAS = enforceFirstAS
        return config
    }

    /// (enforce-first-as, AS_PATH sent by e1, route kept?)
    @Test(arguments: [
        (true, [H.e1.asn, 65200], true),
        (true, [65200, H.e1.asn], false),
        (false, [65200, H.e1.asn], true),
        (false, [65200], true),
    ])
    func firstAS(_ enforce: Bool, _ path: [UInt32], _ kept: Bool) {
        var h = H(peers: [H.c1, H.e1])
        h.input(.configure(Self.config(enforceFirstAS: enforce)))
        #expect(h.engine.state(of: H.e1.id) == .established)  // the setting does not reset sessions
        h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(asPath: path, localPref: nil)), from: H.e1)
        h.drain()
        #expect(h.engine.routes().isEmpty == !kept)
        #expect(h.announced(H.c1).count == (kept ? 1 : 0))
        let counters = h.engine.updateErrors(of: H.e1.id) ?? UpdateErrorCounters()
        #expect(counters.treatAsWithdraw == (kept ? 0 : 1))
    }

    @Test func confederationSegmentsFromOutsideAreWithdrawnEitherWay() {
        for enforce in [true, false] {
            var h = H(peers: [H.c1, H.e1])
            h.input(.configure(Self.config(enforceFirstAS: enforce)))
            let confed = ASPath(segments: [.init(type: .confedSequence, asns: [65300]), .init(type: .sequence, asns: [H.e1.asn])])
            let attributes = Routes.attributes(asPath: [H.e1.asn], localPref: nil).map {
                $0.type == .asPath ? PathAttribute(.asPath(confed)) : $0
            }
            h.send(Routes.announce([Routes.mac(1)], attributes: attributes), from: H.e1)
            h.drain()
            #expect(h.engine.routes().isEmpty, "enforce-first-as \(enforce)")
            #expect(h.announced(H.c1).isEmpty)
        }
    }
}
