// Drift counting of the FDB reconciler (FDBReconciler+Drift.swift): rows lost or grown behind evpnd's back
// are found once and repaired once; evpnd's own operations, the first dump and local learning are not drift.

import BGPCore
import BGPWire
import Testing
@testable import VTEP

struct DriftTests {
    static let managed = [ManagedDevice(device: 11, bridge: 10)]
    static let a = Lab.mac(0xa), b = Lab.mac(0xb)

    static func installed(_ desired: [FDBIntent], kernel: [KernelFDBEntry] = []) -> FDBReconciler {
        var r = FDBReconciler()
        r.setManaged(managed)
        r.replaceActual(with: kernel)
        for intent in desired { r.setDesired(intent, at: intent.key) }
        _ = r.plan()
        return r
    }

    static let rows: [FDBIntent] = [.remoteMAC(a, device: 11, bridge: 10, vtep: Lab.vtep2), .bridgeRow(a, device: 11, bridge: 10)]

    @Test func ownInstallsAndTheFirstDumpAreNotDrift() {
        // A row left by an earlier run, found by the first dump: adopted (deleted), not drift.
        let leftover = FDBIntent.remoteMAC(Self.b, device: 11, bridge: 10, vtep: Lab.vtep3).entry
        let r = Self.installed(Self.rows, kernel: [leftover])
        #expect(r.drift == FDBDriftCounters())
    }

    @Test func aRowDeletedBehindOurBackIsFoundAndRepaired() {
        var r = Self.installed(Self.rows)
        let device = Self.rows[0].entry
        r.observeRemoved(device)
        #expect(r.drift.found == 1 && r.drift.repaired == 0)
        // The echo of the same delete again changes nothing.
        r.observeRemoved(device)
        #expect(r.drift.found == 1)
        let (ops, _) = r.plan()
        #expect(ops == [.add(device)])
        #expect(r.drift.repaired == 1)
        // In place again: a further plan repairs nothing more.
        #expect(r.plan().operations.isEmpty)
        #expect(r.drift == FDBDriftCounters(found: 1, repaired: 1))
    }

    @Test func aDumpFindsMissedLossesAndStrayRows() {
        var r = Self.installed(Self.rows)
        // Our operations are in the model; the kernel lost the bridge row and holds a stray owned row.
        let stray = FDBIntent.remoteMAC(Self.b, device: 11, bridge: 10, vtep: Lab.vtep3).entry
        r.replaceActual(with: [Self.rows[0].entry, stray])
        #expect(r.drift.found == 2)
        let (ops, _) = r.plan()
        #expect(Set(ops) == [.add(Self.rows[1].entry), .delete(stray)])
        #expect(r.drift.repaired == 2)
    }

    @Test func aWithdrawalBeforeTheRepairIsNotCountedAsRepaired() {
        var r = Self.installed(Self.rows)
        r.observeRemoved(Self.rows[0].entry)
        // The route went meanwhile: evpnd no longer wants the row, nothing to repair (the bridge row goes).
        for intent in Self.rows { r.setDesired(nil, at: intent.key) }
        let (ops, _) = r.plan()
        #expect(ops.count == 1)
        if case .delete(let row)? = ops.first { #expect(row.isBridgeRow && row.mac == Self.a) } else { Issue.record("\(ops)") }
        #expect(r.drift.found == 1 && r.drift.repaired == 0)
    }
}

extension FDBDriftCounters {
    init(found: Int, repaired: Int) {
        self.init()
        self.found = found
        self.repaired = repaired
    }
}
