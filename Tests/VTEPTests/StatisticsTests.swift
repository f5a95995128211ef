// What the metrics endpoint reads from the VTEP: per-VNI MAC figures (VTEPStatistics.swift) and the moves and
// duplicates counted per VNI beside the totals.

import BGPCore
import BGPWire
import Testing
@testable import VTEP

struct StatisticsTests {
    @Test func pingPongIsCountedPerVNIAndFrozen() throws {
        // A MAC moving between here and VTEP 2 five times in 180 s: a duplicate, frozen (MobilityTests' case).
        let rig = MobilityTests.pingPong(times: [0, 45, 90, 135, 180])
        let counters = rig.vtep.counters
        let vni = try #require(counters.byVNI[100])
        #expect(vni.movesToLocal == counters.movesToLocal && vni.movesToRemote == counters.movesToRemote)
        #expect(vni.movesToLocal + vni.movesToRemote >= 4)
        #expect(vni.duplicatesDetected == 1 && counters.duplicatesDetected == 1)
        let stats = try #require(rig.vtep.vniStatistics().first { $0.vni == 100 })
        #expect(stats.duplicateMACs == 1)
        #expect(stats.frozenMACs == 1)
        #expect(stats.localMACs + stats.remoteMACs <= 1)
    }

    @Test func localAndRemoteMACsAreCountedPerVNI() throws {
        var rig = Rig()
        rig.learn(Lab.mac(1), port: Lab.port(100))
        rig.learn(Lab.mac(2), port: Lab.port(100))
        rig.announce(Lab.remoteMAC(Lab.mac(3), vtep: Lab.vtep2, sequence: 0))
        let stats = try #require(rig.vtep.vniStatistics().first { $0.vni == 100 })
        #expect(stats.localMACs == 2)
        #expect(stats.remoteMACs == 1)
        #expect(stats.duplicateMACs == 0 && stats.frozenMACs == 0)
        #expect(rig.vtep.counters.byVNI.isEmpty, "no moves yet")
    }
}
