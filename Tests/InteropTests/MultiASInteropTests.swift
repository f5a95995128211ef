// EVPN over eBGP across ASes (issue 15, Must show "Multi-AS EVPN"), in the VTEP-fabric preset (VTEPFabric.swift):
// the "rr" namespace is the spine, each VTEP a leaf in its own AS, one eBGP session per link (leaf uplink
// 10.0.N.1 to spine 10.0.N.2) carrying l2vpn evpn. The underlay (the leaves' loopbacks) is the preset's static
// `ip route`s: installing BGP routes in the kernel is not what these tests show.
//
//   1. evpnd leaves in four ASes (65001..65004) behind an FRR spine (AS 65100): servers ping across; every FDB
//      row points at the originating leaf's loopback, not at the spine (FRR keeps the EVPN next hop towards
//      eBGP peers, evpnd imports the automatic targets of other ASes); the only routes a leaf drops are its own,
//      handed back by the spine, as AS-path loops.
//   2. evpnd as the spine between two FRR leaves (AS 65001, 65002): FRR's FDB points at the originating leaf.
//   3. two evpnd leaves in one AS behind the FRR spine: the second drops the first's routes as AS-path loops
//      and `show bgp l2vpn evpn summary json` says so (routesDropped.asPathLoop, the routes in `recent`); after
//      reloading both with `allowas-in origin` they are accepted and the servers ping.

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct MultiASInteropTests {
    static let needs = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ping"]
    static let spineAS: UInt32 = 65100

    static func mac(_ n: Int) -> String { String(format: "aa:bb:cc:00:02:%02x", n) }
    static func uplinkPeer(_ n: Int) -> String { "10.0.\(n).2" }

    /// A leaf in AS `asn`: one eBGP session to the spine over its uplink, l2vpn evpn only.
    static func leafConfig(_ n: Int, asn: UInt32, familyLines: [String] = [], logFile: String? = nil, frr: Bool = false) -> String {
        """
        frr defaults datacenter
        hostname leaf\(n)
        \(logFile.map { "log file \($0) informational" } ?? "!")
        !
        router bgp \(asn)
         bgp router-id \(VTEPFabric.loopback(n))
         no bgp default ipv4-unicast
        \(frr ? " bgp disable-ebgp-connected-route-check" : "!")
         neighbor \(uplinkPeer(n)) remote-as \(spineAS)
         !
         address-family l2vpn evpn
          neighbor \(uplinkPeer(n)) activate
        \(familyLines.map { "  " + $0 }.joined(separator: "\n"))
          advertise-all-vni
         exit-address-family
        exit
        !
        """
    }

    /// The spine: one eBGP neighbor per leaf (`leaves`: leaf number -> its AS), EVPN as plain transit.
    static func spineConfig(_ leaves: [Int: UInt32], logFile: String? = nil) -> String {
        let sorted = leaves.sorted { $0.key < $1.key }
        return """
        frr defaults datacenter
        hostname spine
        \(logFile.map { "log file \($0) informational" } ?? "!")
        !
        router bgp \(spineAS)
         bgp router-id \(VTEPFabric.reflector)
         no bgp default ipv4-unicast
        \(sorted.map { " neighbor 10.0.\($0.key).1 remote-as \($0.value)" }.joined(separator: "\n"))
         !
         address-family l2vpn evpn
        \(sorted.map { "  neighbor 10.0.\($0.key).1 activate" }.joined(separator: "\n"))
         exit-address-family
        exit
        !
        """
    }

    /// Rows of leaf n's vxlan100 for `mac` with a `dst`: the destinations.
    static func destinations(_ fabric: VTEPFabric, leaf n: Int, mac: String) -> [String] {
        fabric.fdb(n).split(separator: "\n").compactMap { row -> String? in
            let words = row.split(separator: " ").map(String.init)
            guard words.first == mac, let i = words.firstIndex(of: "dst"), i + 1 < words.count else { return nil }
            return words[i + 1]
        }
    }

    /// Four evpnd leaves in four ASes and an FRR spine in a fifth: every server pings every other, and every
    /// remote MAC's row points at the leaf that has the server.
    @Test func evpndLeavesInFourASesThroughFRRSpine() throws {
        guard Tools.ready("multi-AS EVPN, evpnd leaves", needs: Self.needs) else { return }
        let leaves = 4
        let started = Date()
        try withFabric(vteps: leaves) { fabric in
            var ases: [Int: UInt32] = [:]
            for n in 1...leaves {
                ases[n] = 65000 + UInt32(n)
                try fabric.addHost("\(n)", vtep: n, mac: Self.mac(n), ip: "10.1.0.\(n)")
            }
            let spine = fabric.frr("rr")
            try spine.start(config: Self.spineConfig(ases, logFile: spine.log))
            for n in 1...leaves { try fabric.startEvpndVTEP(n, config: Self.leafConfig(n, asn: ases[n] ?? 0)) }
            let up = waitUntil(30) { (1...leaves).allSatisfy { spine.peerState("10.0.\($0).1") == "Established" } }
            #expect(up, "spine sessions")
            if !up { fabric.dumpLogs() }

            for a in 1...leaves {
                for b in 1...leaves where a != b {
                    #expect(waitUntil(20, interval: 0.5) { fabric.ping(from: "\(a)", to: "10.1.0.\(b)", count: 2) }, "h\(a) -> h\(b)")
                }
            }
            for n in 1...leaves {
                for other in 1...leaves where other != n {
                    // The originating leaf's loopback, never the spine's address.
                    #expect(Self.destinations(fabric, leaf: n, mac: Self.mac(other)) == [VTEPFabric.loopback(other)],
                            "leaf \(n), MAC of leaf \(other):\n\(fabric.fdb(n))")
                }
                let summary = try fabric.evpnd("v\(n)").summary()
                #expect(summary.peers[Self.uplinkPeer(n)]?.remoteAs == Self.spineAS)
                // The spine hands each leaf its own routes back (FRR's update group holds every leaf): those, and only
                // those, are dropped as AS-path loops, and counted.
                let drops = summary.peers[Self.uplinkPeer(n)]?.routesDropped
                #expect(drops?.counts.keys.sorted() == ["asPathLoop"], "leaf \(n): \(String(describing: drops))")
                #expect(drops?.recent.allSatisfy { $0.route.hasPrefix("\(VTEPFabric.loopback(n)):2 ") } == true,
                        "leaf \(n) dropped others' routes: \(String(describing: drops))")
            }
            // What leaf 1 holds of leaf 2: AS path spine then leaf 2, next hop leaf 2's loopback.
            let detail = try fabric.evpnctl(1, ["show", "bgp", "l2vpn", "evpn", "route"])
            print("leaf 1, show bgp l2vpn evpn route:\n\(detail)")
            #expect(detail.contains("\(Self.spineAS) 65002"), "AS path through the spine")
        }
        print("four evpnd leaves in four ASes: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// evpnd as the spine (AS 65100) between FRR leaves in AS 65001 and 65002: FRR's FDB points at the other FRR
    /// leaf, not at the spine, so evpnd left the EVPN next hop alone towards its eBGP peers.
    @Test func evpndSpineBetweenFRRLeaves() throws {
        guard Tools.ready("multi-AS EVPN, evpnd spine", needs: Self.needs) else { return }
        try withFabric(vteps: 2) { fabric in
            let ases: [Int: UInt32] = [1: 65001, 2: 65002]
            for n in 1...2 { try fabric.addHost("\(n)", vtep: n, mac: Self.mac(n), ip: "10.1.0.\(n)") }
            let spine = fabric.evpnd("rr")
            try spine.start(config: Self.spineConfig(ases))
            for n in 1...2 {
                try fabric.startFRRVTEP(n, config: Self.leafConfig(n, asn: ases[n] ?? 0, logFile: fabric.frr("v\(n)").log, frr: true))
            }
            let up = waitUntil(30) { (1...2).allSatisfy { spine.peer("10.0.\($0).1")?.state == "Established" } }
            #expect(up, "spine sessions")
            #expect(waitUntil(30, interval: 0.5) { fabric.ping(from: "1", to: "10.1.0.2", count: 2) }, "h1 -> h2")
            #expect(fabric.ping(from: "2", to: "10.1.0.1", count: 2), "h2 -> h1")
            #expect(waitUntil(10) { Self.destinations(fabric, leaf: 1, mac: Self.mac(2)) == [VTEPFabric.loopback(2)] },
                    "FRR leaf 1:\n\(fabric.fdb(1))")
            #expect(Self.destinations(fabric, leaf: 2, mac: Self.mac(1)) == [VTEPFabric.loopback(1)], "FRR leaf 2:\n\(fabric.fdb(2))")
            // FRR's view: the route from the other leaf came through AS 65100 with the leaf's own next hop.
            let routes = try fabric.vtyshJSON("v1", "show bgp l2vpn evpn route json")
            let rd = try #require(routes["\(VTEPFabric.loopback(2)):2"] as? [String: Any], "\(routes.keys.sorted())")
            let entry = try #require(rd["[2]:[0]:[48]:[\(Self.mac(2))]"] as? [String: Any], "\(rd.keys.sorted())")
            let text = String(describing: entry)
            #expect(text.contains("65100 65002"), "\(text)")
            #expect(text.contains(VTEPFabric.loopback(2)), "\(text)")
        }
    }

    /// Two evpnd leaves in one AS (65001) behind the FRR spine: leaf 2 drops leaf 1's routes as AS-path loops and
    /// says why; a reload of both with `allowas-in origin` lets them in.
    @Test func sharedASLoopsUntilAllowASInOrigin() throws {
        guard Tools.ready("multi-AS EVPN, AS loop", needs: Self.needs) else { return }
        try withFabric(vteps: 2) { fabric in
            let ases: [Int: UInt32] = [1: 65001, 2: 65001]
            for n in 1...2 { try fabric.addHost("\(n)", vtep: n, mac: Self.mac(n), ip: "10.1.0.\(n)") }
            let spine = fabric.frr("rr")
            try spine.start(config: Self.spineConfig(ases, logFile: spine.log))
            for n in 1...2 { try fabric.startEvpndVTEP(n, config: Self.leafConfig(n, asn: 65001)) }
            #expect(waitUntil(30) { (1...2).allSatisfy { spine.peerState("10.0.\($0).1") == "Established" } }, "spine sessions")

            let leaf2 = fabric.evpnd("v2")
            let peer = Self.uplinkPeer(2)
            let dropped = waitUntil(20) { (leaf2.peer(peer)?.routesDropped?.counts["asPathLoop"] ?? 0) >= 2 }
            #expect(dropped, "leaf 2's summary: \(String(describing: leaf2.peer(peer)))")
            let json = try leaf2.evpnctl(["show", "bgp", "l2vpn", "evpn", "summary", "--json"])
            print("leaf 2, show bgp l2vpn evpn summary json (AS loop):\n\(json)")
            let drops = try #require(leaf2.peer(peer)?.routesDropped)
            // Leaf 1's type-3 route (its VNI membership) is what was dropped, by name.
            let imet1 = "\(VTEPFabric.loopback(1)):2 [3]:[0]:[32]:[\(VTEPFabric.loopback(1))]"
            #expect(drops.recent.contains { $0.reason == "asPathLoop" && $0.route == imet1 }, "\(drops.recent)")
            #expect(Self.destinations(fabric, leaf: 2, mac: "00:00:00:00:00:00").isEmpty, "no flood row for a looped route:\n\(fabric.fdb(2))")
            #expect(!fabric.ping(from: "2", to: "10.1.0.1", count: 1))

            // Reload both leaves with allowas-in origin (each must accept the other's routes for traffic to flow
            // both ways): the sessions are reset and the routes come again, accepted.
            for n in 1...2 {
                let leaf = fabric.evpnd("v\(n)")
                _ = try writeLabFile(leaf.configPath, Self.leafConfig(n, asn: 65001, familyLines: ["neighbor \(Self.uplinkPeer(n)) allowas-in origin"]))
                let pid = try #require(leaf.process?.processIdentifier)
                kill(pid, SIGHUP)
            }
            #expect(waitUntil(30) { Self.destinations(fabric, leaf: 2, mac: "00:00:00:00:00:00") == [VTEPFabric.loopback(1)] },
                    "leaf 2 after allowas-in origin:\n\(fabric.fdb(2))")
            #expect(waitUntil(20, interval: 0.5) { fabric.ping(from: "2", to: "10.1.0.1", count: 2) }, "h2 -> h1")
            #expect(waitUntil(10) { Self.destinations(fabric, leaf: 2, mac: Self.mac(1)) == [VTEPFabric.loopback(1)] },
                    "leaf 2, h1's MAC:\n\(fabric.fdb(2))")
            #expect(try leaf2.evpnctl(["show", "running-config"]).contains("neighbor \(peer) allowas-in origin"))
        }
    }
}

