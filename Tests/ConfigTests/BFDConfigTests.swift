// FRR 8.4's BFD commands: bfdd's `bfd` stanza (profiles, peers) and bgpd's `neighbor X bfd ...`; FRR's
// defaults and ranges, FILE:LINE:COLUMN errors for everything outside them, and the running-config round trip.

import BGPWire
import Testing
@testable import Config

struct BFDConfigTests {
    static let text = """
        frr defaults datacenter
        hostname vtep1
        !
        router bgp 65000
         bgp router-id 10.0.0.1
         neighbor RR peer-group
         neighbor RR remote-as 65000
         neighbor RR bfd profile fast
         neighbor 10.0.0.253 peer-group RR
         neighbor 10.0.0.254 peer-group RR
         neighbor 10.0.0.254 bfd
         neighbor 10.0.0.254 bfd check-control-plane-failure
         neighbor 10.0.0.9 remote-as 65000
        exit
        !
        bfd
         profile fast
          transmit-interval 100
          receive-interval 100
          detect-multiplier 3
         exit
         !
         profile shy
          passive-mode
          minimum-ttl 250
          shutdown
         exit
         !
         peer 10.0.0.253
          profile fast
         exit
         !
         peer 10.0.0.254 interface eth0
          detect-multiplier 5
         exit
         !
         peer 192.0.2.1 multihop local-address 10.0.0.1
          profile shy
          receive-interval 1000
          minimum-ttl 200
         exit
         !
        exit
        !
        """

