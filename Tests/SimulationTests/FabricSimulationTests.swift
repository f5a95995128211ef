// Issue 18's fabric at the size `scripts/test` can afford (the full shape, 10 hosts per VNI per VTEP
// and 5 VNIs per VTEP, is the benchmark, scripts/bench.d/fabric, in release mode at 200 and 2,000
// VTEPs): 200 VTEPs under two reflectors, 40 VNIs, each VTEP in 2 (10 VTEPs per VNI), 2 hosts per VNI
// per VTEP: 800 type-2 and 400 type-3 routes, each VTEP importing 2 x 9 x 3 = 54 of them and dropping
// the rest. The full shape costs about 110 s of CPU in release, far too long for a debug test run;
// this one exercises the same code paths with a tenth of the routes.
// One fabric goes through the four scenarios in turn, each ending with the full check against the
// ground truth (every FDB exactly what the hosts' places say, no MAC at a wrong VTEP, each reflector's
// routes agreeing). And a run is a function of its seed: the same seed twice, the same FDBs, traffic
// and event count; another seed, other moves.

import BGPCore
import BGPWire
import Simulation
import Testing
import VTEP

@Suite struct FabricSimulationTests {
    static func report(_ result: ScenarioResult) {
        print("fabric simulation: \(result)")
        #expect(result.converged, "\(result.name) converged")
        #expect(result.problems.isEmpty, "\(result.name): \(result.problems)")
    }

    @Test func twoHundredVTEPsThroughColdStartReflectorOutageMACStormAndFlaps() {
        let shape = FabricShape(vteps: 200, vnis: 40, vnisPerVTEP: 2, macsPerVNI: 2)
        #expect(shape.type2Routes == 800 && shape.type3Routes == 400)
        var fabric = Fabric(shape: shape, seed: 18)

        let cold = fabric.coldStart()
        Self.report(cold)
        // Each VTEP holds its own 6 routes and the 54 it imports, and dropped the rest (twice: one copy per reflector).
        let node = fabric.vteps[0]
        #expect(fabric.net.nodes[node].engine.routeCount == 6 + 54)
        #expect(fabric.net.nodes[node].engine.notRetainedTotal == 2 * (1_200 - 6 - 54))

        let outage = fabric.reflectorOutage()
        Self.report(outage)
        // A reflector going away moves no FDB row: the other reflector's paths were there all along.
        #expect(outage.fdbOperations == 0)

        let storm = fabric.macStorm()
        Self.report(storm)
        #expect(storm.notes == ["80 moves"])

        Self.report(fabric.flaps(count: 100))
    }

    /// What a run leaves behind, to compare two runs.
    static func fingerprint(_ fabric: Fabric) -> [String] {
        var out = ["\(fabric.net.traffic.writes) writes, \(fabric.net.traffic.bytes) bytes, \(fabric.net.eventsRun) events"]
        for node in fabric.vteps {
            out.append(fabric.net.nodes[node].vtep?.kernel.dump().map(\.description).joined(separator: "|") ?? "")
        }
        return out
    }

    static func stormed(seed: UInt64) -> Fabric {
        var fabric = Fabric(shape: FabricShape(vteps: 30, vnis: 6, vnisPerVTEP: 2, macsPerVNI: 4), seed: seed)
        #expect(fabric.coldStart().problems.isEmpty)
        let storm = fabric.macStorm(fraction: 0.5)
        #expect(storm.converged && storm.problems.isEmpty, "\(storm)")
        return fabric
    }

    /// The check is what every scenario's verdict rests on: it must see a row the routes do not call for.
    @Test func theCheckSeesARowPointingAtAWrongVTEP() {
        var fabric = Fabric(shape: FabricShape(vteps: 6, vnis: 1, vnisPerVTEP: 1, macsPerVNI: 1), seed: 1)
        #expect(fabric.coldStart().problems.isEmpty)
        let host = Fabric.hostMAC(vtep: 1, vni: 0, host: 0)
        // Behind the VTEP's back (a lost netlink event): vtep0's row for vtep1's host now says vtep2.
        let wrong = KernelFDBEntry(mac: host, ifindex: Fabric.vxlanIndex(0), destination: .v4(Fabric.vtepAddress(2)),
                                   flags: [.self, .extLearned])
        fabric.net.kernel(fabric.vteps[0]) { kernel in
            kernel.muted = true
            kernel.operatorAdd(wrong)
            kernel.muted = false
        }
        let problems = fabric.check()
        #expect(problems.wrongVTEP == 1)
        #expect(problems.extra == 1)
        #expect(!problems.isEmpty)
    }

    /// Engine+Retain.swift on a live VTEP: narrowing what it keeps drops routes (and their FDB rows) at
    /// once; widening again asks the reflectors for everything (ROUTE-REFRESH) and the rows come back.
    @Test func narrowingAndWideningWhatAVTEPKeeps() {
        var fabric = Fabric(shape: FabricShape(vteps: 6, vnis: 2, vnisPerVTEP: 1, macsPerVNI: 1), seed: 2)
        #expect(fabric.coldStart().problems.isEmpty)
        let node = fabric.vteps[0]  // in VNI 0 with VTEPs 2 and 4
        #expect(fabric.net.nodes[node].engine.routeCount == 2 + 2 * 2)
        let targets = Set(fabric.net.nodes[node].vtep?.state.vnis.values.flatMap(\.importRouteTargets) ?? [])
        #expect(targets.count == 1)

        let narrowed = fabric.net.nodes[node].engine.retainRouteTargets([], now: fabric.net.now)
        #expect(narrowed.isEmpty, "narrowing needs nobody's help")
        fabric.net.perform(narrowed, at: node)
        #expect(fabric.net.nodes[node].engine.routeCount == 2, "only its own routes left")
        #expect(fabric.remoteVTEP(of: Fabric.hostMAC(vtep: 2, vni: 0, host: 0), on: 0) == nil)

        let widened = fabric.net.nodes[node].engine.retainRouteTargets(targets, now: fabric.net.now)
        #expect(widened.contains { if case .send = $0 { return true } else { return false } }, "ROUTE-REFRESH to the reflectors")
        fabric.net.perform(widened, at: node)
        fabric.net.run(for: .seconds(1))
        #expect(fabric.net.nodes[node].engine.routeCount == 2 + 2 * 2)
        let problems = fabric.check()
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func aRunIsReplayedFromItsSeed() {
        let first = Self.stormed(seed: 7)
        let again = Self.stormed(seed: 7)
        let other = Self.stormed(seed: 8)
        #expect(Self.fingerprint(first) == Self.fingerprint(again))
        #expect(first.location == again.location)
        #expect(first.location != other.location)
    }
}
