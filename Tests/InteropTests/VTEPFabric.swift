// The VTEP-fabric preset of the interop harness (Harness/): evpnd or FRR VTEPs with hosts behind an FRR or
// evpnd reflector. Used by VTEPInteropTests and GracefulRestartInteropTests.
//
// Topology (every namespace and FRR instance name carries the testbed's per-run suffix S):
//   evpnd-rr-S: the reflector, loopback 10.0.0.253, a veth `to-vN` (10.0.N.2/30) to each VTEP
//   evpnd-vN-S: VTEP N, loopback 10.0.0.N, `uplink` 10.0.N.1/30, br100 with vxlan100 (id 100 dstport 4789
//               local 10.0.0.N nolearning) and one port per host
//   evpnd-hK-S: a host: `eth0` (10.1.0.X/24) whose veth peer is a port of br100 in its VTEP
// IPv6 is off in every namespace so the only routes are MAC-only type-2 and type-3 (FRR's zebra would
// otherwise advertise MAC+IP routes from neighbour entries, which evpnd does not originate yet).

import Foundation

final class VTEPFabric: @unchecked Sendable {
    let testbed: Testbed
    var suffix: String { testbed.suffix }
    var dir: String { testbed.dir }
    var bin: String { testbed.bin }
    private let frrNodes = NodeRegistry<FRRNode>()
    private let evpndNodes = NodeRegistry<EvpndNode>()
    /// VTEP number -> "evpnd" or "frr".
    private(set) var kinds: [Int: String] = [:]

    static let reflector = "10.0.0.253"
    static func loopback(_ vtep: Int) -> String { "10.0.0.\(vtep)" }

