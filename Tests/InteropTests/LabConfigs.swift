// Configurations and setup shared by several interop suites (Configs.evpnd and Configs.frr are in
// SessionInteropTests.swift).

extension Configs {
    /// An evpnd configuration in AS 65001 with `neighborLines` under `router bgp` and `familyLines` under
    /// `address-family l2vpn evpn` (each given without its indentation).
    static func evpndRouter(hostname: String = "evpnd-test", routerID: String, neighborLines: [String],
                            familyLines: [String]) -> String {
        (["frr defaults datacenter",
          "hostname \(hostname)",
          "router bgp 65001",
          " bgp router-id \(routerID)",
          " no bgp default ipv4-unicast"]
         + neighborLines.map { " " + $0 }
         + [" address-family l2vpn evpn"]
         + familyLines.map { "  " + $0 }
         + [" exit-address-family",
            "exit"]).joined(separator: "\n")
    }

    /// GoBGP with one L2VPN EVPN neighbor that it dials every second (`timers 3 9`). `listens: false` adds
    /// `port = -1`: GoBGP only dials.
    static func gobgp(asn: Int, routerID: String, neighbor: String, peerAS: Int, listens: Bool = false) -> String {
        (["[global.config]",
          "  as = \(asn)",
          "  router-id = \"\(routerID)\""]
         + (listens ? [] : ["  port = -1"])
         + ["[[neighbors]]",
            "  [neighbors.config]",
            "    neighbor-address = \"\(neighbor)\"",
            "    peer-as = \(peerAS)",
            "  [neighbors.timers.config]",
            "    connect-retry = 1",
            "    hold-time = 9",
            "    keepalive-interval = 3",
            "  [[neighbors.afi-safis]]",
            "    [neighbors.afi-safis.config]",
            "      afi-safi-name = \"l2vpn-evpn\""]).joined(separator: "\n")
    }
}

extension Lab {
    /// FRR's bgpd in B as a passive eBGP peer of evpnd (`timers 3 9`): evpnd dials.
    func startPassiveFRR() throws {
        try startFRR(config: Configs.frr(name: frrName, routerID: addressB, neighborLines: [
            "neighbor \(addressA) remote-as 65001",
            "neighbor \(addressA) passive",
            "neighbor \(addressA) timers 3 9",
        ], activate: addressA))
    }
}
