// evpnd against FRR 8.4's bgpd and GoBGP 3.10 in network namespaces (issue 3's Must-show).
// Serialized: each test has its own namespaces, but two FRR/GoBGP labs at once would only compete for 2 cores.

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

enum Configs {
    static func evpnd(as asn: Int = 65001, routerID: String, neighbor: String, remoteAS: Int = 65002,
                      extra: [String] = []) -> String {
        """
        ! evpnd under test
        frr defaults datacenter
        hostname evpnd-test
        router bgp \(asn)
         bgp router-id \(routerID)
         no bgp default ipv4-unicast
         neighbor \(neighbor) remote-as \(remoteAS)
         neighbor \(neighbor) timers connect 1
        \(extra.map { " neighbor \(neighbor) \($0)" }.joined(separator: "\n"))
         address-family l2vpn evpn
          neighbor \(neighbor) activate
         exit-address-family
        exit
        """
    }

    static func frr(name: String, routerID: String, neighborLines: [String], activate: String) -> String {
        """
        frr defaults datacenter
        hostname frr-peer
        log file /var/run/frr/\(name)/bgpd.log informational
        router bgp 65002
         bgp router-id \(routerID)
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
        \(neighborLines.map { " " + $0 }.joined(separator: "\n"))
         address-family l2vpn evpn
          neighbor \(activate) activate
         exit-address-family
        exit
        """
    }
}

@Suite(.serialized)
struct FRRInteropTests {
    static let frrTools = ["vtysh", "/usr/lib/frr/bgpd"]

    /// evpnd dials FRR (FRR passive, `timers 3 9`): Established on both sides, still up 30 s later with one
    /// connection; FRR killed: evpnd back to Active/Connect; FRR back: Established again. SIGTERM: Cease, exit 0.
    @Test func evpndDialsFRRStaysUpAndRecovers() throws {
        guard Tools.ready("evpnd dials FRR", needs: Self.frrTools) else { return }
        try withLab(subnet: 1) { lab in
            try lab.startFRR(config: Configs.frr(name: lab.frrName, routerID: lab.addressB, neighborLines: [
                "neighbor \(lab.addressA) remote-as 65001",
                "neighbor \(lab.addressA) passive",
                "neighbor \(lab.addressA) timers 3 9",
                "neighbor \(lab.addressA) timers connect 1",
            ], activate: lab.addressA))
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB))

            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" }, "evpnd: \(String(describing: lab.evpndPeer(lab.addressB)))")
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" }, "FRR: \(String(describing: lab.frrPeer(lab.addressA)))")
            let frrSide = try #require(lab.frrPeer(lab.addressA))
            #expect(frrSide["hostname"] as? String == "evpnd-test")
            #expect(frrSide["remoteAs"] as? Int == 65001)

            // With FRR's 3/9 timers the session must live on keepalives alone.
            Thread.sleep(forTimeInterval: 30)
            let evpndAfter = try #require(lab.evpndPeer(lab.addressB))
            #expect(evpndAfter.state == "Established")
            #expect(evpndAfter.connectionsEstablished == 1)
            #expect(evpndAfter.peerUptimeMsec >= 30_000)
            #expect(evpndAfter.msgRcvd >= 10, "keepalives every 3 s for 30 s")
            #expect(lab.frrPeer(lab.addressA)?["connectionsEstablished"] as? Int == 1)
            print("after 30 s: evpnd msgRcvd \(evpndAfter.msgRcvd) msgSent \(evpndAfter.msgSent) uptime \(evpndAfter.peerUptime)")

