// ARP/ND suppression across the underlay (issue 14's Must-show): two evpnd VTEPs behind an FRR reflector
// (VTEPFabric), a host on each, br100 of each the SVI of VNI 100 with an address in the hosts' subnet.
//
// Each host pings its own SVI first, so both switches know both hosts (local on one, `noarp extern_learn` on the
// other). Then, with the hosts' ARP caches flushed, host 1 pings host 2 while tcpdump on VTEP 1's underlay link
// counts VXLAN-encapsulated ARP (UDP 4789, inner EtherType 0x0806 at UDP offset 8 + 8 + 12 = 28):
//   - without `arp-nd-suppress` (the kernel's default, neigh_suppress off, left alone as FRR leaves it): the
//     requests are flooded to the other VTEP and the replies come back: several ARP packets cross;
//   - after a restart of both evpnds with `arp-nd-suppress`: evpnd set neigh_suppress on each vxlan100, the
//     bridge answers each host from its own SVI's neighbour table, and 0 ARP packets cross, while the hosts
//     still resolve each other (their caches hold the other's MAC) and ping.

import Foundation
import Glibc
import Testing

@Suite(.serialized)
struct SuppressionInteropTests {
    static let mac1 = "aa:bb:cc:00:03:01"
    static let mac2 = "aa:bb:cc:00:03:02"
    static let ip1 = "10.1.0.11"
    static let ip2 = "10.1.0.12"
    static let vxlanARP = "udp port 4789 and udp[28:2] = 0x0806"

    /// `bridge -d link show dev vxlan100` in VTEP n says neigh_suppress on.
    static func kernelSuppression(_ fabric: VTEPFabric, _ n: Int) -> Bool? {
        let text = (try? run(["bridge", "-n", fabric.ns("v\(n)"), "-d", "link", "show", "dev", "vxlan100"]).output) ?? ""
        if text.contains("neigh_suppress on") { return true }
        if text.contains("neigh_suppress off") { return false }
        return nil
    }

    /// Both VTEPs hold the other host as a remote neighbour on br100.
    static func bothInstalled(_ fabric: VTEPFabric) -> Bool {
        let one = MACIPInteropTests.neighbours(fabric, 1)[ip2] ?? ""
        let two = MACIPInteropTests.neighbours(fabric, 2)[ip1] ?? ""
        return one.contains("lladdr \(mac2)") && one.contains("extern_learn") && two.contains("lladdr \(mac1)") && two.contains("extern_learn")
    }

    /// Flushes both hosts' caches, pings host 2 from host 1 while counting ARP on VTEP 1's underlay link.
    /// Returns the ARP packets seen, whether the ping went through, and host 1's cache entry for host 2 after.
    static func resolveAcrossTheFabric(_ fabric: VTEPFabric, stem: String) throws -> (arps: [String], pinged: Bool, cached: String) {
        for host in ["h1", "h2"] { try run(["ip", "-n", fabric.ns(host), "neigh", "flush", "dev", "eth0"]) }
        let capture = try Capture(fabric.testbed, in: fabric.ns("v1"), device: "uplink", filter: vxlanARP, stem: stem)
        let pinged = fabric.ping(from: "1", to: ip2, count: 3)
        usleep(500_000)
        let arps = capture.stop()
        let cached = (try? run(["ip", "-n", fabric.ns("h1"), "neigh", "show", ip2, "dev", "eth0"]).output) ?? ""
        return (arps, pinged, cached)
    }

    static func waitForHosts(_ fabric: VTEPFabric) -> Bool {
        waitUntil(30) { fabric.reflectorPeerState(1) == "Established" && fabric.reflectorPeerState(2) == "Established" }
            && fabric.ping(from: "1", to: "10.1.0.1") && fabric.ping(from: "2", to: "10.1.0.2")
            && waitUntil(20, interval: 0.5) { bothInstalled(fabric) }
    }

    @Test func zeroARPCrossesTheUnderlayWithSuppression() throws {
        guard Tools.ready("ARP suppression", needs: VTEPInteropTests.needs + ["ip", "tcpdump"]) else { return }
        try withFabric(vteps: 2) { fabric in
            try fabric.addHost("1", vtep: 1, mac: Self.mac1, ip: Self.ip1)
            try fabric.addHost("2", vtep: 2, mac: Self.mac2, ip: Self.ip2)
            try run(["ip", "-n", fabric.ns("v1"), "addr", "add", "10.1.0.1/24", "dev", "br100"])
            try run(["ip", "-n", fabric.ns("v2"), "addr", "add", "10.1.0.2/24", "dev", "br100"])
            try fabric.startFRRReflector()
            try fabric.startEvpndVTEP(1)
            try fabric.startEvpndVTEP(2)
            #expect(Self.waitForHosts(fabric), "evpnd log:\n\(fabric.evpndLogText(1).suffix(3000))")

            // Off: the operator's default, and evpnd without the command leaves it so.
            #expect(Self.kernelSuppression(fabric, 1) == false)
            let off = try Self.resolveAcrossTheFabric(fabric, stem: "arp-off")
            #expect(off.pinged)
            #expect(off.arps.count >= 2, "without suppression the ARP exchange crosses the underlay: \(off.arps)")
            let shownOff = try Harness.jsonObject(try fabric.evpnctl(1, ["show", "evpn", "vni", "--json"]), what: "show evpn vni")
            #expect((shownOff["100"] as? [String: Any])?["arpNdSuppress"] as? Bool == false)
            #expect((shownOff["100"] as? [String: Any])?["arpNdSuppressConfig"] as? String == "operator")

            // On: both evpnds restarted with `arp-nd-suppress`.
            for n in [1, 2] {
                if let process = fabric.evpnd("v\(n)").process, process.isRunning {
                    process.terminate()
                    process.waitUntilExit()
                }
                try fabric.startEvpndVTEP(n, evpnLines: ["arp-nd-suppress"], appendLog: true)
            }
            #expect(waitUntil(10) { Self.kernelSuppression(fabric, 1) == true && Self.kernelSuppression(fabric, 2) == true },
                    "evpnd did not set neigh_suppress:\n\(fabric.evpndLogText(1).suffix(2000))")
            #expect(Self.waitForHosts(fabric), "evpnd log:\n\(fabric.evpndLogText(1).suffix(3000))")
            let on = try Self.resolveAcrossTheFabric(fabric, stem: "arp-on")
            #expect(on.pinged)
            #expect(on.cached.contains("lladdr \(Self.mac2)"), "host 1 resolved host 2 from its own switch: \(on.cached)")
            #expect(on.arps.isEmpty, "with suppression no ARP crosses the underlay: \(on.arps)")
            let shownOn = try Harness.jsonObject(try fabric.evpnctl(1, ["show", "evpn", "vni", "--json"]), what: "show evpn vni")
            #expect((shownOn["100"] as? [String: Any])?["arpNdSuppress"] as? Bool == true)
            #expect((shownOn["100"] as? [String: Any])?["arpNdSuppressConfig"] as? String == "on")

            // An operator turning it off is undone at once.
            try run(["bridge", "-n", fabric.ns("v1"), "link", "set", "dev", "vxlan100", "neigh_suppress", "off"])
            #expect(waitUntil(5) { Self.kernelSuppression(fabric, 1) == true }, "neigh_suppress not healed")
            print("ARP packets across VTEP 1's underlay while host 1 pings host 2 (3 pings, caches flushed): "
                  + "\(off.arps.count) without suppression, \(on.arps.count) with")
        }
    }
}
