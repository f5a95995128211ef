// `redistribute connected` against FRR 8.4 (issue 15): evpnd (AS 65001) announces the subnets of its
// namespace's interfaces over eBGP, following address changes: an address added to `lo` reaches FRR's table
// with origin incomplete, and leaves it when the address is deleted. Link-local and 127/8 never do.
//
//   evpnd-a-S (evpnd, 10.213.71.1/24) ---veth--- evpnd-b-S (FRR bgpd, AS 65002, no zebra)

import Foundation
import Testing

@Suite(.serialized)
struct RedistributeConnectedInteropTests {
    @Test func subnetsFollowAddressEvents() throws {
        guard Tools.ready("redistribute connected", needs: ["vtysh", "/usr/lib/frr/bgpd"]) else { return }
        try withLab(subnet: 71) { lab in
            try lab.startFRR(config: """
                frr defaults datacenter
                hostname frr-peer
                log file /var/run/frr/\(lab.frrName)/bgpd.log informational
                router bgp 65002
                 bgp router-id \(lab.addressB)
                 neighbor \(lab.addressA) remote-as 65001
                 neighbor \(lab.addressA) timers connect 1
                exit
                """)
            try lab.startEvpnd(config: """
                frr defaults datacenter
                router bgp 65001
                 bgp router-id \(lab.addressA)
                 neighbor \(lab.addressB) remote-as 65002
                 neighbor \(lab.addressB) timers connect 1
                 address-family ipv4 unicast
                  redistribute connected
                 exit-address-family
                exit
                """)
            func frrPrefixes() -> [String: Any] {
                ((try? lab.frrNode.json("show bgp ipv4 unicast json"))?["routes"] as? [String: Any]) ?? [:]
            }
            #expect(waitUntil(30) { frrPrefixes()["10.213.71.0/24"] != nil }, "the link's subnet: \(frrPrefixes().keys.sorted())")
            #expect(frrPrefixes().keys.allSatisfy { !$0.hasPrefix("127.") }, "\(frrPrefixes().keys.sorted())")
            let path = ((frrPrefixes()["10.213.71.0/24"] as? [Any])?.first as? [String: Any]) ?? [:]
            #expect(path["origin"] as? String == "incomplete", "\(path)")
            #expect(path["path"] as? String == "65001", "\(path)")

            try run(["ip", "-n", lab.nsA, "addr", "add", "10.77.0.1/32", "dev", "lo"])
            #expect(waitUntil(15) { frrPrefixes()["10.77.0.1/32"] != nil }, "added loopback address: \(frrPrefixes().keys.sorted())")
            try run(["ip", "-n", lab.nsA, "addr", "del", "10.77.0.1/32", "dev", "lo"])
            #expect(waitUntil(15) { frrPrefixes()["10.77.0.1/32"] == nil }, "deleted loopback address: \(frrPrefixes().keys.sorted())")
            #expect(frrPrefixes()["10.213.71.0/24"] != nil)
        }
    }
}
