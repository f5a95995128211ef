// A server dual-homed to two evpnd switches, end to end (issue 13, Deliver 5-8 and "Must show"): one ES on
// port server1 of sw1 (VTEP 1, es-df-pref 50000) and sw2 (VTEP 2, es-df-pref 100), the server joined to both
// by evpn-lag; an evpnd reflector; FRR 8.4 as a remote VTEP (VTEP 3) with a host. evpnd originates the ES's
// type-4 and type-1 routes and the server's MACs with the ESI, elects the DF after the DF Wait and programs
// the filters itself. FRR must list the ES as remote with both switches and a nexthop group and point the
// server's MAC at the group (`nhid`); 100 broadcasts from the remote host reach the server exactly 100 times
// and none of the server's broadcasts comes back to it; with sw1's ES link down, sw2 takes the DF and the
// remote host's broadcasts still arrive exactly once.
//
//   rr: evpnd reflector 10.0.0.253      v1 (sw1), v2 (sw2): evpnd, br100 + vxlan100, port server1 each
//   v3: FRR 8.4 zebra+bgpd, host hr (10.1.0.99)      srv: m1 - v1:server1, m2 - v2:server1, bond0 10.1.0.50

import BGPWire
import Foundation
import Testing

@Suite("Interop: a server dual-homed to two evpnd switches", .serialized)
struct MultihomingLocalInteropTests {
    static let needs = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ip", "nft", "ping"]
    static let esi = "03:44:38:39:ff:ff:01:00:00:01"
    static let serverMAC = "02:00:00:00:00:50"
    static let serverSources = ["10.1.0.50", "10.1.0.51", "10.1.0.52", "10.1.0.53"]

    static func esConfig(preference: Int) -> String {
        """
        evpn mh startup-delay 0
        interface server1
         evpn mh es-id 1
         evpn mh es-sys-mac 44:38:39:ff:ff:01
         evpn mh es-df-pref \(preference)
        exit
        !

        """
    }

