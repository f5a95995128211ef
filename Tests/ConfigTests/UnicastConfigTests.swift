// `address-family ipv4 unicast` / `ipv6 unicast`: `network PREFIX`, `neighbor X next-hop-self [force]`,
// activation with `bgp default ipv4-unicast` as FRR 8.4 does it (on unless `no bgp default ipv4-unicast`),
// peer groups, and the running config writing it back.

import BGPWire
import Testing
@testable import Config

@Suite struct UnicastConfigTests {
    static func router(_ lines: [String], defaultIPv4: Bool = true) -> String {
        (["router bgp 65001", " bgp router-id 10.0.0.1"] + (defaultIPv4 ? [] : [" no bgp default ipv4-unicast"])
            + [" neighbor LEAVES peer-group", " neighbor LEAVES remote-as external",
               " neighbor 10.1.0.2 remote-as 65002", " neighbor 10.1.0.3 peer-group LEAVES"]
            + lines + ["exit"]).joined(separator: "\n")
    }

    static func parse(_ text: String) throws -> BGPConfig {
        let result = ConfigParser.parse(text: text, file: "bgp.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        return try #require(result.config)
    }

    struct ActivationCase: Sendable, CustomStringConvertible {
        var name: String
        var defaultIPv4: Bool
        var lines: [String]
        var neighbor: Set<AddressFamily>
        var member: Set<AddressFamily>
        var description: String { name }
    }

    @Test(arguments: [
        ActivationCase(name: "FRR's default: every neighbor in ipv4 unicast", defaultIPv4: true, lines: [],
                       neighbor: [.ipv4Unicast], member: [.ipv4Unicast]),
        ActivationCase(name: "no bgp default ipv4-unicast: nothing", defaultIPv4: false, lines: [], neighbor: [], member: []),
        ActivationCase(name: "default on, deactivated for one", defaultIPv4: true,
                       lines: [" address-family ipv4 unicast", "  no neighbor 10.1.0.2 activate", " exit-address-family"],
                       neighbor: [], member: [.ipv4Unicast]),
        ActivationCase(name: "default off, group activated in ipv6 and evpn", defaultIPv4: false,
                       lines: [" address-family ipv6 unicast", "  neighbor LEAVES activate", " exit-address-family",
                               " address-family l2vpn evpn", "  neighbor LEAVES activate", " exit-address-family"],
                       neighbor: [], member: [.ipv6Unicast, .l2vpnEVPN]),
        ActivationCase(name: "default on plus ipv6 for a neighbor", defaultIPv4: true,
                       lines: [" address-family ipv6 unicast", "  neighbor 10.1.0.2 activate", " exit-address-family"],
                       neighbor: [.ipv4Unicast, .ipv6Unicast], member: [.ipv4Unicast]),
    ])
    func activationFollowsFRR(_ c: ActivationCase) throws {
        let config = try Self.parse(Self.router(c.lines, defaultIPv4: c.defaultIPv4))
        let byAddress = Dictionary(uniqueKeysWithValues: config.resolvedNeighbors.map { ($0.address.description, $0) })
        #expect(byAddress["10.1.0.2"]?.families == c.neighbor)
        #expect(byAddress["10.1.0.3"]?.families == c.member)
    }

    @Test func networksAndNextHopSelfPerFamily() throws {
        let config = try Self.parse(Self.router([
            " address-family ipv4 unicast",
            "  network 10.9.0.0/16",
            "  network 10.8.1.7/24",
            "  network 10.9.0.0/16",
            "  neighbor 10.1.0.2 next-hop-self",
            "  neighbor LEAVES next-hop-self force",
            " exit-address-family",
            " address-family ipv6 unicast",
            "  network 2001:db8:9::/48",
            "  neighbor 10.1.0.2 activate",
            "  neighbor 10.1.0.2 next-hop-self all",
            " exit-address-family",
        ]))
        // Host bits cleared, duplicates once, order kept.
        #expect(config.router.networks.map(\.description) == ["10.9.0.0/16", "10.8.1.0/24", "2001:db8:9::/48"])
        let byAddress = Dictionary(uniqueKeysWithValues: config.resolvedNeighbors.map { ($0.address.description, $0) })
        #expect(byAddress["10.1.0.2"]?.nextHopSelf == [.ipv4Unicast: .on, .ipv6Unicast: .force])
        #expect(byAddress["10.1.0.3"]?.nextHopSelf == [.ipv4Unicast: .force])
        // The running config says it back in FRR's words, and reads back the same.
        let text = config.runningConfigText
        for line in ["  network 10.9.0.0/16", "  network 10.8.1.0/24", "  network 2001:db8:9::/48",
                     "  neighbor 10.1.0.2 next-hop-self", "  neighbor LEAVES next-hop-self force",
                     "  neighbor 10.1.0.2 next-hop-self force"] {
            #expect(text.contains("\n" + line + "\n"), "missing \(line) in\n\(text)")
        }
        #expect(try Self.parse(text).runningConfigText == text)
    }

    @Test func noNetworkAndNoNextHopSelfUndo() throws {
        let config = try Self.parse(Self.router([
            " address-family ipv4 unicast",
            "  network 10.9.0.0/16",
            "  neighbor 10.1.0.2 next-hop-self",
            "  no network 10.9.0.0/16",
            "  no neighbor 10.1.0.2 next-hop-self",
            " exit-address-family",
        ]))
        #expect(config.router.networks.isEmpty)
        #expect(config.resolvedNeighbors.allSatisfy { $0.nextHopSelf.isEmpty })
    }

    @Test func aUnicastMaximumPrefixIsKeptWithAWarningThatItIsNotApplied() throws {
        let text = Self.router([" address-family ipv4 unicast", "  neighbor 10.1.0.2 maximum-prefix 100", " exit-address-family"])
        let result = ConfigParser.parse(text: text, file: "bgp.conf")
        #expect(result.errors.isEmpty)
        #expect(result.warnings.map(\.message) == ["maximum-prefix is enforced for l2vpn evpn only; this ipv4 unicast limit is not applied yet"])
        #expect(result.warnings.first?.location.line == 8)
        let config = try #require(result.config)
        #expect(config.runningConfigText.contains("\n  neighbor 10.1.0.2 maximum-prefix 100\n"))
    }

    struct BadLine: Sendable, CustomStringConvertible {
        var family: String
        var line: String
        var message: String
        var description: String { "\(family): \(line)" }
    }

    @Test(arguments: [
        BadLine(family: "ipv4 unicast", line: "network 2001:db8::/32", message: "not an IPv4 prefix"),
        BadLine(family: "ipv6 unicast", line: "network 10.0.0.0/8", message: "not an IPv6 prefix"),
        BadLine(family: "ipv4 unicast", line: "network 10.0.0.0/33", message: "bad prefix"),
        BadLine(family: "ipv4 unicast", line: "network", message: "'network' needs a prefix"),
        BadLine(family: "ipv4 unicast", line: "network 10.0.0.0/8 route-map X", message: "unexpected word"),
        BadLine(family: "l2vpn evpn", line: "network 10.0.0.0/8", message: "only valid in 'address-family ipv4 unicast' or 'ipv6 unicast'"),
        BadLine(family: "l2vpn evpn", line: "neighbor 10.1.0.2 next-hop-self", message: "EVPN next hops are never changed"),
        BadLine(family: "ipv4 unicast", line: "neighbor 10.1.0.2 next-hop-self always", message: "expected 'force'"),
    ])
    func badLinesSayWhatAndWhere(_ c: BadLine) {
        let text = Self.router([" address-family \(c.family)", "  \(c.line)", " exit-address-family"])
        let result = ConfigParser.parse(text: text, file: "bgp.conf")
        let error = result.errors.first
        #expect(error?.message.contains(c.message) == true, "\(result.diagnostics)")
        #expect(error?.location.line == 8)
    }
}
