// The fields of an engine or VTEP log event become swift-log metadata, which LineLogHandler prints as
// `key=value` after the message (sorted by key).

import BGPCore
import BGPWire
import Logging
import Testing
@testable import Daemon

@Suite struct LogMetadataTests {
    @Test func peerVNIAndMACBecomeFields() throws {
        let mac = try #require(MACAddress("aa:bb:cc:00:00:01"))
        let event = LogEvent(level: .warning, message: "MAC moved", peer: PeerID(.v4(IPv4Address(10, 0, 0, 2))), vni: 100, mac: mac)
        let metadata = try #require(event.metadata)
        #expect(metadata["peer"] == "10.0.0.2")
        #expect(metadata["vni"] == "100")
        #expect(metadata["mac"] == "aa:bb:cc:00:00:01")
    }

    @Test func anEventAboutNothingInParticularHasNoFields() {
        #expect(LogEvent(level: .info, message: "started").metadata == nil)
        #expect(LogEvent(level: .info, message: "VNI 100 up", vni: 100).metadata == ["vni": "100"])
    }
}
