// The runtime in-process on loopback: the control socket's answers (good, broken and unknown requests), and two
// runtimes peering over real TCP sockets. No root, FRR or namespaces needed.

@testable import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Logging
import Testing
@testable import Daemon

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A temporary directory removed at the end of the test.
final class TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "evpnd-daemon-test-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

func speakerConfig(asn: Int, routerID: String, neighbor: String, neighborAS: Int, port: Int, source: String) -> String {
    """
    frr defaults datacenter
    hostname speaker-\(asn)
    router bgp \(asn)
     bgp router-id \(routerID)
     no bgp default ipv4-unicast
     neighbor \(neighbor) remote-as \(neighborAS)
     neighbor \(neighbor) port \(port)
     neighbor \(neighbor) update-source \(source)
     neighbor \(neighbor) timers connect 1
     address-family l2vpn evpn
      neighbor \(neighbor) activate
    """
}

func randomPort() -> UInt16 { UInt16.random(in: 20000...60000) }

func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

@Suite(.serialized)
struct RuntimeTests {
    @Test func controlSocketAnswersAndSurvivesBadRequests() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }  // removed only once the test is done with it
        let config = try dir.write("a.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                          neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let socket = "\(dir.path)/sock/evpnd.sock"
        let runtime = try Runtime(options: DaemonOptions(configPath: config, socketPath: socket, port: randomPort(),
                                                         listenAddresses: [IPAddress("127.0.0.1")!], handlesSignals: false),
                                  logger: quiet)
        try runtime.start()
        defer { runtime.stopAndWait() }

        let summaryRequest = ControlRequest(command: ["show", "bgp", "l2vpn", "evpn", "summary"], json: true)
        let response = try ControlClient.send(summaryRequest, socketPath: socket)
        #expect(response.ok)
        let summary = try JSONDecoder().decode(BGPSummary.self, from: Data(response.output.utf8))
        #expect(summary.routerId == "10.255.0.1")
        #expect(summary.as == 65001)
        let peer = try #require(summary.peers["127.0.0.9"])
        #expect(peer.remoteAs == 65009)
        #expect(["Idle", "Connect", "Active"].contains(peer.state))
        #expect(peer.peerUptime == "never")
        #expect(summary.totalPeers == 1)

        // A line that is not JSON: an error answer, and the daemon goes on.
        let raw = try rawExchange(socket: socket, line: "show me everything\n")
        let bad = try ControlResponse.decode(line: Data(raw.utf8))
        #expect(!bad.ok)
        #expect(bad.error?.contains("bad request") == true)

        let unknown = try ControlClient.send(ControlRequest(command: ["show", "frobs"]), socketPath: socket)
        #expect(!unknown.ok)
        #expect(unknown.error == "unknown command: show frobs")

        let table = try ControlClient.send(ControlRequest(command: ["show", "bgp", "l2vpn", "evpn", "summary"]), socketPath: socket)
        #expect(table.ok)
        #expect(table.output.contains("BGP router identifier 10.255.0.1, local AS number 65001 vrf-id 0"))
        #expect(table.output.contains("127.0.0.9"))
    }

    /// Two runtimes over loopback TCP: both dial, collision resolution keeps one session, both report Established.
    @Test func twoRuntimesEstablish() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }  // removed only once the test is done with it
        let portA = randomPort(), portB = randomPort()
        let configA = try dir.write("a.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.3",
                                                           neighborAS: 65002, port: Int(portB), source: "127.0.0.2"))
        let configB = try dir.write("b.conf", speakerConfig(asn: 65002, routerID: "10.255.0.2", neighbor: "127.0.0.2",
                                                           neighborAS: 65001, port: Int(portA), source: "127.0.0.3"))
        let a = try Runtime(options: DaemonOptions(configPath: configA, socketPath: "\(dir.path)/a.sock", port: portA,
                                                   listenAddresses: [IPAddress("127.0.0.2")!], handlesSignals: false), logger: quiet)
        let b = try Runtime(options: DaemonOptions(configPath: configB, socketPath: "\(dir.path)/b.sock", port: portB,
                                                   listenAddresses: [IPAddress("127.0.0.3")!], handlesSignals: false), logger: quiet)
        try a.start()
        try b.start()
        var stopped = false
        defer { if !stopped { a.stopAndWait() }; b.stopAndWait() }
        #expect(waitFor(10) { a.summary().first?.state == .established && b.summary().first?.state == .established },
                "A: \(a.summary()), B: \(b.summary())")
        #expect(a.summary().first?.hostname == "speaker-65002")
        #expect(a.summary().first?.connectionsEstablished == 1)

        // A stops gracefully: B hears a Cease and goes back to trying.
        a.stopAndWait()
        stopped = true
        #expect(waitFor(5) { b.summary().first?.state != .established })
        #expect(b.summary().first?.lastResetDueTo == "BGP Notification received", "\(b.summary())")
    }

    @Test func badConfigurationRefusesToStart() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }  // removed only once the test is done with it
        let config = try dir.write("bad.conf", "router bgp 65001\n neighbor 10.0.0.2 remote-as nope\n")
        #expect(throws: DaemonStartError.self) {
            _ = try Runtime(options: DaemonOptions(configPath: config, socketPath: "\(dir.path)/s", handlesSignals: false), logger: quiet)
        }
        do {
            _ = try Runtime(options: DaemonOptions(configPath: config, socketPath: "\(dir.path)/s", handlesSignals: false), logger: quiet)
        } catch {
            #expect("\(error)".contains("bad.conf:2:30: error: bad AS number: 'nope'"), "\(error)")
        }
    }
}

