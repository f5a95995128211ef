// Two switches sharing one Ethernet Segment (port veth1 on both, es-df-pref 200 and 100), a third VTEP without
// it and a route reflector, engines and VTEP reducers on the virtual clock: the ES routes travel through the
// reflector, each switch's DF election sees the other's type-4 route after the DF Wait, the remote VTEP makes
// one group of both switches and puts the server's MAC on it; the DF's ES link failing hands the DF to the
// other switch at once and takes it out of the remote group, and its return takes the DF back after the wait.

import BGPCore
import BGPWire
import Testing
import Simulation
import VTEP

@Suite struct MultihomingSimulationTests {
    static let asn: UInt32 = 65000
    static let reflector = IPv4Address(10, 0, 0, 100)
    static let vteps = [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3)]
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let server = MACAddress(rawValue: 0x02_00_00_00_00_50)
    static let esPort: Int32 = 12

    static func timers(_ config: PeerConfig) -> PeerConfig {
        var config = config
        config.keepalive = 3
        config.holdTime = 9
        config.connectRetry = 5
        return config
    }

    /// Nodes: reflector, sw1 (pref 200), sw2 (pref 100), remote VTEP 3 (no ES).
    static func fabric() -> (Network, [Int]) {
        var net = Network()
        let template = timers(PeerConfig(address: .v4(IPv4Address(0, 0, 0, 0)), remoteAS: .internal, routeReflectorClient: true,
                                         peerGroup: "VTEPS"))
        let rr = net.add(.v4(reflector), EngineConfig(localAS: asn, routerID: reflector, hostname: "rr", listenRanges: [
            ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 0, 0, 0)), length: 24), template: template),
        ]))
        var nodes: [Int] = []
        for (i, address) in vteps.enumerated() {
            let node = net.add(.v4(address), EngineConfig(localAS: asn, routerID: address, hostname: "vtep\(i + 1)",
                                                          peers: [timers(PeerConfig(address: .v4(reflector), remoteAS: .internal))]))
            var config = VTEPConfig(localAS: asn, routerID: address)
            if i < 2 {
                config.multihoming = VTEPMultihomingConfig(segments: [
                    LocalEthernetSegment(esi: esi, port: "veth1", dfPreference: i == 0 ? 200 : 100)])
            }
            let links = VTEPSimulationTests.links(address)
            net.nodes[node].vtep = Network.VTEPNode(state: VTEPState(config: config), kernel: SimulatedKernel(links: links))
            net.runVTEP(node, [.configure(config), .links(links), .fdbDump([])])
            nodes.append(node)
        }
        for node in [rr] + nodes { net.deliver(.start, to: node) }
        return (net, nodes)
    }

    static func df(_ net: Network, _ node: Int) -> Set<UInt32>? {
        net.nodes[node].vtep?.state.localSegments.first?.designatedForwarder
    }

    static func remoteES(_ net: Network, _ node: Int) -> RemoteSegmentReport? {
        net.nodes[node].vtep?.state.remoteSegments.first { $0.esi == esi }
    }

    @Test func twoSwitchesElectOneDFAndTheRemoteGroupsBoth() throws {
        var (net, nodes) = Self.fabric()
        let (sw1, sw2, v3) = (nodes[0], nodes[1], nodes[2])
        // Sessions up within a few seconds, then the 3 s DF Wait: never two DFs at any step.
        for _ in 0..<100 {
            net.run(for: .milliseconds(100))
            #expect(!(Self.df(net, sw1) == [100] && Self.df(net, sw2) == [100]), "two DFs at \(net.now)")
        }
        #expect(Self.df(net, sw1) == [100])
        #expect(Self.df(net, sw2) == [])
        #expect(net.nodes[sw2].vtep?.state.localSegments.first?.peers.map(\.originator) == [.v4(Self.vteps[0])])
        #expect(net.nodes[sw2].vtep?.state.localSegments.first?.peers.first?.preference == 200)

        // The server's MAC learned on sw1's ES port: VTEP 3 puts it on the ES's group of both switches.
        net.kernel(sw1) { $0.learn(Self.server, on: Self.esPort) }
        net.run(for: .seconds(1))
        let remote = try #require(Self.remoteES(net, v3))
        #expect(Set(remote.members) == [.v4(Self.vteps[0]), .v4(Self.vteps[1])])
        let group = try #require(remote.groupID)
        let row = net.nodes[v3].vtep?.kernel.dump().first { $0.mac == Self.server && !$0.isBridgeRow }
        #expect(row?.nexthopID == group)

        // sw1's ES link fails: sw2 is DF at once (the wait is over), VTEP 3's group loses sw1.
        net.kernel(sw1) { $0.setLink(Self.esPort, up: false) }
        net.run(for: .seconds(1))
        #expect(Self.df(net, sw2) == [100])
        #expect(Self.df(net, sw1) == nil || Self.df(net, sw1) == [])
        #expect(Self.remoteES(net, v3)?.members == [.v4(Self.vteps[1])])

        // Back: sw1 waits the DF Wait, then takes the DF back; never two DFs on the way.
        net.kernel(sw1) { $0.setLink(Self.esPort, up: true) }
        for _ in 0..<50 {
            net.run(for: .milliseconds(100))
            #expect(!(Self.df(net, sw1) == [100] && Self.df(net, sw2) == [100]), "two DFs at \(net.now)")
        }
        #expect(Self.df(net, sw1) == [100])
        #expect(Self.df(net, sw2) == [])
        #expect(Set(Self.remoteES(net, v3)?.members ?? []) == [.v4(Self.vteps[0]), .v4(Self.vteps[1])])
    }
}