            // The peer dies: evpnd notices (TCP reset) and goes back to trying.
            lab.killFRR()
            var seen = Set<String>()
            #expect(waitUntil(15, interval: 0.05) {
                if let state = lab.evpndPeer(lab.addressB)?.state { seen.insert(state) }
                return seen.contains("Active") || seen.contains("Connect")
            }, "states seen after the kill: \(seen)")
            print("evpnd states after FRR was killed: \(seen.sorted())")
            #expect(lab.evpndPeer(lab.addressB)?.state != "Established")

            try lab.restartFRR()
            #expect(waitUntil(30) { lab.evpndPeer(lab.addressB)?.state == "Established" })
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
            let again = try #require(lab.evpndPeer(lab.addressB))
            #expect(again.connectionsEstablished == 2)
            #expect(again.connectionsDropped >= 1)

            // SIGTERM: a Cease to the peer and a clean exit.
            let evpnd = try #require(lab.evpnd)
            kill(evpnd.processIdentifier, SIGTERM)
            evpnd.waitUntilExit()
            #expect(evpnd.terminationStatus == 0)
            #expect(waitUntil(10) {
                let text = (try? lab.vtysh("show bgp neighbors \(lab.addressA) json")) ?? ""
                return text.contains("Administrative Shutdown") || text.contains("Administratively Shutdown")
                    || ((try? String(contentsOfFile: lab.frrLog, encoding: .utf8)) ?? "").contains("Administrative Shutdown")
            }, "FRR did not record the Cease")
        }
    }

    /// FRR dials evpnd (evpnd passive).
    @Test func frrDialsEvpnd() throws {
        guard Tools.ready("FRR dials evpnd", needs: Self.frrTools) else { return }
        try withLab(subnet: 2) { lab in
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB, extra: ["passive"]))
            try lab.startFRR(config: Configs.frr(name: lab.frrName, routerID: lab.addressB, neighborLines: [
                "neighbor \(lab.addressA) remote-as 65001",
                "neighbor \(lab.addressA) timers 3 9",
                "neighbor \(lab.addressA) timers connect 1",
            ], activate: lab.addressA))
            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" }, "evpnd: \(String(describing: lab.evpndPeer(lab.addressB)))")
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
            let peer = try #require(lab.evpndPeer(lab.addressB))
            #expect(peer.remoteAs == 65002)
            #expect(peer.hostname == "frr-peer")
        }
    }

    /// FRR accepts evpnd through `bgp listen range` (a dynamic neighbor; FRR never dials).
    @Test func evpndDialsFRRListenRange() throws {
        guard Tools.ready("FRR listen range", needs: Self.frrTools) else { return }
        try withLab(subnet: 3) { lab in
            try lab.startFRR(config: Configs.frr(name: lab.frrName, routerID: lab.addressB, neighborLines: [
                "neighbor EVPND peer-group",
                "neighbor EVPND remote-as 65001",
                "neighbor EVPND timers 3 9",
                "bgp listen range 10.213.3.0/24 peer-group EVPND",
            ], activate: "EVPND"))
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB))
            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" }, "evpnd: \(String(describing: lab.evpndPeer(lab.addressB)))")
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
            let summary = try lab.frrSummary()
            #expect(summary["dynamicPeers"] as? Int == 1, "FRR sees a dynamic neighbor: \(summary)")
        }
    }

    /// A wrong remote-as: evpnd refuses FRR's OPEN with OPEN Message Error / Bad Peer AS, and FRR records it.
    @Test func wrongRemoteASIsRefusedWithNotification() throws {
        guard Tools.ready("wrong remote AS", needs: Self.frrTools) else { return }
        try withLab(subnet: 4) { lab in
            try lab.startFRR(config: Configs.frr(name: lab.frrName, routerID: lab.addressB, neighborLines: [
                "neighbor \(lab.addressA) remote-as 65001",
                "neighbor \(lab.addressA) passive",
            ], activate: lab.addressA))
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB, remoteAS: 65099))
            // FRR logs every NOTIFICATION it receives: "%NOTIFICATION: received from neighbor A 2/2 (OPEN Message
            // Error/Bad Peer AS) 2 bytes fd ea" (its `lastResetDueTo` is overwritten by later resets, so the log is the record).
            var evidence = ""
            #expect(waitUntil(20) {
                let log = (try? String(contentsOfFile: lab.frrLog, encoding: .utf8)) ?? ""
                guard let line = log.split(separator: "\n").first(where: { $0.contains("NOTIFICATION") && $0.contains("received") && $0.contains("Bad Peer AS") }) else { return false }
                evidence = String(line)
                return true
            }, "FRR never logged a received Bad Peer AS NOTIFICATION")
            print("wrong remote AS, FRR's log: \(evidence)")
            #expect(evidence.contains("2/2"), "OPEN Message Error (2), Bad Peer AS (2)")
            let peer = try #require(lab.evpndPeer(lab.addressB))
            #expect(peer.state != "Established")
            #expect(peer.connectionsEstablished == 0)
            #expect(peer.lastResetDueTo == "BGP Notification send", "evpnd: \(peer)")
        }
    }

    /// 200 flaps (`clear bgp *` on FRR, which sends Cease/Administrative Reset and drops the TCP connection):
    /// evpnd's descriptors and resident memory do not grow. FRR is passive and evpnd dials again after its
    /// 1 s IdleHold; FRR's own restart back-off would make the loop several times slower.
    /// `EVPND_SOAK_FLAPS=1000` runs a longer soak (SoakInteropTests.swift; figures in docs/OPERATIONS.md).
    @Test func soakTwoHundredFlaps() throws {
        guard Tools.ready("soak 200 flaps", needs: Self.frrTools) else { return }
        try withLab(subnet: 5) { lab in
            try lab.startPassiveFRR()
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB))
            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" })

            func flap(_ count: Int) throws -> Int {
                var done = 0
                for _ in 0..<count {
                    let before = lab.evpndPeer(lab.addressB)?.connectionsEstablished ?? 0
                    _ = try lab.vtysh("clear bgp *")
                    let up = waitUntil(20, interval: 0.05) {
                        guard let peer = lab.evpndPeer(lab.addressB) else { return false }
                        return peer.state == "Established" && peer.connectionsEstablished > before
                    }
                    if !up { break }
                    done += 1
                }
                return done
            }
            // Warm up: first allocations (buffers, caches) are not a leak.
            _ = try flap(5)
            let before = try lab.evpndResources()
            let started = Date()
            let wanted = Soak.count("EVPND_SOAK_FLAPS", default: 200)
            let frrBefore = lab.frrPID(lab.frrName).flatMap(Soak.resources)
            let flaps = try flap(wanted)
            let seconds = Date().timeIntervalSince(started)
            Thread.sleep(forTimeInterval: 1)
            let after = try lab.evpndResources()
            let peer = lab.evpndPeer(lab.addressB)
            let frrAfter = lab.frrPID(lab.frrName).flatMap(Soak.resources)
            print("soak: FRR bgpd fds \(frrBefore?.fds ?? -1) -> \(frrAfter?.fds ?? -1), VmRSS \(frrBefore?.rssKB ?? -1) kB -> \(frrAfter?.rssKB ?? -1) kB")
            print("soak: \(flaps) flaps in \(Int(seconds)) s; evpnd fds \(before.fds) -> \(after.fds), VmRSS \(before.rssKB) kB -> \(after.rssKB) kB; connectionsEstablished \(peer?.connectionsEstablished ?? 0), connectionsDropped \(peer?.connectionsDropped ?? 0)")
            #expect(flaps == wanted)
            #expect(after.fds == before.fds)
            #expect(abs(after.rssKB - before.rssKB) <= 1024)
        }
    }
}

@Suite(.serialized)
struct GoBGPInteropTests {
    /// evpnd and GoBGP in the L2VPN EVPN family (both dial: collision resolution picks one connection).
    @Test func evpndPeersWithGoBGP() throws {
        guard Tools.ready("evpnd and GoBGP", needs: ["gobgpd", "gobgp"]) else { return }
        try withLab(subnet: 6) { lab in
            try lab.startGoBGP(config: Configs.gobgp(asn: 65002, routerID: lab.addressB, neighbor: lab.addressA, peerAS: 65001,
                                                     listens: true))
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB))
            #expect(waitUntil(30) { lab.evpndPeer(lab.addressB)?.state == "Established" }, "evpnd: \(String(describing: lab.evpndPeer(lab.addressB)))")
            var table = ""
            #expect(waitUntil(10) {
                table = (try? lab.gobgp(["neighbor"])) ?? ""
                return table.split(separator: "\n").contains { $0.contains(lab.addressA) && $0.contains("Establ") }
            }, "gobgp neighbor: \(table)")
            print("gobgp neighbor:\n\(table)")
            let detail = try lab.gobgp(["neighbor", lab.addressA])
            #expect(detail.contains("l2vpn-evpn"), "\(detail)")
        }
    }
}
