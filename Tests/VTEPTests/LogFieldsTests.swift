// Log events about one VNI or one MAC carry them as fields (the daemon prints `vni=100 mac=...`), so an
// operator can follow one MAC through the log by grepping a field rather than by parsing sentences.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct LogFieldsTests {
    @Test func aDuplicateMACIsLoggedWithItsVNIAndMAC() throws {
        let rig = MobilityTests.pingPong(times: [0, 45, 90, 135, 180])
        let event = try #require(rig.logs.first { $0.message.contains("detected as duplicate") })
        #expect(event.vni == 100)
        #expect(event.mac == MobilityTests.m)
        // Moves, too.
        let moves = rig.logs.filter { $0.message.contains("moved") }
        #expect(!moves.isEmpty)
        #expect(moves.allSatisfy { $0.vni == 100 && $0.mac == MobilityTests.m })
    }

    @Test func aVNIComingUpIsLoggedWithItsVNI() throws {
        let rig = Rig(config: Lab.config())
        let event = try #require(rig.logs.first { $0.message.hasPrefix("VNI 100 up") })
        #expect(event.vni == 100)
        #expect(event.mac == nil)
    }
}