    /// evpnd's `show evpn es --json` on VTEP n, as a list.
    static func evpndES(_ fabric: VTEPFabric, _ n: Int) -> [[String: Any]] {
        guard let text = try? fabric.evpnctl(n, ["show", "evpn", "es", "--json"]),
              let list = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return [] }
        return list
    }

    static func flags(_ list: [[String: Any]]) -> [String] { list.first?["flags"] as? [String] ?? [] }

    /// VTEP 3's `bridge fdb show dev vxlan100` row of the server's MAC names a nexthop group (`nhid`).
    static func serverRowOnGroup(_ fabric: VTEPFabric) -> Bool {
        fabric.fdb(3).split(separator: "\n").contains { $0.hasPrefix("\(serverMAC) nhid ") && $0.contains(" self ") }
    }

    /// The broadcast pings counted so far by the probe table of `ns`.
    static func probeCount(_ ns: String) throws -> Int {
        let text = try run(["ip", "netns", "exec", ns, "nft", "list", "table", "netdev", "probe"]).output
        guard let range = text.range(of: "counter packets ") else { throw LabError("no probe counter in \(ns): \(text)") }
        return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    static func broadcast(from ns: String, count: Int, source: String? = nil) throws {
        try run(["ip", "netns", "exec", ns, "ping", "-b", "-q", "-c", String(count), "-i", "0.005", "-W", "1"]
                + (source.map { ["-I", $0] } ?? []) + ["10.1.0.255"], check: false, timeout: 60)
    }

    @Test func dualHomedServerSeenByFRRNoDuplicatesNoEchoes() throws {
        guard Tools.ready("MultihomingLocalInteropTests", needs: Self.needs) else { return }
        try withFabric(vteps: 3) { fabric in
            let testbed = fabric.testbed
            try fabric.startEvpndReflector()
            try fabric.startEvpndVTEP(1, logLevel: "info", prefix: Self.esConfig(preference: 50000))
            try fabric.startEvpndVTEP(2, logLevel: "info", prefix: Self.esConfig(preference: 100))
            try fabric.startFRRVTEP(3)
            try fabric.addHost("r", vtep: 3, mac: "02:00:00:00:00:99", ip: "10.1.0.99")

            let server = try testbed.addNamespace("srv", ipv6: false)
            for (n, member) in [(1, "m1"), (2, "m2")] {
                try testbed.addVeth(.init(namespace: server, name: member), .init(namespace: fabric.ns("v\(n)"), name: "server1"))
                try testbed.attach("server1", to: "br100", in: fabric.ns("v\(n)"))
            }
            let lag = try testbed.addLAG(in: server, members: ["m1", "m2"], mac: Self.serverMAC, address: "10.1.0.50/24")
            for address in Self.serverSources.dropFirst() { try run(["ip", "-n", server, "addr", "add", "\(address)/24", "dev", "bond0"]) }
            for (ns, device, source) in [(server, "bond0", "10.1.0.99"), (fabric.ns("hr"), "eth0", "10.1.0.50-10.1.0.53")] {
                let rules = """
                table netdev probe {
                \tchain in {
                \t\ttype filter hook ingress device "\(device)" priority 0;
                \t\tip saddr \(source) ip daddr 10.1.0.255 icmp type echo-request counter
                \t}
                }
                """
                _ = try run(["ip", "netns", "exec", ns, "nft", "-f", try testbed.write("\(ns)-probe.nft", rules)])
            }

            // The DF election after the DF Wait (3 s): sw1, the higher preference, is DF; each sees the other.
            let elected = waitUntil(40, interval: 0.2) {
                let one = Self.evpndES(fabric, 1), two = Self.evpndES(fabric, 2)
                return Self.flags(one) == ["local", "remote"] && Self.flags(two) == ["local", "remote", "nonDF"]
            }
            print("sw1 show evpn es --json: \((try? fabric.evpnctl(1, ["show", "evpn", "es", "--json"])) ?? "")")
            print("sw2 show evpn es:\n\((try? fabric.evpnctl(2, ["show", "evpn", "es"])) ?? "")")
            #expect(elected, "DF not elected as expected")
            let sw1 = Self.evpndES(fabric, 1).first ?? [:]
            #expect(sw1["esi"] as? String == Self.esi)
            #expect(sw1["accessPort"] as? String == "server1")
            let peer = (sw1["vteps"] as? [[String: Any]])?.first ?? [:]
            #expect(peer["vtep"] as? String == "10.0.0.2" && peer["dfAlgorithm"] as? String == "preference"
                    && peer["dfPreference"] as? Int == 100, "\(peer)")

            // The server speaks (from four addresses, so its flows hash over both links): its MAC is learned
            // on the ES port and goes out with the ESI.
            for source in Self.serverSources { try Self.broadcast(from: server, count: 4, source: source) }

            // FRR, the remote VTEP: the ES is remote with both switches and a nexthop group; the server's MAC
            // points at it.
            var frrES: [String: Any] = [:]
            let frrSees = waitUntil(40, interval: 0.25) {
                guard let text = try? fabric.vtysh("v3", "show evpn es json"),
                      let list = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]],
                      let es = list.first(where: { $0["esi"] as? String == Self.esi }) else { return false }
                frrES = es
                let vteps = (es["vteps"] as? [[String: Any]] ?? []).compactMap { $0["vtep"] as? String }
                return Set(vteps) == ["10.0.0.1", "10.0.0.2"] && Self.serverRowOnGroup(fabric)
            }
            print("FRR show evpn es json: \(frrES)")
            print("FRR bridge fdb: \(fabric.fdb(3).split(separator: "\n").filter { $0.contains(Self.serverMAC) })")
            #expect(frrSees, "FRR: \(frrES)\n\(fabric.fdb(3))")
            #expect((frrES["flags"] as? [String])?.contains("remote") == true)
            #expect((frrES["vteps"] as? [[String: Any]] ?? []).allSatisfy { $0["nexthopId"] is Int }, "\(frrES)")
            let nexthops = (try? run(["ip", "-n", fabric.ns("v3"), "nexthop", "show"]).output) ?? ""
            #expect(nexthops.contains("group"), "\(nexthops)")

            // Broadcasts: from the remote host, each delivered once (the non-DF drops its copy); from the
            // server, none comes back (local bias on the switch that got it over VXLAN from the other).
            let stats0 = try lag.quietStats(), server0 = try Self.probeCount(server), remote0 = try Self.probeCount(fabric.ns("hr"))
            try Self.broadcast(from: fabric.ns("hr"), count: 100)
            for source in Self.serverSources { try Self.broadcast(from: server, count: 25, source: source) }
            Thread.sleep(forTimeInterval: 0.5)
            let stats = try lag.stats()
            let toServer = try Self.probeCount(server) - server0, toRemote = try Self.probeCount(fabric.ns("hr")) - remote0
            let duplicates = stats.duplicates - stats0.duplicates, echoes = stats.echoes - stats0.echoes
            let perLink = stats.memberTX.map { "\($0.key): \($0.value - (stats0.memberTX[$0.key] ?? 0))" }.sorted()
            print("dual-homed server, 100 broadcasts each way: server got \(toServer) (duplicates \(duplicates)), remote got \(toRemote), echoes \(echoes), server sent per link \(perLink)")
            #expect(toServer == 100)
            #expect(duplicates == 0)
            #expect(echoes == 0)
            #expect(toRemote == 100)
            // Both switches were the ingress of some of the server's broadcasts (both local-bias rules worked).
            #expect(stats.memberTX.values.filter { $0 > 0 }.count == 2, "\(perLink)")
            print("sw1 filters: \((try? run(["ip", "netns", "exec", fabric.ns("v1"), "nft", "list", "table", "bridge", "evpnd"]).output) ?? "")")
            // sw1's ES link fails: sw2 takes the DF at once (its DF Wait is long over) and drops its non-DF rule;
            // the server's LAG fails over to m2. 100 broadcasts from the remote host still arrive exactly 100 times.
            try run(["ip", "-n", fabric.ns("v1"), "link", "set", "server1", "down"])
            let moved = waitUntil(20, interval: 0.1) {
                Self.flags(Self.evpndES(fabric, 2)) == ["local"]
                    // (With no rule left evpnd's tables are gone: nft then fails, and there is no non-DF rule.)
                    && !((try? run(["ip", "netns", "exec", fabric.ns("v2"), "nft", "list", "table", "bridge", "evpnd"]).output) ?? "").contains("non-DF")
            }
            #expect(moved, "sw2 did not become DF: \((try? fabric.evpnctl(2, ["show", "evpn", "es", "--json"])) ?? "")")
            #expect(waitUntil(5) { (try? lag.stats().carrier["m1"]) == false })
            let after0 = try lag.quietStats(), afterServer0 = try Self.probeCount(server)
            try Self.broadcast(from: fabric.ns("hr"), count: 100)
            Thread.sleep(forTimeInterval: 0.5)
            let after = try lag.stats()
            let movedToServer = try Self.probeCount(server) - afterServer0
            print("DF moved to sw2 (sw1's ES link down): server got \(movedToServer) of 100 (duplicates \(after.duplicates - after0.duplicates))")
            #expect(movedToServer == 100)
            #expect(after.duplicates - after0.duplicates == 0)
            print("sw2 log: \(fabric.evpndLogText(2).split(separator: "\n").filter { $0.contains("ES ") || $0.contains("multihoming") }.suffix(8).joined(separator: "\n"))")
        }
    }
}
