// The fabric of the seed at scale: two route reflectors in one cluster (same cluster id, peering
// with each other as non-clients) and 200 VTEPs, each a full engine originating five MAC routes and
// one IMET route and peering with both reflectors (the reflectors take them from a listen range as
// route-reflector clients). After convergence every VTEP holds the routes of all the others and its
// own, none of its own came back to it, and the reflectors dropped each other's copies of their
// clients' routes as cluster loops. Then one reflector dies: every VTEP keeps every route.

import BGPCore
import BGPWire
import Simulation
import Testing

@Suite struct ReflectorSimulationTests {
    static let vtepCount = 200
    static let macsPerVTEP = 5
    static let asn: UInt32 = 65000
    static let clusterID = IPv4Address(10, 0, 0, 100)
    static let reflectors = [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)]

    static func vtepAddress(_ i: Int) -> IPv4Address { IPv4Address(10, 1, UInt8(i / 250), UInt8(i % 250 + 1)) }

    static func timers(_ config: PeerConfig) -> PeerConfig {
        var config = config
        config.keepalive = 3
        config.holdTime = 9
        config.connectRetry = 5
        return config
    }

    /// The routes VTEP `i` originates: five MACs and its IMET route in VNI 100.
    static func localRoutes(_ i: Int) -> [LocalRoute] {
        let me = vtepAddress(i)
        let rd = RouteDistinguisher.ipv4(me, 100)
        let communities = PathAttribute(.extendedCommunities([.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)]))
        var routes: [LocalRoute] = (0..<macsPerVTEP).map { m in
            let mac = MACAddress(rawValue: 0x02_00_00_00_00_00 | UInt64(i) << 8 | UInt64(m))
            return LocalRoute(route: .macIP(MACIPAdvertisementRoute(rd: rd, mac: mac, label1: MPLSLabelField(vni: 100))),
                              nextHop: .v4(me), attributes: [communities])
        }
        routes.append(LocalRoute(route: .inclusiveMulticast(IMETRoute(rd: rd, originatorIP: .v4(me))), nextHop: .v4(me),
                                 attributes: [communities, PathAttribute(.pmsiTunnel(.ingressReplication(endpoint: .v4(me), vni: 100)))]))
        return routes
    }

    static func fabric() -> (Network, reflectors: [Int], vteps: [Int]) {
        var net = Network()
        net.keepUpdates = false
        var rrNodes: [Int] = []
        for (n, id) in reflectors.enumerated() {
            let other = reflectors[1 - n]
            let template = timers(PeerConfig(address: .v4(IPv4Address(0, 0, 0, 0)), remoteAS: .internal,
                                             routeReflectorClient: true, peerGroup: "VTEPS"))
            let config = EngineConfig(localAS: asn, routerID: id, hostname: "rr\(n + 1)",
                                      peers: [timers(PeerConfig(address: .v4(other), remoteAS: .internal))],
                                      listenRanges: [ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 1, 0, 0)), length: 16),
                                                                 template: template)],
                                      listenLimit: 1000, clusterID: clusterID)
            rrNodes.append(net.add(.v4(id), config))
        }
        var vtepNodes: [Int] = []
        for i in 0..<vtepCount {
            let me = vtepAddress(i)
            let config = EngineConfig(localAS: asn, routerID: me, hostname: "vtep\(i)",
                                      peers: reflectors.map { timers(PeerConfig(address: .v4($0), remoteAS: .internal)) })
            let node = net.add(.v4(me), config)
            net.deliver(.originate(localRoutes(i)), to: node)
            vtepNodes.append(node)
        }
        for node in rrNodes + vtepNodes { net.deliver(.start, to: node) }
        return (net, rrNodes, vtepNodes)
    }

    /// What is wrong with VTEP `i`'s table, or nil: every route of every VTEP, best path pointing at
    /// its originator, and its own routes held only locally.
    static func problem(_ net: Network, vtep i: Int, node: Int) -> String? {
        let routes = net.nodes[node].engine.routes()
        let expected = vtepCount * (macsPerVTEP + 1)
        guard routes.count == expected else { return "vtep\(i) holds \(routes.count) routes, expected \(expected)" }
        for entry in routes {
            guard case .ipv4(let owner, _) = entry.key.rd.kind,
                  let best = entry.paths.first(where: \.best) else { return "vtep\(i): \(entry.key) has no best path" }
            if best.nextHop != .v4(owner) { return "vtep\(i): \(entry.key) via \(String(describing: best.nextHop))" }
            if owner == vtepAddress(i) && entry.paths.contains(where: { $0.peer != nil }) {
                return "vtep\(i) got its own \(entry.key) back"
            }
        }
        for rr in reflectors where net.nodes[node].engine.loopsDropped(from: PeerID(.v4(rr))) != 0 {
            return "vtep\(i) dropped looped routes from \(rr)"
        }
        return nil
    }

    @Test func twoReflectorsTwoHundredVTEPsConvergeAndSurviveAReflector() {
        let clock = ContinuousClock()
        let started = clock.now
        var (net, rr, vteps) = Self.fabric()
        net.run(for: .seconds(20))

        for (i, node) in vteps.enumerated() {
            for r in Self.reflectors {
                #expect(net.summary(node, peer: .v4(r))?.state == .established, "vtep\(i) to \(r)")
            }
            if let problem = Self.problem(net, vtep: i, node: node) {
                Issue.record("\(problem)")
                break
            }
        }
        // Each reflector holds every route from its client; its peer's copies carried our cluster id.
        let all = Self.vtepCount * (Self.macsPerVTEP + 1)
        for (n, node) in rr.enumerated() {
            #expect(net.nodes[node].engine.routes().count == all)
            let other = PeerID(.v4(Self.reflectors[1 - n]))
            #expect(net.nodes[node].engine.loopsDropped(from: other) == all, "rr\(n + 1) drops the other's reflections")
            #expect(net.summary(node, peer: .v4(Self.vtepAddress(0)))?.prefixesSent == all - (Self.macsPerVTEP + 1))
        }
        // Two paths per remote route at each VTEP (one per reflector), identical attribute sets.
        let sample = net.nodes[vteps[0]].engine.routes().first { $0.paths.first?.peer != nil }
        #expect(sample?.paths.count == 2)
        #expect(sample?.paths.first?.clusterList == [Self.clusterID])

        net.stop(rr[0])
        net.run(for: .seconds(30))
        for (i, node) in vteps.enumerated() {
            #expect(net.summary(node, peer: .v4(Self.reflectors[0]))?.state != .established)
            #expect(net.summary(node, peer: .v4(Self.reflectors[1]))?.state == .established)
            if let problem = Self.problem(net, vtep: i, node: node) {
                Issue.record("after rr1 stopped: \(problem)")
                break
            }
        }
        let remote = net.nodes[vteps[0]].engine.routes().first { $0.paths.first?.peer != nil }
        #expect(remote?.paths.count == 1)
        print("reflector simulation: \(Self.vtepCount) VTEPs, 2 reflectors, \(all) routes, \(clock.now - started) wall time")
    }
}
