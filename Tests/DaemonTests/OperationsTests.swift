// The operator's side of the executables: `evpnd --check` on the broken-input table and the examples in conf/,
// `evpnctl show running-config` and `clear bgp` with their exit statuses, the control socket's mode, the process
// title `ps` shows (libbsd setproctitle), and the pidfile (libbsd pidfile) refusing a second daemon. No root needed.

import ControlProtocol
import Foundation
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A running evpnd for one test; killed if the test did not stop it.
final class RunningDaemon {
    let process: Process
    let socket: String
    init(config: String, directory: String, extra: [String] = []) throws {
        socket = "\(directory)/evpnd-\(UInt32.random(in: 0..<UInt32.max)).sock"
        process = try daemonProcess(["--config", config, "--socket", socket, "--port", "\(randomPort())"] + extra)
        try process.run()
    }
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
    func waitUntilUp() -> Bool { waitFor(10) { FileManager.default.fileExists(atPath: socket) } }
    func terminate() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite(.serialized)
struct OperationsTests {
    struct Broken: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var line: Int
        var message: String
        var testDescription: String { name }
        init(_ name: String, _ text: String, line: Int, _ message: String) {
            self.init(name, Array(text.utf8), line: line, message)
        }
        init(_ name: String, _ bytes: [UInt8], line: Int, _ message: String) {
            self.name = name
            self.bytes = bytes
            self.line = line
            self.message = message
        }
    }

    /// The table: each is refused by `evpnd --check` with exit 1 and its FILE:LINE error.
    static let broken: [Broken] = [
        Broken("unknown command", "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n frobnicate\n", line: 3, "unknown command"),
        Broken("bad address", "router bgp 1\n bgp router-id 10.0.0.256\n", line: 2, "bad IPv4 address"),
        Broken("missing router bgp", "hostname x\nneighbor 10.0.0.2 remote-as 2\n", line: 2, "only valid inside 'router bgp'"),
        Broken("duplicate neighbor", "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 remote-as 3\n", line: 3,
               "duplicate neighbor"),
        Broken("peer group before definition", "router bgp 1\n neighbor 10.0.0.2 peer-group G\n neighbor G peer-group\n", line: 2,
               "used before it is defined"),
        Broken("AS out of range", "router bgp 4294967296\n", line: 1, "AS number out of range"),
        Broken("empty file", "", line: 1, "empty configuration"),
        Broken("binary file", [0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x00, 0x02, 0x01], line: 2, "binary file"),
    ]

