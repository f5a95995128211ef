// What the evpnd executable calls: the check mode and the daemon's life from start to exit.

import Config
import Dispatch
import Glibc
// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

public enum DaemonMain {
    /// `evpnd --check`: prints every diagnostic; true when the file has no errors.
    public static func check(configPath: String) -> Bool {
        let result = ConfigParser.load(path: configPath, localAddresses: Sockets.localInterfaceAddresses())
        for diagnostic in result.diagnostics {
            printToStandardError(diagnostic.description)
        }
        guard result.config != nil else { return false }
        print("\(configPath): configuration OK")
        return true
    }

    /// Runs the daemon until SIGTERM or SIGINT; exits 1 if it cannot start (also when another evpnd holds `pidfile`).
    public static func run(options: DaemonOptions, logLevel: Logger.Level, pidfile pidfilePath: String? = nil) -> Never {
        ProcessTitle.initialize()
        blockStopAndReloadSignals()
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: logLevel) }
        let logger = Logger(label: "evpnd")
        let runtime: Runtime
        var pidfile: PidFile?
        do {
            pidfile = try pidfilePath.map { try PidFile(path: $0) }
            // Signals are taken by this thread with sigwait (below), not by Dispatch sources: see `waitForSignals`.
            var options = options
            options.handlesSignals = false
            runtime = try Runtime(options: options, logger: logger)
            runtime.onStopped = { [pidfile] in pidfile?.remove(); exit(0) }
            try runtime.start()
            try pidfile?.write()
        } catch {
            logger.critical("evpnd cannot start: \(error)")
            pidfile?.remove()
            exit(1)
        }
        // Dispatch handlers hold the runtime weakly: it lives as long as this frame, which is for ever.
        withExtendedLifetime(runtime) { waitForSignals(runtime) }
    }
}

/// One line to standard error, unbuffered (no Foundation FileHandle in the daemon).
func printToStandardError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
}