    @Test func stanzaParses() throws {
        let result = ConfigParser.parse(text: Self.text, file: "bfd.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.bfd.profiles.map(\.name) == ["fast", "shy"])
        #expect(config.bfd.peers.map(\.commandText) == [
            "peer 10.0.0.253", "peer 10.0.0.254 interface eth0", "peer 192.0.2.1 multihop local-address 10.0.0.1"])
        let resolved = config.bfd.peers.map { config.bfd.resolved($0) }
        // A profile's values, FRR's defaults under them, a peer's own values over them.
        #expect(resolved[0] == ResolvedBFDSettings(transmitInterval: 100, receiveInterval: 100, detectMultiplier: 3,
                                                   passiveMode: false, minimumTTL: 254, shutdown: false))
        #expect(resolved[1] == ResolvedBFDSettings(transmitInterval: 300, receiveInterval: 300, detectMultiplier: 5,
                                                   passiveMode: false, minimumTTL: 254, shutdown: false))
        #expect(resolved[2] == ResolvedBFDSettings(transmitInterval: 300, receiveInterval: 1000, detectMultiplier: 3,
                                                   passiveMode: true, minimumTTL: 200, shutdown: true))
        #expect(config.bfd.peers[2].multihop && config.bfd.peers[2].localAddress == IPAddress("10.0.0.1"))
    }

    @Test func neighborBFDResolvesOwnThenGroup() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "bfd.conf").config)
        let bfd = Dictionary(uniqueKeysWithValues: config.resolvedNeighbors.map { ($0.address.description, $0.bfd) })
        #expect(bfd["10.0.0.253"] == NeighborBFDConfig(profile: "fast"))
        #expect(bfd["10.0.0.254"] == NeighborBFDConfig(profile: nil, checkControlPlaneFailure: true))
        #expect(bfd["10.0.0.9"] == .some(nil))
    }

    @Test func defaultsAreFRRs() {
        let d = BFDConfig().resolve(BFDSettingsConfig(), profile: nil)
        #expect(d == ResolvedBFDSettings(transmitInterval: 300, receiveInterval: 300, detectMultiplier: 3,
                                         passiveMode: false, minimumTTL: 254, shutdown: false))
    }

    @Test func runningConfigRoundTrips() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "bfd.conf").config)
        let text = config.runningConfigText
        for line in ["bfd", " profile fast", "  transmit-interval 100", " peer 192.0.2.1 multihop local-address 10.0.0.1",
                     "  minimum-ttl 200", "  profile shy", " neighbor RR bfd profile fast", " neighbor 10.0.0.254 bfd",
                     " neighbor 10.0.0.254 bfd check-control-plane-failure", "  passive-mode", "  shutdown"] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "missing: \(line)\n\(text)")
        }
        let again = ConfigParser.parse(text: text, file: "running-config")
        #expect(again.diagnostics.isEmpty, "\(again.diagnostics)\n\(text)")
        let reparsed = try #require(again.config)
        #expect(reparsed.bfd.peers.map(\.commandText) == config.bfd.peers.map(\.commandText))
        #expect(reparsed.bfd.peers.map { reparsed.bfd.resolved($0) } == config.bfd.peers.map { config.bfd.resolved($0) })
        #expect(reparsed.bfd.profiles.map(\.settings) == config.bfd.profiles.map(\.settings))
        #expect(reparsed.resolvedNeighbors == config.resolvedNeighbors)
        #expect(reparsed.runningConfigText == text)
    }

    /// The stanza without `exit` lines, as people write it: the next `peer`, `profile` or `router` leaves the node.
    @Test func nodesWithoutExit() throws {
        let text = """
            bfd
             profile p
              detect-multiplier 4
             peer 10.0.0.2
              transmit-interval 50
             peer 10.0.0.3
            router bgp 1
             neighbor 10.0.0.2 remote-as 1
             neighbor 10.0.0.2 bfd
            """
        let result = ConfigParser.parse(text: text, file: "a.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.bfd.profiles.first?.settings.detectMultiplier == 4)
        #expect(config.bfd.peers.map(\.settings.transmitInterval) == [50, nil])
        #expect(config.resolvedNeighbors.first?.bfd == NeighborBFDConfig())
    }

    @Test func noFormsAndReentry() throws {
        let text = """
            router bgp 1
             neighbor 10.0.0.2 remote-as 1
             neighbor 10.0.0.2 bfd profile p
             no neighbor 10.0.0.2 bfd profile
            exit
            bfd
             peer 10.0.0.2
              passive-mode
              transmit-interval 20
              no transmit-interval
             exit
             peer 10.0.0.9
             exit
             no peer 10.0.0.9
             peer 10.0.0.2
              no passive-mode
             exit
            exit
            """
        let result = ConfigParser.parse(text: text, file: "a.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.bfd.peers.count == 1)
        #expect(config.bfd.peers.first?.settings.passiveMode == false)
        #expect(config.bfd.peers.first?.settings.transmitInterval == nil)
        #expect(config.resolvedNeighbors.first?.bfd == NeighborBFDConfig(profile: nil))
    }

    @Test func undefinedProfileIsAWarning() throws {
        let text = "router bgp 1\n neighbor 10.0.0.2 remote-as 1\n neighbor 10.0.0.2 bfd profile nosuch\n"
        let result = ConfigParser.parse(text: text, file: "w.conf")
        #expect(result.errors.isEmpty)
        let warning = try #require(result.warnings.first)
        #expect("\(warning)" == "w.conf:3:32: warning: BFD profile is not defined in this file; FRR's defaults apply: 'nosuch'")
    }

    @Test func echoCommandsWarnAndLoad() throws {
        let text = "router bgp 1\nbfd\n profile p\n  echo-mode\n  echo-interval 50\n"
        let result = ConfigParser.parse(text: text, file: "e.conf")
        #expect(result.errors.isEmpty)
        #expect(result.warnings.count == 2)
        #expect(result.warnings.allSatisfy { $0.message.contains("Echo function is not supported") })
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        /// Lines after `bfd` (the stanza's own lines) or, with `neighbor`, inside `router bgp`.
        var lines: [String]
        var column: Int
        var message: String
        var testDescription: String { lines.last ?? "" }
    }

    static let bad: [Bad] = [
        Bad(lines: [" profile p", "  transmit-interval 9"], column: 21, message: "transmit-interval (milliseconds) must be 10..60000"),
        Bad(lines: [" profile p", "  transmit-interval 60001"], column: 21, message: "transmit-interval (milliseconds) must be 10..60000"),
        Bad(lines: [" profile p", "  receive-interval 9"], column: 20, message: "receive-interval (milliseconds) must be 10..60000"),
        Bad(lines: [" profile p", "  receive-interval 60001"], column: 20, message: "receive-interval (milliseconds) must be 10..60000"),
        Bad(lines: [" profile p", "  detect-multiplier 1"], column: 21, message: "detect-multiplier must be 2..255"),
        Bad(lines: [" profile p", "  detect-multiplier 256"], column: 21, message: "detect-multiplier must be 2..255"),
        Bad(lines: [" profile p", "  detect-multiplier three"], column: 21, message: "detect-multiplier must be a number"),
        Bad(lines: [" profile p", "  minimum-ttl 0"], column: 15, message: "minimum-ttl must be 1..254"),
        Bad(lines: [" profile p", "  minimum-ttl 255"], column: 15, message: "minimum-ttl must be 1..254"),
        Bad(lines: [" profile p", "  transmit-interval"], column: 3, message: "incomplete command"),
        Bad(lines: [" profile p", "  transmit-interval 100 200"], column: 25, message: "unexpected word"),
        Bad(lines: [" profile p", "  passive-mode yes"], column: 16, message: "unexpected word"),
        Bad(lines: [" profile p", "  bogus 1"], column: 3, message: "unknown command"),
        Bad(lines: [" peer 10.0.0.2", "  minimum-ttl 10"], column: 3, message: "minimum-ttl is only available for multihop sessions"),
        Bad(lines: [" peer 10.0.0.2", "  transmit-interval 5"], column: 21, message: "transmit-interval (milliseconds) must be 10..60000"),
        Bad(lines: [" peer 10.0.0.2 multihop"], column: 2, message: "local-address is required when using multihop"),
        Bad(lines: [" peer 10.0.0.256"], column: 7, message: "bad peer address"),
        Bad(lines: [" peer 10.0.0.2 local-address fe80::1"], column: 30, message: "different address families"),
        Bad(lines: [" peer 10.0.0.2 local-address"], column: 16, message: "'local-address' needs a value"),
        Bad(lines: [" peer 10.0.0.2 interface eth0 interface eth1"], column: 31, message: "'interface' given twice"),
        Bad(lines: [" peer 10.0.0.2 vrf red"], column: 20, message: "BFD in a VRF is not supported"),
        Bad(lines: [" peer 10.0.0.2 echo"], column: 16, message: "unexpected word"),
        Bad(lines: [" peer"], column: 2, message: "'peer' needs an address"),
        Bad(lines: [" profile " + String(repeating: "x", count: 64)], column: 10, message: "profile name longer than 63 characters"),
        Bad(lines: [" unknown-thing"], column: 2, message: "unknown command"),
        Bad(lines: ["neighbor", " neighbor 10.0.0.2 bfd fast"], column: 24, message: "unknown 'neighbor bfd' option"),
        Bad(lines: ["neighbor", " neighbor 10.0.0.2 bfd 3 300 300"], column: 24, message: "use a bfd profile"),
        Bad(lines: ["neighbor", " neighbor 10.0.0.2 bfd profile"], column: 24, message: "incomplete command"),
        Bad(lines: ["neighbor", " neighbor 10.0.0.2 bfd profile a b"], column: 34, message: "unexpected word"),
        Bad(lines: ["neighbor", " neighbor 10.0.0.3 bfd"], column: 11, message: "specify remote-as or peer-group commands first"),
    ]

    @Test(arguments: bad) func badLines(_ c: Bad) throws {
        let text: String
        if c.lines.first == "neighbor" {
            text = "router bgp 1\n neighbor 10.0.0.2 remote-as 1\n" + c.lines.dropFirst().joined(separator: "\n") + "\n"
        } else {
            text = "router bgp 1\n neighbor 10.0.0.2 remote-as 1\nexit\nbfd\n" + c.lines.joined(separator: "\n") + "\n"
        }
        let result = ConfigParser.parse(text: text, file: "bad.conf")
        #expect(result.config == nil)
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1, "\(result.errors)")
        let lineCount = text.split(separator: "\n").count
        #expect(error.location.file == "bad.conf")
        #expect(error.location.line == lineCount, "\(error)")
        #expect(error.location.column == c.column, "\(error)")
        #expect(error.message.contains(c.message), "\(error)")
    }
}
