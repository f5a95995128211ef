// The reflector-fabric preset of the interop harness (Harness/): one bridge ("fab") in namespace F, every
// speaker on 10.0.0.0/24 through a veth `uplink` into it. FRR VTEPs (zebra+bgpd, br100 + vxlan100, a host
// behind each), evpnd reflectors, GoBGP and raw injectors are nodes on it. Used by ReflectorInteropTests and
// JSONParityInteropTests; the testbed removes everything on every path.

import ControlProtocol
import Foundation

final class ReflectorLab: @unchecked Sendable {
    let testbed: Testbed
    var suffix: String { testbed.suffix }
    var dir: String { testbed.dir }
    var bin: String { testbed.bin }
    var fabric: String { ns("F") }
    static let clusterID = "10.0.0.254"
    private let frrVTEPs = NodeRegistry<FRRNode>()
    private let evpnds = NodeRegistry<EvpndNode>()
    private let gobgps = NodeRegistry<GoBGPNode>()

    init() throws {
        testbed = try Testbed()
        do {
            try testbed.addNamespace("F")
            try testbed.addBridge("fab", in: fabric)
        } catch {
            close()
            throw error
        }
    }

    func close() { testbed.close() }

    func ns(_ role: String) -> String { testbed.name(role) }

    func write(_ name: String, _ text: String) throws -> String { try testbed.write(name, text) }

    /// A namespace on the fabric with `address`/24 on its uplink.
    func addNode(_ role: String, address: String) throws {
        let name = try testbed.addNamespace(role)
        try testbed.addVeth(.init(namespace: name, name: "uplink"), .init(namespace: fabric, name: "p\(role)"))
        try testbed.attach("p\(role)", to: "fab", in: fabric)
        try testbed.addAddress("\(address)/24", on: "uplink", in: name)
    }

    /// VTEP `i` (1 or 2): br100 with vxlan100 (VNI 100, local 10.0.0.i) and host Hi (aa:bb:cc:00:01:0i, 10.1.0.i).
    func addVTEP(_ i: Int) throws {
        try addNode("V\(i)", address: "10.0.0.\(i)")
        try testbed.addVXLANBridge(vni: 100, local: "10.0.0.\(i)", in: ns("V\(i)"), bridgeMAC: "02:00:00:00:0\(i):ff",
                                   vxlanMAC: "02:00:00:00:0\(i):64")
        try testbed.addHost("H\(i)", mac: "aa:bb:cc:00:01:0\(i)", ip: "10.1.0.\(i)", vtep: ns("V\(i)"), port: "host\(i)",
                            portMAC: "02:00:00:00:0\(i):01")
    }

    // MARK: FRR VTEPs

    func frrVTEP(_ i: Int) -> FRRNode {
        frrVTEPs.node("V\(i)") { testbed.frr("V\(i)", in: ns("V\(i)"), daemons: [.zebra, .bgpd]) }
    }

    /// FRR VTEP `i`, peering with each of `reflectors` (`timers 3 9`, `timers connect 1`).
    func startFRRVTEP(_ i: Int, reflectors: [String]) throws {
        let node = frrVTEP(i)
        let neighbors = reflectors.map {
            " neighbor \($0) remote-as 65000\n neighbor \($0) timers 3 9\n neighbor \($0) timers connect 1"
        }.joined(separator: "\n")
        try node.start(config: """
        frr defaults datacenter
        hostname vtep\(i)
        log file \(node.log) informational
        router bgp 65000
         bgp router-id 10.0.0.\(i)
         no bgp default ipv4-unicast
        \(neighbors)
         address-family l2vpn evpn
        \(reflectors.map { "  neighbor \($0) activate" }.joined(separator: "\n"))
          advertise-all-vni
         exit-address-family
        exit
        """)
    }

    func vtysh(_ i: Int, _ command: String) throws -> String { try frrVTEP(i).vtysh(command, timeout: 60) }
    func vtyshJSON(_ i: Int, _ command: String) -> [String: Any]? { try? frrVTEP(i).json(command) }
    func frrPeerState(_ i: Int, _ peer: String) -> String? { frrVTEP(i).peerState(peer) }

