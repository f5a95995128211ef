// Which BFD sessions the daemon runs for a configuration, and which BGP neighbor each one guards (BFDPlan.swift).

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
        exit
        """

    @Test func sessionsAndTheNeighborsTheyGuard() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "plan.conf").config)
        let plan = BFDPlan(config)
        let single = BFDSessionKey(peer: BFDAddress(ipv4: "10.0.0.2")!)
        let multi = BFDSessionKey(peer: BFDAddress(ipv4: "192.0.2.9")!, local: BFDAddress(ipv4: "10.0.0.1")!, multihop: true)
        let standalone = BFDSessionKey(peer: BFDAddress(ipv4: "10.0.0.7")!, interface: "eth1")
        #expect(Set(plan.sessions.keys) == [single, multi, standalone])
        // A neighbor without a stanza peer: single hop, its profile's values (ms to µs).
        #expect(plan.sessions[single] == BFDSessionParameters(desiredMinTxInterval: 100_000, requiredMinRxInterval: 120_000,
                                                              detectMultiplier: 4))
        // A neighbor with a stanza peer: the stanza's key and values, FRR's defaults under them.
        #expect(plan.sessions[multi] == BFDSessionParameters(minimumTTL: 250))
        #expect(plan.sessions[standalone] == BFDSessionParameters(passive: true, adminDown: true))
        #expect(plan.neighbors == [
            single: BFDPlan.NeighborLink(peer: PeerID(IPAddress("10.0.0.2")!), checkControlPlaneFailure: false),
            multi: BFDPlan.NeighborLink(peer: PeerID(IPAddress("192.0.2.9")!), checkControlPlaneFailure: true),
        ])
        #expect(plan.skipped == ["neighbor 2001:db8::2 bfd: IPv6 sessions are not supported yet"])
    }

    @Test func noBFDNoSessions() throws {
        let config = try #require(ConfigParser.parse(text: "router bgp 1\n neighbor 10.0.0.2 remote-as 1\n", file: "a").config)
        let plan = BFDPlan(config)
        #expect(plan.sessions.isEmpty && plan.neighbors.isEmpty && plan.skipped.isEmpty)
    }
}
