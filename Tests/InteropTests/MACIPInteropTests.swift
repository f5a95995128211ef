// MAC+IP with FRR 8.4 both ways (issue 14's first Must-show): an FRR VTEP and an evpnd VTEP behind an FRR reflector
// (VTEPInteropTests' VTEPFabric), br100 of each the SVI of VNI 100 with an address in the hosts' subnet.
//
// Each host pings its own SVI, so its switch's bridge learns the host's address (FRR's zebra and evpnd both read
// the SVI's neighbour table; neither snoops ARP), then the other host: each VTEP advertises a MAC+IP route for its
// host and installs the other's as `IP lladdr MAC dev br100 nud noarp extern_learn`; `show evpn arp-cache vni all
// json` of zebra and of evpnd list the same two hosts, each local on its own VTEP and remote on the other.

import ControlProtocol
import Foundation
import Testing

@Suite(.serialized)
struct MACIPInteropTests {
    static let mac1 = "aa:bb:cc:00:02:01"
    static let mac2 = "aa:bb:cc:00:02:02"
    static let ip1 = "10.1.0.11"
    static let ip2 = "10.1.0.12"
    static let ip6a = "fd00:1::11"
    static let ip6b = "fd00:1::12"
    static let globals6: Set<String> = [ip6a, ip6b]

