// `evpnd --config FILE [--socket PATH] [--log-level LEVEL] [--port N] [--pidfile PATH] [--metrics ADDRESS:PORT]`,
// `evpnd --check --config FILE` and `evpnd --version`.

import ArgumentParser
import Config
import Daemon
import Logging

struct EvpndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evpnd",
        abstract: "A BGP-EVPN speaker for Linux, configured in FRR's dialect.",
        version: evpndVersion)

    @Option(name: .long, help: "Configuration file (the `router bgp` part of an frr.conf).")
    var config: String = "/etc/evpnd/evpnd.conf"

    @Option(name: .long, help: "Control socket for evpnctl.")
    var socket: String = "/run/evpnd/evpnd.sock"

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "TCP port to listen on for BGP.")
    var port: UInt16 = 179

    @Option(name: .long, help: "Write the pid to this file (libbsd pidfile: locked; a second evpnd with the same file refuses to start).")
    var pidfile: String?

    @Option(name: .long, help: "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (IPv6 as [ADDRESS]:PORT); overrides the file's 'metrics listen'.")
    var metrics: String?

    @Flag(name: .long, help: "Check the configuration, print every error, and exit 0 (good) or 1 (bad).")
    var check = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        if let metrics, MetricsEndpointConfig(endpoint: metrics) == nil {
            throw ValidationError("--metrics: expected ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), got '\(metrics)'")
        }
    }

    func run() throws {
        if check {
            let ok = DaemonMain.check(configPath: config)
            throw ExitCode(ok ? 0 : 1)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        var options = DaemonOptions(configPath: config, socketPath: socket, port: port)
        options.metricsEndpoint = metrics.flatMap { MetricsEndpointConfig(endpoint: $0) }
        // Never returns: dispatchMain() runs the engine queue; SIGTERM/SIGINT exit 0.
        DaemonMain.run(options: options, logLevel: level, pidfile: pidfile)
    }
}
