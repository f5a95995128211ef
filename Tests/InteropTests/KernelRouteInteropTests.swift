// Issue 15, a switch with no static route: evpnd VTEPs learn the other VTEPs' loopbacks from an FRR 8.4 router
// over IPv4 unicast and install them as zebra does (`proto bgp metric 20`), hosts behind evpnd and FRR VTEPs ping
// across, and next-hop tracking: when one VTEP's loopback route leaves the underlay, its MACs leave the other
// VTEPs' FDBs, on evpnd and on FRR 8.4 VTEPs in the same run, each timed from the kernel's own notifications
// (`evpn-bench fdb-watch`), long before the 9 s hold timer would have done it.
//
// Topology (names carry the testbed's per-run suffix; IPv6 off):
//   r:  FRR 8.4 (zebra + bgpd), AS 65000, route reflector for ipv4 unicast (next-hop-self force) and l2vpn evpn,
//       listen range 10.0.0.0/16; `to-vN` 10.0.N.2/30 to each VTEP
//   v1, v2: evpnd VTEPs; v3, v4: FRR VTEPs (zebra + bgpd), the same configuration text: loopback 10.0.0.N/32 as
//       `network`, one session to 10.0.N.2, VNI 100 (br100 + vxlan100 local 10.0.0.N), host hN (10.1.0.N)
//   No static route anywhere but the connected ones.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct KernelRouteInteropTests {
    static let tools = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ping"]

    static func loopback(_ n: Int) -> String { "10.0.0.\(n)" }
    static func hostMAC(_ n: Int) -> String { String(format: "02:00:00:00:%02x:01", n) }

    static func vtepConfig(_ n: Int, logFile: String?) -> String {
        """
        frr defaults datacenter
        hostname vtep\(n)
        \(logFile.map { "log file \($0) informational" } ?? "!")
        router bgp 65000
         bgp router-id \(loopback(n))
         neighbor 10.0.\(n).2 remote-as 65000
         neighbor 10.0.\(n).2 timers connect 1
         address-family ipv4 unicast
          network \(loopback(n))/32
          neighbor 10.0.\(n).2 activate
         exit-address-family
         address-family l2vpn evpn
          neighbor 10.0.\(n).2 activate
          advertise-all-vni
         exit-address-family
        exit
        """
    }

    static func routerConfig(logFile: String) -> String {
        """
        frr defaults datacenter
        hostname r
        log file \(logFile) informational
        router bgp 65000
         bgp router-id 10.0.0.254
         bgp cluster-id 10.0.0.254
         neighbor VTEPS peer-group
         neighbor VTEPS remote-as 65000
         bgp listen range 10.0.0.0/16 peer-group VTEPS
         address-family ipv4 unicast
          neighbor VTEPS activate
          neighbor VTEPS route-reflector-client
          neighbor VTEPS next-hop-self force
         exit-address-family
         address-family l2vpn evpn
          neighbor VTEPS activate
          neighbor VTEPS route-reflector-client
         exit-address-family
        exit
        """
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test func loopbacksOverIPv4UnicastAndNextHopTracking() throws {
        guard Tools.ready("kernel routes with an FRR router", needs: Self.tools) else { return }
        let testbed = try Testbed()
        defer { testbed.close() }
        let frrNodes = NodeRegistry<FRRNode>()
        let evpndNodes = NodeRegistry<EvpndNode>()
        let r = try testbed.addNamespace("r", ipv6: false)
        try run(["ip", "-n", r, "addr", "add", "10.0.0.254/32", "dev", "lo"])
        try testbed.enableForwarding(in: r)
        var vteps: [Int: String] = [:]
        for n in 1...4 {
            let v = try testbed.addNamespace("v\(n)", ipv6: false)
            vteps[n] = v
            try testbed.addVeth(.init(namespace: v, name: "uplink"), .init(namespace: r, name: "to-v\(n)"))
            try run(["ip", "-n", v, "addr", "add", "\(Self.loopback(n))/32", "dev", "lo"])
            try testbed.addAddress("10.0.\(n).1/30", on: "uplink", in: v)
            try testbed.addAddress("10.0.\(n).2/30", on: "to-v\(n)", in: r)
            try testbed.enableForwarding(in: v)
            try testbed.addVXLANBridge(vni: 100, local: Self.loopback(n), in: v, bridgeMAC: String(format: "02:00:00:00:%02x:ff", n),
                                       vxlanMAC: String(format: "02:00:00:00:%02x:64", n))
            try testbed.addHost("h\(n)", mac: Self.hostMAC(n), ip: "10.1.0.\(n)", ipv6: false, vtep: v, port: "host\(n)")
        }
        let router = frrNodes.node("r") { testbed.frr("r", in: r, daemons: [.zebra, .bgpd]) }
        try router.start(config: Self.routerConfig(logFile: "\(testbed.dir)/r-frr.log"))
        for n in 1...4 {
            guard let v = vteps[n] else { continue }
            if n <= 2 {
                let node = evpndNodes.node("v\(n)") { testbed.evpnd(in: v, stem: "evpnd-v\(n)") }
                try node.start(config: Self.vtepConfig(n, logFile: nil))
            } else {
                let node = frrNodes.node("v\(n)") { testbed.frr("v\(n)", in: v, daemons: [.zebra, .bgpd]) }
                try node.start(config: Self.vtepConfig(n, logFile: "\(testbed.dir)/v\(n)-frr.log"))
            }
        }
        func routes(_ n: Int) -> String { (try? run(["ip", "-n", vteps[n] ?? "", "route", "show"]).output) ?? "" }
        func evpndLog(_ n: Int) -> String { String(evpndNodes.node("v\(n)") { testbed.evpnd(in: vteps[n] ?? "", stem: "evpnd-v\(n)") }.logText.suffix(4000)) }

        // The evpnd switches learn every other loopback from the router, as zebra installs them.
        for n in 1...2 {
            let others = (1...4).filter { $0 != n }
            let installed = waitUntil(60) {
                let table = routes(n)
                return others.allSatisfy { table.contains("\(Self.loopback($0)) via 10.0.\(n).2 dev uplink proto bgp metric 20") }
            }
            #expect(installed, "v\(n) routes:\n\(routes(n))\nlog:\n\(evpndLog(n))")
            // Only connected routes besides: no static route on the switch, and our own network not installed.
            let table = routes(n)
            #expect(!table.contains("\(Self.loopback(n)) via"), "\(table)")
            #expect(table.split(separator: "\n").allSatisfy { $0.contains("proto bgp metric 20") || $0.contains("proto kernel") }, "\(table)")
            print("v\(n) (evpnd) routes:\n\(table)")
        }
        print("v3 (FRR) routes:\n\(routes(3))")

        // Loopback to loopback across the router, and hosts across evpnd and FRR VTEPs.
        #expect(waitUntil(30) { (try? run(["ip", "netns", "exec", vteps[1] ?? "", "ping", "-c", "1", "-W", "1", "-I", Self.loopback(1), Self.loopback(2)]))?.status == 0 })
        for (a, b) in [(1, 2), (1, 3), (2, 4)] {
            let pinged = waitUntil(60) {
                (try? run(["ip", "netns", "exec", testbed.name("h\(a)"), "ping", "-c", "1", "-W", "1", "10.1.0.\(b)"], check: false))?.status == 0
            }
            #expect(pinged, "h\(a) -> h\(b); v\(a) fdb:\n\(testbed.fdb(in: vteps[a] ?? ""))")
        }
        // h2's MAC points at v2 on the evpnd VTEP v1 and on the FRR VTEP v3.
        for n in [1, 3] {
            #expect(waitUntil(30) { testbed.fdb(in: vteps[n] ?? "").contains("\(Self.hostMAC(2)) dst 10.0.0.2") },
                    "v\(n) fdb:\n\(testbed.fdb(in: vteps[n] ?? ""))")
        }

        // Next-hop tracking: v2's loopback leaves the underlay (the router loses its link to v2 and withdraws
        // 10.0.0.2/32; the BGP sessions stay up until the hold timer). Timed from just before the link goes down
        // to the kernel's RTM_DELNEIGH of h2's MAC on v1 (evpnd) and v3 (FRR).
        var watchers: [Int: (Process, String)] = [:]
        for n in [1, 3] {
            let log = "\(testbed.dir)/fdb-watch-v\(n).log"
            let process = try Harness.launch(in: vteps[n] ?? "", ["\(testbed.bin)/evpn-bench", "fdb-watch", "--dev", "vxlan100", "--count", "1",
                                                                  "--dst", "10.0.0.2", "--timeout", "30"], logPath: log)
            testbed.adopt(process)
            watchers[n] = (process, log)
        }
        #expect(waitUntil(10) { watchers.values.allSatisfy { Harness.fileText($0.1).contains("ADD\tall") } })
        let down = Self.monotonic()
        try run(["ip", "-n", r, "link", "set", "to-v2", "down"])
        var measured: [Int: Double] = [:]
        for (n, (process, log)) in watchers.sorted(by: { $0.key < $1.key }) {
            _ = waitUntil(35) { !process.isRunning }
            let line = Harness.fileText(log).split(separator: "\n").first { $0.hasPrefix("DEL\tall\t") }
            if let line, let t = Double(line.split(separator: "\t")[2]) { measured[n] = t - down }
            #expect(measured[n] != nil, "v\(n) watcher:\n\(Harness.fileText(log))")
        }
        let evpnd = measured[1].map { String(format: "%.1f ms", $0 * 1000) } ?? "-"
        let frr = measured[3].map { String(format: "%.1f ms", $0 * 1000) } ?? "-"
        print("next-hop tracking: v2's loopback withdrawn in the underlay; its MAC left the FDB of v1 (evpnd) after \(evpnd), of v3 (FRR 8.4) after \(frr)")
        // A generous bound: well under the 9 s hold timer that would otherwise remove them.
        #expect((measured[1] ?? 99) < 3.0)
        #expect(!routes(1).contains("10.0.0.2 via"), "\(routes(1))")

        // Back: the link comes up, the router announces 10.0.0.2/32 again, and h2's MAC returns on v1.
        try run(["ip", "-n", r, "link", "set", "to-v2", "up"])
        #expect(waitUntil(30) { routes(1).contains("10.0.0.2 via 10.0.1.2 dev uplink proto bgp metric 20") }, "\(routes(1))")
        #expect(waitUntil(30) { testbed.fdb(in: vteps[1] ?? "").contains("\(Self.hostMAC(2)) dst 10.0.0.2") },
                "v1 fdb:\n\(testbed.fdb(in: vteps[1] ?? ""))\nlog:\n\(evpndLog(1))")
    }

    /// Static routes of the config go in as zebra's (`proto static metric 20`); a static route whose next hop does
    /// not resolve, and BGP routes for our own address and inside our connected subnet, are refused with their
    /// reason and counted, and nothing of them reaches the kernel; at a stop without graceful restart evpnd's
    /// routes leave the kernel.
    @Test func staticRoutesRefusalsAndStop() throws {
        guard Tools.ready("static routes and refusals", needs: ["vtysh", "/usr/lib/frr/bgpd"]) else { return }
        try withLab(subnet: 92) { lab in
            try lab.startFRR(config: """
                frr defaults datacenter
                hostname frr-peer
                router bgp 65002
                 bgp router-id \(lab.addressB)
                 no bgp ebgp-requires-policy
                 no bgp network import-check
                 neighbor \(lab.addressA) remote-as 65001
                 neighbor \(lab.addressA) timers connect 1
                 address-family ipv4 unicast
                  network 10.20.0.0/24
                  network \(lab.addressA)/32
                  network 10.213.92.128/25
                 exit-address-family
                exit
                """)
            try lab.startEvpnd(config: """
                frr defaults datacenter
                hostname evpnd-test
                ip route 10.77.0.0/24 \(lab.addressB)
                ip route 10.78.0.0/24 192.0.2.1
                ip route 10.66.0.0/24 \(lab.addressB)
                ip route 10.66.0.0/24 10.213.92.3
                router bgp 65001
                 bgp router-id \(lab.addressA)
                 neighbor \(lab.addressB) remote-as 65002
                 neighbor \(lab.addressB) timers connect 1
                exit
                """)
            func table() -> String { (try? run(["ip", "-n", lab.nsA, "route", "show"]).output) ?? "" }
            #expect(waitUntil(40) { table().contains("10.20.0.0/24 via \(lab.addressB) dev \(lab.vethA) proto bgp metric 20") },
                    "\(table())\n\(lab.evpndLogText.suffix(3000))")
            #expect(table().contains("10.77.0.0/24 via \(lab.addressB) dev \(lab.vethA) proto static metric 20"), "\(table())")
            // Two lines for one prefix: one route with both next hops (ECMP, RTA_MULTIPATH).
            let lines = table().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            if let i = lines.firstIndex(of: "10.66.0.0/24 proto static metric 20"), i + 2 < lines.count {
                #expect(lines[i + 1].hasPrefix("nexthop via \(lab.addressB) dev \(lab.vethA)"), "\(table())")
                #expect(lines[i + 2].hasPrefix("nexthop via 10.213.92.3 dev \(lab.vethA)"), "\(table())")
            } else {
                Issue.record("no ECMP route 10.66.0.0/24 in\n\(table())")
            }
            for absent in ["10.78.0.0", "\(lab.addressA) via", "10.213.92.128"] {
                #expect(!table().contains(absent), "\(absent) in\n\(table())")
            }
            let report = Self.json((try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "ip", "route", "--json"]).output) ?? "")
            func reason(_ prefix: String) -> String? {
                ((report[prefix] as? [[String: Any]])?.first)?["notInstalledReason"] as? String
            }
            #expect(reason("10.78.0.0/24") == "next hop unreachable", "\(report)")
            #expect(reason("\(lab.addressA)/32") == "covers our own address", "\(report)")
            #expect(reason("10.213.92.128/25") == "covers a connected subnet", "\(report)")
            #expect(((report["10.20.0.0/24"] as? [[String: Any]])?.first)?["installed"] as? Bool == true, "\(report)")
            let refusals = report["refusals"] as? [String: Any]
            #expect(refusals?["covers a connected subnet"] as? Int == 1 && refusals?["covers our own address"] as? Int == 1, "\(report)")
            print("evpnd's kernel routes:\n\(table())\n" + ((try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "ip", "route"]).output) ?? ""))

            // An operator deleting evpnd's route: put back (the deletion event is seen; the echoes of evpnd's own
            // installs are filtered out in the kernel). One of another protocol at another metric is left alone.
            try run(["ip", "-n", lab.nsA, "route", "del", "10.20.0.0/24", "proto", "bgp", "metric", "20"])
            try run(["ip", "-n", lab.nsA, "route", "add", "10.20.0.0/24", "via", lab.addressB, "metric", "50"])
            #expect(waitUntil(10) { table().contains("10.20.0.0/24 via \(lab.addressB) dev \(lab.vethA) proto bgp metric 20") }, "\(table())")
            #expect(table().contains("10.20.0.0/24 via \(lab.addressB) dev \(lab.vethA) metric 50"), "\(table())")

            // A stop without graceful restart takes evpnd's routes out, as zebra's go when it stops.
            if let process = lab.evpnd {
                process.terminate()
                process.waitUntilExit()
            }
            #expect(waitUntil(10) { !table().contains("proto bgp") && !table().contains("proto static") }, "\(table())")
            #expect(table().contains("metric 50"), "the operator's route stays: \(table())")
        }
    }

    static func json(_ text: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }
}