    init(vteps: Int) throws {
        testbed = try Testbed()
        do {
            let rr = try testbed.addNamespace("rr", ipv6: false)
            try run(["ip", "-n", rr, "addr", "add", "\(Self.reflector)/32", "dev", "lo"])
            for n in 1...vteps {
                let v = try testbed.addNamespace("v\(n)", ipv6: false)
                try testbed.addVeth(.init(namespace: v, name: "uplink"), .init(namespace: rr, name: "to-v\(n)"))
                try run(["ip", "-n", v, "addr", "add", "\(Self.loopback(n))/32", "dev", "lo"])
                try testbed.addAddress("10.0.\(n).1/30", on: "uplink", in: v)
                try testbed.addAddress("10.0.\(n).2/30", on: "to-v\(n)", in: rr)
                try testbed.addRoute("10.0.0.0/24", via: "10.0.\(n).2", in: v)
                try testbed.addRoute("\(Self.loopback(n))/32", via: "10.0.\(n).1", in: rr)
                try testbed.addVXLANBridge(vni: 100, local: Self.loopback(n), in: v, bridgeMAC: String(format: "02:00:00:00:%02x:ff", n),
                                           vxlanMAC: String(format: "02:00:00:00:%02x:64", n))
            }
            try run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], check: false)
            try testbed.enableForwarding(in: rr)
        } catch {
            close()
            throw error
        }
    }

    func ns(_ role: String) -> String { testbed.name(role) }

    /// A host namespace `hNAME` whose eth0 is a port (`hostNAME`) of VTEP `vtep`'s br100.
    func addHost(_ name: String, vtep: Int, mac: String, ip: String?, up: Bool = true) throws {
        try testbed.addHost("h\(name)", mac: mac, ip: ip, up: up, ipv6: false, vtep: ns("v\(vtep)"), port: "host\(name)")
    }

    func close() { testbed.close() }

    func write(_ name: String, _ text: String) throws -> String { try testbed.write(name, text) }

    // MARK: configurations

    /// The seed's VTEP configuration (scripts/lab/frr/vtep1.conf), the same text for FRR and evpnd.
    /// `evpnLines`: more lines for `address-family l2vpn evpn` (evpnd's `arp-nd-suppress`...).
    static func vtepConfig(_ n: Int, passive: Bool = false, logFile: String? = nil, evpnLines: [String] = []) -> String {
        """
        frr defaults datacenter
        hostname vtep\(n)
        \(logFile.map { "log file \($0) informational" } ?? "!")
        !
        router bgp 65000
         bgp router-id \(loopback(n))
         no bgp default ipv4-unicast
         neighbor \(reflector) remote-as 65000
         neighbor \(reflector) update-source \(loopback(n))
        \(passive ? " neighbor \(reflector) passive" : "!")
         !
         address-family l2vpn evpn
          neighbor \(reflector) activate
          advertise-all-vni
        \(evpnLines.map { "  " + $0 }.joined(separator: "\n"))
         exit-address-family
        exit
        !
        """
    }

    /// scripts/lab/frr/rr.conf with a listen range instead of a neighbor per VTEP.
    func reflectorConfig(logFile: String) -> String {
        """
        frr defaults datacenter
        hostname rr
        log file \(logFile) informational
        !
        router bgp 65000
         bgp router-id \(Self.reflector)
         bgp cluster-id 10.0.0.254
         no bgp default ipv4-unicast
         neighbor VTEPS peer-group
         neighbor VTEPS remote-as 65000
         neighbor VTEPS update-source \(Self.reflector)
         neighbor VTEPS passive
         bgp listen range 10.0.0.0/24 peer-group VTEPS
         !
         address-family l2vpn evpn
          neighbor VTEPS activate
          neighbor VTEPS route-reflector-client
         exit-address-family
        exit
        !
        """
    }

    // MARK: nodes

    /// The FRR instance of `role` ("rr": bgpd only; "vN": zebra and bgpd).
    func frr(_ role: String) -> FRRNode {
        frrNodes.node(role) { testbed.frr(role, in: ns(role), daemons: role == "rr" ? [.bgpd] : [.zebra, .bgpd]) }
    }

    /// The evpnd of `role` ("rr" or "vN"), files `evpnd-ROLE.*`.
    func evpnd(_ role: String) -> EvpndNode { evpndNodes.node(role) { testbed.evpnd(in: ns(role), stem: "evpnd-\(role)") } }

    func startFRRReflector() throws {
        let node = frr("rr")
        try node.start(config: reflectorConfig(logFile: node.log))
    }

    /// The reflector is evpnd instead of FRR's bgpd, loading the very same configuration text.
    private(set) var evpndReflector = false
    var reflectorSocket: String { evpnd("rr").socket }

    func startEvpndReflector() throws {
        evpndReflector = true
        try evpnd("rr").start(config: reflectorConfig(logFile: "\(dir)/rr-frr-style.log"))
    }

    func startFRRVTEP(_ n: Int, passive: Bool = false) throws {
        kinds[n] = "frr"
        let node = frr("v\(n)")
        try node.start(config: Self.vtepConfig(n, passive: passive, logFile: node.log))
    }

    func evpndSocket(_ n: Int) -> String { evpnd("v\(n)").socket }
    func evpndLog(_ n: Int) -> String { evpnd("v\(n)").log }

    /// `prefix`: lines before the seed's configuration (an `interface` stanza, global `evpn mh` lines).
    func startEvpndVTEP(_ n: Int, passive: Bool = false, logLevel: String = "debug", evpnLines: [String] = [],
                        appendLog: Bool = false, prefix: String = "") throws {
        kinds[n] = "evpnd"
        try evpnd("v\(n)").start(config: prefix + Self.vtepConfig(n, passive: passive, evpnLines: evpnLines), logLevel: logLevel,
                                 appendLog: appendLog)
    }

    /// VTEP n started with a configuration of the test's own (MultiASInteropTests.swift: each leaf its own AS).
    func startEvpndVTEP(_ n: Int, config: String) throws {
        kinds[n] = "evpnd"
        try evpnd("v\(n)").start(config: config)
    }

    func startFRRVTEP(_ n: Int, config: String) throws {
        kinds[n] = "frr"
        try frr("v\(n)").start(config: config)
    }

    func evpndLogText(_ n: Int) -> String { evpnd("v\(n)").logText }

    func evpnctl(_ n: Int, _ words: [String]) throws -> String { try evpnd("v\(n)").evpnctl(words) }

    func vtysh(_ role: String, _ command: String) throws -> String { try frr(role).vtysh(command) }

    func vtyshJSON(_ role: String, _ command: String) throws -> [String: Any] { try frr(role).json(command) }

    /// The reflector's view of one VTEP's session.
    func reflectorPeerState(_ n: Int) -> String? {
        evpndReflector ? evpndReflectorPeerState(n) : frr("rr").peerState(Self.loopback(n))
    }

    /// The evpnd reflector's view of one VTEP's session.
    func evpndReflectorPeerState(_ n: Int) -> String? { evpnd("rr").peer(Self.loopback(n))?.state }

    /// `bridge fdb show dev vxlan100` in VTEP n.
    func fdb(_ n: Int) -> String { testbed.fdb(in: ns("v\(n)")) }

    /// Rows of the VXLAN device pointing at `vtep` and marked extern_learn (one per remote MAC).
    func remoteRows(_ n: Int, to vtep: String) -> Int {
        fdb(n).split(separator: "\n").filter { $0.contains("dst \(vtep) ") && $0.contains("extern_learn") }.count
    }

    func ping(from host: String, to ip: String, count: Int = 3) -> Bool { Harness.ping(from: ns("h\(host)"), to: ip, count: count) }

    func dumpLogs() {
        for (n, kind) in kinds.sorted(by: { $0.key < $1.key }) where kind == "evpnd" {
            print("--- evpnd log of VTEP \(n) ---\n\(evpndLogText(n).suffix(3000))")
            print("--- bridge fdb of VTEP \(n) ---\n\(fdb(n))")
        }
    }
}

func withFabric(vteps: Int, _ body: (VTEPFabric) throws -> Void) throws {
    let fabric = try VTEPFabric(vteps: vteps)
    defer { fabric.close() }
    do {
        try body(fabric)
    } catch {
        fabric.dumpLogs()
        throw error
    }
}
