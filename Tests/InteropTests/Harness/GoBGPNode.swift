// One gobgpd of an interop test, in a namespace, with its API on that namespace's loopback (so every GoBGP of a
// test can use port 50051) and the `gobgp` CLI run inside the same namespace.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class GoBGPNode: @unchecked Sendable {
    let testbed: Testbed
    let namespace: String
    /// The configuration, and the log of gobgpd (`stem.log`), in the testbed's folder.
    let configPath: String
    let logDirectory: String

    init(_ testbed: Testbed, namespace: String, stem: String = "gobgp") {
        self.testbed = testbed
        self.namespace = namespace
        configPath = "\(testbed.dir)/\(stem).toml"
        logDirectory = testbed.dir
    }

    func start(config: String) throws {
        testbed.adopt(try startGoBGPDaemon(namespace: namespace, configPath: try writeLabFile(configPath, config),
                                           logDirectory: logDirectory))
    }

    func gobgp(_ arguments: [String]) throws -> String {
        try run(["ip", "netns", "exec", namespace, "gobgp", "-u", "127.0.0.1", "-p", "50051"] + arguments).output
    }

    /// Runs `gobgp -u 127.0.0.1 -p 50051 global rib -a evpn LINE` for every line of `lines` inside the namespace:
    /// one `xargs -P 2` started from here (not one process per route; one `gobgp` call costs about 8 ms, two at a
    /// time use both cores). xargs rather than a shell loop with `&`/`wait`: the test runner's children inherit a
    /// blocked SIGCHLD, so dash's `wait` never returns, and a blocked SIGTERM, hence SIGKILL on timeout.
    /// Throws if any call failed.
    func ribBatch(_ name: String, _ lines: String, timeout: TimeInterval = 90) throws {
        let path = try testbed.write("gobgp-\(name).args", lines)
        let log = "\(testbed.dir)/gobgp-\(name).log"
        let process = try Harness.launch(in: namespace, [Tools.find("xargs") ?? "/usr/bin/xargs", "-P", "2", "-L", "1", "-a", path,
                                                         Tools.find("gobgp") ?? "gobgp", "-u", "127.0.0.1", "-p", "50051",
                                                         "global", "rib", "-a", "evpn"], logPath: log)
        testbed.adopt(process)
        let done = waitUntil(timeout, interval: 0.1) { !process.isRunning }
        if !done { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        guard done, process.terminationStatus == 0 else {
            throw LabError("gobgp \(name) (\(done ? "exit \(process.terminationStatus)" : "timed out")): \(Harness.fileText(log).prefix(2000))")
        }
    }
}

extension Testbed {
    /// A gobgpd in `namespace` (not started yet).
    func gobgp(in namespace: String, stem: String = "gobgp") -> GoBGPNode { GoBGPNode(self, namespace: namespace, stem: stem) }
}

/// gobgpd in a namespace, with its API on the namespace's loopback and its log in `logDirectory/gobgpd.log`.
/// The caller owns the process (a `GoBGPNode` hands it to its testbed).
func startGoBGPDaemon(namespace: String, configPath: String, logDirectory: String) throws -> Process {
    try Harness.launch(in: namespace, [Tools.find("gobgpd") ?? "gobgpd", "-f", configPath, "--api-hosts", "127.0.0.1:50051",
                                       "-l", "warn"], logPath: "\(logDirectory)/gobgpd.log")
}
