// Graceful restart on a VTEP: while retention is on, the rows evpnd owns that no route wants yet stay;
// rows whose route comes back are compared as usual (a changed destination is replaced, not deleted);
// when retention ends, only what is still unwanted is deleted, bridge rows first.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct RetentionTests {
    typealias R = ReconcilerTests
    static let flood9 = FDBIntent.flood(device: 11, bridge: 10, vtep: Lab.vtep9)

    /// The kernel as the previous evpnd left it: a at VTEP 2, b at VTEP 2, a flood row to VTEP 9, and
    /// foreign rows.
    static func adopted() -> FDBReconciler {
        var r = FDBReconciler()
        r.setManaged(R.managed)
        r.setRetainsStale(true)
        // Through the fake kernel, so rows look as a dump reports them.
        r.replaceActual(with: R.apply([], to: (R.remote(R.a, Lab.vtep2) + R.remote(R.b, Lab.vtep2) + [flood9]).map(\.entry)
                                      + [R.foreignStatic, KernelFDBEntry(mac: R.c, ifindex: 12, master: 10)]))
        return r
    }

    @Test func nothingIsDeletedWhileRetaining() {
        var r = Self.adopted()
        #expect(r.plan().operations.isEmpty)
        #expect(r.retainedCount == 5)
    }

    @Test func routesThatComeBackAreComparedAsUsual() {
        var r = Self.adopted()
        // a comes back unchanged, b comes back at VTEP 3.
        for intent in R.remote(R.a, Lab.vtep2) + R.remote(R.b, Lab.vtep3) { r.setDesired(intent, at: intent.key) }
        #expect(r.plan().operations == [.replace(FDBIntent.remoteMAC(R.b, device: 11, bridge: 10, vtep: Lab.vtep3).entry)])
        #expect(r.retainedCount == 1)
    }

    @Test func endingRetentionDeletesOnlyWhatDidNotComeBack() {
        var r = Self.adopted()
        for intent in R.remote(R.a, Lab.vtep2) { r.setDesired(intent, at: intent.key) }
        _ = r.plan()
        r.setRetainsStale(false)
        let ops = r.plan().operations
        #expect(Set(ops.map { "\($0)" }) == ["delete \(R.apply([], to: [FDBIntent.bridgeRow(R.b, device: 11, bridge: 10).entry])[0])",
                                            "delete \(FDBIntent.remoteMAC(R.b, device: 11, bridge: 10, vtep: Lab.vtep2).entry)",
                                            "delete \(Self.flood9.entry)"])
        // Bridge rows go first: traffic stops going to the VXLAN port before its destination goes.
        #expect(ops.first?.entry.isBridgeRow == true)
        #expect(r.retainedCount == 0)
        #expect(r.plan().operations.isEmpty)
    }
}
