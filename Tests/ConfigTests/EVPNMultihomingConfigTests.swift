import BGPWire
import Testing
@testable import Config

/// zebra's `evpn mh` lines (per interface and global) and bgpd's multihoming lines under l2vpn evpn, as FRR 8.4
/// writes them, plus evpnd's two extensions.
struct EVPNMultihomingConfigTests {
    /// A switch of the demo: two server ports, one uplink, FRR's own syntax throughout.
    static let text = """
        frr defaults datacenter
        hostname sw1
        evpn mh mac-holdtime 600
        evpn mh neigh-holdtime 600
        evpn mh startup-delay 30
        interface server1
         ip address 10.1.0.1/24
         evpn mh es-sys-mac 44:38:39:ff:ff:01
         evpn mh es-id 1
         evpn mh es-df-pref 50000
        exit
        interface server2
         evpn mh es-id 03:44:38:39:ff:ff:02:00:00:07
        exit
        interface uplink1
         evpn mh uplink
        exit
        router bgp 65000
         bgp router-id 10.0.0.1
         neighbor 10.0.0.253 remote-as 65000
         address-family l2vpn evpn
          neighbor 10.0.0.253 activate
          advertise-all-vni
          ead-es-frag evi-limit 64
          disable-ead-evi-rx
          disable-ead-evi-tx
         exit-address-family
        exit
        """

    @Test func frrSyntaxParses() throws {
        let result = ConfigParser.parse(text: Self.text, file: "sw1.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        // `ip address` is still zebra's: skipped with the one warning, and nothing else warned about.
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.message.contains("interface") == true)
        let config = try #require(result.config)
        let mh = config.multihoming
        #expect(mh.resolvedStartupDelay == 30)
        #expect(mh.resolvedMACHoldTime == 600)
        #expect(mh.resolvedNeighHoldTime == 600)
        #expect(mh.interfaces.map(\.name) == ["server1", "server2", "uplink1"])
        // Numeric es-id + es-sys-mac: the type-3 ESI 03:<sys-mac>:<3-octet id>.
        #expect(mh.interfaces[0].esi?.description == "03:44:38:39:ff:ff:01:00:00:01")
        #expect(mh.interfaces[0].resolvedDFPreference == 50000)
        #expect(mh.interfaces[1].esi == EthernetSegmentIdentifier("03:44:38:39:ff:ff:02:00:00:07"))
        #expect(mh.interfaces[1].resolvedDFPreference == 32767)
        #expect(mh.interfaces[1].resolvedDFAlgorithm == .preference)
        #expect(!mh.interfaces[1].singleActive)
        #expect(mh.interfaces[2].uplink && mh.interfaces[2].esi == nil)
        #expect(mh.ethernetSegments.map(\.name) == ["server1", "server2"])
        let bgp = config.router.evpnMultihoming
        #expect(bgp.resolvedEVILimit == 64)
        #expect(bgp.disableEADEVIReceive && bgp.disableEADEVITransmit)
    }

    @Test func frrDefaults() throws {
        let config = try #require(ConfigParser.parse(text: "router bgp 1\n", file: "t.conf").config)
        #expect(config.multihoming.resolvedStartupDelay == 180)
        #expect(config.multihoming.resolvedMACHoldTime == 1080)
        #expect(config.multihoming.resolvedNeighHoldTime == 1080)
        #expect(config.multihoming.interfaces.isEmpty)
        #expect(config.router.evpnMultihoming.resolvedEVILimit == 128)
        #expect(!config.router.evpnMultihoming.disableEADEVITransmit)
        #expect(!config.runningConfigText.contains("evpn mh"))
    }

