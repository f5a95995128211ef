// Which BFD sessions the daemon runs for a configuration, and which BGP neighbor each one guards (BFDPlan.swift):
// the stanza's peers, single hop or multihop chosen for `neighbor X bfd` as FRR's bgpd chooses, IPv6, and the
// sessions of listen-range (dynamic) neighbors.

import BFD
import BGPCore
import BGPWire
import Config
import Testing
@testable import Daemon

struct BFDPlanTests {
    static let text = """
        router bgp 65000
         bgp router-id 10.0.0.1
         neighbor 10.0.0.2 remote-as 65000
         neighbor 10.0.0.2 bfd profile fast
         neighbor 192.0.2.9 remote-as 65000
         neighbor 192.0.2.9 bfd check-control-plane-failure
         neighbor 10.0.0.3 remote-as 65000
         neighbor 2001:db8::2 remote-as 65000
         neighbor 2001:db8::2 bfd
         neighbor fe80::2 remote-as 65000
         neighbor fe80::2 bfd
        exit
        bfd
         profile fast
          transmit-interval 100
          receive-interval 120
          detect-multiplier 4
         exit
         peer 192.0.2.9 multihop local-address 10.0.0.1
          minimum-ttl 250
         exit
         peer 10.0.0.7 interface eth1
          shutdown
          passive-mode
         exit
         peer fe80::9
         exit
         peer fe80::7 interface eth2
         exit
        exit
        """
    static let connected = [IPPrefix(address: IPAddress("10.0.0.1")!, length: 24),
                            IPPrefix(address: IPAddress("2001:db8::1")!, length: 64)]

    static func v6(_ text: String) -> BFDAddress { BFDAddress(IPAddress(text)!) }
    static func v4(_ text: String) -> BFDAddress { BFDAddress(ipv4: text)! }