    /// `ip neigh show dev br100` in VTEP n: address -> the line.
    static func neighbours(_ fabric: VTEPFabric, _ n: Int) -> [String: String] {
        let text = (try? run(["ip", "-n", fabric.ns("v\(n)"), "neigh", "show", "dev", "br100"]).output) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if let address = line.split(separator: " ").first { out[String(address)] = String(line) }
        }
        return out
    }

    /// One VTEP's arp-cache as IP -> (type, mac, remoteVtep).
    static func arpCache(_ object: [String: Any]) -> [String: [String: String]] {
        guard let vni = object["100"] as? [String: Any] else { return [:] }
        var out: [String: [String: String]] = [:]
        for (key, value) in vni {
            guard let row = value as? [String: Any] else { continue }
            var fields: [String: String] = [:]
            for name in ["type", "mac", "remoteVtep", "state"] { if let v = row[name] as? String { fields[name] = v } }
            out[key] = fields
        }
        return out
    }

    @Test func frrAndEvpndInstallEachOthersMACIP() throws {
        guard Tools.ready("MAC+IP with FRR", needs: VTEPInteropTests.needs + ["ip"]) else { return }
        try withFabric(vteps: 2) { fabric in
            try fabric.addHost("1", vtep: 1, mac: Self.mac1, ip: Self.ip1)
            try fabric.addHost("2", vtep: 2, mac: Self.mac2, ip: Self.ip2)
            // The SVIs: an address in the hosts' subnet on each bridge.
            try run(["ip", "-n", fabric.ns("v1"), "addr", "add", "10.1.0.1/24", "dev", "br100"])
            try run(["ip", "-n", fabric.ns("v2"), "addr", "add", "10.1.0.2/24", "dev", "br100"])
            try fabric.startFRRReflector()
            try fabric.startFRRVTEP(1)
            try fabric.startEvpndVTEP(2)
            #expect(waitUntil(30) { fabric.reflectorPeerState(1) == "Established" && fabric.reflectorPeerState(2) == "Established" })
            // Each host resolves its SVI (the bridge learns the host's address), then the other host.
            #expect(fabric.ping(from: "1", to: "10.1.0.1"), "h1 -> its SVI")
            #expect(fabric.ping(from: "2", to: "10.1.0.2"), "h2 -> its SVI")
            #expect(waitUntil(20, interval: 0.5) { fabric.ping(from: "1", to: Self.ip2) }, "h1 (FRR) -> h2 (evpnd)")

            // zebra installed evpnd's MAC+IP, evpnd installed zebra's: noarp extern_learn on br100.
            var onFRR = "", onEvpnd = ""
            let installed = waitUntil(20, interval: 0.5) {
                onFRR = Self.neighbours(fabric, 1)[Self.ip2] ?? ""
                onEvpnd = Self.neighbours(fabric, 2)[Self.ip1] ?? ""
                return onFRR.contains("lladdr \(Self.mac2)") && onFRR.contains("extern_learn") && onFRR.contains("NOARP")
                    && onEvpnd.contains("lladdr \(Self.mac1)") && onEvpnd.contains("extern_learn") && onEvpnd.contains("NOARP")
            }
            #expect(installed, "FRR VTEP: \(onFRR)\nevpnd VTEP: \(onEvpnd)\nevpnd log:\n\(fabric.evpndLogText(2).suffix(3000))")

            // Both arp-caches list the same two hosts, each local on its own VTEP and remote on the other.
            var frr: [String: [String: String]] = [:], ours: [String: [String: String]] = [:]
            let same = waitUntil(20, interval: 0.5) {
                frr = Self.arpCache((try? fabric.vtyshJSON("v1", "show evpn arp-cache vni all json")) ?? [:])
                let text = (try? fabric.evpnctl(2, ["show", "evpn", "arp-cache", "vni", "all", "--json"])) ?? ""
                ours = Self.arpCache(((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:])
                return Set(frr.keys) == [Self.ip1, Self.ip2] && Set(ours.keys) == Set(frr.keys)
            }
            #expect(same, "FRR: \(frr)\nevpnd: \(ours)")
            #expect(frr[Self.ip1]?["type"] == "local" && frr[Self.ip1]?["mac"] == Self.mac1)
            #expect(frr[Self.ip2]?["type"] == "remote" && frr[Self.ip2]?["remoteVtep"] == VTEPFabric.loopback(2))
            #expect(ours[Self.ip2] == ["type": "local", "mac": Self.mac2, "state": "active"])
            #expect(ours[Self.ip1] == ["type": "remote", "mac": Self.mac1, "remoteVtep": VTEPFabric.loopback(1), "state": "active"])

            // The reflector holds evpnd's MAC+IP route in FRR's form, next to the MAC-only one.
            let routes = try fabric.vtyshJSON("rr", "show bgp l2vpn evpn route json")
            let rd = routes["\(VTEPFabric.loopback(2)):2"] as? [String: Any] ?? [:]
            #expect(rd["[2]:[0]:[48]:[\(Self.mac2)]:[32]:[\(Self.ip2)]"] != nil, "\(rd.keys.sorted())")
            #expect(rd["[2]:[0]:[48]:[\(Self.mac2)]"] != nil, "\(rd.keys.sorted())")
            print("evpnctl show evpn arp-cache vni all (evpnd VTEP):\n\(try fabric.evpnctl(2, ["show", "evpn", "arp-cache", "vni", "all"]))")
        }
    }

    /// The same with IPv6 hosts (ND rows on the SVI): each side installs the other's address, and both arp-caches list
    /// the two global addresses (link-local ones come and go with the hosts' own traffic, so they are not compared).
    static func enableIPv6(_ fabric: VTEPFabric, _ roles: [String]) throws {
        for role in roles {
            try run(["ip", "netns", "exec", fabric.ns(role), "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0",
                     "net.ipv6.conf.default.disable_ipv6=0"])
        }
    }

    static func address(_ fabric: VTEPFabric, host: String, _ ip: String) throws {
        try run(["ip", "-n", fabric.ns(host), "addr", "add", "\(ip)/64", "dev", "eth0", "nodad"])
        try run(["ip", "-n", fabric.ns(host), "link", "set", "eth0", "up"])
    }

    @Test func ipv6HostsBothWays() throws {
        guard Tools.ready("MAC+IP IPv6 with FRR", needs: VTEPInteropTests.needs + ["ip"]) else { return }
        try withFabric(vteps: 2) { fabric in
            try fabric.addHost("1", vtep: 1, mac: Self.mac1, ip: nil, up: false)
            try fabric.addHost("2", vtep: 2, mac: Self.mac2, ip: nil, up: false)
            // The fabric turns IPv6 off everywhere; these four namespaces get it back.
            try Self.enableIPv6(fabric, ["v1", "v2", "h1", "h2"])
            try run(["ip", "-n", fabric.ns("v1"), "addr", "add", "fd00:1::1/64", "dev", "br100", "nodad"])
            try run(["ip", "-n", fabric.ns("v2"), "addr", "add", "fd00:1::2/64", "dev", "br100", "nodad"])
            try Self.address(fabric, host: "h1", Self.ip6a)
            try Self.address(fabric, host: "h2", Self.ip6b)
            try fabric.startFRRReflector()
            try fabric.startFRRVTEP(1)
            try fabric.startEvpndVTEP(2)
            #expect(waitUntil(30) { fabric.reflectorPeerState(1) == "Established" && fabric.reflectorPeerState(2) == "Established" })
            #expect(waitUntil(10, interval: 0.5) { fabric.ping(from: "1", to: "fd00:1::1") }, "h1 -> its SVI")
            #expect(waitUntil(10, interval: 0.5) { fabric.ping(from: "2", to: "fd00:1::2") }, "h2 -> its SVI")

            var onFRR = "", onEvpnd = ""
            let installed = waitUntil(20, interval: 0.5) {
                onFRR = Self.neighbours(fabric, 1)[Self.ip6b] ?? ""
                onEvpnd = Self.neighbours(fabric, 2)[Self.ip6a] ?? ""
                return onFRR.contains("lladdr \(Self.mac2)") && onFRR.contains("extern_learn")
                    && onEvpnd.contains("lladdr \(Self.mac1)") && onEvpnd.contains("extern_learn") && onEvpnd.contains("NOARP")
            }
            #expect(installed, "FRR VTEP: \(onFRR)\nevpnd VTEP: \(onEvpnd)\nevpnd log:\n\(fabric.evpndLogText(2).suffix(3000))")
            #expect(waitUntil(20, interval: 0.5) { fabric.ping(from: "1", to: Self.ip6b) }, "h1 (FRR) -> h2 (evpnd) over IPv6")

            var frr: [String: [String: String]] = [:], ours: [String: [String: String]] = [:]
                let same = waitUntil(20, interval: 0.5) {
                frr = Self.arpCache((try? fabric.vtyshJSON("v1", "show evpn arp-cache vni all json")) ?? [:])
                let text = (try? fabric.evpnctl(2, ["show", "evpn", "arp-cache", "vni", "all", "--json"])) ?? ""
                ours = Self.arpCache(((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:])
                return Set(frr.keys).intersection(Self.globals6) == Self.globals6 && Set(ours.keys).intersection(Self.globals6) == Self.globals6
            }
            #expect(same, "FRR: \(frr)\nevpnd: \(ours)")
            #expect(ours[Self.ip6b]?["type"] == "local" && ours[Self.ip6a]?["type"] == "remote" && ours[Self.ip6a]?["mac"] == Self.mac1)
            #expect(frr[Self.ip6a]?["type"] == "local" && frr[Self.ip6b]?["type"] == "remote" && frr[Self.ip6b]?["mac"] == Self.mac2)
        }
    }

    /// The remote neighbour is evpnd's: deleted by hand it comes back; withdrawn (FRR's host's address fails) it goes.
    @Test func evpndHealsAndRemovesItsNeighbour() throws {
        guard Tools.ready("MAC+IP neighbour healing", needs: VTEPInteropTests.needs + ["ip"]) else { return }
        try withFabric(vteps: 2) { fabric in
            try fabric.addHost("1", vtep: 1, mac: Self.mac1, ip: Self.ip1)
            try run(["ip", "-n", fabric.ns("v1"), "addr", "add", "10.1.0.1/24", "dev", "br100"])
            try run(["ip", "-n", fabric.ns("v2"), "addr", "add", "10.1.0.2/24", "dev", "br100"])
            try fabric.startFRRReflector()
            try fabric.startFRRVTEP(1)
            try fabric.startEvpndVTEP(2)
            #expect(waitUntil(30) { fabric.reflectorPeerState(1) == "Established" && fabric.reflectorPeerState(2) == "Established" })
            #expect(fabric.ping(from: "1", to: "10.1.0.1"))
            #expect(waitUntil(20, interval: 0.5) { Self.neighbours(fabric, 2)[Self.ip1]?.contains("extern_learn") == true })
            try run(["ip", "-n", fabric.ns("v2"), "neigh", "del", Self.ip1, "dev", "br100"])
            #expect(waitUntil(10, interval: 0.2) { Self.neighbours(fabric, 2)[Self.ip1]?.contains("extern_learn") == true },
                    "healed after an operator's delete")
            // FRR withdraws its MAC+IP when its neighbour goes: evpnd removes the row.
            try run(["ip", "-n", fabric.ns("v1"), "neigh", "del", Self.ip1, "dev", "br100"])
            #expect(waitUntil(20, interval: 0.5) { Self.neighbours(fabric, 2)[Self.ip1] == nil },
                    "removed with the route: \(Self.neighbours(fabric, 2))")
        }
    }
}
