// The sd_notify protocol, spoken directly (no libsystemd): one datagram of `KEY=VALUE` lines to the Unix socket named
// by $NOTIFY_SOCKET. A name starting with '@' is in the abstract namespace (its first byte becomes NUL and the
// address length counts no terminator), as sd_notify(3) and systemd's src/libsystemd/sd-daemon/sd-daemon.c do.
//
// What evpnd says, and when (systemd.service(5), Type=notify):
//   READY=1             the configuration is loaded and the BGP listener and control socket are up
//   STATUS=...          "2/2 peers established", whenever that changes
//   WATCHDOG=1          every half of $WATCHDOG_USEC, while the engine queue runs (a stuck queue stops it)
//   RELOADING=1 READY=1 around a SIGHUP reload (systemctl reload)
//   STOPPING=1          on SIGTERM/SIGINT, before the Cease messages go out

import Glibc

public struct SystemdNotifier: Sendable {
    /// The socket address bytes and their length, or nil when not run by systemd.
    private let address: [UInt8]?
    /// Half of $WATCHDOG_USEC, when the watchdog is on and meant for this process ($WATCHDOG_PID unset or ours).
    public let watchdogInterval: Duration?

    public var isEnabled: Bool { address != nil }

    /// Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID.
    public init(environment: (String) -> String? = SystemdNotifier.getenvironment) {
        address = environment("NOTIFY_SOCKET").flatMap(Self.socketAddress)
        var interval: Duration?
        if let text = environment("WATCHDOG_USEC"), let usec = UInt64(text), usec > 0 {
            let forUs = environment("WATCHDOG_PID").map { UInt64($0) == UInt64(getpid()) } ?? true
            if forUs { interval = .microseconds(Int64(clamping: usec / 2)) }
        }
        watchdogInterval = interval
    }

    public static func getenvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// `sockaddr_un` bytes for a path or an '@' abstract name; nil for anything else (sd_notify ignores those too).
    static func socketAddress(_ name: String) -> [UInt8]? {
        var path = Array(name.utf8)
        guard let first = path.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        let abstract = first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let capacity = MemoryLayout<sockaddr_un>.size - pathOffset
        // A filesystem path needs room for its terminating NUL; an abstract name does not have one.
        guard path.count + (abstract ? 0 : 1) <= capacity else { return nil }
        var bytes = [UInt8](repeating: 0, count: pathOffset + path.count + (abstract ? 0 : 1))
        withUnsafeBytes(of: sa_family_t(AF_UNIX)) { family in
            for (i, byte) in family.enumerated() { bytes[i] = byte }
        }
        for (i, byte) in path.enumerated() { bytes[pathOffset + i] = byte }
        return bytes
    }

    /// Sends one datagram; true if it went out. Failures are not fatal: the daemon runs the same without systemd.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let address else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { closeDescriptor(fd) }
        let message = Array(state.utf8)
        let sent = try? syscall {
            address.withUnsafeBytes { raw in
                message.withUnsafeBytes { body in
                    sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL),
                           raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
                }
            }
        }
        return sent == message.count
    }
}