    @Test(arguments: broken)
    func checkRefuses(_ c: Broken) throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let path = "\(dir.path)/broken.conf"
        try Data(c.bytes).write(to: URL(fileURLWithPath: path))
        let result = try Binaries.run("evpnd", ["--check", "--config", path])
        #expect(result.status == 1, "\(result)")
        #expect(result.error.contains("\(path):\(c.line):"), "\(result.error)")
        #expect(result.error.contains(": error: ") && result.error.contains(c.message), "\(result.error)")
        #expect(!result.output.contains("configuration OK"))
    }

    @Test(arguments: ["vtep.conf", "reflector.conf"])
    func checkAcceptsTheExamples(_ name: String) throws {
        let result = try Binaries.run("evpnd", ["--check", "--config", "\(repositoryRoot)/conf/\(name)"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("configuration OK"))
    }

    @Test func runningConfigAndClear() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: 1179, source: "127.0.0.1"))
        let daemon = try RunningDaemon(config: config, directory: dir.path)
        #expect(daemon.waitUntilUp())
        let s = daemon.socket

        let running = try Binaries.run("evpnctl", ["-s", s, "show", "running-config"])
        #expect(running.status == 0, "\(running.error)")
        #expect(running.output.contains("router bgp 65001\n bgp router-id 10.255.0.1\n"), "\(running.output)")
        #expect(running.output.contains(" neighbor 127.0.0.9 remote-as 65009\n"))
        #expect(running.output.contains(" neighbor 127.0.0.9 port 1179\n"))
        #expect(running.output.contains("  neighbor 127.0.0.9 activate\n"))

        // The socket: 0660, so only root and the evpnd group can connect.
        let attributes = try FileManager.default.attributesOfItem(atPath: s)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)

        for ok in [["clear", "bgp", "*"], ["clear", "bgp", "127.0.0.9"], ["clear", "bgp", "l2vpn", "evpn", "*", "soft"],
                   ["clear", "bgp", "127.0.0.9", "soft", "in"], ["clear", "bgp", "*", "in"],
                   ["clear", "bgp", "*", "soft", "out"], ["clear", "bgp", "127.0.0.9", "out"]] {
            let result = try Binaries.run("evpnctl", ["-s", s] + ok)
            #expect(result.status == 0, "\(ok): \(result.error)")
        }
        for failing in [["clear", "bgp", "10.9.9.9"], ["clear", "bgp", "nonsense"], ["clear", "bgp", "*", "soft", "out", "now"],
                        ["clear", "bgp", "*", "sideways"], ["clear", "bgp"]] {
            let result = try Binaries.run("evpnctl", ["-s", s] + failing)
            #expect(result.status == 1, "\(failing): \(result)")
            #expect(result.error.hasPrefix("% "), "\(failing): \(result.error)")
        }
        // An evpnctl command that does not exist: 1 as well, not ArgumentParser's 64.
        #expect(try Binaries.run("evpnctl", ["-s", s, "frobnicate"]).status == 1)

        #expect(daemon.terminate() == 0)
        // Nobody listening: 2.
        #expect(try Binaries.run("evpnctl", ["-s", s, "clear", "bgp", "*"]).status == 2)
        #expect(try Binaries.run("evpnctl", ["-s", s, "show", "running-config"]).status == 2)
    }

    /// libbsd's setproctitle: /proc/PID/cmdline (what `ps` reads) shows the role, the address and the peers.
    @Test func processTitleShowsRoleAndPeers() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let daemon = try RunningDaemon(config: config, directory: dir.path)
        #expect(daemon.waitUntilUp())
        func cmdline() -> String {
            let data = FileManager.default.contents(atPath: "/proc/\(daemon.process.processIdentifier)/cmdline") ?? Data()
            return String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
        }
        #expect(waitFor(5) { cmdline() == "evpnd: VTEP 10.255.0.1, 0/1 peers" }, "\(cmdline())")

        let reflector = try dir.write("rr.conf", """
            router bgp 65000
             bgp router-id 10.255.0.253
             neighbor VTEPS peer-group
             neighbor VTEPS remote-as internal
             bgp listen range 127.0.3.0/24 peer-group VTEPS
             neighbor 127.0.0.9 remote-as internal
             address-family l2vpn evpn
              neighbor VTEPS activate
              neighbor VTEPS route-reflector-client
            """)
        let rr = try RunningDaemon(config: reflector, directory: dir.path)
        #expect(rr.waitUntilUp())
        let rrTitle = { String(decoding: (FileManager.default.contents(atPath: "/proc/\(rr.process.processIdentifier)/cmdline") ?? Data())
            .prefix { $0 != 0 }, as: UTF8.self) }
        #expect(waitFor(5) { rrTitle() == "evpnd: reflector 10.255.0.253, 0/1 peers" }, "\(rrTitle())")
        #expect(daemon.terminate() == 0)
        #expect(rr.terminate() == 0)
    }

    /// libbsd's pidfile: the pid is written, a second daemon with the same file refuses to start, exit removes it.
    @Test func pidfileRefusesASecondDaemon() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let pidfile = "\(dir.path)/evpnd.pid"
        let first = try RunningDaemon(config: config, directory: dir.path, extra: ["--pidfile", pidfile])
        #expect(first.waitUntilUp())
        #expect(waitFor(5) {
            (try? String(contentsOfFile: pidfile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(first.process.processIdentifier)"
        })

        let second = try Binaries.run("evpnd", ["--config", config, "--socket", "\(dir.path)/second.sock",
                                                "--port", "\(randomPort())", "--pidfile", pidfile])
        #expect(second.status == 1)
        #expect(second.error.contains("another evpnd (pid \(first.process.processIdentifier)) holds the pidfile \(pidfile)"),
                "\(second.error)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/second.sock"), "the second one never started")

        #expect(first.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidfile), "removed on a clean exit")
    }
}
