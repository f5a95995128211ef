// Switches sharing one Ethernet Segment join, leave and restart under a virtual clock: each runs its own
// DFStateMachine; a type-4 route reaches the others at once (a fast reflector), the DF Wait timers fire when
// the clock passes them. After every step no VNI has two DFs (duplicated BUM into the ES), and the tests say
// when each switch takes or gives up the DF role.

import BGPWire
import Testing
import VTEP

/// The fabric: switches by VTEP address, a clock, armed timers and every role change seen.
struct DFFabric {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!

    var now: Duration = .zero
    var machines: [IPAddress: DFStateMachine] = [:]
    /// Switches whose ES is up, with their type-4 route's parameters.
    var advertising: [IPAddress: ESCandidate] = [:]
    var timers: [(at: Duration, owner: IPAddress, token: DFTimerToken)] = []
    var roles: [IPAddress: Set<UInt32>] = [:]
    /// (time, switch, VNIs where it is DF) for every `.roles` output.
    var changes: [(at: Duration, vtep: IPAddress, df: Set<UInt32>)] = []
    var vnis: Set<UInt32>

    init(vnis: Set<UInt32>) { self.vnis = vnis }

    /// A switch (re)starts: a fresh state machine that learns the VNIs and, over BGP, every other switch's route.
    mutating func boot(_ vtep: IPAddress) {
        machines[vtep] = DFStateMachine()
        roles[vtep] = []
        deliver(.vnis(vnis), to: vtep)
        for (other, candidate) in advertising where other != vtep {
            deliver(.remoteESRoute(Self.esi, candidate), to: vtep)
        }
    }

    mutating func esUp(_ candidate: ESCandidate) {
        advertising[candidate.originator] = candidate
        deliver(.localESUp(Self.esi, candidate), to: candidate.originator)
        for other in machines.keys where other != candidate.originator {
            deliver(.remoteESRoute(Self.esi, candidate), to: other)
        }
    }

    mutating func esDown(_ vtep: IPAddress) {
        advertising[vtep] = nil
        deliver(.localESDown(Self.esi), to: vtep)
        withdraw(vtep)
    }

    /// The switch dies: its state is gone, and the others see its route withdrawn.
    mutating func crash(_ vtep: IPAddress) {
        machines[vtep] = nil
        roles[vtep] = nil
        advertising[vtep] = nil
        timers.removeAll { $0.owner == vtep }
        withdraw(vtep)
    }

    mutating func setVNIs(_ new: Set<UInt32>) {
        vnis = new
        for vtep in machines.keys.sorted(by: DFElection.numericallyLower) { deliver(.vnis(new), to: vtep) }
    }

    mutating func advance(by step: Duration) {
        let end = now + step
        while let next = timers.enumerated().min(by: { $0.element.at < $1.element.at }), next.element.at <= end {
            timers.remove(at: next.offset)
            now = next.element.at
            deliver(.timerFired(next.element.token), to: next.element.owner)
        }
        now = end
    }

    private mutating func withdraw(_ vtep: IPAddress) {
        for other in machines.keys where other != vtep {
            deliver(.remoteESWithdrawn(Self.esi, originator: vtep), to: other)
        }
    }

    private mutating func deliver(_ input: DFInput, to vtep: IPAddress) {
        guard var machine = machines[vtep] else { return }
        let outputs = machine.handle(input)
        machines[vtep] = machine
        for output in outputs {
            switch output {
            case .armTimer(let token, let after):
                timers.append((now + after, vtep, token))
            case .roles(let esi, let df):
                #expect(esi == Self.esi)
                roles[vtep] = df
                changes.append((now, vtep, df))
            }
        }
        checkNoDuplicateDF()
    }

    /// The invariant: at no moment are two switches DF for the same VNI.
    func checkNoDuplicateDF() {
        for vni in vnis {
            let forwarders = roles.filter { $0.value.contains(vni) }.map(\.key)
            #expect(forwarders.count <= 1, "VNI \(vni) has \(forwarders.count) DFs at \(now)")
        }
    }

    func designatedForwarder(_ vni: UInt32) -> IPAddress? { roles.first { $0.value.contains(vni) }?.key }
}

