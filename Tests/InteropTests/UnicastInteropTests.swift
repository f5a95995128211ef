// IPv4 and IPv6 unicast between evpnd and FRR 8.4's bgpd, over eBGP and iBGP, on one IPv4 session that also
// carries l2vpn evpn (issue 15, first step). FRR announces `network` prefixes; evpnd shows them with FRR's next
// hop and AS path; evpnd announces its own; FRR shows them with evpnd's address as next hop (the IPv4-mapped
// address for IPv6 over the IPv4 session) and the right AS path; evpnd's type-3 route for its VNI reaches FRR
// on the same session. Both sides list every family in `show bgp summary json`. No kernel routes (not yet).
//
//   evpnd-a-S (evpnd, AS 65001, 10.213.N.1, br100 + vxlan100 for one VNI) ---veth--- evpnd-b-S (FRR bgpd, no zebra)

import ControlProtocol
import Foundation
import Testing

@Suite(.serialized)
struct UnicastInteropTests {
    static let tools = ["vtysh", "/usr/lib/frr/bgpd", "bridge"]

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var subnet: Int
        var frrAS: Int
        var description: String { name }
        var ebgp: Bool { frrAS != 65001 }
    }

    static func frrConfig(_ lab: Lab, as asn: Int) -> String {
        """
        frr defaults datacenter
        hostname frr-peer
        log file /var/run/frr/\(lab.frrName)/bgpd.log informational
        router bgp \(asn)
         bgp router-id \(lab.addressB)
         no bgp ebgp-requires-policy
         no bgp network import-check
         neighbor \(lab.addressA) remote-as 65001
         neighbor \(lab.addressA) timers connect 1
         address-family ipv4 unicast
          network 10.20.0.0/24
          network 10.21.0.0/16
         exit-address-family
         address-family ipv6 unicast
          network 2001:db8:20::/48
          neighbor \(lab.addressA) activate
         exit-address-family
         address-family l2vpn evpn
          neighbor \(lab.addressA) activate
         exit-address-family
        exit
        """
    }

    /// FRR 8.4's default is on: ipv4 unicast needs no `activate`.
    static func evpndConfig(_ lab: Lab, frrAS: Int) -> String {
        """
        frr defaults datacenter
        hostname evpnd-test
        router bgp 65001
         bgp router-id \(lab.addressA)
         neighbor \(lab.addressB) remote-as \(frrAS)
         neighbor \(lab.addressB) timers connect 1
         address-family ipv4 unicast
          network 10.30.0.0/24
         exit-address-family
         address-family ipv6 unicast
          network 2001:db8:30::/48
          neighbor \(lab.addressB) activate
         exit-address-family
         address-family l2vpn evpn
          neighbor \(lab.addressB) activate
          advertise-all-vni
         exit-address-family
        exit
        """
    }

    static func json(_ text: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }

    static func evpnctl(_ lab: Lab, _ words: [String]) -> [String: Any] {
        json((try? run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show"] + words + ["--json"]).output) ?? "")
    }

    /// The best path of `prefix` in a `show bgp ipv4|ipv6 unicast json` answer.
    static func best(_ routes: [String: Any], _ prefix: String) -> [String: Any]? {
        let paths = (routes["routes"] as? [String: Any])?[prefix] as? [[String: Any]]
        return paths?.first { $0["bestpath"] as? Bool == true }
    }

    static func nextHop(_ path: [String: Any]?) -> String? {
        ((path?["nexthops"] as? [[String: Any]])?.first)?["ip"] as? String
    }

    /// FRR's spelling of the IPv4-mapped IPv6 address of `v4` (`::ffff:a62:2`).
    static func mapped(_ v4: String) -> String {
        let o = v4.split(separator: ".").compactMap { Int($0) }
        guard o.count == 4 else { return v4 }
        return "::ffff:\(String(o[0] << 8 | o[1], radix: 16)):\(String(o[2] << 8 | o[3], radix: 16))"
    }

    @Test(arguments: [Case(name: "eBGP", subnet: 83, frrAS: 65002), Case(name: "iBGP", subnet: 84, frrAS: 65001)])
    func unicastBothWaysBesideEVPN(_ c: Case) throws {
        guard Tools.ready("unicast with FRR over \(c.name)", needs: Self.tools) else { return }
        try withLab(subnet: c.subnet) { lab in
            // One VNI on evpnd's side, so its type-3 route shows EVPN on the same session.
            try run(["ip", "-n", lab.nsA, "link", "add", "br100", "type", "bridge"])
            try run(["ip", "-n", lab.nsA, "link", "add", "vxlan100", "type", "vxlan", "id", "100", "dstport", "4789",
                     "local", lab.addressA, "nolearning"])
            try run(["ip", "-n", lab.nsA, "link", "set", "vxlan100", "master", "br100"])
            try run(["ip", "-n", lab.nsA, "link", "set", "vxlan100", "up"])
            try run(["ip", "-n", lab.nsA, "link", "set", "br100", "up"])
            try lab.startFRR(config: Self.frrConfig(lab, as: c.frrAS))
            try lab.startEvpnd(config: Self.evpndConfig(lab, frrAS: c.frrAS))

            // evpnd learns FRR's networks: FRR's address as next hop, its AS in the path over eBGP.
            let expectedPath = c.ebgp ? "\(c.frrAS)" : ""
            #expect(waitUntil(40) { Self.best(Self.evpnctl(lab, ["bgp", "ipv4", "unicast"]), "10.21.0.0/16") != nil },
                    "evpnd's IPv4 table: \(Self.evpnctl(lab, ["bgp", "ipv4", "unicast"]))")
            let v4 = Self.evpnctl(lab, ["bgp", "ipv4", "unicast"])
            for prefix in ["10.20.0.0/24", "10.21.0.0/16"] {
                let path = Self.best(v4, prefix)
                #expect(Self.nextHop(path) == lab.addressB, "\(prefix): \(String(describing: path))")
                #expect(path?["path"] as? String == expectedPath)
                #expect(path?["pathFrom"] as? String == (c.ebgp ? "external" : "internal"))
            }
            // Our own network is in our table too, as FRR shows its own (0.0.0.0, weight 32768).
            #expect(Self.nextHop(Self.best(v4, "10.30.0.0/24")) == "0.0.0.0")
            #expect(waitUntil(20) { Self.best(Self.evpnctl(lab, ["bgp", "ipv6", "unicast"]), "2001:db8:20::/48") != nil })
            let v6Path = Self.best(Self.evpnctl(lab, ["bgp", "ipv6", "unicast"]), "2001:db8:20::/48")
            #expect(Self.nextHop(v6Path) == Self.mapped(lab.addressB), "\(String(describing: v6Path))")
            #expect(v6Path?["path"] as? String == expectedPath)

            // FRR learns evpnd's networks: evpnd's address as next hop (set to self towards eBGP; for its own
            // networks towards iBGP too), AS 65001 prepended over eBGP.
            let ourPath = c.ebgp ? "65001" : ""
            #expect(waitUntil(20) { Self.best(Self.json((try? lab.vtysh("show bgp ipv4 unicast json")) ?? ""), "10.30.0.0/24") != nil })
            let frrV4 = Self.best(Self.json(try lab.vtysh("show bgp ipv4 unicast json")), "10.30.0.0/24")
            #expect(Self.nextHop(frrV4) == lab.addressA, "\(String(describing: frrV4))")
            #expect(frrV4?["path"] as? String == ourPath)
            #expect(waitUntil(20) { Self.best(Self.json((try? lab.vtysh("show bgp ipv6 unicast json")) ?? ""), "2001:db8:30::/48") != nil })
            let frrV6 = Self.best(Self.json(try lab.vtysh("show bgp ipv6 unicast json")), "2001:db8:30::/48")
            #expect(Self.nextHop(frrV6) == Self.mapped(lab.addressA), "\(String(describing: frrV6))")
            #expect(frrV6?["path"] as? String == ourPath)
            print("\(c.name): evpnd has 10.20.0.0/24 via \(Self.nextHop(Self.best(v4, "10.20.0.0/24")) ?? "-") path '\(expectedPath)', "
                  + "2001:db8:20::/48 via \(Self.nextHop(v6Path) ?? "-"); FRR has 10.30.0.0/24 via \(Self.nextHop(frrV4) ?? "-") "
                  + "path '\(frrV4?["path"] as? String ?? "-")', 2001:db8:30::/48 via \(Self.nextHop(frrV6) ?? "-")")
            // FRR's own routes do not come back to it (over eBGP they would loop; over iBGP they are not reflected).
            #expect(Self.best(Self.json(try lab.vtysh("show bgp ipv4 unicast json")), "10.20.0.0/24")?["peerId"] as? String == "(unspec)")

            // EVPN on the same session: evpnd's type-3 route for VNI 100 reaches FRR.
            #expect(waitUntil(20) { ((try? lab.vtysh("show bgp l2vpn evpn route json")) ?? "").contains("[3]:[0]:[32]:[\(lab.addressA)]") },
                    "FRR's EVPN table: \((try? lab.vtysh("show bgp l2vpn evpn route json")) ?? "")")

            // Every family in both summaries, with its own counts.
            let ours = Self.evpnctl(lab, ["bgp", "summary"])
            let theirs = Self.json(try lab.vtysh("show bgp summary json"))
            for (family, received) in [("ipv4Unicast", 2), ("ipv6Unicast", 1)] {
                let ourPeer = ((ours[family] as? [String: Any])?["peers"] as? [String: Any])?[lab.addressB] as? [String: Any]
                #expect(ourPeer?["pfxRcd"] as? Int == received, "evpnd \(family): \(String(describing: ourPeer))")
                #expect(ourPeer?["pfxSnt"] as? Int == 1, "evpnd \(family): \(String(describing: ourPeer))")
                let frrPeer = ((theirs[family] as? [String: Any])?["peers"] as? [String: Any])?[lab.addressA] as? [String: Any]
                #expect(frrPeer?["pfxRcd"] as? Int == 1, "FRR \(family): \(String(describing: frrPeer))")
            }
            #expect(ours["l2VpnEvpn"] != nil && theirs["l2VpnEvpn"] != nil)

            // FRR withdraws a network: evpnd drops it, keeps the other.
            _ = try run(["vtysh", "-N", lab.frrName, "-c", "configure terminal", "-c", "router bgp \(c.frrAS)",
                         "-c", "address-family ipv4 unicast", "-c", "no network 10.20.0.0/24"])
            #expect(waitUntil(20) { Self.best(Self.evpnctl(lab, ["bgp", "ipv4", "unicast"]), "10.20.0.0/24") == nil })
            #expect(Self.best(Self.evpnctl(lab, ["bgp", "ipv4", "unicast"]), "10.21.0.0/16") != nil)
        }
    }
}
