// The metrics endpoint through the evpnd executable: `--check` on the `metrics listen` line, and `--metrics`
// serving a scrape from a running daemon (SIGTERM still ends it with exit 0).

import Foundation
import Glibc
import Testing

@Suite(.serialized)
struct MetricsExecutableTests {
    @Test func checkAcceptsAndRefusesTheMetricsLine() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let base = speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "10.0.0.2", neighborAS: 65002, port: 179,
                                 source: "10.0.0.1")
        let good = try dir.write("good.conf", "metrics listen 127.0.0.1 9479\n" + base)
        let ok = try Binaries.run("evpnd", ["--check", "--config", good])
        #expect(ok.status == 0, "\(ok.error)")
        let bad = try dir.write("bad.conf", "metrics listen 127.0.0.1 99999\n" + base)
        let refused = try Binaries.run("evpnd", ["--check", "--config", bad])
        #expect(refused.status == 1)
        #expect(refused.error.contains("\(bad):1:26: error: port must be 1..65535: '99999'"), "\(refused.error)")
        let flag = try Binaries.run("evpnd", ["--config", good, "--metrics", "localhost:9479"])
        #expect(flag.status != 0)
        #expect(flag.error.contains("--metrics: expected ADDRESS:PORT"), "\(flag.error)")
    }

    @Test func metricsFlagServesARunningDaemon() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let config = try dir.write("evpnd.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9",
                                                              neighborAS: 65009, port: Int(randomPort()), source: "127.0.0.1"))
        let socket = "\(dir.path)/evpnd.sock"
        let metricsPort = randomPort()
        let binDir = try #require(Binaries.directory)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "\(binDir)/evpnd")
        daemon.arguments = ["--config", config, "--socket", socket, "--port", "\(randomPort())", "--log-level", "warning",
                            "--metrics", "127.0.0.1:\(metricsPort)"]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        #expect(waitFor(10) { FileManager.default.fileExists(atPath: socket) })
        var response = ""
        #expect(waitFor(10) {
            response = scrape(port: metricsPort) ?? ""
            return response.hasPrefix("HTTP/1.1 200 OK")
        })
        #expect(response.contains("# TYPE evpnd_bgp_peer_state gauge"))
        #expect(response.contains(#"evpnd_bgp_peer_state{peer="127.0.0.9"} "#))

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
        #expect(scrape(port: metricsPort) == nil, "the endpoint is closed on exit")
    }
}