@Suite struct DFSimulationTests {
    static let sw1 = IPAddress("10.0.0.1")!
    static let sw2 = IPAddress("10.0.0.2")!
    static let sw3 = IPAddress("10.0.0.3")!
    static let vnis: Set<UInt32> = [100, 200, 300]

    static func pref(_ vtep: IPAddress, _ preference: UInt16) -> ESCandidate {
        ESCandidate(originator: vtep, algorithm: .preference, preference: preference)
    }

    @Test func twoSwitchesJoinAndTheDFWaitTimerHoldsBothBack() {
        var fabric = DFFabric(vnis: Self.vnis)
        fabric.boot(Self.sw1)
        fabric.boot(Self.sw2)
        fabric.esUp(Self.pref(Self.sw1, 100))
        fabric.advance(by: .seconds(1))
        fabric.esUp(Self.pref(Self.sw2, 200))
        // sw1 waits until t = 3 s; nobody forwards yet.
        fabric.advance(by: .milliseconds(1999))
        #expect(fabric.roles.values.allSatisfy { $0.isEmpty })
        // At 3 s sw1's election runs with sw2's route already in: sw2's preference is higher, sw1 is not DF.
        fabric.advance(by: .milliseconds(1))
        #expect(fabric.changes.map(\.vtep) == [Self.sw1])
        #expect(fabric.roles[Self.sw1] == [])
        // At 4 s sw2's timer fires and it takes every VNI (preference is per ES).
        fabric.advance(by: .seconds(1))
        #expect(fabric.roles[Self.sw2] == Self.vnis)
        #expect(fabric.changes.last?.at == .seconds(4))
        #expect(fabric.changes.last?.vtep == Self.sw2)
    }

    @Test func theDFLeavesAndTheOtherTakesOverAtOnce() {
        var fabric = DFFabric(vnis: Self.vnis)
        for vtep in [Self.sw1, Self.sw2] { fabric.boot(vtep) }
        fabric.esUp(Self.pref(Self.sw1, 100))
        fabric.esUp(Self.pref(Self.sw2, 200))
        fabric.advance(by: .seconds(3))
        #expect(fabric.designatedForwarder(100) == Self.sw2)
        // sw2's server link goes down (LOST_ES at sw1): sw1 re-runs the election without waiting.
        fabric.esDown(Self.sw2)
        #expect(fabric.roles[Self.sw1] == Self.vnis)
        #expect(fabric.roles[Self.sw2] == [])
        #expect(fabric.changes.suffix(2).map(\.at) == [.seconds(3), .seconds(3)])
        // The link comes back: sw1 yields at once (RCVD_ES), sw2 waits its 3 s before forwarding.
        fabric.advance(by: .seconds(10))
        fabric.esUp(Self.pref(Self.sw2, 200))
        #expect(fabric.roles[Self.sw1] == [])
        fabric.advance(by: .milliseconds(2999))
        #expect(fabric.designatedForwarder(100) == nil)
        fabric.advance(by: .milliseconds(1))
        #expect(fabric.designatedForwarder(100) == Self.sw2)
        #expect(fabric.changes.last?.at == .seconds(16))
    }

    @Test func aSwitchRestartsAndTakesBackTheDFAfterItsWait() {
        var fabric = DFFabric(vnis: Self.vnis)
        for vtep in [Self.sw1, Self.sw2] { fabric.boot(vtep) }
        fabric.esUp(Self.pref(Self.sw1, 300))
        fabric.esUp(Self.pref(Self.sw2, 200))
        fabric.advance(by: .seconds(5))
        #expect(fabric.designatedForwarder(200) == Self.sw1)
        // sw1 dies: sw2 sees the withdrawal and becomes DF.
        fabric.crash(Self.sw1)
        #expect(fabric.designatedForwarder(200) == Self.sw2)
        // sw1 boots again 20 s later, learns sw2's route over BGP, brings its ES up.
        fabric.advance(by: .seconds(20))
        fabric.boot(Self.sw1)
        fabric.esUp(Self.pref(Self.sw1, 300))
        #expect(fabric.designatedForwarder(200) == nil)
        fabric.advance(by: .seconds(3))
        #expect(fabric.designatedForwarder(200) == Self.sw1)
        #expect(fabric.changes.last?.at == .seconds(28))
        #expect(fabric.changes.last?.vtep == Self.sw1)
    }

