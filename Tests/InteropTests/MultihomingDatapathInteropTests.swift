// The multihoming datapath filters on real bridges (issue 13, Deliver 6, "No duplicates, no echoes"):
// a server dual-homed through evpn-lag to switches sw1 and sw2 (one ES, port es1 on both), a remote VTEP
// with a host, VXLAN and the flood lists configured by hand (no BGP: the DF result is given to the plan as
// the election would). Evidence, counted by the LAG tool and by nft counters in the server and remote host:
// without filters every remote broadcast reaches the server twice and every server broadcast comes back;
// with them 1,000 broadcasts each way arrive exactly 1,000 times and never come back, also after the DF
// moves to the other switch. Then ES ports held down (protodown on a macvlan, admin down on a veth) and
// released.
//
//   fab (bridge): sw1 10.78.0.1, sw2 10.78.0.2, rem 10.78.0.3; each VTEP br100 + vxlan100 (VNI 100)
//   server: m1 - sw1:es1, m2 - sw2:es1, evpn-lag bond0 10.100.0.50    host rh - rem:h1 10.100.0.99

import BGPWire
import Daemon
import Foundation
import Testing
import VTEP

@Suite(.serialized)
struct MultihomingDatapathInteropTests {
    struct Fabric {
        let sw1: String, sw2: String, rem: String, server: String, remoteHost: String
        let lag: LAGHost
    }

    static let vteps = ["10.78.0.1", "10.78.0.2", "10.78.0.3"]
    static let serverSources = ["10.100.0.50", "10.100.0.51", "10.100.0.52", "10.100.0.53"]

    func fabric(_ testbed: Testbed) throws -> Fabric {
        let fab = try testbed.addNamespace("mhfab", ipv6: false)
        try testbed.addBridge("fab", in: fab)
        var switches: [String] = []
        for (index, role) in ["mhsw1", "mhsw2", "mhrem"].enumerated() {
            let ns = try testbed.addNamespace(role, ipv6: false)
            try testbed.addVeth(.init(namespace: fab, name: "u\(index + 1)"), .init(namespace: ns, name: "uplink"))
            try testbed.attach("u\(index + 1)", to: "fab", in: fab)
            try testbed.addAddress("\(Self.vteps[index])/24", on: "uplink", in: ns)
            try testbed.addVXLANBridge(vni: 100, local: Self.vteps[index], in: ns,
                                       bridgeMAC: "02:78:00:00:0\(index + 1):00", vxlanMAC: "02:78:00:00:0\(index + 1):01")
            for other in Self.vteps where other != Self.vteps[index] {
                try run(["bridge", "-n", ns, "fdb", "append", "00:00:00:00:00:00", "dev", "vxlan100", "dst", other, "self", "permanent"])
            }
            switches.append(ns)
        }
        let server = try testbed.addNamespace("mhsrv", ipv6: false)
        try testbed.addVeth(.init(namespace: server, name: "m1"), .init(namespace: switches[0], name: "es1"))
        try testbed.addVeth(.init(namespace: server, name: "m2"), .init(namespace: switches[1], name: "es1"))
        try testbed.attach("es1", to: "br100", in: switches[0])
        try testbed.attach("es1", to: "br100", in: switches[1])
        let lag = try testbed.addLAG(in: server, members: ["m1", "m2"], mac: "02:78:00:00:00:50", address: "10.100.0.50/24")
        let remoteHost = try testbed.addHost("mhrh", mac: "02:78:00:00:00:99", ip: "10.100.0.99", ipv6: false,
                                             vtep: switches[2], port: "h1")
        // Count the broadcast pings as they arrive at the server's TAP and at the remote host.
        // The server sends from four addresses, so that its flows hash to both links and both switches'
        // local-bias rules are exercised (the hash is fixed: the same split every run).
        for address in Self.serverSources.dropFirst() {
            try run(["ip", "-n", server, "addr", "add", "\(address)/24", "dev", "bond0"])
        }
        for (ns, device, source) in [(server, "bond0", "10.100.0.99"), (remoteHost, "eth0", "10.100.0.50-10.100.0.53")] {
            // Only the other side's address: a host's own broadcast is looped back to it through its device's
            // ingress (dev_loopback_xmit), which the hook would count too.
            let rules = """
            table netdev probe {
            \tchain in {
            \t\ttype filter hook ingress device "\(device)" priority 0;
            \t\tip saddr \(source) ip daddr 10.100.0.255 icmp type echo-request counter
            \t}
            }
            """
            _ = try run(["ip", "netns", "exec", ns, "nft", "-f", try testbed.write("\(ns)-probe.nft", rules)])
        }
        return Fabric(sw1: switches[0], sw2: switches[1], rem: switches[2], server: server, remoteHost: remoteHost, lag: lag)
    }

