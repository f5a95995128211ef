// Two VTEPs (engine + VTEP reducer + simulated kernel) and one route reflector, 1 ms links, virtual
// clock. A host MAC appears behind each VTEP: each kernel ends with the other's MAC as a remote row
// and a flood row to the other VTEP. Then a host moves from VTEP 1 to VTEP 2 (learned on 2; its old
// row on 1 would only age out much later): VTEP 2 advertises it with sequence 1, VTEP 1 gives up its
// local route and its kernel takes the bridge row over to point at VTEP 2 (a replace, no gap).

import BGPCore
import BGPWire
import Simulation
import Testing
import VTEP

@Suite struct VTEPSimulationTests {
    static let asn: UInt32 = 65000
    static let reflector = IPv4Address(10, 0, 0, 100)
    static let vteps = [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)]
    static let hostA = MACAddress(rawValue: 0x02_00_00_00_00_0a)
    static let hostB = MACAddress(rawValue: 0x02_00_00_00_00_0b)
    // Each VTEP's kernel: br100 (10), vxlan100 (11, local = the VTEP), veth ports 12 and 13.
    static let bridge: Int32 = 10, vxlan: Int32 = 11, port1: Int32 = 12, port2: Int32 = 13

    static func links(_ vtep: IPv4Address) -> [KernelLink] {
        [KernelLink(index: bridge, name: "br100", kind: .bridge),
         KernelLink(index: vxlan, name: "vxlan100", kind: .vxlan(.init(vni: 100, local: .v4(vtep))), masterIndex: bridge),
         KernelLink(index: port1, name: "veth1", masterIndex: bridge),
         KernelLink(index: port2, name: "veth2", masterIndex: bridge)]
    }

    static func timers(_ config: PeerConfig) -> PeerConfig {
        var config = config
        config.keepalive = 3
        config.holdTime = 9
        config.connectRetry = 5
        return config
    }

    static func fabric() -> (Network, rr: Int, vteps: [Int]) {
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
            let config = VTEPConfig(localAS: asn, routerID: address)
            net.nodes[node].vtep = Network.VTEPNode(state: VTEPState(config: config), kernel: SimulatedKernel(links: links(address)))
            net.runVTEP(node, [.configure(config), .links(links(address)), .fdbDump([])])
            nodes.append(node)
        }
        for node in [rr] + nodes { net.deliver(.start, to: node) }
        return (net, rr, nodes)
    }

    static func remoteRows(_ net: Network, _ node: Int) -> [MACAddress: IPAddress] {
        var out: [MACAddress: IPAddress] = [:]
        for row in net.nodes[node].vtep!.kernel.dump() where row.ifindex == vxlan && !row.isBridgeRow && row.mac != .zero {
            out[row.mac] = row.destination
        }
        return out
    }

    static func floodRows(_ net: Network, _ node: Int) -> [IPAddress] {
        net.nodes[node].vtep!.kernel.dump().filter { $0.ifindex == vxlan && $0.isFloodEntry }.compactMap(\.destination)
    }

    static func bridgeRow(_ net: Network, _ node: Int, _ mac: MACAddress) -> KernelFDBEntry? {
        net.nodes[node].vtep!.kernel.rows[FDBKey(table: .bridge(bridge), mac: mac)]
    }

    @Test func hostsLearnEachOtherAndAMoveConverges() throws {
        var (net, _, vtepNodes) = Self.fabric()
        let (v1, v2) = (vtepNodes[0], vtepNodes[1])
        net.run(for: .seconds(10))
        net.kernel(v1) { $0.learn(Self.hostA, on: Self.port1) }
        net.kernel(v2) { $0.learn(Self.hostB, on: Self.port1) }
        net.run(for: .seconds(1))

        #expect(Self.remoteRows(net, v1) == [Self.hostB: .v4(Self.vteps[1])])
        #expect(Self.remoteRows(net, v2) == [Self.hostA: .v4(Self.vteps[0])])
        #expect(Self.floodRows(net, v1) == [.v4(Self.vteps[1])])
        #expect(Self.floodRows(net, v2) == [.v4(Self.vteps[0])])
        #expect(Self.bridgeRow(net, v1, Self.hostB)?.ifindex == Self.vxlan)
        #expect(Self.bridgeRow(net, v1, Self.hostB)?.isExternallyLearned == true)

        // The move: hostA appears behind VTEP 2 (its row on VTEP 1 would age out only later).
        let start = net.now
        net.kernel(v2) { $0.learn(Self.hostA, on: Self.port2) }
        net.run(for: .seconds(1))
        // "Delete on 1": the learned row is gone already (taken over), so aging finds nothing.
        net.kernel(v1) { $0.age(Self.hostA, bridge: Self.bridge) }
        net.run(for: .milliseconds(100))

        // VTEP 2 advertises sequence 1; VTEP 1 learned it through the reflector.
        let v2Key = try #require(net.nodes[v1].engine.routes(type: 2).first {
            $0.key.mac == Self.hostA && $0.key.rd == .ipv4(Self.vteps[1], 2)
        })
        let mobility = v2Key.paths.first { $0.best }?.extendedCommunities.compactMap { c -> UInt32? in
            if case .macMobility(let sequence, _) = c.kind { return sequence } else { return nil }
        }
        #expect(mobility == [1])
        #expect(net.nodes[v2].vtep!.state.macReport().first { $0.mac == Self.hostA }?.localSequence == 1)
        // VTEP 1 gave up its local route: no type-2 with its RD for hostA anywhere.
        #expect(!net.nodes[v1].engine.routes(type: 2).contains { $0.key.mac == Self.hostA && $0.key.rd == .ipv4(Self.vteps[0], 2) })

        // VTEP 1's kernel: hostA is remote at VTEP 2; the bridge row was replaced (taken over), not deleted.
        #expect(Self.remoteRows(net, v1) == [Self.hostA: .v4(Self.vteps[1]), Self.hostB: .v4(Self.vteps[1])])
        #expect(Self.bridgeRow(net, v1, Self.hostA)?.ifindex == Self.vxlan)
        let v1Ops = net.nodes[v1].vtep!.fdbLog.filter { $0.at >= start && $0.operation.entry.mac == Self.hostA }
        #expect(v1Ops.contains { if case .replace(let e) = $0.operation { return e.isBridgeRow } else { return false } })
        #expect(!v1Ops.contains { if case .delete = $0.operation { return true } else { return false } })
        // VTEP 2's kernel: hostA is local on veth2; its remote row to VTEP 1 is gone.
        #expect(Self.remoteRows(net, v2) == [:])
        #expect(Self.bridgeRow(net, v2, Self.hostA)?.ifindex == Self.port2)

        let converged = try #require(v1Ops.map(\.at).max())
        print("VTEP simulation: MAC move converged in \(converged.duration(since: start)) of virtual time "
              + "(learn on VTEP 2 -> VTEP 1's FDB points at VTEP 2), \(v1Ops.count) FDB operations on VTEP 1")
        #expect(converged.duration(since: start) <= .milliseconds(10))
    }
}

