// What the evpnd executable calls: the check mode and the daemon's life from start to exit.

import Config
import Dispatch
import Foundation
import Logging

public enum DaemonMain {
    /// `evpnd --check`: prints every diagnostic; true when the file has no errors.
    public static func check(configPath: String) -> Bool {
        let result = ConfigParser.load(path: configPath, localAddresses: Sockets.localInterfaceAddresses())
        for diagnostic in result.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
        guard result.config != nil else { return false }
        print("\(configPath): configuration OK")
        return true
    }

    /// Runs the daemon until SIGTERM or SIGINT; exits 1 if it cannot start.
    public static func run(options: DaemonOptions, logLevel: Logger.Level) -> Never {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "evpnd")
        let runtime: Runtime
        do {
            runtime = try Runtime(options: options, logger: logger)
            runtime.onStopped = { exit(0) }
            try runtime.start()
        } catch {
            logger.critical("evpnd cannot start: \(error)")
            exit(1)
        }
        // Dispatch handlers hold the runtime weakly: it lives as long as this frame, which is for ever.
        withExtendedLifetime(runtime) { dispatchMain() }
    }
}