/// Single-hop eBGP between loopbacks (EBGPSockets.swift): evpnd does not connect to a peer on no connected
/// subnet (as FRR), and says why; `ebgp-multihop 2` (TTL 2) lets the session come up.
@Suite(.serialized)
struct EBGPMultihopInteropTests {
    static func leafConfig(multihop: Bool) -> String {
        """
        frr defaults datacenter
        hostname leaf1
        router bgp 65001
         bgp router-id 10.0.0.1
         no bgp default ipv4-unicast
         neighbor \(VTEPFabric.reflector) remote-as 65100
         neighbor \(VTEPFabric.reflector) update-source 10.0.0.1
        \(multihop ? " neighbor \(VTEPFabric.reflector) ebgp-multihop 2" : "!")
         address-family l2vpn evpn
          neighbor \(VTEPFabric.reflector) activate
          advertise-all-vni
         exit-address-family
        exit
        """
    }

    @Test func loopbackSessionNeedsEBGPMultihop() throws {
        guard Tools.ready("eBGP multihop", needs: MultiASInteropTests.needs) else { return }
        try withFabric(vteps: 1) { fabric in
            let spine = fabric.frr("rr")
            // The spine waits (passive), so only evpnd's own attempts can bring the session up.
            try spine.start(config: """
                frr defaults datacenter
                hostname spine
                log file \(spine.log) informational
                router bgp 65100
                 bgp router-id \(VTEPFabric.reflector)
                 no bgp default ipv4-unicast
                 neighbor 10.0.0.1 remote-as 65001
                 neighbor 10.0.0.1 update-source \(VTEPFabric.reflector)
                 neighbor 10.0.0.1 ebgp-multihop 2
                 neighbor 10.0.0.1 passive
                 address-family l2vpn evpn
                  neighbor 10.0.0.1 activate
                 exit-address-family
                exit
                """)
            let leaf = fabric.evpnd("v1")
            try leaf.start(config: Self.leafConfig(multihop: false))
            let refused = waitUntil(20) { leaf.logText.contains("is not on a connected subnet") }
            #expect(refused, "log:\n\(leaf.logText.suffix(2000))")
            #expect(leaf.peer(VTEPFabric.reflector)?.state != "Established")

            _ = try writeLabFile(leaf.configPath, Self.leafConfig(multihop: true))
            let pid = try #require(leaf.process?.processIdentifier)
            kill(pid, SIGHUP)
            #expect(waitUntil(40) { leaf.peer(VTEPFabric.reflector)?.state == "Established" },
                    "after ebgp-multihop 2: \(String(describing: leaf.peer(VTEPFabric.reflector)))\n\(leaf.logText.suffix(2000))")
        }
    }
}
