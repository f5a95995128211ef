// One FRR instance of an interop test: `-N NAME` gives it its own paths (/var/run/frr/NAME/) and vtysh its
// target; its daemons (zebra for a VTEP, bgpd always, later bfdd) start in a namespace from one configuration
// file, in the order listed. FRR's daemons fork themselves away, so they are found by their pidfiles; the
// testbed kills them and removes the run directory on every path.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum FRRDaemon: String, Sendable {
    case zebra, bgpd, bfdd
}

final class FRRNode: @unchecked Sendable {
    let testbed: Testbed
    /// The instance name (`-N`), per run.
    let name: String
    let namespace: String
    /// Started in this order; without zebra, bgpd runs with `--no_zebra`.
    let daemons: [FRRDaemon]
    /// Added to every daemon's command line (e.g. `--log file:PATH`).
    let arguments: [String]
    let configPath: String
    /// Whether the testbed already knows to stop this instance and remove its run directory.
    private var registered = false
    var runDirectory: String { Self.runDirectory(name) }
    static func runDirectory(_ name: String) -> String { "/var/run/frr/\(name)" }
    /// Where a configuration's `log file` line should point: removed with the run directory.
    var log: String { "\(runDirectory)/bgpd.log" }

    /// The configuration is `configFile` in the testbed's folder (`NAME.conf` by default).
    init(_ testbed: Testbed, name: String, namespace: String, daemons: [FRRDaemon], arguments: [String] = [],
         configFile: String? = nil) {
        self.testbed = testbed
        self.name = name
        self.namespace = namespace
        self.daemons = daemons
        self.arguments = arguments
        configPath = "\(testbed.dir)/\(configFile ?? "\(name).conf")"
    }

    /// Writes `config` (readable by user frr) and starts the daemons.
    func start(config: String) throws {
        _ = try writeLabFile(configPath, config)
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        if !registered {
            registered = true
            testbed.removeOnClose(runDirectory)
            testbed.onClose { [self] in stop() }
        }
        try run(["chown", "frr:frr", "/var/run/frr", runDirectory])
        try restart()
    }

    /// Starts the daemons (again) with what is in `configPath` (`start` wrote it; a test may rewrite it); returns
    /// once bgpd answers vtysh.
    func restart() throws {
        for daemon in daemons {
            try? FileManager.default.removeItem(atPath: "\(runDirectory)/\(daemon.rawValue).pid")
            try runDaemonizing(["ip", "netns", "exec", namespace, "\(Tools.frrDir)/\(daemon.rawValue)", "-d", "-N", name,
                                "-f", configPath, "-u", "frr", "-g", "frr"]
                               + (daemon == .bgpd && !daemons.contains(.zebra) ? ["--no_zebra"] : []) + arguments,
                               logPath: "\(testbed.dir)/\(name)-\(daemon.rawValue)-start.log")
            let ready = waitUntil(10) {
                pid(daemon) != nil && (daemon != .bgpd || (try? vtysh("show bgp summary json")) != nil)
            }
            guard ready else { throw LabError("FRR \(daemon.rawValue) of \(name) did not start") }
        }
    }

    func pid(_ daemon: FRRDaemon = .bgpd) -> Int32? { livePID(inFile: "\(runDirectory)/\(daemon.rawValue).pid") }

    /// SIGKILL to one daemon; returns once it is gone.
    func kill(_ daemon: FRRDaemon = .bgpd) {
        guard let pid = pid(daemon) else { return }
        Glibc.kill(pid, SIGKILL)
        _ = waitUntil(5) { Glibc.kill(pid, 0) != 0 }
    }

    /// Every daemon gone (reverse order: bgpd before zebra).
    func stop() {
        for daemon in daemons.reversed() { kill(daemon) }
    }

    func vtysh(_ command: String, timeout: TimeInterval = 120) throws -> String {
        try run(["vtysh", "-N", name, "-c", command], timeout: timeout).output
    }

    func json(_ command: String) throws -> [String: Any] {
        try Harness.jsonObject(try vtysh(command), what: "\(name): \(command)")
    }

    /// `show bgp l2vpn evpn summary json`, peers keyed by address.
    func summary() throws -> [String: Any] { try json("show bgp l2vpn evpn summary json") }

    func peer(_ address: String) -> [String: Any]? {
        ((try? summary())?["peers"] as? [String: Any])?[address] as? [String: Any]
    }

    func peerState(_ address: String) -> String? { peer(address)?["state"] as? String }

    /// Every path of `show bgp l2vpn evpn route [detail] json`, with its RD and prefix (the best of each group).
    func evpnPaths(detail: Bool = false) -> [(rd: String, prefix: String, path: [String: Any])] {
        guard let routes = try? json("show bgp l2vpn evpn route\(detail ? " detail" : "") json") else { return [] }
        var result: [(String, String, [String: Any])] = []
        for (rd, value) in routes {
            guard let prefixes = value as? [String: Any] else { continue }
            for (prefix, p) in prefixes where prefix != "rd" {
                for path in ((p as? [String: Any])?["paths"] as? [[[String: Any]]]) ?? [] {
                    if let first = path.first { result.append((rd, prefix, first)) }
                }
            }
        }
        return result
    }
}

extension Testbed {
    /// An FRR instance named `name(role)` in `namespace` (not started yet).
    func frr(_ role: String, in namespace: String, daemons: [FRRDaemon], arguments: [String] = [],
             configFile: String? = nil) -> FRRNode {
        FRRNode(self, name: name(role), namespace: namespace, daemons: daemons, arguments: arguments, configFile: configFile)
    }
}