    /// The broadcast pings counted so far in `ns`'s probe table.
    func probeCount(_ ns: String) throws -> Int {
        let text = try run(["ip", "netns", "exec", ns, "nft", "list", "table", "netdev", "probe"]).output
        guard let range = text.range(of: "counter packets ") else { throw LabError("no probe counter in \(ns): \(text)") }
        return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    /// `count` broadcast pings from `ns` (distinct frames: each has its own sequence number), from `source`.
    func broadcast(from ns: String, count: Int, source: String? = nil) throws {
        try run(["ip", "netns", "exec", ns, "ping", "-b", "-q", "-c", String(count), "-i", "0.002", "-W", "1"]
                + (source.map { ["-I", $0] } ?? []) + ["10.100.0.255"], check: false, timeout: 60)
    }

    struct Round {
        var deliveredToServer: Int, serverDuplicates: Int, deliveredToRemote: Int, echoes: Int
        /// The server's broadcasts that left on each link.
        var sentPerLink: [String: Int]
    }

    /// `count` broadcasts from the remote host, then `count` from the server; what arrived where.
    func round(_ lab: Fabric, count: Int) throws -> Round {
        let stats0 = try lab.lag.quietStats(), server0 = try probeCount(lab.server), remote0 = try probeCount(lab.remoteHost)
        try broadcast(from: lab.remoteHost, count: count)
        for source in Self.serverSources { try broadcast(from: lab.server, count: count / Self.serverSources.count, source: source) }
        // Let the last frames arrive (the fabric is three namespaces away; 0.5 s is plenty; ping itself waits
        // only 1 s, -W 1, for replies that broadcasts do not get).
        Thread.sleep(forTimeInterval: 0.5)
        let stats = try lab.lag.stats()
        return Round(deliveredToServer: try probeCount(lab.server) - server0, serverDuplicates: stats.duplicates - stats0.duplicates,
                     deliveredToRemote: try probeCount(lab.remoteHost) - remote0, echoes: stats.echoes - stats0.echoes,
                     sentPerLink: Dictionary(uniqueKeysWithValues: stats.memberTX.map { ($0.key, $0.value - (stats0.memberTX[$0.key] ?? 0)) }))
    }

    func plan(df: Bool, peer: String) throws -> DatapathFilterPlan {
        try DatapathFilterPlan(.init(segments: [
            .init(port: "es1", peers: [.v4(try #require(IPv4Address(peer)))],
                  vnis: [.init(vni: 100, vxlanDevice: "vxlan100", designatedForwarder: df)]),
        ]))
    }

    @Test func noDuplicatesNoEchoesAndTheDFMoves() throws {
        guard Tools.ready("MultihomingDatapathInteropTests.noDuplicatesNoEchoesAndTheDFMoves", needs: ["nft", "ping", "bridge"]) else { return }
        let testbed = try Testbed()
        defer { testbed.close() }
        let lab = try fabric(testbed)
        #expect(waitUntil(10) { (try? lab.lag.stats().carrier) == ["m1": true, "m2": true] })

        // Without filters: the failure the filters exist for.
        let unfiltered = try round(lab, count: 100)
        print("multihoming datapath, no filters, 100 each way: server got \(unfiltered.deliveredToServer) (duplicates \(unfiltered.serverDuplicates)), remote got \(unfiltered.deliveredToRemote), echoes \(unfiltered.echoes)")
        #expect(unfiltered.deliveredToServer == 200)
        #expect(unfiltered.echoes == 100)

        let sw1 = DatapathFilterApplier(runner: NamespacedTool(namespace: lab.sw1))
        let sw2 = DatapathFilterApplier(runner: NamespacedTool(namespace: lab.sw2))
        for (dfOn, label) in [("sw1", "DF sw1"), ("sw2", "DF moved to sw2")] {
            try sw1.reconcile(try plan(df: dfOn == "sw1", peer: Self.vteps[1]))
            try sw2.reconcile(try plan(df: dfOn == "sw2", peer: Self.vteps[0]))
            let filtered = try round(lab, count: 1000)
            let drops1 = try sw1.dropCounts(), drops2 = try sw2.dropCounts()
            print("multihoming datapath, \(label), 1000 each way: server got \(filtered.deliveredToServer) (duplicates \(filtered.serverDuplicates)), remote got \(filtered.deliveredToRemote), echoes \(filtered.echoes), server sent per link \(filtered.sentPerLink); drops sw1 \(drops1) sw2 \(drops2)")
            #expect(filtered.deliveredToServer == 1000, "\(label)")
            #expect(filtered.serverDuplicates == 0, "\(label)")
            #expect(filtered.deliveredToRemote == 1000, "\(label)")
            #expect(filtered.echoes == 0, "\(label)")
            // Both switches were the ingress of some of the server's broadcasts.
            #expect(filtered.sentPerLink["m1", default: 0] >= 250 && filtered.sentPerLink["m2", default: 0] >= 250, "\(filtered.sentPerLink)")
            // The non-DF's filter did the dropping of the remote's broadcasts; the DF's local-bias rule dropped
            // the server's broadcasts that came in through the non-DF.
            let (nonDF, df) = dfOn == "sw1" ? (drops2, drops1) : (drops1, drops2)
            #expect(nonDF["non-DF vni 100", default: 0] >= 1000, "\(label): \(nonDF)")
            #expect(df.filter { $0.key.hasPrefix("local bias") }.values.reduce(0, +) >= 250, "\(label): \(df)")
        }

        // Level-triggered: a table deleted by hand comes back on the next round; stop removes both tables.
        try run(["ip", "netns", "exec", lab.sw1, "nft", "delete", "table", "bridge", "evpnd"])
        #expect(try sw1.reconcile(try plan(df: false, peer: Self.vteps[1])) == .written(repair: true))
        #expect(try sw1.reconcile(try plan(df: false, peer: Self.vteps[1])) == .unchanged)
        try sw1.remove()
        try sw2.remove()
        for ns in [lab.sw1, lab.sw2] {
            #expect(try run(["ip", "netns", "exec", ns, "nft", "list", "tables"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "")
        }
    }

    @Test func esPortsAreHeldDownThenReleased() throws {
        guard Tools.ready("MultihomingDatapathInteropTests.esPortsAreHeldDownThenReleased", needs: ["bridge"]) else { return }
        let testbed = try Testbed()
        defer { testbed.close() }
        let sw = try testbed.addNamespace("mhps", ipv6: false)
        let peer = try testbed.addNamespace("mhpp", ipv6: false)
        try testbed.addBridge("br100", in: sw)
        try testbed.addVeth(.init(namespace: sw, name: "es-veth"), .init(namespace: peer, name: "eth0"))
        try testbed.addVeth(.init(namespace: sw, name: "base"), .init(namespace: peer, name: "eth1"))
        try run(["ip", "-n", sw, "link", "add", "es-mv", "link", "base", "type", "macvlan"])
        for port in ["es-veth", "es-mv"] { try testbed.attach(port, to: "br100", in: sw) }
        try run(["ip", "-n", sw, "link", "set", "base", "up"])
        try run(["ip", "-n", peer, "link", "set", "eth0", "up"])
        try run(["ip", "-n", peer, "link", "set", "eth1", "up"])

        let ports: Set<String> = ["es-veth", "es-mv"]
        // The uplink's state is the hold's input here (read from the link table once wired into the daemon).
        let applier = ESPortStateApplier(runner: NamespacedTool(namespace: sw))
        func link(_ port: String) throws -> String { try run(["ip", "-n", sw, "-d", "link", "show", "dev", port]).output }
        func hold(since: Duration, uplinkUp: Bool) -> ESPortHold {
            ESPortHold(ESPortHoldInput(ports: ports, uplinks: ["uplink"], uplinksUp: uplinkUp ? ["uplink"] : [],
                                       sinceStart: since, startupDelay: .seconds(30)))
        }
        let held = try applier.reconcile(hold(since: .seconds(1), uplinkUp: true), allPorts: ports)
        print("ES port hold, startup delay: \(held)")
        #expect(held == ["es-mv: protodown on (startup-delay)", "es-veth: admin down, protodown not supported (startup-delay)"])
        #expect(try link("es-mv").contains("protodown on"))
        #expect(try link("es-mv").contains("state DOWN"))
        #expect(try !link("es-veth").contains(",UP"))
        let released = try applier.reconcile(hold(since: .seconds(31), uplinkUp: true), allPorts: ports)
        #expect(released == ["es-mv: protodown off", "es-veth: admin up"])
        #expect(try !link("es-mv").contains("protodown on"))
        #expect(waitUntil(5) { ((try? link("es-veth")) ?? "").contains("state UP") })
        // Every uplink down: held for that reason; back up: released.
        #expect(try applier.reconcile(hold(since: .seconds(40), uplinkUp: false), allPorts: ports)
                == ["es-mv: protodown on (uplink-down)", "es-veth: admin down, protodown not supported (uplink-down)"])
        #expect(applier.ports["es-mv"]?.reasons == ["uplink-down"])
        #expect(try applier.reconcile(hold(since: .seconds(41), uplinkUp: true), allPorts: ports).count == 2)
        #expect(try !link("es-mv").contains("protodown on"))
    }
}
