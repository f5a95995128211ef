// RFC 4724 in the simulated fabric (two VTEPs, one reflector, 1 ms links, virtual clock). A process
// restart is modelled as the kernel sees it: the node's TCP connections close (FIN/RST reach the
// peers), its engine and VTEP reducer start again from nothing, its kernel FDB stays as it was.
//
// 1. VTEP 1's evpnd restarts. While it is down, host C behind it goes (its row ages out, nobody is
//    told) and host B behind VTEP 2 goes (VTEP 2 withdraws; VTEP 1 cannot hear it). Neither VTEP's
//    FDB loses a row that is still true at any moment; afterwards host C is gone from VTEP 2 and host
//    B from VTEP 1 (the stale purge on both sides), everything else is as before.
// 2. The reflector's evpnd restarts: the VTEPs keep the reflector's routes stale, their FDBs do not
//    move; a host that left while the reflector was down is removed once its End-of-RIB comes.

import BGPCore
import BGPWire
import Simulation
import Testing
import VTEP

@Suite struct GracefulRestartSimulationTests {
    typealias F = VTEPSimulationTests
    static let hostC = MACAddress(rawValue: 0x02_00_00_00_00_0c)

    static func vtepConfig(_ address: IPv4Address, restarting: Bool) -> EngineConfig {
        var peer = F.timers(PeerConfig(address: .v4(F.reflector), remoteAS: .internal))
        peer.gracefulRestart = restarting ? .restart : .helper
        var config = EngineConfig(localAS: F.asn, routerID: address, hostname: "vtep", peers: [peer])
        config.gracefulRestartTimers = GracefulRestartTimers(stalePathTime: 60, selectDeferTime: 30)
        return config
    }

