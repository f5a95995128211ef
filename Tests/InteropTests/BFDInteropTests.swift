// evpnd's BFD against FRR 8.4's bfdd (issue 16): a single-hop session (RFC 5881) between namespaces, each side
// with its own intervals, negotiated as FRR shows them; either side frozen, the other notices within its
// Detection Time; evpnd's BFD down stops the BGP session to FRR's bgpd (RFC 5882 section 4.3). Beside it, a
// multihop session (RFC 5883) between loopback addresses, as a VTEP to reflector session would be.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct BFDInteropTests {
    static let frrTools = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/bfdd"]

    /// The time of evpnd's last log line saying the session to `peer` went from Up to Down.
    static func downDeclared(in log: String, peer: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let line = log.split(separator: "\n").last { $0.contains("BFD peer \(peer)") && $0.contains(": Up -> Down") }
        return line.flatMap { $0.split(separator: " ").first }.flatMap { formatter.date(from: String($0)) }
    }

    /// `show bfd peers json` of one side, as a list of peers.
    static func peers(_ text: String) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    static func evpndBFD(_ lab: Lab, multihop: Bool = false) -> [String: Any]? {
        let result = try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "--json"], check: false)
        return peers(result?.output ?? "").first { $0["multihop"] as? Bool == multihop }
    }

    static func frrBFD(_ lab: Lab, multihop: Bool = false) -> [String: Any]? {
        peers((try? lab.vtysh("show bfd peers json")) ?? "").first { $0["multihop"] as? Bool == multihop }
    }

    @Test func singleHopWithFRRBothDirections() throws {
        guard Tools.ready("BFD with FRR's bfdd", needs: Self.frrTools) else { return }
        try withLab(subnet: 61) { lab in
            // Loopbacks for the multihop session, routed over the link.
            let loopbackA = "10.214.61.1", loopbackB = "10.214.61.2"
            try run(["ip", "-n", lab.nsA, "addr", "add", "\(loopbackA)/32", "dev", "lo"])
            try run(["ip", "-n", lab.nsB, "addr", "add", "\(loopbackB)/32", "dev", "lo"])
            try run(["ip", "-n", lab.nsA, "route", "add", "\(loopbackB)/32", "via", lab.addressB])
            try run(["ip", "-n", lab.nsB, "route", "add", "\(loopbackA)/32", "via", lab.addressA])
            // FRR: bgpd for the BGP session, bfdd with its own intervals (200 ms out, 250 ms in, x5).
            let frrBFD = try lab.write("bfdd.conf", """
                bfd
                 peer \(lab.addressA)
                  transmit-interval 200
                  receive-interval 250
                  detect-multiplier 5
                 exit
                 peer \(loopbackA) multihop local-address \(loopbackB)
                  transmit-interval 300
                  receive-interval 300
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
                + "\nbfd\n profile fast\n  transmit-interval 100\n  receive-interval 150\n  detect-multiplier 3\n exit\n"
                + " peer \(loopbackB) multihop local-address \(loopbackA)\n  transmit-interval 500\n  minimum-ttl 250\n exit\nexit\n")

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

            // The multihop session: up on both sides, on port 4784, with each side's values.
            #expect(waitUntil(10) { Self.evpndBFD(lab, multihop: true)?["status"] as? String == "up" },
                    "evpnd multihop: \(String(describing: Self.evpndBFD(lab, multihop: true)))")
            #expect(waitUntil(10) { Self.frrBFD(lab, multihop: true)?["status"] as? String == "up" },
                    "FRR multihop: \(String(describing: Self.frrBFD(lab, multihop: true)))")
            let ourMultihop = try #require(Self.evpndBFD(lab, multihop: true))
            let theirMultihop = try #require(Self.frrBFD(lab, multihop: true))
            print("evpnd multihop: \(ourMultihop)\nFRR multihop: \(theirMultihop)")
            #expect(ourMultihop["local"] as? String == loopbackA && theirMultihop["local"] as? String == loopbackB)
            #expect(ourMultihop["minimum-ttl"] as? Int == 250)
            #expect(theirMultihop["remote-transmit-interval"] as? Int == 500 && ourMultihop["remote-transmit-interval"] as? Int == 300)
            #expect(ourMultihop["id"] as? Int == theirMultihop["remote-id"] as? Int)

            // Still up a few seconds later, nothing dropped on either side.
            Thread.sleep(forTimeInterval: 5)
            #expect(Self.evpndBFD(lab)?["status"] as? String == "up")
            #expect(Self.frrBFD(lab)?["status"] as? String == "up")
            #expect(Self.evpndBFD(lab, multihop: true)?["status"] as? String == "up")
            let counters = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "counters"]).output
            #expect(counters.contains("BFD packets dropped: 0"), "\(counters)")
            // The summary says which neighbor BFD guards and how it stands (JSON and table).
            #expect(lab.evpndPeer(lab.addressB)?.bfdStatus == "up")
            let table = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bgp", "l2vpn", "evpn", "summary"]).output
            #expect(table.contains("BFD: \(lab.addressB) up"), "\(table)")

            // FRR's bfdd frozen: evpnd's Detection Time (5 x max(150, 200) = 1 s) expires and the BGP session is
            // stopped (Cease, BFD Down) and started again; bgpd is alive, so it comes back.
            let before = try #require(lab.evpndPeer(lab.addressB))
            kill(bfdd, SIGSTOP)
            let frozenAt = Date()
            #expect(waitUntil(5, interval: 0.02) { Self.evpndBFD(lab)?["status"] as? String == "down" })
            #expect(lab.evpndPeer(lab.addressB)?.bfdStatus == "down")
            // When evpnd's BFD thread declared it (its log line's timestamp, taken on that thread): what the test
            // sees through evpnctl adds a process start and a control round trip, seconds on a loaded machine.
            let declared = Self.downDeclared(in: lab.evpndLogText, peer: lab.addressB)
            let noticed = (declared ?? Date()).timeIntervalSince(frozenAt)
            print("evpnd noticed FRR's frozen bfdd after \(noticed) s (seen by the test after \(Date().timeIntervalSince(frozenAt)) s)")
            #expect(declared != nil, "no 'Up -> Down' line for \(lab.addressB) in evpnd's log")
            #expect(noticed < 1.6)
            #expect(Self.evpndBFD(lab)?["diagnostic"] as? String == "control detection time expired")
            // The Established session went down for BFD (its reason as the engine logs it: `lastResetDueTo` itself
            // may already say "BGP Notification received" when the restarted session meets FRR's old one).
            #expect(waitUntil(10) {
                (lab.evpndPeer(lab.addressB)?.connectionsDropped ?? 0) > before.connectionsDropped
                    && lab.evpndLogText.contains("session down: BFD down: control detection time expired")
            }, "\(String(describing: lab.evpndPeer(lab.addressB)))")
            #expect(lab.evpndLogText.contains("BFD down (control detection time expired): stopping the BGP session"))

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

    /// IPv6: a single-hop session between global addresses, one between link-local addresses (bound to the
    /// interface on both sides), and a multihop session between loopbacks that evpnd chose by itself for a
    /// `neighbor X bfd` sourced from its loopback (FRR's bgpd's rule), all up with FRR 8.4's bfdd (with zebra,
    /// which bfdd asks for interfaces), each side's intervals seen by the other, the addresses written alike.
    @Test func ipv6WithFRR() throws {
        guard Tools.ready("BFD over IPv6 with FRR's bfdd", needs: ["vtysh", "/usr/lib/frr/zebra", "/usr/lib/frr/bfdd"]) else { return }
        try withLab(subnet: 62) { lab in
            let globalA = "fd62::1", globalB = "fd62::2", loopbackA = "fd62:1::1", loopbackB = "fd62:1::2"
            for (ns, device, address, loopback) in [(lab.nsA, lab.vethA, globalA, loopbackA), (lab.nsB, lab.vethB, globalB, loopbackB)] {
                try run(["ip", "-n", ns, "addr", "add", "\(address)/64", "dev", device, "nodad"])
                try run(["ip", "-n", ns, "addr", "add", "\(loopback)/128", "dev", "lo"])
            }
            try run(["ip", "-n", lab.nsA, "-6", "route", "add", "\(loopbackB)/128", "via", globalB])
            try run(["ip", "-n", lab.nsB, "-6", "route", "add", "\(loopbackA)/128", "via", globalA])
            // The kernel's link-local addresses of the two veth ends, once out of duplicate address detection.
            func linkLocal(_ ns: String, _ device: String) -> String? {
                let text = (try? run(["ip", "-n", ns, "-6", "-o", "addr", "show", "dev", device, "scope", "link"]))?.output ?? ""
                guard !text.contains("tentative") else { return nil }
                return text.split(separator: " ").first { $0.hasPrefix("fe80::") }.map { String($0.split(separator: "/")[0]) }
            }
            var linkLocalA: String?, linkLocalB: String?
            #expect(waitUntil(10) {
                linkLocalA = linkLocal(lab.nsA, lab.vethA)
                linkLocalB = linkLocal(lab.nsB, lab.vethB)
                return linkLocalA != nil && linkLocalB != nil
            })
            let llA = try #require(linkLocalA), llB = try #require(linkLocalB)

            let frr = lab.testbed.frr("bfd6", in: lab.nsB, daemons: [.zebra, .bfdd])
            try frr.start(config: """
                hostname frr-bfd6
                bfd
                 peer \(globalA)
                  transmit-interval 200
                  receive-interval 250
                 exit
                 peer \(llA) interface \(lab.vethB)
                  transmit-interval 300
                 exit
                 peer \(loopbackA) multihop local-address \(loopbackB)
                  receive-interval 400
                 exit
                exit
                """)
            try lab.startEvpnd(config: Configs.evpndRouter(routerID: lab.addressA, neighborLines: [
                "neighbor \(loopbackB) remote-as 65002",
                "neighbor \(loopbackB) update-source \(loopbackA)",
                "neighbor \(loopbackB) bfd",
            ], familyLines: []) + """

                bfd
                 peer \(globalB)
                  transmit-interval 100
                  receive-interval 150
                 exit
                 peer \(llB) interface \(lab.vethA)
                 exit
                exit
                """)
            func evpndPeers() -> [[String: Any]] {
                Self.peers((try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "--json"], check: false))?.output ?? "")
            }
            func frrPeers() -> [[String: Any]] { Self.peers((try? frr.vtysh("show bfd peers json")) ?? "") }
            let pairs: [(ours: String, theirs: String)] = [(globalB, globalA), (llB, llA), (loopbackB, loopbackA)]
            #expect(waitUntil(30) {
                let ours = evpndPeers(), theirs = frrPeers()
                return pairs.allSatisfy { pair in
                    ours.first { $0["peer"] as? String == pair.ours }?["status"] as? String == "up"
                        && theirs.first { $0["peer"] as? String == pair.theirs }?["status"] as? String == "up"
                }
            }, "evpnd: \(evpndPeers())\nFRR: \(frrPeers())")
            let ours = evpndPeers(), theirs = frrPeers()
            print("evpnd: \(ours)\nFRR: \(theirs)")
            for pair in pairs {
                let mine = try #require(ours.first { $0["peer"] as? String == pair.ours })
                let other = try #require(theirs.first { $0["peer"] as? String == pair.theirs })
                #expect(mine["id"] as? Int == other["remote-id"] as? Int && mine["remote-id"] as? Int == other["id"] as? Int)
                #expect(mine["remote-transmit-interval"] as? Int == other["transmit-interval"] as? Int)
                #expect(mine["remote-receive-interval"] as? Int == other["receive-interval"] as? Int)
                #expect(other["remote-transmit-interval"] as? Int == mine["transmit-interval"] as? Int)
                #expect(other["remote-receive-interval"] as? Int == mine["receive-interval"] as? Int)
            }
            // The single-hop global session: evpnd 100/150, FRR 200/250.
            let global = try #require(ours.first { $0["peer"] as? String == globalB })
            #expect(global["multihop"] as? Bool == false && global["remote-transmit-interval"] as? Int == 200)
            // Link-local: bound to the interface on both sides.
            #expect(ours.first { $0["peer"] as? String == llB }?["interface"] as? String == lab.vethA)
            #expect(theirs.first { $0["peer"] as? String == llA }?["interface"] as? String == lab.vethB)
            // The neighbor's session: multihop from the update-source, chosen without a stanza peer.
            let multihop = try #require(ours.first { $0["peer"] as? String == loopbackB })
            #expect(multihop["multihop"] as? Bool == true && multihop["local"] as? String == loopbackA)
            #expect(theirs.first { $0["peer"] as? String == loopbackA }?["local"] as? String == loopbackB)
            let counters = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "counters"]).output
            #expect(counters.contains("BFD packets dropped: 0"), "\(counters)")
        }
    }

    /// A listen-range (dynamic) neighbor whose peer group has `bfd`: no session until FRR's bgpd connects and the
    /// BGP session is Established; then one to FRR's bfdd, up on both sides; FRR's bgpd killed, the dynamic
    /// neighbor goes and its BFD session with it.
    @Test func listenRangeNeighborGetsASession() throws {
        guard Tools.ready("BFD for a dynamic neighbor", needs: Self.frrTools) else { return }
        try withLab(subnet: 63) { lab in
            try lab.startEvpnd(config: Configs.evpndRouter(routerID: lab.addressA, neighborLines: [
                "neighbor DYN peer-group",
                "neighbor DYN remote-as 65002",
                "neighbor DYN bfd profile fast",
                "bgp listen range 10.213.63.0/24 peer-group DYN",
            ], familyLines: ["neighbor DYN activate"])
                + "\nbfd\n profile fast\n  transmit-interval 100\n  receive-interval 100\n exit\nexit\n")
            #expect(Self.peers((try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bfd", "peers", "--json"],
                                          check: false))?.output ?? "").isEmpty)
            // FRR: bgpd dials evpnd; bfdd (its own file, as bfdd reads only its stanza reliably) has the peer.
            try lab.startFRR(config: Configs.frr(name: lab.frrName, routerID: lab.addressB, neighborLines: [
                "neighbor \(lab.addressA) remote-as 65001",
                "neighbor \(lab.addressA) timers 3 9",
                "neighbor \(lab.addressA) timers connect 1",
            ], activate: lab.addressA))
            let bfddConfig = try lab.write("bfdd-dyn.conf", "bfd\n peer \(lab.addressA)\n exit\nexit\n")
            let bfddPIDFile = "/var/run/frr/\(lab.frrName)/bfdd.pid"
            defer { if let pid = livePID(inFile: bfddPIDFile) { kill(pid, SIGKILL) } }
            try runDaemonizing(["ip", "netns", "exec", lab.nsB, "\(Tools.frrDir)/bfdd", "-d", "-N", lab.frrName, "-f", bfddConfig,
                                "-u", "frr", "-g", "frr"], logPath: "\(lab.dir)/bfdd-start.log")
            #expect(waitUntil(10) { livePID(inFile: bfddPIDFile) != nil })
            #expect(waitUntil(30) { lab.evpndPeer(lab.addressB)?.state == "Established" })
            func detail() -> String {
                "evpnd: \(String(describing: Self.evpndBFD(lab)))\nFRR: \((try? lab.vtysh("show bfd peers")) ?? "")\n"
                    + lab.evpndLogText.split(separator: "\n").filter { $0.contains("BFD") || $0.contains("session") }.suffix(30)
                    .joined(separator: "\n")
            }
            let up = waitUntil(20) { Self.evpndBFD(lab)?["status"] as? String == "up" }
            #expect(up, "\(up ? "" : detail())")
            let ours = try #require(Self.evpndBFD(lab))
            #expect(ours["peer"] as? String == lab.addressB && ours["multihop"] as? Bool == false)
            #expect(ours["transmit-interval"] as? Int == 100)
            #expect(waitUntil(10) {
                Self.frrBFD(lab)?["status"] as? String == "up"
            })
            #expect(lab.evpndPeer(lab.addressB)?.bfdStatus == "up")
            #expect(lab.evpndLogText.contains("session for dynamic neighbor started"))

            // FRR's bgpd gone: the BGP session ends, the dynamic neighbor is deleted, and its BFD session too.
            lab.killFRR()
            #expect(waitUntil(30) { Self.evpndBFD(lab) == nil }, "\(String(describing: Self.evpndBFD(lab)))")
            #expect(lab.evpndLogText.contains("session for dynamic neighbor removed"))
        }
    }
}
