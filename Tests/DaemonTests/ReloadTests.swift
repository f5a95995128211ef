// Reload (SIGHUP, `systemctl reload`): the new file is checked first; a bad one leaves everything running; a good
// one changes only what changed. Four runtimes in this process on loopback addresses with distinct ports, no root:
// A reloads; B's session carries routes the whole time and must never drop; C is removed; D is added.

@testable import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Logging
import Testing
@testable import Daemon

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// One speaker's config: `neighbors` are (address, AS, port) it peers with, from `source`.
func multiPeerConfig(asn: Int, routerID: String, source: String, neighbors: [(String, Int, UInt16)]) -> String {
    var lines = ["frr defaults datacenter", "hostname speaker-\(asn)", "router bgp \(asn)", " bgp router-id \(routerID)",
                 " no bgp default ipv4-unicast"]
    for (address, remoteAS, port) in neighbors {
        lines += [" neighbor \(address) remote-as \(remoteAS)", " neighbor \(address) port \(port)",
                  " neighbor \(address) update-source \(source)", " neighbor \(address) timers connect 1"]
    }
    lines.append(" address-family l2vpn evpn")
    lines += neighbors.map { "  neighbor \($0.0) activate" }
    return lines.joined(separator: "\n") + "\n"
}

/// Type-2 routes for `count` MACs and a type-3, in VNI 100, from `origin`.
func localRoutes(from origin: IPv4Address, count: Int) -> [LocalRoute] {
    let rd = RouteDistinguisher.ipv4(origin, 100)
    let communities = PathAttribute(.extendedCommunities([.routeTarget(asn: 65002, value: 100), .encapsulation(.vxlan)]))
    var routes: [LocalRoute] = (0..<count).map { m in
        LocalRoute(route: .macIP(MACIPAdvertisementRoute(rd: rd, mac: MACAddress(rawValue: 0x02_00_00_00_10_00 | UInt64(m)),
                                                         label1: MPLSLabelField(vni: 100))),
                   nextHop: .v4(origin), attributes: [communities])
    }
    routes.append(LocalRoute(route: .inclusiveMulticast(IMETRoute(rd: rd, originatorIP: .v4(origin))), nextHop: .v4(origin),
                             attributes: [communities, PathAttribute(.pmsiTunnel(.ingressReplication(endpoint: .v4(origin), vni: 100)))]))
    return routes
}

@Suite(.serialized)
struct ReloadTests {
    struct Speaker {
        var address: String
        var asn: Int
        var port: UInt16
        var runtime: Runtime
        func row(_ peer: String) -> PeerSummary? { runtime.summary().first { $0.address.description == peer } }
    }

    @Test func addAndRemoveNeighborsWhileAThirdSessionCarriesRoutes() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let addresses = ["127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.1.5"]  // A, B, C, D
        let ports = addresses.map { _ in randomPort() }
        func neighbor(_ i: Int) -> (String, Int, UInt16) { (addresses[i], 65001 + i, ports[i]) }
        let configs = [
            multiPeerConfig(asn: 65001, routerID: "10.255.1.1", source: addresses[0], neighbors: [neighbor(1), neighbor(2)]),
            multiPeerConfig(asn: 65002, routerID: "10.255.1.2", source: addresses[1], neighbors: [neighbor(0)]),
            multiPeerConfig(asn: 65003, routerID: "10.255.1.3", source: addresses[2], neighbors: [neighbor(0)]),
            multiPeerConfig(asn: 65004, routerID: "10.255.1.4", source: addresses[3], neighbors: [neighbor(0)]),
        ]
        var speakers: [Speaker] = []
        func launch(_ i: Int) throws -> Speaker {
            let path = try dir.write("\(i).conf", configs[i])
            let runtime = try Runtime(options: DaemonOptions(configPath: path, socketPath: "\(dir.path)/\(i).sock", port: ports[i],
                                                             listenAddresses: [IPAddress(addresses[i])!], handlesSignals: false),
                                      logger: quiet)
            try runtime.start()
            let speaker = Speaker(address: addresses[i], asn: 65001 + i, port: ports[i], runtime: runtime)
            speakers.append(speaker)
            return speaker
        }
        defer { for speaker in speakers { speaker.runtime.stopAndWait() } }
        // D starts at the reload: dialling a speaker that refuses it for long would only grow its IdleHold back-off.
        let (a, b, c) = (try launch(0), try launch(1), try launch(2))

        #expect(waitFor(15) { a.row(b.address)?.state == .established && a.row(c.address)?.state == .established },
                "A: \(a.runtime.summary())")

        // B originates routes (what a VTEP does for its MACs); A receives them.
        let routes = localRoutes(from: IPv4Address("10.255.1.2")!, count: 50)
        b.runtime.queue.sync { b.runtime.feed(.originate(routes)) }
        #expect(waitFor(10) { a.row(b.address)?.prefixesReceived == routes.count }, "\(String(describing: a.row(b.address)))")

        // Reload A: C removed, D added, B untouched.
        let reloaded = try dir.write("0.conf", multiPeerConfig(asn: 65001, routerID: "10.255.1.1", source: addresses[0],
                                                               neighbors: [neighbor(1), neighbor(3)]))
        a.runtime.queue.sync { a.runtime.reload() }
        let d = try launch(3)
        #expect(waitFor(15) { a.row(d.address)?.state == .established }, "D comes up: \(a.runtime.summary())")
        #expect(a.row(c.address) == nil, "C is gone from A")
        #expect(waitFor(10) { c.row(a.address)?.state != .established }, "C's session went down")
        // A sends Cease/Peer De-configured and closes; C may see the close first when both arrive together.
        #expect(["BGP Notification received", "Peer closed the session"].contains(c.row(a.address)?.lastResetDueTo),
                "\(String(describing: c.row(a.address)))")

        // A broken file: refused, and nothing changes.
        let before = try ControlClient.send(ControlRequest(command: ["show", "running-config"]), socketPath: "\(dir.path)/0.sock")
        #expect(before.ok && before.output.contains("neighbor 127.0.1.5 remote-as 65004"), "\(before)")
        _ = try dir.write("0.conf", "router bgp 65001\n neighbor 127.0.1.9 remote-as nope\n")
        a.runtime.queue.sync { a.runtime.reload() }
        let after = try ControlClient.send(ControlRequest(command: ["show", "running-config"]), socketPath: "\(dir.path)/0.sock")
        #expect(after == before, "a refused reload leaves the running configuration as it was")
        Thread.sleep(forTimeInterval: 1)
        #expect(a.row(d.address)?.state == .established)
        #expect(Set(a.runtime.summary().map(\.address.description)) == [b.address, d.address])

        // The session with B never dropped, on either side, and its routes are all still there.
        let ab = try #require(a.row(b.address))
        #expect(ab.state == .established && ab.connectionsEstablished == 1 && ab.connectionsDropped == 0, "\(ab)")
        let ba = try #require(b.row(a.address))
        #expect(ba.state == .established && ba.connectionsEstablished == 1 && ba.connectionsDropped == 0, "\(ba)")
        #expect(ab.prefixesReceived == routes.count)
        _ = (reloaded, d)
    }
}
