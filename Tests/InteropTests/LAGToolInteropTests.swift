// evpn-lag on its own (issue 13, Deliver 9): a host with two links into two bridges of one layer 2 domain
// (the bridges joined by a veth, as two switches without EVPN filtering would be). Without filtering, every
// broadcast from a peer reaches the host twice and every broadcast of the host comes back to it: the tool
// must count exactly that. Unicast works through it, and fails over when a member loses carrier.
//
//   namespace H: m1, m2 -> evpn-lag -> bond0 10.77.0.1
//   namespace S: br1 [s1 (m1), sp (peer), isl1]   br2 [s2 (m2), isl2]   isl1 <-> isl2
//   namespace P: eth0 10.77.0.2

import Foundation
import Testing

@Suite(.serialized)
struct LAGToolInteropTests {
    struct Topology {
        let testbed: Testbed
        let host: String, switches: String, peer: String
        let lag: LAGHost
    }

    func topology(_ testbed: Testbed) throws -> Topology {
        let host = try testbed.addNamespace("lagh", ipv6: false)
        let switches = try testbed.addNamespace("lags", ipv6: false)
        let peer = try testbed.addNamespace("lagp", ipv6: false)
        try testbed.addBridge("br1", in: switches)
        try testbed.addBridge("br2", in: switches)
        try testbed.addVeth(.init(namespace: host, name: "m1"), .init(namespace: switches, name: "s1"))
        try testbed.addVeth(.init(namespace: host, name: "m2"), .init(namespace: switches, name: "s2"))
        try testbed.addVeth(.init(namespace: switches, name: "isl1"), .init(namespace: switches, name: "isl2"))
        try testbed.addVeth(.init(namespace: peer, name: "eth0", mac: "02:77:00:00:00:02"), .init(namespace: switches, name: "sp"))
        for port in ["s1", "sp", "isl1"] { try testbed.attach(port, to: "br1", in: switches) }
        for port in ["s2", "isl2"] { try testbed.attach(port, to: "br2", in: switches) }
        try testbed.addAddress("10.77.0.2/24", on: "eth0", in: peer)
        let lag = try testbed.addLAG(in: host, members: ["m1", "m2"], mac: "02:77:00:00:00:01", address: "10.77.0.1/24")
        return Topology(testbed: testbed, host: host, switches: switches, peer: peer, lag: lag)
    }

    @Test func countsDuplicatesAndEchoes() throws {
        guard Tools.ready("LAGToolInteropTests.countsDuplicatesAndEchoes", needs: ["ping"]) else { return }
        let testbed = try Testbed()
        defer { testbed.close() }
        let lab = try topology(testbed)
        #expect(waitUntil(10) { (try? lab.lag.stats().carrier) == ["m1": true, "m2": true] })
        let before = try lab.lag.quietStats()
        // 200 broadcast pings from the peer: the two bridges deliver each on both links.
        try run(["ip", "netns", "exec", lab.peer, "ping", "-b", "-q", "-c", "200", "-i", "0.005", "-W", "1", "10.77.0.255"], check: false)
        #expect(waitUntil(5) { ((try? lab.lag.stats().toHost) ?? 0) - before.toHost >= 400 })
        let afterPeer = try lab.lag.stats()
        #expect(afterPeer.duplicates - before.duplicates == 200)
        #expect(afterPeer.duplicatesAcrossMembers - before.duplicatesAcrossMembers == 200)
        #expect(afterPeer.echoes == before.echoes)
        // 200 broadcast pings from the host: each leaves on one link and the bridges bring it back on the other.
        try run(["ip", "netns", "exec", lab.host, "ping", "-b", "-q", "-c", "200", "-i", "0.005", "-W", "1", "10.77.0.255"], check: false)
        #expect(waitUntil(5) { ((try? lab.lag.stats().echoes) ?? 0) - afterPeer.echoes >= 200 })
        let afterHost = try lab.lag.stats()
        #expect(afterHost.echoes - afterPeer.echoes == 200)
        #expect(afterHost.fromHost - afterPeer.fromHost >= 200)
        print("evpn-lag alone: peer broadcasts 200 -> delivered \(afterPeer.toHost - before.toHost), duplicates \(afterPeer.duplicates - before.duplicates); host broadcasts 200 -> echoes \(afterHost.echoes - afterPeer.echoes)")
    }

    @Test func unicastFailsOverOnCarrierLoss() throws {
        guard Tools.ready("LAGToolInteropTests.unicastFailsOverOnCarrierLoss", needs: ["ping"]) else { return }
        let testbed = try Testbed()
        defer { testbed.close() }
        let lab = try topology(testbed)
        #expect(waitUntil(10) { (try? lab.lag.stats().carrier) == ["m1": true, "m2": true] })
        #expect(Harness.ping(from: lab.host, to: "10.77.0.2", count: 5))
        let before = try lab.lag.stats()
        // The member the flow hashes to: the one whose tx grew.
        let used = try #require(before.memberTX.max { $0.value < $1.value }?.key)
        let other = used == "m1" ? "m2" : "m1"
        let switchPort = used == "m1" ? "s1" : "s2"
        try run(["ip", "-n", lab.switches, "link", "set", switchPort, "down"])
        #expect(waitUntil(5) { (try? lab.lag.stats().carrier[used]) == false })
        let ping = try run(["ip", "netns", "exec", lab.host, "ping", "-c", "20", "-i", "0.05", "-W", "1", "10.77.0.2"], check: false)
        #expect(ping.output.contains(" 0% packet loss"), "after failover: \(ping.output)")
        let after = try lab.lag.stats()
        #expect((after.memberTX[other] ?? 0) - (before.memberTX[other] ?? 0) >= 20)
        #expect(after.carrierChanges > before.carrierChanges)
        #expect(after.duplicates == before.duplicates)
        // Back again: the member carries traffic once more when the flow hashes to it.
        try run(["ip", "-n", lab.switches, "link", "set", switchPort, "up"])
        #expect(waitUntil(5) { (try? lab.lag.stats().carrier[used]) == true })
        #expect(Harness.ping(from: lab.host, to: "10.77.0.2", count: 3))
    }
}
