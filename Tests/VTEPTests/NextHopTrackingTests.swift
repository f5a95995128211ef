// Next-hop tracking of remote VTEPs (VTEP/Routes/VTEPState+NextHops.swift): a VTEP that does not resolve
// keeps its MACs and flood row out of the FDB; when it resolves they come in; when it stops resolving
// they leave; off, nothing changes.

import BGPCore
import BGPWire
import Testing
@testable import VTEP

@Suite("VTEP: next-hop tracking") struct NextHopTrackingTests {
    static func rig() -> Rig {
        var rig = Rig()
        rig.vtep.setNextHopTracking(true)
        return rig
    }

    @Test func heldUntilResolvedThenFollowsReachability() {
        var rig = Self.rig()
        rig.announce(Lab.remoteMAC(Lab.mac(1), vtep: Lab.vtep2))
        rig.announce(Lab.remoteIMET(vtep: Lab.vtep2))
        rig.announce(Lab.remoteMAC(Lab.mac(3), vtep: Lab.vtep3))
        // Met, not yet answered: nothing installed, both VTEPs asked about.
        #expect(rig.remoteRows().isEmpty)
        #expect(rig.vtep.trackedVTEPs == [Lab.vtep2, Lab.vtep3])
        #expect(rig.vtep.nextHops.pending == [Lab.vtep2, Lab.vtep3])

        var (keys, _) = rig.vtep.applyReachability([Lab.vtep2: true, Lab.vtep3: false])
        rig.send(.locRIBChanged(keys))
        #expect(rig.remoteRows() == [Lab.mac(1): Lab.vtep2])
        #expect(rig.floodRows() == [Lab.vtep2])
        #expect(rig.vtep.nextHops.unreachable == [Lab.vtep3])
        #expect(rig.vtep.nextHops.heldRouteCount == 1)
        // Shown on the route and counted in the summary as not used, with its reason.
        #expect(rig.vtep.routesNotUsed.values.map(\.reason) == [.nextHopUnreachable])

        // vtep2's loopback leaves the underlay: its MAC and flood row go.
        let notes: [String]
        (keys, notes) = rig.vtep.applyReachability([Lab.vtep2: false])
        #expect(notes == ["VTEP 10.0.0.2 unreachable: its routes are not used"])
        rig.send(.locRIBChanged(keys))
        #expect(rig.remoteRows().isEmpty)
        #expect(rig.floodRows().isEmpty)

        // Both back.
        (keys, _) = rig.vtep.applyReachability([Lab.vtep2: true, Lab.vtep3: true])
        rig.send(.locRIBChanged(keys))
        #expect(rig.remoteRows() == [Lab.mac(1): Lab.vtep2, Lab.mac(3): Lab.vtep3])
        #expect(rig.floodRows() == [Lab.vtep2])
        #expect(rig.vtep.nextHops.heldRouteCount == 0)
        #expect(rig.vtep.routesNotUsed.isEmpty)
    }

    /// A held route that is withdrawn is no longer counted as not used.
    @Test func aWithdrawnHeldRouteLeavesTheCount() {
        var rig = Self.rig()
        let path = Lab.remoteMAC(Lab.mac(3), vtep: Lab.vtep3)
        rig.announce(path)
        _ = rig.vtep.applyReachability([Lab.vtep3: false])
        #expect(rig.vtep.routesNotUsed.count == 1)
        #expect(rig.vtep.nextHops.heldRouteCount == 1)
        rig.withdraw(path.route)
        #expect(rig.vtep.routesNotUsed.isEmpty)
        #expect(rig.vtep.nextHops.heldRouteCount == 0)
    }

    /// An answer that changes nothing imports nothing again.
    @Test func sameAnswerIsNoWork() {
        var rig = Self.rig()
        rig.announce(Lab.remoteMAC(Lab.mac(1), vtep: Lab.vtep2))
        _ = rig.vtep.applyReachability([Lab.vtep2: true])
        let (keys, notes) = rig.vtep.applyReachability([Lab.vtep2: true])
        #expect(keys.isEmpty && notes.isEmpty)
    }

    /// Off (the simulator, and a runtime without a routing table): routes go in as before.
    @Test func offByDefault() {
        var rig = Rig()
        rig.announce(Lab.remoteMAC(Lab.mac(1), vtep: Lab.vtep2))
        #expect(rig.remoteRows() == [Lab.mac(1): Lab.vtep2])
        #expect(rig.vtep.trackedVTEPs.isEmpty)
    }
}
