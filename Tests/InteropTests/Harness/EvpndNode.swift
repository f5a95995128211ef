// One evpnd of an interop test: its configuration, control socket and log in the testbed's folder, the process
// started inside a namespace (and handed to the testbed, which kills it on every path), and evpnctl to ask it.

import ControlProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class EvpndNode: @unchecked Sendable {
    let testbed: Testbed
    let namespace: String
    /// `stem.conf`, `stem.sock` and `stem.log` in the testbed's folder.
    let configPath: String
    let socket: String
    let log: String
    private let lock = NSLock()
    private var current: Process?

    init(_ testbed: Testbed, namespace: String, stem: String) {
        self.testbed = testbed
        self.namespace = namespace
        configPath = "\(testbed.dir)/\(stem).conf"
        socket = "\(testbed.dir)/\(stem).sock"
        log = "\(testbed.dir)/\(stem).log"
    }

    /// The process of the last start (it may have exited since).
    var process: Process? { lock.withLock { current } }

    /// Writes `config` and starts evpnd; returns once its control socket exists. `appendLog` keeps the log of an
    /// earlier run of this node (a restart).
    @discardableResult
    func start(config: String, logLevel: String = "debug", appendLog: Bool = false) throws -> Process {
        _ = try writeLabFile(configPath, config)
        // A socket left by a killed run would make the wait below pass at once.
        unlink(socket)
        let process = try Harness.launch(in: namespace, ["\(testbed.bin)/evpnd", "--config", configPath, "--socket", socket,
                                                         "--log-level", logLevel], logPath: log, appendLog: appendLog)
        testbed.adopt(process)
        lock.withLock { current = process }
        guard waitUntil(10, { FileManager.default.fileExists(atPath: socket) }) else {
            throw LabError("evpnd in \(namespace) did not open its control socket; log:\n\(logText.suffix(3000))")
        }
        return process
    }

    var logText: String { Harness.fileText(log) }

    /// `evpnctl -s SOCKET WORDS...`, its output.
    func evpnctl(_ words: [String], timeout: TimeInterval = 120) throws -> String {
        try run(["\(testbed.bin)/evpnctl", "-s", socket] + words, timeout: timeout).output
    }

    func summary() throws -> BGPSummary {
        try JSONDecoder().decode(BGPSummary.self, from: Data(evpnctl(["show", "bgp", "l2vpn", "evpn", "summary", "--json"]).utf8))
    }

    func peer(_ address: String) -> BGPSummary.Peer? { (try? summary())?.peers[address] }

    /// Descriptors evpnd keeps and its resident memory (kB), from /proc (`ProcessResources`).
    func resources() throws -> (fds: Int, rssKB: Int) {
        guard let pid = process?.processIdentifier else { throw LabError("evpnd is not running") }
        return try ProcessResources.read(pid)
    }

    /// "RD prefix" of every route in the l2vpn evpn table (FRR's JSON shape).
    func routePrefixes() throws -> Set<String> {
        let table = try Harness.jsonObject(try evpnctl(["show", "bgp", "l2vpn", "evpn", "route", "--json"]), what: "route table")
        var out: Set<String> = []
        for (rd, value) in table {
            guard let prefixes = value as? [String: Any] else { continue }
            for prefix in prefixes.keys where prefix.hasPrefix("[") { out.insert("\(rd) \(prefix)") }
        }
        return out
    }
}

extension Testbed {
    /// An evpnd in `namespace` whose files are named after `stem` (not started yet).
    func evpnd(in namespace: String, stem: String) -> EvpndNode { EvpndNode(self, namespace: namespace, stem: stem) }
}