    static func reflectorConfig(restarting: Bool) -> EngineConfig {
        var template = F.timers(PeerConfig(address: .v4(IPv4Address(0, 0, 0, 0)), remoteAS: .internal, routeReflectorClient: true,
                                           peerGroup: "VTEPS"))
        template.gracefulRestart = restarting ? .restart : .helper
        var config = EngineConfig(localAS: F.asn, routerID: F.reflector, hostname: "rr", listenRanges: [
            ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 0, 0, 0)), length: 24), template: template),
        ])
        config.gracefulRestartTimers = GracefulRestartTimers(stalePathTime: 60, selectDeferTime: 10)
        return config
    }

    static func fabric(reflectorRestarts: Bool) -> (Network, rr: Int, vteps: [Int]) {
        var net = Network()
        let rr = net.add(.v4(F.reflector), reflectorConfig(restarting: reflectorRestarts))
        var nodes: [Int] = []
        for address in F.vteps {
            let node = net.add(.v4(address), vtepConfig(address, restarting: true))
            let config = VTEPConfig(localAS: F.asn, routerID: address)
            net.nodes[node].vtep = Network.VTEPNode(state: VTEPState(config: config), kernel: SimulatedKernel(links: F.links(address)))
            net.runVTEP(node, [.configure(config), .links(F.links(address)), .fdbDump([])])
            nodes.append(node)
        }
        for node in [rr] + nodes { net.deliver(.start, to: node) }
        return (net, rr, nodes)
    }

    /// Deletes of rows for `macs` (remote unicast and bridge rows) or of flood rows, since `start`.
    static func deletes(_ net: Network, _ node: Int, since start: Instant, of macs: Set<MACAddress>) -> [FDBOperation] {
        net.nodes[node].vtep!.fdbLog.filter { entry in
            guard entry.at >= start, case .delete(let row) = entry.operation else { return false }
            return macs.contains(row.mac) || row.isFloodEntry
        }.map(\.operation)
    }

    @Test func aVTEPRestartLosesNoForwardingAndPurgesWhatWentMeanwhile() throws {
        var (net, rr, vteps) = Self.fabric(reflectorRestarts: false)
        let (v1, v2) = (vteps[0], vteps[1])
        net.run(for: .seconds(5))
        net.kernel(v1) { $0.learn(F.hostA, on: F.port1) }
        net.kernel(v1) { $0.learn(Self.hostC, on: F.port2) }
        net.kernel(v2) { $0.learn(F.hostB, on: F.port1) }
        net.run(for: .seconds(1))
        #expect(F.remoteRows(net, v1) == [F.hostB: .v4(F.vteps[1])])
        #expect(F.remoteRows(net, v2) == [F.hostA: .v4(F.vteps[0]), Self.hostC: .v4(F.vteps[0])])
        let before1 = net.nodes[v1].vtep!.kernel.dump()

        let start = net.now
        net.restartProcess(v1, Self.vtepConfig(F.vteps[0], restarting: true), downFor: .seconds(3),
                           vtep: VTEPConfig(localAS: F.asn, routerID: F.vteps[0])) { net in
            net.kernel(v1) { $0.age(Self.hostC, bridge: F.bridge) }
            net.kernel(v2) { $0.age(F.hostB, bridge: F.bridge) }
            net.run(for: .milliseconds(100))
            // The reflector holds VTEP 1's routes as stale; VTEP 2 still forwards to host C.
            #expect(net.nodes[rr].engine.isHelpingRestart(PeerID(.v4(F.vteps[0]))))
            #expect(F.remoteRows(net, v2)[Self.hostC] == .v4(F.vteps[0]))
        }
        // Just after the start: VTEP 1 adopted its old rows, host B's included, and deletes nothing yet.
        #expect(net.nodes[v1].engine.isDeferringSelection)
        #expect(F.remoteRows(net, v1) == [F.hostB: .v4(F.vteps[1])])
        net.run(for: .seconds(10))
        #expect(!net.nodes[v1].engine.isDeferringSelection)

        // No row that stayed true was deleted on either VTEP, at any time.
        #expect(Self.deletes(net, v1, since: start, of: [F.hostA]).isEmpty)
        #expect(Self.deletes(net, v2, since: start, of: [F.hostA]).isEmpty)
        // What went while VTEP 1 was down is gone now, on both sides.
        #expect(F.remoteRows(net, v2) == [F.hostA: .v4(F.vteps[0])])
        #expect(F.remoteRows(net, v1) == [:])
        #expect(F.floodRows(net, v1) == [.v4(F.vteps[1])])
        #expect(F.floodRows(net, v2) == [.v4(F.vteps[0])])
        #expect(net.nodes[rr].engine.staleRouteCount(from: PeerID(.v4(F.vteps[0]))) == 0)
        // VTEP 1's kernel is what it was, less host B and host C.
        let expected = before1.filter { $0.mac != F.hostB && $0.mac != Self.hostC }
        #expect(net.nodes[v1].vtep!.kernel.dump() == expected)
    }

    @Test func aReflectorRestartLeavesTheVTEPsFDBsAlone() throws {
        var (net, rr, vteps) = Self.fabric(reflectorRestarts: true)
        let (v1, v2) = (vteps[0], vteps[1])
        net.run(for: .seconds(15))
        net.kernel(v1) { $0.learn(F.hostA, on: F.port1) }
        net.kernel(v1) { $0.learn(Self.hostC, on: F.port2) }
        net.kernel(v2) { $0.learn(F.hostB, on: F.port1) }
        net.run(for: .seconds(1))
        #expect(F.remoteRows(net, v2) == [F.hostA: .v4(F.vteps[0]), Self.hostC: .v4(F.vteps[0])])

        let start = net.now
        net.restartProcess(rr, Self.reflectorConfig(restarting: true), downFor: .seconds(3)) { net in
            // Host C leaves VTEP 1 while the reflector is away: VTEP 2 cannot hear of it yet.
            net.kernel(v1) { $0.age(Self.hostC, bridge: F.bridge) }
            net.run(for: .milliseconds(100))
            #expect(net.nodes[v2].engine.isHelpingRestart(PeerID(.v4(F.reflector))))
        }
        net.run(for: .seconds(2))
        // Reconnected, routes flowing, End-of-RIB still held by the reflector: host C is still there.
        #expect(net.nodes[rr].engine.isDeferringSelection)
        #expect(F.remoteRows(net, v2)[Self.hostC] == .v4(F.vteps[0]))
        net.run(for: .seconds(15))
        #expect(!net.nodes[rr].engine.isDeferringSelection)

        #expect(Self.deletes(net, v1, since: start, of: [F.hostB]).isEmpty)
        #expect(Self.deletes(net, v2, since: start, of: [F.hostA]).isEmpty)
        #expect(F.remoteRows(net, v1) == [F.hostB: .v4(F.vteps[1])])
        #expect(F.remoteRows(net, v2) == [F.hostA: .v4(F.vteps[0])])
        #expect(F.floodRows(net, v1) == [.v4(F.vteps[1])])
        #expect(F.floodRows(net, v2) == [.v4(F.vteps[0])])
        for v in vteps { #expect(net.nodes[v].engine.staleRouteCount(from: PeerID(.v4(F.reflector))) == 0) }
    }
}
