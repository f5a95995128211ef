// FRR 8.4's graceful restart commands: what they resolve to per neighbor, how they are written back,
// and the errors for values out of FRR's ranges.

import BGPWire
import Testing
@testable import Config

struct GracefulRestartConfigTests {
    static let text = """
        router bgp 65000
         bgp router-id 10.0.0.1
         bgp graceful-restart
         bgp graceful-restart restart-time 90
         bgp graceful-restart stalepath-time 200
         bgp graceful-restart select-defer-time 30
         bgp graceful-restart preserve-fw-state
         neighbor RR peer-group
         neighbor RR remote-as 65000
         neighbor RR graceful-restart-helper
         neighbor 10.0.0.253 peer-group RR
         neighbor 10.0.0.254 peer-group RR
         neighbor 10.0.0.254 graceful-restart-disable
         neighbor 10.0.0.9 remote-as 65000
        exit
        """

    @Test func modesResolveNeighborThenGroupThenGlobal() throws {
        let result = ConfigParser.parse(text: Self.text, file: "gr.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        let gr = config.router.gracefulRestart
        #expect(gr.mode == .restart)
        #expect(gr.restartTime == 90 && gr.stalePathTime == 200 && gr.selectDeferTime == 30)
        #expect(gr.preserveForwardingState)
        let modes = Dictionary(uniqueKeysWithValues: config.resolvedNeighbors.map { ($0.address.description, $0.gracefulRestart) })
        #expect(modes == ["10.0.0.253": .helper, "10.0.0.254": .disable, "10.0.0.9": .restart])
    }

    @Test func defaultIsHelperOnlyAndDisableIsGlobal() throws {
        let plain = try #require(ConfigParser.parse(text: "router bgp 1\n neighbor 10.0.0.2 remote-as 1\n", file: "a").config)
        #expect(plain.resolvedNeighbors.first?.gracefulRestart == .helper)
        #expect(plain.router.gracefulRestart == GracefulRestartConfig())
        let off = try #require(ConfigParser.parse(text: "router bgp 1\n bgp graceful-restart-disable\n neighbor 10.0.0.2 remote-as 1\n", file: "b").config)
        #expect(off.resolvedNeighbors.first?.gracefulRestart == .disable)
    }

    @Test func noFormsGoBackToTheDefaults() throws {
        let text = Self.text.replacingOccurrences(of: "exit", with: """
             no bgp graceful-restart
             no bgp graceful-restart restart-time
             no bgp graceful-restart stalepath-time 200
             no bgp graceful-restart select-defer-time
             no bgp graceful-restart preserve-fw-state
             no neighbor 10.0.0.254 graceful-restart-disable
            exit
            """)
        let config = try #require(ConfigParser.parse(text: text, file: "c").config)
        #expect(config.router.gracefulRestart == GracefulRestartConfig())
        let modes = config.resolvedNeighbors.map(\.gracefulRestart)
        #expect(modes == [.helper, .helper, .helper])
    }

    @Test func runningConfigWritesItBackInFRRsWords() throws {
        let config = try #require(ConfigParser.parse(text: Self.text, file: "gr.conf").config)
        let text = config.runningConfigText
        for line in [" bgp graceful-restart stalepath-time 200", " bgp graceful-restart restart-time 90",
                     " bgp graceful-restart select-defer-time 30", " bgp graceful-restart", " bgp graceful-restart preserve-fw-state",
                     " neighbor RR graceful-restart-helper", " neighbor 10.0.0.254 graceful-restart-disable"] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "missing: \(line)")
        }
        let reparsed = try #require(ConfigParser.parse(text: text, file: "running").config)
        #expect(reparsed.router.gracefulRestart == config.router.gracefulRestart)
        #expect(reparsed.resolvedNeighbors == config.resolvedNeighbors)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var line: String
        var column: Int
        var message: String
        var testDescription: String { line }
    }

    static let bad: [Bad] = [
        Bad(line: "bgp graceful-restart restart-time 4096", column: 36, message: "restart-time must be 0..4095"),
        Bad(line: "bgp graceful-restart stalepath-time 0", column: 38, message: "stalepath-time must be 1..4095"),
        Bad(line: "bgp graceful-restart select-defer-time 3601", column: 41, message: "select-defer-time must be 0..3600"),
        Bad(line: "bgp graceful-restart restart-time", column: 23, message: "incomplete command"),
        Bad(line: "bgp graceful-restart forever", column: 23, message: "unknown 'bgp graceful-restart' command"),
        Bad(line: "bgp graceful-restart-disable now", column: 31, message: "unexpected word"),
        Bad(line: "neighbor 10.0.0.2 graceful-restart please", column: 37, message: "unexpected word"),
    ]

    @Test(arguments: bad) func badLines(_ c: Bad) throws {
        let result = ConfigParser.parse(text: "router bgp 1\n neighbor 10.0.0.2 remote-as 1\n \(c.line)\n", file: "bad.conf")
        let error = try #require(result.errors.first)
        #expect(error.location.line == 3)
        #expect(error.location.column == c.column, "\(error)")
        #expect(error.message.contains(c.message), "\(error)")
    }
}
