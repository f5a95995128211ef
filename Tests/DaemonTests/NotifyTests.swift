// evpnd under a fake systemd: the test binds the $NOTIFY_SOCKET datagram socket (an abstract '@' name, as systemd
// uses) and runs the evpnd binary with WATCHDOG_USEC=1000000. It must say READY=1 once it listens, WATCHDOG=1
// within the interval, RELOADING=1 then READY=1 around SIGHUP, and STOPPING=1 on SIGTERM. No root needed.

import Foundation
import Testing
@testable import Daemon

/// A bound Unix datagram socket playing systemd's notify socket.
final class FakeNotifySocket {
    let fd: Int32
    /// What goes in $NOTIFY_SOCKET.
    let name: String

    init(abstract: Bool, directory: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Errno.current }
        name = abstract ? "@evpnd-test-notify-\(UInt32.random(in: 0..<UInt32.max))" : "\(directory)/notify"
        var bytes = try #require(SystemdNotifier.socketAddress(name))
        let ok = bytes.withUnsafeMutableBytes { raw in
            bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard ok == 0 else { throw Errno.current }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Datagrams as they arrive, each with the time it was read.
    var received: [(text: String, at: Date)] = []

    /// Reads until a datagram containing `line` (a whole line of it) arrives or `seconds` pass; returns its time.
    func waitFor(_ line: String, within seconds: Double) -> Date? {
        if let hit = received.first(where: { $0.text.split(separator: "\n").contains(Substring(line)) }) {
            received.removeAll { $0.at <= hit.at }
            return hit.at
        }
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            let now = Date()
            if text.split(separator: "\n").contains(Substring(line)) { return now }
            received.append((text, now))
        }
        return nil
    }
}

func daemonProcess(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
    let binDir = try #require(Binaries.directory, "evpnd is not built next to the tests")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "\(binDir)/evpnd")
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { environment[name] = nil }
    environment.merge(extra) { $1 }
    process.environment = environment
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    return process
}

@Suite(.serialized)
struct NotifyTests {
    @Test func socketAddresses() throws {
        let path = try #require(SystemdNotifier.socketAddress("/run/systemd/notify"))
        #expect(path.count == 2 + "/run/systemd/notify".utf8.count + 1, "family, path, NUL")
        let abstract = try #require(SystemdNotifier.socketAddress("@sd-notify"))
        #expect(abstract.count == 2 + "@sd-notify".utf8.count, "family, NUL, name: no terminator")
        #expect(abstract[2] == 0)
        #expect(SystemdNotifier.socketAddress("relative/path") == nil)
        #expect(SystemdNotifier.socketAddress("") == nil)
        #expect(SystemdNotifier.socketAddress("/" + String(repeating: "x", count: 200)) == nil)
    }

    @Test func watchdogOnlyForThisProcess() {
        let env: [String: String] = ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000000"]
        #expect(SystemdNotifier(environment: { env[$0] }).watchdogInterval == .milliseconds(500))
        let mine = env.merging(["WATCHDOG_PID": "\(getpid())"]) { $1 }
        #expect(SystemdNotifier(environment: { mine[$0] }).watchdogInterval == .milliseconds(500))
        let other = env.merging(["WATCHDOG_PID": "1"]) { $1 }
        #expect(SystemdNotifier(environment: { other[$0] }).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: { _ in nil }).isEnabled == false)
    }

    @Test(arguments: [true, false])
    func readyWatchdogReloadStopping(abstract: Bool) throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let notify = try FakeNotifySocket(abstract: abstract, directory: dir.path)
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let socket = "\(dir.path)/evpnd.sock"
        let daemon = try daemonProcess(["--config", config, "--socket", socket, "--port", "\(randomPort())"],
                                       environment: ["NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": "1000000"])
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }

        let ready = try #require(notify.waitFor("READY=1", within: 15), "no READY=1")
        #expect(FileManager.default.fileExists(atPath: socket), "READY=1 comes after the control socket is up")
        let watchdog = try #require(notify.waitFor("WATCHDOG=1", within: 1.0), "no WATCHDOG=1 within WATCHDOG_USEC")
        #expect(watchdog.timeIntervalSince(ready) < 1.0)
        // And again: a ping every half interval, not once.
        #expect(notify.waitFor("WATCHDOG=1", within: 1.0) != nil)

        kill(daemon.processIdentifier, SIGHUP)
        #expect(notify.waitFor("RELOADING=1", within: 5) != nil)
        #expect(notify.waitFor("READY=1", within: 5) != nil, "READY=1 after the reload")

        kill(daemon.processIdentifier, SIGTERM)
        #expect(notify.waitFor("STOPPING=1", within: 5) != nil)
        daemon.waitUntilExit()
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
    }

    @Test func statusCarriesThePeerCount() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let notify = try FakeNotifySocket(abstract: true, directory: dir.path)
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let daemon = try daemonProcess(["--config", config, "--socket", "\(dir.path)/s", "--port", "\(randomPort())"],
                                       environment: ["NOTIFY_SOCKET": notify.name])
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        #expect(notify.waitFor("STATUS=0/1 peers established", within: 15) != nil)
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
    }
}