    /// Every path FRR VTEP `i` holds (brief or detail JSON), with its RD and prefix.
    func frrPaths(_ i: Int, detail: Bool = false) -> [(rd: String, prefix: String, path: [String: Any])] {
        frrVTEP(i).evpnPaths(detail: detail)
    }

    func fdb(_ i: Int) -> String { testbed.fdb(in: ns("V\(i)")) }

    func ping(from i: Int, to other: Int) -> Bool { Harness.ping(from: ns("H\(i)"), to: "10.1.0.\(other)") }

    // MARK: evpnd reflectors

    func evpnd(_ role: String) -> EvpndNode { evpnds.node(role) { testbed.evpnd(in: ns(role), stem: "evpnd-\(role)") } }

    /// The running reflectors' processes by role.
    var reflectors: [String: Process] { evpnds.all.compactMapValues(\.process) }

    /// An evpnd reflector in namespace `role` with router id `address`, clients `clients` and non-client `others`
    /// (the other reflector of the cluster). `passive` clients are speakers that only dial in (the injectors).
    func startReflector(_ role: String, address: String, clients: [String], passive: [String], others: [String]) throws {
        let lines = (clients + passive).map { "neighbor \($0) peer-group VTEPS" }
            + passive.map { "neighbor \($0) passive" }
            + others.flatMap { ["neighbor \($0) remote-as 65000", "neighbor \($0) timers 3 9", "neighbor \($0) timers connect 1"] }
        try evpnd(role).start(config: Self.reflectorConfig(comment: "evpnd as the seed's route reflector (docs/REFLECTOR.md)",
                                                           hostname: "rr-\(role)", routerID: address, neighborLines: lines,
                                                           familyLines: others.map { "neighbor \($0) activate" }),
                              logLevel: "info")
    }

    /// A reflector of cluster `clusterID` in AS 65000: peer group VTEPS (`timers 3 9`, `timers connect 1`,
    /// route-reflector clients) and `neighborLines` under `router bgp`, `familyLines` under l2vpn evpn (each given
    /// without its indentation). The same text loads in FRR's bgpd and in evpnd.
    static func reflectorConfig(comment: String, hostname: String, routerID: String, neighborLines: [String],
                                familyLines: [String] = []) -> String {
        (["! \(comment)",
          "frr defaults datacenter",
          "hostname \(hostname)",
          "router bgp 65000",
          " bgp router-id \(routerID)",
          " bgp cluster-id \(clusterID)",
          " no bgp default ipv4-unicast",
          " neighbor VTEPS peer-group",
          " neighbor VTEPS remote-as 65000",
          " neighbor VTEPS timers 3 9",
          " neighbor VTEPS timers connect 1"]
         + neighborLines.map { " " + $0 }
         + [" address-family l2vpn evpn",
            "  neighbor VTEPS activate",
            "  neighbor VTEPS route-reflector-client"]
         + familyLines.map { "  " + $0 }
         + [" exit-address-family",
            "exit"]).joined(separator: "\n")
    }

    func logText(_ role: String) -> String { evpnd(role).logText }

    func evpnctl(_ role: String, _ words: [String]) throws -> String { try evpnd(role).evpnctl(["show"] + words, timeout: 60) }

    func reflectorPeerState(_ role: String, _ peer: String) -> String? { evpnd(role).peer(peer)?.state }

    // MARK: GoBGP

    func gobgpNode(_ role: String) -> GoBGPNode { gobgps.node(role) { testbed.gobgp(in: ns(role), stem: "gobgp-\(role)") } }

    func startGoBGP(role: String, address: String, reflector: String) throws {
        try gobgpNode(role).start(config: Configs.gobgp(asn: 65000, routerID: address, neighbor: reflector, peerAS: 65000))
    }

    func gobgp(_ role: String, _ arguments: [String]) throws -> String { try gobgpNode(role).gobgp(arguments) }

    /// `gobgp global rib -a evpn LINE` for every line of `lines` in `role`'s namespace (`GoBGPNode.ribBatch`).
    func gobgpBatch(_ role: String, _ name: String, _ lines: String, timeout: TimeInterval = 90) throws {
        try gobgpNode(role).ribBatch(name, lines, timeout: timeout)
    }
}