/// Sends raw bytes on the control socket and returns the first answer line.
func rawExchange(socket path: String, line: String) throws -> String {
    let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
    let ok = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard ok == 0 else { throw Errno.current }
    _ = Array(line.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !received.contains(UInt8(ascii: "\n")) {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return String(decoding: received.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
}

struct SummaryFormatTests {
    static let uptimes: [(milliseconds: UInt64?, text: String)] = [
        (nil, "never"), (0, "00:00:00"), (4_032, "00:00:04"), (3_723_000, "01:02:03"),
        (90_061_000, "1d01h01m"), (8 * 86_400_000 + 3_600_000, "01w1d01h"),
    ]

    @Test func uptimeLikeFRR() {
        for (milliseconds, text) in Self.uptimes {
            #expect(frrUptime(milliseconds: milliseconds) == text)
        }
    }

    /// vtysh's row for a peer in Active, as FRR 8.4.4 printed it on this machine.
    @Test func tableRowLikeVtysh() {
        let peer = BGPSummary.Peer(remoteAs: 65001, localAs: 65000, msgRcvd: 0, msgSent: 2, peerUptime: "never",
                                   peerUptimeMsec: 0, peerUptimeEstablishedEpoch: nil, pfxRcd: 0, pfxSnt: 0, state: "Active",
                                   connectionsEstablished: 0, connectionsDropped: 0, lastResetDueTo: nil, hostname: nil,
                                   desc: nil, dynamicPeer: nil, idType: "ipv4")
        let summary = BGPSummary(routerId: "10.99.0.1", as: 65000, peerGroupCount: 1, peers: ["10.99.0.2": peer])
        let lines = summary.tableText().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("BGP router identifier 10.99.0.1, local AS number 65000 vrf-id 0"))
        #expect(lines.contains("Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc"))
        #expect(lines.contains("10.99.0.2       4      65001         0         2        0    0    0    never       Active        0 N/A"))
        #expect(lines.last == "Total number of neighbors 1")
    }

    /// A BFD-guarded neighbor: its session state in the JSON (`bfdStatus`) and one line under the table; none
    /// without BFD (the FRR table stays as vtysh prints it).
    @Test func bfdStatusUnderTheTable() throws {
        var peer = BGPSummary.Peer(remoteAs: 65001, localAs: 65000, msgRcvd: 0, msgSent: 2, peerUptime: "never",
                                   peerUptimeMsec: 0, peerUptimeEstablishedEpoch: nil, pfxRcd: 0, pfxSnt: 0, state: "Active",
                                   connectionsEstablished: 0, connectionsDropped: 0, lastResetDueTo: nil, hostname: nil,
                                   desc: nil, dynamicPeer: nil, idType: "ipv4")
        let plain = BGPSummary(routerId: "10.99.0.1", as: 65000, peerGroupCount: 0, peers: ["10.99.0.2": peer, "10.99.0.3": peer])
        #expect(!plain.tableText().contains("BFD"))
        #expect(!(try plain.jsonText()).contains("bfdStatus"))
        peer.bfdStatus = "down"
        let guarded = BGPSummary(routerId: "10.99.0.1", as: 65000, peerGroupCount: 0, peers: ["10.99.0.2": peer, "10.99.0.3": peer])
        let lines = guarded.tableText().split(separator: "\n").map(String.init)
        #expect(lines.contains("BFD: 10.99.0.2 down, 10.99.0.3 down"))
        #expect(lines.last == "Total number of neighbors 2")
        #expect((try guarded.jsonText()).contains("\"bfdStatus\" : \"down\""))
    }

    @Test func jsonUsesFRRKeys() throws {
        var messages = MessageCounters()
        messages.received.keepalives = 9
        messages.received.opens = 1
        messages.sent.keepalives = 10
        messages.sent.opens = 1
        let row = PeerSummary(address: IPAddress("10.0.0.2")!, remoteAS: 65002, configuredRemoteAS: .number(65002), localAS: 65001,
                              state: .established, uptimeMilliseconds: 5_000, prefixesReceived: 3, prefixesSent: 4,
                              messages: messages, connectionsEstablished: 1, connectionsDropped: 0,
                              lastResetDueTo: nil, lastResetReason: nil, hostname: "frr", peerGroup: nil, description: nil,
                              isDynamic: false, families: [.l2vpnEVPN])
        let config = EngineConfig(localAS: 65001, routerID: IPv4Address("10.0.0.1")!, hostname: "x")
        let summary = SummaryReport.make([row], config: config, peerGroups: 0, routeCount: 0, epochNow: 1_000_000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.jsonText().utf8)) as? [String: Any])
        for key in ["routerId", "as", "vrfId", "vrfName", "peerCount", "peers", "totalPeers", "dynamicPeers", "failedPeers"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let peer = try #require((object["peers"] as? [String: Any])?["10.0.0.2"] as? [String: Any])
        #expect(peer["state"] as? String == "Established")
        #expect(peer["peerUptimeMsec"] as? Int == 5_000)
        #expect(peer["peerUptime"] as? String == "00:00:05")
        #expect(peer["peerUptimeEstablishedEpoch"] as? Int == 999_995)
        #expect(peer["pfxRcd"] as? Int == 3)
        #expect(peer["pfxSnt"] as? Int == 4)
        #expect(peer["msgRcvd"] as? Int == 10)
        #expect(peer["msgSent"] as? Int == 11)
        #expect(peer["remoteAs"] as? Int == 65002)
        #expect(peer["localAs"] as? Int == 65001)
        #expect(peer["hostname"] as? String == "frr")
        #expect(peer["idType"] as? String == "ipv4")
        #expect(object["failedPeers"] as? Int == 0)
    }

    /// FRR 8.4.4's own answer decodes as a BGPSummary, and ours carries every key FRR's has. Captured here with
    /// `vtysh -N NAME -c 'show bgp l2vpn evpn summary json'` (bgpd in a namespace, evpnd as its Established peer).
    @Test func sameKeysAsFRR() throws {
        let frrText = #"""
{
  "routerId":"10.214.0.2",
  "as":65002,
  "vrfId":0,
  "vrfName":"default",
  "tableVersion":0,
  "ribCount":0,
  "ribMemory":0,
  "peerCount":1,
  "peerMemory":741464,
  "peers":{
    "10.214.0.1":{
      "hostname":"vm",
      "remoteAs":65001,
      "localAs":65002,
      "version":4,
      "msgRcvd":5,
      "msgSent":5,
      "tableVersion":0,
      "outq":0,
      "inq":0,
      "peerUptime":"00:00:06",
      "peerUptimeMsec":6000,
      "peerUptimeEstablishedEpoch":1795601780,
      "pfxRcd":0,
      "pfxSnt":0,
      "state":"Established",
      "peerState":"OK",
      "connectionsEstablished":1,
      "connectionsDropped":0,
      "desc":"the evpnd",
      "idType":"ipv4"
    }
  },
  "failedPeers":0,
  "displayedPeers":1,
  "totalPeers":1,
  "dynamicPeers":0,
  "bestPath":{
    "multiPathRelax":"false"
  }
}
"""#
        let frr = try JSONDecoder().decode(BGPSummary.self, from: Data(frrText.utf8))
        #expect(frr.peers["10.214.0.1"]?.state == "Established")
        let frrObject = try #require(try JSONSerialization.jsonObject(with: Data(frrText.utf8)) as? [String: Any])
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(frr.jsonText().utf8)) as? [String: Any])
        #expect(Set(frrObject.keys).subtracting(ours.keys).subtracting(["peerGroupCount", "peerGroupMemory"]).isEmpty)
        let frrPeer = try #require((frrObject["peers"] as? [String: Any])?["10.214.0.1"] as? [String: Any])
        let ourPeer = try #require((ours["peers"] as? [String: Any])?["10.214.0.1"] as? [String: Any])
        #expect(Set(frrPeer.keys).subtracting(ourPeer.keys).isEmpty, "\(Set(frrPeer.keys).subtracting(ourPeer.keys))")
    }
}