    @Test func sessionsAndTheNeighborsTheyGuard() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "plan.conf").config)
        let plan = BFDPlan(config, connected: Self.connected)
        let single = BFDSessionKey(peer: Self.v4("10.0.0.2"))
        let multi = BFDSessionKey(peer: Self.v4("192.0.2.9"), local: Self.v4("10.0.0.1"), multihop: true)
        let standalone = BFDSessionKey(peer: Self.v4("10.0.0.7"), interface: "eth1")
        let ipv6 = BFDSessionKey(peer: Self.v6("2001:db8::2"))
        let linkLocal = BFDSessionKey(peer: Self.v6("fe80::7"), interface: "eth2")
        #expect(Set(plan.sessions.keys) == [single, multi, standalone, ipv6, linkLocal])
        // A neighbor without a stanza peer: single hop, its profile's values (ms to µs).
        #expect(plan.sessions[single] == BFDSessionParameters(desiredMinTxInterval: 100_000, requiredMinRxInterval: 120_000,
                                                              detectMultiplier: 4))
        // A neighbor with a stanza peer: the stanza's key and values, FRR's defaults under them.
        #expect(plan.sessions[multi] == BFDSessionParameters(minimumTTL: 250))
        #expect(plan.sessions[standalone] == BFDSessionParameters(passive: true, adminDown: true))
        #expect(plan.sessions[ipv6] == BFDSessionParameters())
        #expect(plan.neighbors == [
            single: BFDPlan.NeighborLink(peer: PeerID(IPAddress("10.0.0.2")!), checkControlPlaneFailure: false),
            multi: BFDPlan.NeighborLink(peer: PeerID(IPAddress("192.0.2.9")!), checkControlPlaneFailure: true),
            ipv6: BFDPlan.NeighborLink(peer: PeerID(IPAddress("2001:db8::2")!), checkControlPlaneFailure: false),
        ])
        // Link-local without an interface cannot be reached: said, not run.
        #expect(plan.skipped == [
            "BFD peer fe80::9: a link-local peer needs its interface (peer fe80::9 interface IFNAME)",
            "neighbor fe80::2 bfd: a link-local peer needs its interface: add 'peer fe80::2 interface IFNAME' to the bfd stanza",
        ])
    }

    @Test func noBFDNoSessions() throws {
        let config = try #require(ConfigParser.parse(text: "router bgp 1\n neighbor 10.0.0.2 remote-as 1\n", file: "a").config)
        let plan = BFDPlan(config, connected: Self.connected)
        #expect(plan.sessions.isEmpty && plan.neighbors.isEmpty && plan.skipped.isEmpty)
    }

    /// FRR's bgpd: single hop for a peer on a connected subnet (sourced from that subnet), multihop otherwise,
    /// from the update-source when there is one.
    @Test(arguments: [
        // (peer, update-source, expected: multihop, local)
        ("10.0.0.2", nil, false, nil),                         // on 10.0.0.0/24
        ("192.0.2.9", nil, true, nil),                         // not connected, no update-source: the kernel picks
        ("10.0.0.254", "10.0.0.1", false, nil),                // connected, sourced from the same subnet
        ("10.255.0.9", "10.255.0.1", true, "10.255.0.1"),      // loopback to loopback (iBGP with update-source)
        ("10.0.0.2", "10.255.0.1", true, "10.255.0.1"),        // connected peer, loopback source: not one hop
        ("2001:db8::9", nil, false, nil),                      // IPv6 on 2001:db8::/64
        ("fd00::9", "fd00:1::1", true, "fd00:1::1"),           // IPv6 loopbacks
    ] as [(String, String?, Bool, String?)])
    func automaticMultihop(peer: String, updateSource: String?, multihop: Bool, local: String?) {
        let connected = Self.connected + [IPPrefix(address: IPAddress("10.255.0.1")!, length: 32)]
        let key = BFDPlan.automaticKey(IPAddress(peer)!, updateSource: updateSource.flatMap(IPAddress.init), connected: connected)
        #expect(key == BFDSessionKey(peer: BFDAddress(IPAddress(peer)!), local: local.map { BFDAddress(IPAddress($0)!) },
                                     multihop: multihop))
        #expect(key.port == (multihop ? 4784 : 3784))
    }

    /// The plan's choice end to end: a loopback neighbor with update-source becomes multihop from it; the stanza's
    /// own peer still wins where there is one (here single hop over an interface for a peer that is not connected).
    @Test func automaticMultihopFromTheConfiguration() throws {
        let text = """
            router bgp 65000
             neighbor 10.255.0.9 remote-as 65000
             neighbor 10.255.0.9 update-source 10.255.0.1
             neighbor 10.255.0.9 bfd
             neighbor 198.51.100.1 remote-as 65001
             neighbor 198.51.100.1 bfd
            exit
            bfd
             peer 198.51.100.1 interface eth9
             exit
            exit
            """
        let config = try #require(ConfigParser.parse(text: text, file: "auto.conf").config)
        let plan = BFDPlan(config, connected: Self.connected)
        let loopback = BFDSessionKey(peer: Self.v4("10.255.0.9"), local: Self.v4("10.255.0.1"), multihop: true)
        let stanza = BFDSessionKey(peer: Self.v4("198.51.100.1"), interface: "eth9")
        #expect(Set(plan.sessions.keys) == [loopback, stanza])
        #expect(plan.neighbors[loopback]?.peer == PeerID(IPAddress("10.255.0.9")!))
        #expect(plan.neighbors[stanza]?.peer == PeerID(IPAddress("198.51.100.1")!))
    }

    /// `bgp listen range` with a peer group that has `bfd`: no session until a neighbor is accepted; then one
    /// for its address, with the group's profile, guarding it.
    @Test func listenRangeNeighbors() throws {
        let text = """
            router bgp 65000
             neighbor DYN peer-group
             neighbor DYN remote-as 65000
             neighbor DYN bfd profile fast
             neighbor PLAIN peer-group
             neighbor PLAIN remote-as 65000
             bgp listen range 10.0.0.0/24 peer-group DYN
             bgp listen range 10.9.0.0/16 peer-group PLAIN
            exit
            bfd
             profile fast
              transmit-interval 100
              receive-interval 100
             exit
            exit
            """
        let config = try #require(ConfigParser.parse(text: text, file: "dyn.conf").config)
        let plan = BFDPlan(config, connected: Self.connected)
        #expect(plan.sessions.isEmpty)
        let accepted = try #require(BFDPlan.dynamicSession(config, address: IPAddress("10.0.0.77")!, connected: Self.connected))
        #expect(accepted.key == BFDSessionKey(peer: Self.v4("10.0.0.77")))
        #expect(accepted.parameters == BFDSessionParameters(desiredMinTxInterval: 100_000, requiredMinRxInterval: 100_000))
        #expect(accepted.link == BFDPlan.NeighborLink(peer: PeerID(IPAddress("10.0.0.77")!), checkControlPlaneFailure: false))
        // A range whose group has no bfd, and an address in no range: nothing.
        #expect(BFDPlan.dynamicSession(config, address: IPAddress("10.9.1.1")!, connected: Self.connected) == nil)
        #expect(BFDPlan.dynamicSession(config, address: IPAddress("172.16.0.1")!, connected: Self.connected) == nil)
    }
}
