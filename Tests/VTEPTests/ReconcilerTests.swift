// The FDB reconciler against the fake kernel: idempotence, healing, ownership, moves, flood lists,
// lost events, and the kernel's answers folded back.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct ReconcilerTests {
    static let managed = [ManagedDevice(device: 11, bridge: 10)]
    static let a = Lab.mac(0xa), b = Lab.mac(0xb), c = Lab.mac(0xc)

    static func remote(_ mac: MACAddress, _ vtep: IPAddress) -> [FDBIntent] {
        [.remoteMAC(mac, device: 11, bridge: 10, vtep: vtep), .bridgeRow(mac, device: 11, bridge: 10)]
    }

    /// Applies operations to a fake kernel holding `actual`, returns its rows.
    static func apply(_ ops: [FDBOperation], to actual: [KernelFDBEntry]) -> [KernelFDBEntry] {
        var kernel = SimulatedKernel(links: Lab.links())
        for row in actual { kernel.operatorAdd(row) }
        let results = kernel.apply(ops)
        #expect(results.allSatisfy { $0 == .ok }, "\(zip(ops, results).map { "\($0.0) -> \($0.1)" })")
        return kernel.dump()
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var desired: [FDBIntent]
        var actual: [KernelFDBEntry]
        var expected: [FDBOperation]
        var testDescription: String { name }
    }

    static let foreignStatic = KernelFDBEntry(mac: c, ifindex: 11, destination: Lab.vtep9, flags: [.self], state: .noARP)
    static let learnedHere = KernelFDBEntry(mac: a, ifindex: 12, master: 10)
    static let otherDevice = KernelFDBEntry(mac: b, ifindex: 99, destination: Lab.vtep9, flags: [.self, .extLearned])

    static let cases: [Case] = [
        Case(name: "empty kernel: device rows first, then bridge rows", desired: remote(a, Lab.vtep2), actual: [],
             expected: [.add(FDBIntent.remoteMAC(a, device: 11, bridge: 10, vtep: Lab.vtep2).entry),
                        .add(FDBIntent.bridgeRow(a, device: 11, bridge: 10).entry)]),
        Case(name: "already there: nothing", desired: remote(a, Lab.vtep2),
             actual: remote(a, Lab.vtep2).map(\.entry), expected: []),
        Case(name: "moved between VTEPs: replace the device row only", desired: remote(a, Lab.vtep3),
             actual: remote(a, Lab.vtep2).map(\.entry),
             expected: [.replace(FDBIntent.remoteMAC(a, device: 11, bridge: 10, vtep: Lab.vtep3).entry)]),
        Case(name: "withdrawn: bridge row first, then the device row", desired: [], actual: remote(a, Lab.vtep2).map(\.entry),
             expected: [.delete(FDBIntent.bridgeRow(a, device: 11, bridge: 10).entry),
                        .delete(FDBIntent.remoteMAC(a, device: 11, bridge: 10, vtep: Lab.vtep2).entry)]),
        Case(name: "flood list: append new, delete gone",
             desired: [.flood(device: 11, bridge: 10, vtep: Lab.vtep2), .flood(device: 11, bridge: 10, vtep: Lab.vtep3)],
             actual: [FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep9).entry, FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep2).entry],
             expected: [.delete(FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep9).entry),
                        .append(FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep3).entry)]),
        Case(name: "foreign rows are never touched", desired: [],
             actual: [foreignStatic, learnedHere, otherDevice,
                      KernelFDBEntry(mac: b, ifindex: 11, master: 10, state: .permanent),
                      KernelFDBEntry(mac: b, ifindex: 11, destination: Lab.vtep2, flags: [.self])],
             expected: []),
        Case(name: "a foreign static row blocks an intent (conflict, untouched)", desired: remote(c, Lab.vtep2),
             actual: [foreignStatic],
             expected: [.add(FDBIntent.bridgeRow(c, device: 11, bridge: 10).entry)]),
        Case(name: "a learned bridge row of a MAC gone remote is taken over", desired: remote(a, Lab.vtep2), actual: [learnedHere],
             expected: [.add(FDBIntent.remoteMAC(a, device: 11, bridge: 10, vtep: Lab.vtep2).entry),
                        .replace(FDBIntent.bridgeRow(a, device: 11, bridge: 10).entry)]),
    ]

    @Test(arguments: cases)
    func reconcile(_ c: Case) {
        let ops = FDBReconciler.reconcile(desired: Set(c.desired), actual: c.actual, managed: Self.managed,
                                          portBridges: [12: 10, 13: 10, 11: 10])
        #expect(ops == c.expected)
        // Idempotent: applied, the comparison is clean.
        let after = Self.apply(ops, to: c.actual)
        let again = FDBReconciler.reconcile(desired: Set(c.desired), actual: after, managed: Self.managed,
                                            portBridges: [12: 10, 13: 10, 11: 10])
        #expect(again.isEmpty, "\(again)")
    }

    // MARK: with the VTEP

    static func twoRemotes() -> Rig {
        var rig = Rig()
        rig.announce(Lab.remoteIMET(vtep: Lab.vtep2))
        rig.announce(Lab.remoteMAC(a, vtep: Lab.vtep2))
        rig.announce(Lab.remoteMAC(b, vtep: Lab.vtep2))
        return rig
    }

    @Test func remoteRoutesBecomeRowsAndGo() {
        var rig = Self.twoRemotes()
        #expect(rig.remoteRows() == [Self.a: Lab.vtep2, Self.b: Lab.vtep2])
        #expect(rig.floodRows() == [Lab.vtep2])
        #expect(rig.bridgeRow(Self.a)?.ifindex == 11)
        rig.announce(Lab.remoteIMET(vtep: Lab.vtep3))
        #expect(rig.floodRows() == [Lab.vtep2, Lab.vtep3])
        rig.withdraw(Lab.remoteIMET(vtep: Lab.vtep2).route)
        rig.withdraw(Lab.remoteMAC(Self.a, vtep: Lab.vtep2).route)
        #expect(rig.floodRows() == [Lab.vtep3])
        #expect(rig.remoteRows() == [Self.b: Lab.vtep2])
        #expect(rig.bridgeRow(Self.a) == nil)
        #expect(rig.vtep.vniReport().first?.remoteVteps == [Lab.vtep3])
    }

    @Test func ourOwnRoutesAreNeverInstalled() {
        var rig = Rig()
        rig.announce(Lab.remoteMAC(Self.a, vtep: Lab.vtep1))
        rig.announce(Lab.remoteIMET(vtep: Lab.vtep1))
        // A route of another VNI's RT is not ours to install either.
        rig.announce(Lab.remoteMAC(Self.b, vni: 200, vtep: Lab.vtep2))
        #expect(rig.remoteRows().isEmpty)
        #expect(rig.floodRows().isEmpty)
    }

    @Test func operatorDeletionIsHealedOnTheNextEvent() {
        var rig = Self.twoRemotes()
        let before = rig.kernel.dump()
        rig.kernel.operatorDelete(FDBIntent.remoteMAC(Self.a, device: 11, bridge: 10, vtep: Lab.vtep2).entry)
        rig.kernel.operatorDelete(FDBIntent.bridgeRow(Self.a, device: 11, bridge: 10).entry)
        rig.kernel.operatorDelete(FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep2).entry)
        rig.flush()
        #expect(rig.kernel.dump() == before)
    }

    /// The events of one netlink read, fed as one `.batch`, are one round: one FDB batch repairs
    /// everything they report, and the result is what feeding them one by one gives (and what a full
    /// reconcile against a fresh dump agrees with: it adds nothing).
    @Test func eventsOfOneReadAreOneRound() {
        func breakThree(_ rig: inout Rig) {
            rig.kernel.operatorDelete(FDBIntent.remoteMAC(Self.a, device: 11, bridge: 10, vtep: Lab.vtep2).entry)
            rig.kernel.operatorDelete(FDBIntent.bridgeRow(Self.b, device: 11, bridge: 10).entry)
            rig.kernel.operatorDelete(FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep2).entry)
            rig.kernel.operatorAdd(FDBIntent.remoteMAC(Self.c, device: 11, bridge: 10, vtep: Lab.vtep9).entry)
        }
        var single = Self.twoRemotes(), batched = Self.twoRemotes()
        let before = single.kernel.dump()
        breakThree(&single)
        breakThree(&batched)
        let singleBefore = single.operations.count
        single.flush()
        let events = batched.kernel.takeEvents()
        #expect(events.count == 4)
        let batchesBefore = batched.batches.count
        batched.send(.batch(events))
        #expect(batched.batches.count == batchesBefore + 1, "four events, one round, one netlink batch")
        #expect(batched.kernel.dump() == before)
        #expect(single.kernel.dump() == before)
        #expect(Set(batched.batches[batchesBefore...].flatMap { $0 }) == Set(single.operations[singleBefore...]))
        let count = batched.operations.count
        batched.send(.fdbDump(batched.kernel.dump()))
        #expect(batched.operations.count == count)
    }

    /// The kernel's echoes of a large install cost one round per read and ask for nothing more.
    @Test func echoesOfALargeInstallAreQuiet() {
        var rig = Rig()
        rig.kernel.muted = true
        var keys: [EVPNRouteKey] = []
        for n in 0..<1_000 {
            let path = Lab.remoteMAC(Lab.mac(0x1000 + UInt64(n)), vtep: Lab.vtep2)
            let key = EVPNRouteKey(path.route)
            rig.rib[key] = path
            keys.append(key)
        }
        rig.send(.locRIBChanged(keys))
        #expect(rig.remoteRows().count == 1_000)
        let count = rig.operations.count
        #expect(count == 2_000)
        // What the kernel would have echoed: every row evpnd installed, in one read.
        let echoes = rig.kernel.dump().map(VTEPInput.fdbAdded)
        rig.send(.batch(echoes))
        #expect(rig.operations.count == count)
        rig.send(.fdbDump(rig.kernel.dump()))
        #expect(rig.operations.count == count)
    }

    @Test func resyncAfterALostEvent() {
        var rig = Self.twoRemotes()
        let before = rig.kernel.dump()
        rig.kernel.muted = true
        rig.kernel.operatorDelete(FDBIntent.remoteMAC(Self.b, device: 11, bridge: 10, vtep: Lab.vtep2).entry)
        rig.kernel.operatorAdd(FDBIntent.remoteMAC(Self.c, device: 11, bridge: 10, vtep: Lab.vtep9).entry)   // stale, evpnd's kind
        rig.kernel.muted = false
        rig.flush()
        #expect(rig.kernel.dump() != before, "no event: nothing healed yet")
        rig.send(.fdbDump(rig.kernel.dump()))
        #expect(rig.kernel.dump() == before)
        // And a second look changes nothing.
        let count = rig.operations.count
        rig.send(.fdbDump(rig.kernel.dump()))
        #expect(rig.operations.count == count)
    }

    @Test func eexistOnAddIsAReplaceNextRound() {
        var rig = Rig()
        // The kernel has a row the model does not know (its event was lost).
        rig.kernel.muted = true
        rig.kernel.operatorAdd(KernelFDBEntry(mac: Self.a, ifindex: 11, destination: Lab.vtep9, flags: [.self, .extLearned]))
        rig.kernel.muted = false
        rig.announce(Lab.remoteMAC(Self.a, vtep: Lab.vtep2))
        let device = FDBIntent.remoteMAC(Self.a, device: 11, bridge: 10, vtep: Lab.vtep2).entry
        #expect(rig.kernel.journal.contains { $0.0 == .add(device) && $0.1 == .failed(errno: FDBOperationResult.EEXIST) })
        #expect(rig.kernel.journal.contains { $0.0 == .replace(device) && $0.1 == .ok })
        #expect(rig.remoteRows()[Self.a] == Lab.vtep2)
    }

    @Test func otherFailuresParkTheRowUntilTheNextDump() {
        var rig = Rig()
        let device = FDBIntent.remoteMAC(Self.a, device: 11, bridge: 10, vtep: Lab.vtep2).entry
        rig.kernel.injectedFailures[rig.kernel.key(of: device)] = 22   // EINVAL
        rig.announce(Lab.remoteMAC(Self.a, vtep: Lab.vtep2))
        #expect(rig.remoteRows()[Self.a] == nil)
        #expect(rig.vtep.counters.fdbFailures == 1)
        #expect(rig.logs.contains { $0.level == .warning && $0.message.contains("errno 22") })
        let attempts = rig.kernel.journal.filter { $0.0.entry.mac == Self.a && !$0.0.entry.isBridgeRow }.count
        rig.announce(Lab.remoteIMET(vtep: Lab.vtep3))   // an unrelated event: no retry
        #expect(rig.kernel.journal.filter { $0.0.entry.mac == Self.a && !$0.0.entry.isBridgeRow }.count == attempts)
        rig.send(.fdbDump(rig.kernel.dump()))
        #expect(rig.remoteRows()[Self.a] == Lab.vtep2)
    }

    @Test func batchesAreCappedAndOrdered() {
        var config = Lab.config()
        config.maxBatch = 10
        var rig = Rig(config: config)
        var paths: [EVPNRouteKey] = []
        for n in 0..<25 {
            let path = Lab.remoteMAC(Lab.mac(UInt64(0x100 + n)), vtep: Lab.vtep2)
            rig.rib[EVPNRouteKey(path.route)] = path
            paths.append(EVPNRouteKey(path.route))
        }
        rig.batches = []
        rig.send(.locRIBChanged(paths))
        #expect(rig.batches.map(\.count) == [10, 10, 10, 10, 10])
        // Each MAC's device row right before its bridge row, in the same batch (one combined request).
        for batch in rig.batches {
            let kinds = batch.map(\.entry.isBridgeRow)
            #expect(kinds == Array(repeating: [false, true], count: batch.count / 2).flatMap { $0 })
            for pair in stride(from: 0, to: batch.count, by: 2) { #expect(batch[pair].entry.mac == batch[pair + 1].entry.mac) }
        }
        #expect(rig.remoteRows().count == 25)
    }

    @Test func aVNIThatGoesAwayTakesItsRowsWithIt() {
        var rig = Self.twoRemotes()
        var vxlan = Lab.links()[1]
        vxlan.masterIndex = nil   // taken out of the bridge: no longer a VNI
        rig.send(.linkChanged(vxlan))
        #expect(rig.remoteRows().isEmpty)
        #expect(rig.floodRows().isEmpty)
        // Rows added by hand afterwards are not evpnd's any more.
        rig.kernel.operatorAdd(FDBIntent.remoteMAC(Self.c, device: 11, bridge: 10, vtep: Lab.vtep9).entry)
        rig.flush()
        #expect(rig.remoteRows() == [Self.c: Lab.vtep9])
    }
}
