// Session security against FRR 8.4 in network namespaces (issue 9): TCP MD5 (RFC 2385) with a matching, a wrong
// and a missing password, per neighbor and per listen range; GTSM (RFC 5082) with FRR one router away; and
// maximum-prefix against GoBGP (Cease/1, back after the restart interval).
// "Never Established" is checked over a bounded window (12 s, during which both sides retry every second or so).

import BGPWire
import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct SecurityInteropTests {
    static let frrTools = ["vtysh", "/usr/lib/frr/bgpd"]

    static func frrConfig(_ lab: Lab, routerID: String, neighbor: String, lines: [String], activate: String? = nil) -> String {
        Configs.frr(name: lab.frrName, routerID: routerID, neighborLines: ["neighbor \(neighbor) remote-as 65001",
                                                                            "neighbor \(neighbor) timers 3 9",
                                                                            "neighbor \(neighbor) timers connect 1"]
                    + lines.map { "neighbor \(neighbor) \($0)" }, activate: activate ?? neighbor)
    }

    /// Neither side reaches Established during `seconds`.
    static func neverEstablished(_ lab: Lab, evpndPeer: String, frrPeer: String, seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if lab.evpndPeer(evpndPeer)?.state == "Established" { return false }
            if lab.frrPeer(frrPeer)?["state"] as? String == "Established" { return false }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return true
    }

    static func reloadEvpnd(_ lab: Lab, config: String) throws {
        _ = try lab.write("evpnd.conf", config)
        guard let pid = lab.evpnd?.processIdentifier else { throw LabError("evpnd is not running") }
        kill(pid, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
    }

    /// Wrong password, then none, then the right one (each applied by a reload): Established only with the right
    /// one, on both sides; the kernel counted the segments it dropped.
    @Test func md5PasswordWithFRR() throws {
        guard Tools.ready("TCP MD5 with FRR", needs: Self.frrTools) else { return }
        try withLab(subnet: 41) { lab in
            try lab.startFRR(config: Self.frrConfig(lab, routerID: lab.addressB, neighbor: lab.addressA, lines: ["password s3cret-41"]))
            func evpnd(_ password: String?) -> String {
                Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB, extra: password.map { ["password \($0)"] } ?? [])
            }
            try lab.startEvpnd(config: evpnd("wrong"))
            #expect(Self.neverEstablished(lab, evpndPeer: lab.addressB, frrPeer: lab.addressA, seconds: 12),
                    "wrong password: \(String(describing: lab.evpndPeer(lab.addressB)))")
            try Self.reloadEvpnd(lab, config: evpnd(nil))
            #expect(Self.neverEstablished(lab, evpndPeer: lab.addressB, frrPeer: lab.addressA, seconds: 12),
                    "no password: \(String(describing: lab.evpndPeer(lab.addressB)))")
            let drops = try run(["ip", "netns", "exec", lab.nsA, "nstat", "-az", "TcpExtTCPMD5Unexpected", "TcpExtTCPMD5Failure",
                                 "TcpExtTCPMD5NotFound"], check: false).output
            print("MD5 drops seen by evpnd's kernel:\n\(drops)")
            try Self.reloadEvpnd(lab, config: evpnd("s3cret-41"))
            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" },
                    "right password: \(String(describing: lab.evpndPeer(lab.addressB)))\n\(lab.evpndLogText.suffix(2000))")
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
        }
    }

    /// A listen range whose peer group has a password: FRR dials in and is accepted only with that password
    /// (TCP_MD5SIG_EXT with the range's prefix on the listener).
    @Test func md5PasswordOnAListenRange() throws {
        guard Tools.ready("TCP MD5 on a listen range", needs: Self.frrTools) else { return }
        try withLab(subnet: 42) { lab in
            func evpnd(_ password: String) -> String {
                """
                frr defaults datacenter
                hostname evpnd-test
                router bgp 65001
                 bgp router-id \(lab.addressA)
                 no bgp default ipv4-unicast
                 neighbor LEAVES peer-group
                 neighbor LEAVES remote-as external
                 neighbor LEAVES password \(password)
                 bgp listen range 10.213.42.0/24 peer-group LEAVES
                 address-family l2vpn evpn
                  neighbor LEAVES activate
                 exit-address-family
                exit
                """
            }
            try lab.startEvpnd(config: evpnd("other"))
            try lab.startFRR(config: Self.frrConfig(lab, routerID: lab.addressB, neighbor: lab.addressA, lines: ["password range-42"]))
            #expect(Self.neverEstablished(lab, evpndPeer: lab.addressB, frrPeer: lab.addressA, seconds: 12))
            try Self.reloadEvpnd(lab, config: evpnd("range-42"))
            #expect(waitUntil(20) { lab.evpndPeer(lab.addressB)?.state == "Established" },
                    "\(String(describing: lab.evpndPeer(lab.addressB)))\n\(lab.evpndLogText.suffix(2000))")
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
        }
    }

    /// FRR one router away (A - R - B). With `ttl-security hops 1` evpnd drops FRR's packets (TTL 254 < 255): no
    /// session. With `hops 2` (a reload) it comes up. FRR has `ttl-security hops 2` throughout.
    @Test func gtsmWithFRROneRouterAway() throws {
        guard Tools.ready("GTSM with FRR", needs: Self.frrTools) else { return }
        try withLab(subnet: 43) { lab in
            // Re-plumb: B's end of the A-B link moves to a router namespace R; B gets a link to R in 10.214.43.0/24.
            let nsR = "evpnd-r-\(lab.suffix)"
            try run(["ip", "netns", "add", nsR])
            defer { _ = try? run(["ip", "netns", "del", nsR], check: false) }
            let vethB = String("vb\(lab.suffix)".prefix(15))
            let (rb, br) = (String("rb\(lab.suffix)".prefix(15)), String("br\(lab.suffix)".prefix(15)))
            let frrAddress = "10.214.43.2"
            try run(["ip", "-n", lab.nsB, "link", "set", vethB, "netns", nsR])
            try run(["ip", "-n", nsR, "addr", "add", "\(lab.addressB)/24", "dev", vethB])
            try run(["ip", "-n", nsR, "link", "set", vethB, "up"])
            try run(["ip", "-n", nsR, "link", "set", "lo", "up"])
            try run(["ip", "link", "add", rb, "type", "veth", "peer", "name", br])
            try run(["ip", "link", "set", rb, "netns", nsR])
            try run(["ip", "link", "set", br, "netns", lab.nsB])
            try run(["ip", "-n", nsR, "addr", "add", "10.214.43.1/24", "dev", rb])
            try run(["ip", "-n", nsR, "link", "set", rb, "up"])
            try run(["ip", "-n", lab.nsB, "addr", "add", "\(frrAddress)/24", "dev", br])
            try run(["ip", "-n", lab.nsB, "link", "set", br, "up"])
            try run(["ip", "netns", "exec", nsR, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
            try run(["ip", "-n", lab.nsA, "route", "add", "10.214.43.0/24", "via", lab.addressB])
            try run(["ip", "-n", lab.nsB, "route", "add", "10.213.43.0/24", "via", "10.214.43.1"])
            let ping = try run(["ip", "netns", "exec", lab.nsA, "ping", "-c", "1", "-W", "2", frrAddress], check: false)
            try #require(ping.status == 0, "no route through R: \(ping.output)")

            try lab.startFRR(config: Self.frrConfig(lab, routerID: frrAddress, neighbor: lab.addressA, lines: ["ttl-security hops 2"]))
            func evpnd(hops: Int) -> String {
                Configs.evpnd(routerID: lab.addressA, neighbor: frrAddress, extra: ["ttl-security hops \(hops)"])
            }
            try lab.startEvpnd(config: evpnd(hops: 1))
            #expect(Self.neverEstablished(lab, evpndPeer: frrAddress, frrPeer: lab.addressA, seconds: 12),
                    "one hop too far: \(String(describing: lab.evpndPeer(frrAddress)))")
            try Self.reloadEvpnd(lab, config: evpnd(hops: 2))
            #expect(waitUntil(20) { lab.evpndPeer(frrAddress)?.state == "Established" },
                    "within range: \(String(describing: lab.evpndPeer(frrAddress)))\n\(lab.evpndLogText.suffix(2000))")
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
        }
    }
}
