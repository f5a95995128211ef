// evpnd's BFD against FRR 8.4's bfdd (issue 16): a single-hop session (RFC 5881) between namespaces, each side
// with its own intervals, negotiated as FRR shows them; either side frozen, the other notices within its
// Detection Time; evpnd's BFD down stops the BGP session to FRR's bgpd (RFC 5882 section 4.3).

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct BFDInteropTests {
    static let frrTools = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/bfdd"]

    /// `show bfd peers json` of one side, as a list of peers.
    static func peers(_ text: String) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    static func evpndBFD(_ lab: Lab) -> [String: Any]? {
        let result = try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "--json"], check: false)
        return peers(result?.output ?? "").first
    }

    static func frrBFD(_ lab: Lab) -> [String: Any]? {
        peers((try? lab.vtysh("show bfd peers json")) ?? "").first
    }

    @Test func singleHopWithFRRBothDirections() throws {
        guard Tools.ready("BFD with FRR's bfdd", needs: Self.frrTools) else { return }
        try withLab(subnet: 61) { lab in
            // FRR: bgpd for the BGP session, bfdd with its own intervals (200 ms out, 250 ms in, x5).
            let frrBFD = try lab.write("bfdd.conf", """
                bfd
                 peer \(lab.addressA)
                  transmit-interval 200
                  receive-interval 250
                  detect-multiplier 5
                 exit
                exit
                """)
            try lab.startFRR(config: Configs.frr(name: lab.frrName, routerID: lab.addressB, neighborLines: [
                "neighbor \(lab.addressA) remote-as 65001",
                "neighbor \(lab.addressA) timers 3 9",
                "neighbor \(lab.addressA) timers connect 1",
            ], activate: lab.addressA))
            let bfddPIDFile = "/var/run/frr/\(lab.frrName)/bfdd.pid"
            defer { if let pid = livePID(inFile: bfddPIDFile) { kill(pid, SIGCONT); kill(pid, SIGKILL) } }
            try runDaemonizing(["ip", "netns", "exec", lab.nsB, "\(Tools.frrDir)/bfdd", "-d", "-N", lab.frrName, "-f", frrBFD,
                                "-u", "frr", "-g", "frr"], logPath: "\(lab.dir)/bfdd-start.log")
            let bfdd = try #require(waitUntil(10) { livePID(inFile: bfddPIDFile) != nil } ? livePID(inFile: bfddPIDFile) : nil)

            // evpnd: 100 ms out, 150 ms in, x3, through a profile on the neighbor.
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB, extra: ["bfd profile fast"])
                + "\nbfd\n profile fast\n  transmit-interval 100\n  receive-interval 150\n  detect-multiplier 3\n exit\nexit\n")

            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" })
            #expect(waitUntil(20) { Self.evpndBFD(lab)?["status"] as? String == "up" }, "evpnd: \(String(describing: Self.evpndBFD(lab)))")
            #expect(waitUntil(10) { Self.frrBFD(lab)?["status"] as? String == "up" }, "FRR: \(String(describing: Self.frrBFD(lab)))")

            // Each side's view of the other agrees with the other's own, FRR's keys on both.
            let ours = try #require(Self.evpndBFD(lab)), theirs = try #require(Self.frrBFD(lab))
            print("evpnd: \(ours)\nFRR: \(theirs)")
            #expect(ours["peer"] as? String == lab.addressB && theirs["peer"] as? String == lab.addressA)
            #expect(ours["multihop"] as? Bool == false && theirs["multihop"] as? Bool == false)
            #expect(ours["id"] as? Int == theirs["remote-id"] as? Int)
            #expect(ours["remote-id"] as? Int == theirs["id"] as? Int)
            for (mine, other) in [(ours, theirs), (theirs, ours)] {
                #expect(mine["remote-transmit-interval"] as? Int == other["transmit-interval"] as? Int)
                #expect(mine["remote-receive-interval"] as? Int == other["receive-interval"] as? Int)
                #expect(mine["remote-detect-multiplier"] as? Int == other["detect-multiplier"] as? Int)
            }
            #expect(ours["transmit-interval"] as? Int == 100 && ours["receive-interval"] as? Int == 150)
            #expect(theirs["transmit-interval"] as? Int == 200 && theirs["receive-interval"] as? Int == 250)
            #expect(theirs["remote-detect-multiplier"] as? Int == 3 && ours["remote-detect-multiplier"] as? Int == 5)

            // Still up a few seconds later, nothing dropped on either side.
            Thread.sleep(forTimeInterval: 5)
            #expect(Self.evpndBFD(lab)?["status"] as? String == "up")
            #expect(Self.frrBFD(lab)?["status"] as? String == "up")
            let counters = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "counters"]).output
            #expect(counters.contains("BFD packets dropped: 0"), "\(counters)")

            // FRR's bfdd frozen: evpnd's Detection Time (5 x max(150, 200) = 1 s) expires and the BGP session is
            // stopped (Cease, BFD Down) and started again; bgpd is alive, so it comes back.
            let before = try #require(lab.evpndPeer(lab.addressB))
            kill(bfdd, SIGSTOP)
            let frozenAt = Date()
            #expect(waitUntil(5, interval: 0.02) { Self.evpndBFD(lab)?["status"] as? String == "down" })
            let noticed = Date().timeIntervalSince(frozenAt)
            print("evpnd noticed FRR's frozen bfdd after \(noticed) s")
            #expect(noticed < 1.6)
            #expect(Self.evpndBFD(lab)?["diagnostic"] as? String == "control detection time expired")
            #expect(waitUntil(10) { (lab.evpndPeer(lab.addressB)?.connectionsDropped ?? 0) > before.connectionsDropped })
            #expect(lab.evpndLogText.contains("BFD down (control detection time expired): stopping the BGP session"))
            #expect(lab.evpndPeer(lab.addressB)?.lastResetDueTo == "BFD down received")

            kill(bfdd, SIGCONT)
            #expect(waitUntil(20) { Self.evpndBFD(lab)?["status"] as? String == "up" && Self.frrBFD(lab)?["status"] as? String == "up" })
            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" })

            // evpnd frozen: FRR's Detection Time (3 x max(250, 100) = 750 ms) expires.
            let evpnd = try #require(lab.evpnd)
            kill(evpnd.processIdentifier, SIGSTOP)
            let stoppedAt = Date()
            var frrDown: [String: Any]?
            let frrNoticed = waitUntil(5, interval: 0.02) {
                frrDown = Self.frrBFD(lab)
                return frrDown?["status"] as? String == "down"
            }
            let frrDelay = Date().timeIntervalSince(stoppedAt)
            kill(evpnd.processIdentifier, SIGCONT)
            #expect(frrNoticed)
            print("FRR noticed the frozen evpnd after \(frrDelay) s")
            #expect(frrDelay < 1.5)
            #expect(frrDown?["diagnostic"] as? String == "control detection time expired")
            #expect(waitUntil(20) { Self.evpndBFD(lab)?["status"] as? String == "up" && Self.frrBFD(lab)?["status"] as? String == "up" })
        }
    }
}
