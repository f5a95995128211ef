// What `ps` shows for the daemon: `evpnd: VTEP 10.0.1.1, 2/2 peers` or `evpnd: reflector 10.0.0.253, 1/2 peers`,
// through libbsd's setproctitle (which overwrites the argv area, so /proc/PID/cmdline shows it too).

import CBSD
import Glibc

public enum ProcessTitle {
    /// Set once by `DaemonMain.run` before any Dispatch source exists, read afterwards on the engine queue only:
    /// a runtime inside a test process never touches the test runner's title.
    nonisolated(unsafe) private static var initialized = false

    /// libbsd's `setproctitle_init(argc, argv, environ)`: moves the environment away so the title has room.
    /// Call after the arguments have been parsed (the argv strings are overwritten by the first title).
    public static func initialize() {
        guard !initialized else { return }
        setproctitle_init(CommandLine.argc, CommandLine.unsafeArgv, environ)
        initialized = true
    }

    /// libbsd prefixes the program name: `set("VTEP 10.0.1.1, 2/2 peers")` shows `evpnd: VTEP 10.0.1.1, 2/2 peers`.
    static func set(_ title: String) {
        guard initialized else { return }
        cbsd_setproctitle(title)
    }

    /// The title's text for a role, an address and the peer counts.
    static func text(reflector: Bool, address: String, established: Int, total: Int) -> String {
        "\(reflector ? "reflector" : "VTEP") \(address), \(established)/\(total) peers"
    }
}