    @Test func runningConfigRoundTrips() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "sw1.conf").config)
        let text = config.runningConfigText
        let lines = text.split(separator: "\n").map(String.init)
        for line in ["evpn mh mac-holdtime 600", "evpn mh startup-delay 30", "interface server1", " evpn mh es-sys-mac 44:38:39:ff:ff:01",
                     " evpn mh es-id 1", " evpn mh es-df-pref 50000", " evpn mh es-id 03:44:38:39:ff:ff:02:00:00:07",
                     " evpn mh uplink", "  ead-es-frag evi-limit 64", "  disable-ead-evi-rx", "  disable-ead-evi-tx"] {
            #expect(lines.contains(line), "missing: \(line)\n\(text)")
        }
        let again = ConfigParser.parse(text: text, file: "running-config")
        #expect(again.diagnostics.isEmpty, "\(again.diagnostics)\n\(text)")
        let reparsed = try #require(again.config)
        #expect(reparsed.multihoming.interfaces.map(\.esi) == config.multihoming.interfaces.map(\.esi))
        #expect(reparsed.multihoming.interfaces.map(\.lines) == config.multihoming.interfaces.map(\.lines))
        #expect(reparsed.router.evpnMultihoming == config.router.evpnMultihoming)
        #expect(reparsed.runningConfigText == text)
    }

    @Test func extensionsParseWarnAndRoundTrip() throws {
        let text = """
            interface server1
             evpn mh es-id 00:11:22:33:44:55:66:77:88:99
             evpn mh es-df-alg hrw
             evpn mh es-redundancy single-active
            exit
            router bgp 1
            """
        let result = ConfigParser.parse(text: text, file: "ext.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        // `--check` prints every diagnostic: one warning per extension line, at the extension's word.
        #expect(result.warnings.map(\.location.line) == [3, 4])
        #expect(result.warnings.allSatisfy { $0.message.contains("evpnd extension") })
        #expect(result.warnings.map(\.location.column) == [10, 10])
        let config = try #require(result.config)
        let interface = try #require(config.multihoming.interfaces.first)
        #expect(interface.resolvedDFAlgorithm == .hrw)
        #expect(interface.resolvedDFAlgorithm.algorithm == .highestRandomWeight)
        #expect(interface.singleActive)
        let again = try #require(ConfigParser.parse(text: config.runningConfigText, file: "rc").config)
        #expect(again.multihoming == config.multihoming.withoutLocations(as: again.multihoming))
    }

    @Test func negationsUndo() throws {
        let text = """
            evpn mh startup-delay 10
            no evpn mh startup-delay
            interface server1
             evpn mh es-id 5
             evpn mh es-sys-mac 44:38:39:ff:ff:01
             evpn mh es-df-pref 100
             no evpn mh es-df-pref
            exit
            router bgp 1
             address-family l2vpn evpn
              disable-ead-evi-tx
              no disable-ead-evi-tx
              ead-es-frag evi-limit 10
              no ead-es-frag evi-limit
            """
        let result = ConfigParser.parse(text: text, file: "no.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.multihoming.startupDelay == nil)
        #expect(config.multihoming.interfaces.first?.dfPreference == nil)
        #expect(config.router.evpnMultihoming == EVPNMultihomingBGPConfig())
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var lines: [String]
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { message }
    }

    /// Each error at FILE:LINE:COLUMN, and the file refused.
    @Test(arguments: [
        Bad(lines: ["interface a", " evpn mh es-id 0"], line: 2, column: 16, message: "es-id must be 1..16777215 or an ESI"),
        Bad(lines: ["interface a", " evpn mh es-id 16777216"], line: 2, column: 16, message: "es-id must be 1..16777215 or an ESI"),
        Bad(lines: ["interface a", " evpn mh es-id 00:11:22"], line: 2, column: 16, message: "bad ESI"),
        Bad(lines: ["interface a", " evpn mh es-id 00:11:22:33:44:55:66:77:88:zz"], line: 2, column: 16, message: "bad ESI"),
        Bad(lines: ["interface a", " evpn mh es-id 00:00:00:00:00:00:00:00:00:00"], line: 2, column: 16, message: "reserved ESI"),
        Bad(lines: ["interface a", " evpn mh es-id ff:ff:ff:ff:ff:ff:ff:ff:ff:ff"], line: 2, column: 16, message: "reserved ESI"),
        Bad(lines: ["interface a", " evpn mh es-id 06:11:22:33:44:55:66:77:88:99"], line: 2, column: 16, message: "unknown ESI type 6"),
        Bad(lines: ["interface a", " evpn mh es-id 7"], line: 2, column: 16, message: "needs 'evpn mh es-sys-mac'"),
        Bad(lines: ["interface a", " evpn mh es-sys-mac 44:38:39:ff:ff:01"], line: 2, column: 21, message: "es-sys-mac without an es-id"),
        Bad(lines: ["interface a", " evpn mh es-sys-mac 01:00:5e:00:00:01"], line: 2, column: 21, message: "unicast MAC"),
        Bad(lines: ["interface a", " evpn mh es-sys-mac 44:38:39:ff:ff"], line: 2, column: 21, message: "bad MAC address"),
        Bad(lines: ["interface a", " evpn mh es-id 00:11:22:33:44:55:66:77:88:99", " evpn mh es-sys-mac 44:38:39:ff:ff:01"],
            line: 3, column: 21, message: "es-sys-mac goes with a numeric es-id only"),
        Bad(lines: ["interface a", " evpn mh es-df-pref 0"], line: 2, column: 21, message: "es-df-pref must be 1..65535"),
        Bad(lines: ["interface a", " evpn mh es-df-pref 65536"], line: 2, column: 21, message: "es-df-pref must be 1..65535"),
        Bad(lines: ["interface a", " evpn mh es-df-alg fastest"], line: 2, column: 20, message: "expected 'preference', 'hrw' or 'modulo'"),
        Bad(lines: ["interface a", " evpn mh bypass"], line: 2, column: 10, message: "no bonding driver"),
        Bad(lines: ["interface a", " evpn mh es-id 1 2"], line: 2, column: 18, message: "unexpected word"),
        Bad(lines: ["interface a", " evpn mh es-id 1", " evpn mh es-sys-mac 44:38:39:ff:ff:01", " evpn mh uplink"],
            line: 2, column: 16, message: "an uplink cannot be an Ethernet Segment"),
        // The same ESI on two ports, written two ways: the second one is the error, naming the first.
        Bad(lines: ["interface a", " evpn mh es-id 1", " evpn mh es-sys-mac 44:38:39:ff:ff:01", "exit",
                    "interface b", " evpn mh es-id 03:44:38:39:ff:ff:01:00:00:01", "exit"],
            line: 6, column: 16, message: "already the ES of interface a (line 2)"),
        Bad(lines: ["evpn mh startup-delay 3601"], line: 1, column: 23, message: "startup-delay must be 0..3600"),
        Bad(lines: ["evpn mh mac-holdtime 86401"], line: 1, column: 22, message: "mac-holdtime must be 0..86400 seconds"),
        Bad(lines: ["evpn mh neigh-holdtime -1"], line: 1, column: 24, message: "neigh-holdtime must be 0..86400 seconds"),
        Bad(lines: ["evpn mh es-id 1"], line: 1, column: 9, message: "only valid inside 'interface IFNAME'"),
        Bad(lines: ["evpn mh redirect-off"], line: 1, column: 9, message: "unknown 'evpn mh' command"),
        Bad(lines: ["router bgp 1", " address-family l2vpn evpn", "  ead-es-frag evi-limit 1001"], line: 3, column: 25,
            message: "evi-limit must be 1..1000"),
        Bad(lines: ["router bgp 1", " address-family ipv4 unicast", "  disable-ead-evi-rx"], line: 3, column: 3,
            message: "only valid in 'address-family l2vpn evpn'"),
    ])
    func errorsPointAtTheWord(_ bad: Bad) throws {
        let text = bad.lines.joined(separator: "\n") + (bad.lines.contains { $0.hasPrefix("router bgp") } ? "" : "\nrouter bgp 1")
        let result = ConfigParser.parse(text: text, file: "bad.conf")
        #expect(result.config == nil)
        let error = try #require(result.errors.first, "\(result.diagnostics)")
        #expect(error.message.contains(bad.message), "\(error)")
        #expect(error.location == SourceLocation(file: "bad.conf", line: bad.line, column: bad.column), "\(error)")
        #expect(error.description.hasPrefix("bad.conf:\(bad.line):\(bad.column): error: "))
    }

    @Test func otherInterfaceLinesStaySkipped() throws {
        let text = """
            interface eth0
             ip address 10.0.0.1/24
             description uplink
            interface eth1
             evpn mh uplink
            router bgp 1
            """
        let result = ConfigParser.parse(text: text, file: "t.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let warning = try #require(result.warnings.first)
        #expect(result.warnings.count == 1)
        // At the `interface` line of the stanza whose lines were skipped.
        #expect(warning.location.line == 1)
        #expect(warning.message.contains("interface"))
        let config = try #require(result.config)
        #expect(config.multihoming.interfaces.map(\.name) == ["eth0", "eth1"])
        #expect(config.multihoming.interfaces[1].uplink)
        #expect(config.router.asn == 1)
    }
}

extension EVPNMultihomingConfig {
    /// This configuration with the source locations of `other` (a reparse of its running config has its own).
    func withoutLocations(as other: EVPNMultihomingConfig) -> EVPNMultihomingConfig {
        var copy = self
        for index in copy.interfaces.indices where index < other.interfaces.count {
            copy.interfaces[index].location = other.interfaces[index].location
            copy.interfaces[index].esIDLocation = other.interfaces[index].esIDLocation
            copy.interfaces[index].systemMACLocation = other.interfaces[index].systemMACLocation
        }
        return copy
    }
}
