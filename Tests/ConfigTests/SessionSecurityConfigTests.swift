// `password`, `ttl-security hops` and `maximum-prefix`: parsed, inherited from peer groups, written back by
// `show running-config`, and bad values rejected with their line and column.
import BGPWire
import Config
import Testing

@Suite("Config: session security and limits")
struct SessionSecurityConfigTests {
    static let text = """
    router bgp 65000
     bgp router-id 10.0.0.1
     neighbor LEAVES peer-group
     neighbor LEAVES remote-as internal
     neighbor LEAVES password s3cret
     neighbor LEAVES ttl-security hops 1
     bgp listen range 10.1.0.0/24 peer-group LEAVES
     neighbor 10.0.0.2 remote-as 65001
     neighbor 10.0.0.2 password other
     neighbor 10.0.0.2 ttl-security hops 2
     address-family l2vpn evpn
      neighbor LEAVES activate
      neighbor LEAVES maximum-prefix 1000 restart 5
      neighbor 10.0.0.2 activate
      neighbor 10.0.0.2 maximum-prefix 20 90 warning-only
     exit-address-family
    """

    @Test func parsedAndResolved() throws {
        let result = ConfigParser.parse(text: Self.text, file: "sec.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        let neighbor = try #require(config.resolvedNeighbors.first)
        #expect(neighbor.password == "other")
        #expect(neighbor.ttlSecurityHops == 2)
        #expect(neighbor.maximumPrefix == MaximumPrefixConfig(limit: 20, thresholdPercent: 90, warningOnly: true))
        let range = try #require(config.resolvedListenRanges.first)
        #expect(range.template.password == "s3cret")
        #expect(range.template.ttlSecurityHops == 1)
        #expect(range.template.maximumPrefix == MaximumPrefixConfig(limit: 1000, restartMinutes: 5))
    }

    @Test func runningConfigWritesThemBack() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "sec.conf").config)
        let text = config.runningConfigText
        for line in [" neighbor LEAVES password s3cret", " neighbor LEAVES ttl-security hops 1",
                     " neighbor 10.0.0.2 ttl-security hops 2", "  neighbor LEAVES maximum-prefix 1000 restart 5",
                     "  neighbor 10.0.0.2 maximum-prefix 20 90 warning-only"] {
            #expect(text.contains(line + "\n"), "missing '\(line)' in\n\(text)")
        }
        let again = try #require(ConfigParser.parse(text: text, file: "running").config)
        #expect(again.resolvedNeighbors == config.resolvedNeighbors)
        #expect(again.resolvedListenRanges.map(\.template) == config.resolvedListenRanges.map(\.template))
    }

    @Test func negationRemoves() throws {
        let config = try #require(ConfigParser.parse(text: Self.text + """

         no neighbor 10.0.0.2 ttl-security hops 2
         no neighbor 10.0.0.2 password
         address-family l2vpn evpn
          no neighbor 10.0.0.2 maximum-prefix 20
         exit-address-family
        """, file: "sec.conf").config)
        let neighbor = try #require(config.resolvedNeighbors.first)
        #expect(neighbor.password == nil && neighbor.ttlSecurityHops == nil && neighbor.maximumPrefix == nil)
    }

    @Test(arguments: [
        (" neighbor 10.0.0.2 ttl-security hops 255", 38, "ttl-security hops must be 1..254"),
        (" neighbor 10.0.0.2 ttl-security 2", 33, "incomplete command"),
        (" neighbor 10.0.0.2 maximum-prefix 10", 20, "only valid inside 'address-family'"),
        (" address-family l2vpn evpn\n  neighbor 10.0.0.2 maximum-prefix 0", 36, "maximum-prefix must be 1..4294967295"),
        (" address-family l2vpn evpn\n  neighbor 10.0.0.2 maximum-prefix 10 restart", 39, "'restart' needs minutes"),
        (" address-family l2vpn evpn\n  neighbor 10.0.0.2 maximum-prefix 10 warning-only restart 1", 52,
         "expected 'restart MINUTES' or 'warning-only'"),
    ])
    func badLinesAreErrors(_ line: String, _ column: Int, _ message: String) throws {
        let text = "router bgp 65000\n neighbor 10.0.0.2 remote-as 65001\n" + line + "\n"
        let result = ConfigParser.parse(text: text, file: "bad.conf")
        let error = try #require(result.errors.first, "no error for \(line)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.location.column == column, "\(error)")
    }

    @Test func passwordNoLongerWarns() throws {
        let result = ConfigParser.parse(text: "router bgp 65000\n neighbor 10.0.0.2 remote-as 65001\n neighbor 10.0.0.2 password x\n",
                                        file: "p.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    }
}
