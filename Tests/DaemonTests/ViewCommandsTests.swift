// The operator views through the control socket of real runtimes (no root): two speakers over loopback TCP,
// then `show bgp neighbors` in its spellings, each side's view mirroring the other's, and the errors an
// operator can make (unknown or malformed neighbor, `show evpn` on a non-VTEP), answered and survived.

@testable import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Logging
import Testing
@testable import Daemon

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

@Suite(.serialized)
struct ViewCommandsTests {
    static func ask(_ socket: String, _ words: [String], json: Bool = false) throws -> ControlResponse {
        try ControlClient.send(ControlRequest(command: words, json: json), socketPath: socket)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func neighborsOfTwoRuntimesMirrorEachOther() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let portA = randomPort(), portB = randomPort()
        let configA = try dir.write("a.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.5",
                                                           neighborAS: 65002, port: Int(portB), source: "127.0.0.4"))
        let configB = try dir.write("b.conf", speakerConfig(asn: 65002, routerID: "10.255.0.2", neighbor: "127.0.0.4",
                                                           neighborAS: 65001, port: Int(portA), source: "127.0.0.5"))
        let socketA = "\(dir.path)/a.sock", socketB = "\(dir.path)/b.sock"
        let a = try Runtime(options: DaemonOptions(configPath: configA, socketPath: socketA, port: portA,
                                                   listenAddresses: [.v4(IPv4Address(127, 0, 0, 4))], handlesSignals: false), logger: quiet)
        let b = try Runtime(options: DaemonOptions(configPath: configB, socketPath: socketB, port: portB,
                                                   listenAddresses: [.v4(IPv4Address(127, 0, 0, 5))], handlesSignals: false), logger: quiet)
        try a.start()
        try b.start()
        defer { a.stopAndWait(); b.stopAndWait() }
        #expect(waitFor(10) { a.summary().first?.state == .established && b.summary().first?.state == .established })
        // Both End-of-RIBs out and in.
        Thread.sleep(forTimeInterval: 0.5)

        let fromA = try Self.ask(socketA, ["show", "bgp", "neighbors"], json: true)
        let fromB = try Self.ask(socketB, ["show", "bgp", "l2vpn", "evpn", "neighbors", "127.0.0.4", "json"])
        #expect(fromA.ok && fromB.ok)
        let viewA = try #require(try Self.object(fromA.output)["127.0.0.5"] as? [String: Any])
        let viewB = try #require(try Self.object(fromB.output)["127.0.0.4"] as? [String: Any])
        #expect(viewA["bgpState"] as? String == "Established")
        #expect(viewA["nbrExternalLink"] as? Bool == true)
        #expect(viewA["remoteRouterId"] as? String == "10.255.0.2" && viewB["remoteRouterId"] as? String == "10.255.0.1")
        #expect(viewA["hostname"] as? String == "speaker-65002")
        #expect(viewA["hostLocal"] as? String == viewB["hostForeign"] as? String)
        #expect(viewA["portLocal"] as? Int == viewB["portForeign"] as? Int)
        // Collision resolution keeps one of the two connections: its listening end is one side's BGP port.
        #expect(viewA["portForeign"] as? Int == Int(portB) || viewB["portForeign"] as? Int == Int(portA))
        #expect(viewA["bgpTimerHoldTimeMsecs"] as? Int == viewB["bgpTimerHoldTimeMsecs"] as? Int)
        let statsA = try #require(viewA["messageStats"] as? [String: Any]), statsB = try #require(viewB["messageStats"] as? [String: Any])
        #expect(statsA["opensSent"] as? Int == statsB["opensRecv"] as? Int)
        #expect(statsA["updatesSent"] as? Int == statsB["updatesRecv"] as? Int, "End-of-RIB, both idle")
        // Two evpnd speakers advertise the same capabilities: every word is "advertisedAndReceived".
        let caps = try #require(viewA["neighborCapabilities"] as? [String: Any])
        #expect(caps["4byteAs"] as? String == "advertisedAndReceived")
        #expect(caps["routeRefresh"] as? String == "advertisedAndReceivedOldNew")
        #expect(((caps["multiprotocolExtensions"] as? [String: Any])?["l2VpnEvpn"] as? [String: Any])?["advertisedAndReceived"] as? Bool == true)
        let grA = try #require(viewA["gracefulRestartInfo"] as? [String: Any])
        #expect((grA["endOfRibRecv"] as? [String: Any])?["l2VpnEvpn"] as? Bool == true)

        let text = try Self.ask(socketA, ["show", "bgp", "neighbors", "127.0.0.5"])
        #expect(text.ok)
        #expect(text.output.hasPrefix("BGP neighbor is 127.0.0.5, remote AS 65002, local AS 65001, external link\n"))
        #expect(text.output.contains("Hostname: speaker-65002\n"))
        #expect(text.output.contains("  BGP state = Established, up for 00:00:0"))

        // Errors: answered, and the daemon carries on.
        let unknown = try Self.ask(socketA, ["show", "bgp", "neighbors", "10.9.9.9"])
        #expect(!unknown.ok && unknown.error == "No such neighbor in this view/vrf")
        let unknownJSON = try Self.ask(socketA, ["show", "bgp", "neighbors", "10.9.9.9"], json: true)
        let noSuch = try Self.object(unknownJSON.output)
        #expect(unknownJSON.ok && noSuch["bgpNoSuchNeighbor"] as? Bool == true)
        let malformed = try Self.ask(socketA, ["show", "bgp", "neighbors", "10.9.9"])
        #expect(!malformed.ok && (malformed.error ?? "").contains("malformed neighbor address"))
        let extra = try Self.ask(socketA, ["show", "bgp", "neighbors", "127.0.0.5", "extra"])
        #expect(!extra.ok)
        let evpn = try Self.ask(socketA, ["show", "evpn"])
        #expect(!evpn.ok && (evpn.error ?? "").contains("not a VTEP"))
        // The graceful restart report keeps its command.
        let graceful = try Self.ask(socketA, ["show", "bgp", "neighbors", "127.0.0.5", "graceful-restart"])
        #expect(graceful.output.contains("Graceful restart information"))

        // route detail with no routes: FRR's empty shape.
        let detail = try Self.ask(socketA, ["show", "bgp", "l2vpn", "evpn", "route", "detail"], json: true)
        #expect(detail.ok)
        let root = try Self.object(detail.output)
        #expect(root["numPrefix"] as? Int == 0 && root["numPaths"] as? Int == 0)
        let detailText = try Self.ask(socketA, ["show", "bgp", "l2vpn", "evpn", "route", "detail"])
        #expect(detailText.ok && detailText.output.contains("Displayed 0 prefixes (0 paths)"))
        #expect(a.summary().first?.state == .established)
    }
}
