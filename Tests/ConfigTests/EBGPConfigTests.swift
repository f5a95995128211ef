import BGPWire
import Testing
@testable import Config

/// `allowas-in`, `ebgp-multihop`, `disable-connected-check` and `bgp ebgp-requires-policy` (EBGPConfig.swift).
struct EBGPConfigTests {
    static func leaf(_ global: [String] = [], neighbor: [String] = [], evpn: [String] = []) -> String {
        """
        frr defaults datacenter
        router bgp 65001
         bgp router-id 10.0.0.1
        \(global.map { " " + $0 }.joined(separator: "\n"))
         neighbor 10.0.1.2 remote-as 65100
        \(neighbor.map { " neighbor 10.0.1.2 " + $0 }.joined(separator: "\n"))
         address-family l2vpn evpn
          neighbor 10.0.1.2 activate
        \(evpn.map { "  neighbor 10.0.1.2 " + $0 }.joined(separator: "\n"))
          advertise-all-vni
         exit-address-family
        exit
        """
    }

    @Test(arguments: [
        ("allowas-in", AllowASInMode.occurrences(3), "neighbor 10.0.1.2 allowas-in"),
        ("allowas-in 1", .occurrences(1), "neighbor 10.0.1.2 allowas-in 1"),
        ("allowas-in origin", .origin, "neighbor 10.0.1.2 allowas-in origin"),
    ])
    func allowASIn(_ line: String, _ mode: AllowASInMode, _ written: String) throws {
        let result = ConfigParser.parse(text: Self.leaf(evpn: [line]), file: "leaf.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.resolvedNeighbors.first?.allowAsIn == [.l2vpnEVPN: mode])
        #expect(config.runningConfigText.contains("  " + written + "\n"))
        let again = try #require(ConfigParser.parse(text: config.runningConfigText, file: "running").config)
        #expect(again.resolvedNeighbors.first?.allowAsIn == [.l2vpnEVPN: mode])
    }

    @Test(arguments: [
        ([] as [String], nil as UInt8?, false),
        (["ebgp-multihop"], 255, false),
        (["ebgp-multihop 2"], 2, false),
        (["disable-connected-check"], nil, true),
    ])
    func multihopAndConnectedCheck(_ lines: [String], _ ttl: UInt8?, _ disabled: Bool) throws {
        let result = ConfigParser.parse(text: Self.leaf(neighbor: lines), file: "leaf.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        let neighbor = try #require(config.resolvedNeighbors.first)
        #expect(neighbor.ebgpMultihop == ttl)
        #expect(neighbor.disableConnectedCheck == disabled)
        let again = try #require(ConfigParser.parse(text: config.runningConfigText, file: "running").config)
        #expect(again.resolvedNeighbors.first?.ebgpMultihop == ttl)
        #expect(again.resolvedNeighbors.first?.disableConnectedCheck == disabled)
    }

    /// Bad values: what and where (FILE:LINE:COLUMN at the word).
    @Test(arguments: [
        (["ebgp-multihop 0"], [String](), 6, 34, "ebgp-multihop must be 1..255"),
        (["ebgp-multihop 256"], [], 6, 34, "ebgp-multihop must be 1..255"),
        ([], ["allowas-in 11"], 9, 32, "allowas-in must be 1..10"),
        ([], ["allowas-in first"], 9, 32, "allowas-in must be 1..10"),
        (["allowas-in"], [], 6, 20, "only valid inside 'address-family'"),
    ])
    func badValues(_ neighbor: [String], _ evpn: [String], _ line: Int, _ column: Int, _ message: String) {
        let result = ConfigParser.parse(text: Self.leaf(neighbor: neighbor, evpn: evpn), file: "leaf.conf")
        #expect(result.config == nil)
        let error = result.errors.first
        #expect(error?.location == SourceLocation(file: "leaf.conf", line: line, column: column), "\(result.diagnostics)")
        #expect(error?.message.contains(message) == true, "\(result.diagnostics)")
    }

    @Test func writtenEBGPRequiresPolicyWarnsThatEvpndAppliesNoPolicy() {
        let result = ConfigParser.parse(text: Self.leaf(["bgp ebgp-requires-policy"]), file: "leaf.conf")
        #expect(result.config != nil)
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.location == SourceLocation(file: "leaf.conf", line: 4, column: 2))
        #expect(result.warnings.first?.message.contains("applies no policy") == true)
        // `no bgp ebgp-requires-policy` (or only iBGP neighbors): nothing to say.
        #expect(ConfigParser.parse(text: Self.leaf(["no bgp ebgp-requires-policy"]), file: "leaf.conf").warnings.isEmpty)
    }
}

/// `maximum-paths [ibgp] N` and `bgp bestpath as-path multipath-relax`.
struct MultipathConfigTests {
    @Test func parsedAndWrittenBack() throws {
        let text = """
            router bgp 65001
             bgp router-id 10.0.0.1
             bgp bestpath as-path multipath-relax
             address-family ipv4 unicast
              maximum-paths 8
              maximum-paths ibgp 2 equal-cluster-length
             exit-address-family
             address-family ipv6 unicast
              maximum-paths 1
             exit-address-family
            exit
            """
        let result = ConfigParser.parse(text: text, file: "m.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let router = try #require(result.config).router
        #expect(router.multipathRelax)
        #expect(router.maximumPaths[.ipv4Unicast]?.ebgp == 8)
        #expect(router.maximumPaths[.ipv4Unicast]?.ibgp == 2)
        #expect(router.maximumPaths[.ipv6Unicast]?.ebgp == 1)
        let running = try #require(result.config).runningConfigText
        let again = try #require(ConfigParser.parse(text: running, file: "running").config).router
        #expect(again.maximumPaths == router.maximumPaths)
        #expect(again.multipathRelax)
    }

    @Test(arguments: [
        ("  maximum-paths 0", 4, 17, "maximum-paths must be 1..256"),
        ("  maximum-paths 257", 4, 17, "maximum-paths must be 1..256"),
        ("  maximum-paths ibgp x", 4, 22, "maximum-paths must be 1..256"),
        (" bgp bestpath med confed", 3, 15, "expected 'bgp bestpath as-path multipath-relax'"),
    ])
    func badValues(_ line: String, _ lineNumber: Int, _ column: Int, _ message: String) {
        let text = line.hasPrefix("  ")
            ? "router bgp 65001\n bgp router-id 10.0.0.1\n address-family ipv4 unicast\n\(line)\nexit\n"
            : "router bgp 65001\n bgp router-id 10.0.0.1\n\(line)\nexit\n"
        let result = ConfigParser.parse(text: text, file: "m.conf")
        #expect(result.config == nil)
        #expect(result.errors.first?.location == SourceLocation(file: "m.conf", line: lineNumber, column: column), "\(result.diagnostics)")
        #expect(result.errors.first?.message.contains(message) == true, "\(result.diagnostics)")
    }
}

/// `redistribute connected` (RedistributeConfig.swift).
struct RedistributeConfigTests {
    @Test func parsedAndWrittenBack() throws {
        let text = "router bgp 65001\n bgp router-id 10.0.0.1\n address-family ipv4 unicast\n  redistribute connected\n exit-address-family\nexit\n"
        let result = ConfigParser.parse(text: text, file: "r.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.router.redistributeConnected == [.ipv4Unicast])
        let running = config.runningConfigText
        #expect(running.contains("  redistribute connected\n"))
        #expect(try #require(ConfigParser.parse(text: running, file: "running").config).router.redistributeConnected == [.ipv4Unicast])
    }

    @Test(arguments: [
        ("  redistribute static", 4, 16, "only 'connected'"),
        ("  redistribute connected route-map RM", 4, 26, "no route maps"),
        ("  redistribute", 4, 3, "needs a source"),
    ])
    func refused(_ line: String, _ lineNumber: Int, _ column: Int, _ message: String) {
        let text = "router bgp 65001\n bgp router-id 10.0.0.1\n address-family ipv4 unicast\n\(line)\nexit\n"
        let result = ConfigParser.parse(text: text, file: "r.conf")
        #expect(result.config == nil)
        #expect(result.errors.first?.location == SourceLocation(file: "r.conf", line: lineNumber, column: column), "\(result.diagnostics)")
        #expect(result.errors.first?.message.contains(message) == true, "\(result.diagnostics)")
    }
}