    @Test func anESFlapInsideTheWaitRestartsIt() {
        var fabric = DFFabric(vnis: Self.vnis)
        fabric.boot(Self.sw1)
        fabric.esUp(Self.pref(Self.sw1, 100))
        fabric.advance(by: .seconds(2))
        fabric.esDown(Self.sw1)
        fabric.advance(by: .milliseconds(500))
        fabric.esUp(Self.pref(Self.sw1, 100))
        // The first timer (due at 3 s) is stale and ignored; the new one is due at 5.5 s.
        fabric.advance(by: .seconds(1))
        #expect(fabric.roles[Self.sw1] == [])
        fabric.advance(by: .seconds(2))
        #expect(fabric.roles[Self.sw1] == Self.vnis)
        #expect(fabric.changes.map(\.at) == [.milliseconds(5500)])
    }

    @Test func vniChangesRecomputeAtOnce() {
        var fabric = DFFabric(vnis: [100])
        fabric.boot(Self.sw1)
        fabric.esUp(Self.pref(Self.sw1, 100))
        fabric.advance(by: .seconds(3))
        fabric.setVNIs([100, 400])
        #expect(fabric.roles[Self.sw1] == [100, 400])
        fabric.setVNIs([400])
        #expect(fabric.roles[Self.sw1] == [400])
    }

    /// Three switches with HRW: after convergence every VNI has exactly one DF, the one DFElection names; when a
    /// switch leaves, only its VNIs move.
    @Test func hrwAcrossThreeSwitches() {
        let vnis = Set((1...40).map { UInt32($0) * 10 })
        var fabric = DFFabric(vnis: vnis)
        let all = [Self.sw1, Self.sw2, Self.sw3]
        for vtep in all { fabric.boot(vtep) }
        for vtep in all { fabric.esUp(ESCandidate(originator: vtep, algorithm: .highestRandomWeight)) }
        fabric.advance(by: .seconds(3))
        for vni in vnis {
            #expect(fabric.designatedForwarder(vni) == DFElection.highestRandomWeight(esi: DFFabric.esi, ethernetTag: vni, all))
        }
        #expect(Set(fabric.roles.values.flatMap { $0 }) == vnis)
        let before = fabric.roles
        fabric.esDown(Self.sw3)
        for vni in vnis where !(before[Self.sw3] ?? []).contains(vni) {
            #expect(fabric.designatedForwarder(vni) == before.first { $0.value.contains(vni) }?.key, "VNI \(vni) moved")
        }
        #expect(Set(fabric.roles.values.flatMap { $0 }) == vnis)
    }

    /// A switch configured for HRW next to one sending preference: both fall back to modulo (RFC 8584 2.2.1),
    /// so they still agree and split the VNIs by V mod 2.
    @Test func mixedAlgorithmsFallBackToModuloOnBothSides() {
        var fabric = DFFabric(vnis: [100, 101])
        for vtep in [Self.sw1, Self.sw2] { fabric.boot(vtep) }
        fabric.esUp(ESCandidate(originator: Self.sw1, algorithm: .highestRandomWeight))
        fabric.esUp(Self.pref(Self.sw2, 9))
        fabric.advance(by: .seconds(3))
        #expect(fabric.roles[Self.sw1] == [100])
        #expect(fabric.roles[Self.sw2] == [101])
    }

    @Test func ourOwnRouteReflectedBackIsNotAnotherSwitch() {
        var machine = DFStateMachine()
        _ = machine.handle(.vnis([100]))
        let armed = machine.handle(.localESUp(DFFabric.esi, Self.pref(Self.sw1, 100)))
        guard case .armTimer(let token, let after)? = armed.first else {
            Issue.record("no timer armed: \(armed)")
            return
        }
        #expect(after == .seconds(3))
        #expect(machine.handle(.remoteESRoute(DFFabric.esi, Self.pref(Self.sw1, 100))).isEmpty)
        #expect(machine.handle(.timerFired(token)) == [.roles(DFFabric.esi, designatedForwarder: [100])])
        // The same timer again (a duplicate expiry) changes nothing.
        #expect(machine.handle(.timerFired(token)).isEmpty)
    }
}
