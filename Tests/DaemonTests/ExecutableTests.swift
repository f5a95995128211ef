// The evpnd and evpnctl executables as an operator runs them: `--check`, a daemon answering evpnctl, and SIGTERM
// ending it with exit 0. No root needed (loopback, a high port, a socket in a temporary directory).

import ControlProtocol
import Foundation
import Testing

enum Binaries {
    /// The build products directory holding evpnd and evpnctl (the test bundle runs from it).
    static let directory: String? = {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        candidates.append("\(root)/.build/debug")
        return candidates.first { FileManager.default.isExecutableFile(atPath: "\($0)/evpnd") && FileManager.default.isExecutableFile(atPath: "\($0)/evpnctl") }
    }()

    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let dir = try #require(directory, "evpnd and evpnctl are not built next to the tests")
        return try #require(try runTool("\(dir)/\(name)", arguments), "\(dir)/\(name) is not executable")
    }

    /// Runs a program by path and collects its output; nil if it is not installed.
    static func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String)? {
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }
}

@Suite(.serialized)
struct ExecutableTests {
    @Test func checkPrintsEveryErrorAndExitsOne() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }  // removed only once the test is done with it
        let bad = try dir.write("bad.conf", "router bgp 65001\n neighbor 10.0.0.2 remote-as nope\n bogus\n")
        let result = try Binaries.run("evpnd", ["--check", "--config", bad])
        #expect(result.status == 1)
        #expect(result.error.contains("\(bad):2:30: error: bad AS number: 'nope'"), "\(result.error)")
        #expect(result.error.contains("\(bad):3:2: error: unknown command: 'bogus'"), "\(result.error)")

        let good = try dir.write("good.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "10.0.0.2",
                                                           neighborAS: 65002, port: 179, source: "10.0.0.1"))
        let ok = try Binaries.run("evpnd", ["--check", "--config", good])
        #expect(ok.status == 0, "\(ok.error)")
    }

    @Test func daemonAnswersEvpnctlAndStopsOnSIGTERM() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }  // removed only once the test is done with it
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let socket = "\(dir.path)/evpnd.sock"
        let binDir = try #require(Binaries.directory)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "\(binDir)/evpnd")
        daemon.arguments = ["--config", config, "--socket", socket, "--port", "\(randomPort())", "--log-level", "warning"]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        #expect(waitFor(10) { FileManager.default.fileExists(atPath: socket) })

        let json = try Binaries.run("evpnctl", ["-s", socket, "show", "bgp", "l2vpn", "evpn", "summary", "--json"])
        #expect(json.status == 0, "\(json.error)")
        let summary = try JSONDecoder().decode(BGPSummary.self, from: Data(json.output.utf8))
        #expect(summary.peers["127.0.0.9"]?.remoteAs == 65009)

        let table = try Binaries.run("evpnctl", ["-s", socket, "show", "bgp", "l2vpn", "evpn", "summary"])
        #expect(table.output.hasPrefix("BGP router identifier 10.255.0.1, local AS number 65001 vrf-id 0"))

        let unknown = try Binaries.run("evpnctl", ["-s", socket, "show", "nonsense"])
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("unknown command: show nonsense"))

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: socket), "the control socket is removed on exit")

        let gone = try Binaries.run("evpnctl", ["-s", socket, "show", "bgp", "l2vpn", "evpn", "summary"])
        #expect(gone.status == 2)
        #expect(gone.error.contains("is evpnd running?"))
    }
}
