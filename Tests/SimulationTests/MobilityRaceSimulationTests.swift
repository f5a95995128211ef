// The MAC mobility races FRR's users reported, replayed in the simulated fabric (Fabric.swift): four
// VTEPs in one VNI under two reflectors, 1 ms links, virtual clock, seeded. Each ends with the full
// check against where the hosts really are (every FDB right, no MAC at a wrong VTEP, the reflectors'
// routes agreeing).
//
// - FRR #9327 and #10468: a VRRP virtual MAC flips between two switches; the master's routing daemon
//   restarts (its sequence numbers forgotten) while the master role moves, so it advertises a lower
//   sequence than the one the fabric last saw. FRR's zebra ignored the lower sequence and left the
//   MAC pointing at the old switch.
// - FRR #21472: live migration with an orchestrator pinning the VM's MAC (`static`, sticky) on the
//   destination's port; FRR deleted that local static entry when the source's route arrived.
// - FRR #21473: after many migrations, a remote FDB row stayed behind after the route it came from
//   was withdrawn.
// - The same MAC moving A -> B -> C -> A -> B faster than the reflector round trip (2 ms here).

import BGPCore
import BGPWire
import Simulation
import Testing
import VTEP

@Suite struct MobilityRaceSimulationTests {
    /// Four VTEPs (10.1.0.1 to .4), one VNI, two hosts behind each.
    static func fabric(seed: UInt64) -> Fabric {
        var fabric = Fabric(shape: FabricShape(vteps: 4, vnis: 1, vnisPerVTEP: 1, macsPerVNI: 2), seed: seed)
        let cold = fabric.coldStart()
        #expect(cold.converged && cold.problems.isEmpty, "\(cold)")
        return fabric
    }

    static func expectRight(_ fabric: Fabric, _ when: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = fabric.check()
        #expect(problems.isEmpty, "\(when): \(problems)", sourceLocation: sourceLocation)
    }

    /// The kernel row of `mac` in VTEP `i`'s bridge.
    static func bridgeRow(_ fabric: Fabric, _ mac: MACAddress, on i: Int) -> KernelFDBEntry? {
        fabric.net.nodes[fabric.vteps[i]].vtep?.kernel.rows[FDBKey(table: .bridge(Fabric.bridgeIndex(0)), mac: mac)]
    }

    /// Runs `duration` with `mac` sending a frame every `every` from wherever it is (VRRP adverts, ARP).
    static func talking(_ fabric: inout Fabric, _ mac: MACAddress, for duration: Duration, every: Duration) {
        var left = duration
        while left > .zero {
            fabric.talk(mac)
            fabric.net.run(for: min(every, left))
            left -= every
        }
    }

    @Test("FRR #9327 and #10468: a VRRP MAC's master restarts and advertises a lower sequence")
    func vrrpMasterRestartsWithALowerSequence() {
        var fabric = Self.fabric(seed: 9327)
        let vrrp = Fabric.hostMAC(vtep: 0, vni: 0, host: 0)  // stands for 00:00:5e:00:01:02
        let (a, b) = (0, 1)
        // Mastership flips A -> B -> A -> B: sequence 3 at B, the fabric agrees.
        for master in [b, a, b] {
            fabric.move(vrrp, to: master)
            Self.talking(&fabric, vrrp, for: .seconds(2), every: .seconds(1))
        }
        Self.expectRight(fabric, "after the flips")
        let sequence = fabric.net.nodes[fabric.vteps[b]].vtep?.state.macReport().first { $0.mac == vrrp }?.localSequence
        #expect(sequence == 3)

        // A's routing daemon restarts and, while it is down, becomes VRRP master again: its bridge
        // learns the MAC, and when it is back it knows no sequence (it starts at 0), lower than B's 3.
        fabric.restartVTEP(a, downFor: .seconds(2)) { fabric in
            fabric.move(vrrp, to: a)
        }
        // B's row stays local until it ages (a VRRP backup sends nothing from the virtual MAC).
        Self.talking(&fabric, vrrp, for: .seconds(5), every: .seconds(1))
        Self.expectRight(fabric, "after the master's restart")
        #expect(fabric.remoteVTEP(of: vrrp, on: 2) == .v4(Fabric.vtepAddress(a)))
        #expect(fabric.remoteVTEP(of: vrrp, on: b) == .v4(Fabric.vtepAddress(a)))

        // B's old row ages out (nothing left there: the remote install took it over): still right.
        fabric.net.kernel(fabric.vteps[b]) { $0.age(vrrp, bridge: Fabric.bridgeIndex(0)) }
        Self.talking(&fabric, vrrp, for: .seconds(2), every: .seconds(1))
        Self.expectRight(fabric, "after B's row aged")
    }

    @Test("FRR #21472 and #21473: twenty live migrations with the orchestrator's static sticky pins")
    func liveMigrationsWithStaticPins() {
        var fabric = Self.fabric(seed: 21472)
        let vm = Fabric.hostMAC(vtep: 0, vni: 0, host: 1)
        fabric.pin(vm, at: 0, sticky: true)
        fabric.net.run(for: .seconds(1))
        Self.expectRight(fabric, "pinned at the start")
        var source = 0
        for migration in 1...20 {
            let destination = source == 0 ? 1 : 0
            // The destination gets its pin and the VM's first frames (GARP) while the source still
            // holds its pin and route: both sticky for a while.
            fabric.pin(vm, at: destination, sticky: true)
            fabric.talk(vm)
            fabric.net.run(for: .milliseconds(50))
            #expect(Self.bridgeRow(fabric, vm, on: destination)?.state == .noARP,
                    "migration \(migration): the destination's static row is still there")
            #expect(Self.bridgeRow(fabric, vm, on: destination)?.ifindex == Fabric.portIndex(0))
            // The source's pin goes once the VM runs at the destination.
            fabric.unpin(vm, at: source)
            fabric.net.run(for: .seconds(1))
            Self.expectRight(fabric, "after migration \(migration)")
            #expect(fabric.remoteVTEP(of: vm, on: 3) == .v4(Fabric.vtepAddress(destination)))
            #expect(fabric.remoteVTEP(of: vm, on: source) == .v4(Fabric.vtepAddress(destination)))
            // Migrations 100 s apart: no more than two within the 180 s duplicate-detection window.
            fabric.net.run(for: .seconds(100))
            source = destination
        }
    }

    @Test("A MAC moves between three switches faster than the reflector round trip")
    func movesFasterThanTheReflectorRoundTrip() {
        var fabric = Self.fabric(seed: 3)
        let host = Fabric.hostMAC(vtep: 3, vni: 0, host: 0)
        // A -> B -> C -> A -> B, 300 microseconds apart (a route needs 2 ms to reach another VTEP).
        for vtep in [0, 1, 2, 0, 1] {
            fabric.move(host, to: vtep)
            fabric.net.run(for: .microseconds(300))
        }
        // The host stays at B and keeps talking.
        Self.talking(&fabric, host, for: .seconds(3), every: .milliseconds(500))
        Self.expectRight(fabric, "after the bounce")
        for i in [0, 2, 3] { #expect(fabric.remoteVTEP(of: host, on: i) == .v4(Fabric.vtepAddress(1)), "vtep\(i)") }
        #expect(Self.bridgeRow(fabric, host, on: 1)?.ifindex == Fabric.portIndex(0))
    }
}
