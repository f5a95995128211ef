// The metrics endpoint of a running evpnd over loopback: the exposition (every series named, typed and
// described; values following the core's counters), and bad clients (malformed, oversized, slow, too many,
// a flood of scrapes) while a BGP session with a 3 s hold time runs beside them and must not notice.

@testable import BGPCore
import BGPWire
import Config
import Foundation
import Glibc
import Logging
import Testing
@testable import Daemon
@testable import VTEP

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// One HTTP exchange over a fresh TCP connection to 127.0.0.1:`port`: sends `request` (optionally in
/// pieces), reads until the server closes or `timeout` passes. nil if the connection failed.
func httpExchange(port: UInt16, _ request: [UInt8], timeout: Double = 10) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    if !request.isEmpty { _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return String(decoding: received, as: UTF8.self)
}

func scrape(port: UInt16) -> String? {
    httpExchange(port: port, Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
}

/// The exposition's samples by series (`name{labels}`), and each family's TYPE and HELP.
struct Exposition {
    var samples: [String: Double] = [:]
    var types: [String: String] = [:]
    var helps: Set<String> = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
            } else if line.hasPrefix("# HELP ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count >= 3 { helps.insert(String(parts[2])) }
            } else if let space = line.lastIndex(of: " ") {
                samples[String(line[..<space])] = Double(line[line.index(after: space)...])
            }
        }
    }

    /// The family a sample belongs to (a histogram's _bucket, _sum and _count are its own).
    func family(of series: String) -> String {
        let name = String(series.prefix { $0 != "{" })
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" { return base }
        }
        return name
    }

    func value(_ series: String) -> Double? { samples[series] }
}

private func body(of response: String) -> String {
    guard let range = response.range(of: "\r\n\r\n") else { return "" }
    return String(response[range.upperBound...])
}

@Suite(.serialized)
struct MetricsEndpointTests {
    /// Families every evpnd serves (the VTEP ones only in VTEP mode, below).
    static let bgpFamilies: [String: String] = [
        "evpnd_bgp_peer_state": "gauge", "evpnd_bgp_peer_uptime_seconds": "gauge",
        "evpnd_bgp_peer_connections_established_total": "counter", "evpnd_bgp_peer_connections_dropped_total": "counter",
        "evpnd_bgp_messages_received_total": "counter", "evpnd_bgp_messages_sent_total": "counter",
        "evpnd_bgp_routes_received_total": "counter", "evpnd_bgp_routes_accepted": "gauge", "evpnd_bgp_routes_advertised": "gauge",
        "evpnd_bgp_update_errors_total": "counter", "evpnd_bgp_update_error_routes_withdrawn_total": "counter",
        "evpnd_rib_routes": "gauge", "evpnd_engine_queue_delay_seconds": "histogram",
        "evpnd_fdb_batch_duration_seconds": "histogram", "evpnd_metrics_connections_refused_total": "counter",
        "evpnd_metrics_connections_evicted_total": "counter",
    ]
    static let vtepFamilies: [String: String] = [
        "evpnd_evpn_vni_macs": "gauge", "evpnd_evpn_vni_duplicate_macs": "gauge", "evpnd_evpn_vni_frozen_macs": "gauge",
        "evpnd_evpn_vni_remote_vteps": "gauge", "evpnd_evpn_mac_moves_total": "counter",
        "evpnd_evpn_duplicates_detected_total": "counter", "evpnd_fdb_operations_total": "counter",
        "evpnd_fdb_failures_total": "counter", "evpnd_fdb_conflicts_total": "counter", "evpnd_fdb_drift_found_total": "counter",
        "evpnd_fdb_drift_repaired_total": "counter", "evpnd_fdb_batches_total": "counter", "evpnd_fdb_batch_errors_total": "counter",
        "evpnd_netlink_overruns_total": "counter", "evpnd_netlink_resyncs_total": "counter",
    ]

    /// The collector alone, from a snapshot made of a real engine's summary and hand-set VTEP figures:
    /// every family typed and described, values as given, and a removed peer's series gone.
    @Test func exposeSnapshotValues() throws {
        var summary = PeerSummary(address: IPAddress("10.0.0.2")!, remoteAS: 65000, configuredRemoteAS: .internal, localAS: 65000,
                                  state: .established, uptimeMilliseconds: 12_500, prefixesReceived: 3, prefixesSent: 4,
                                  messages: MessageCounters(), connectionsEstablished: 2, connectionsDropped: 1,
                                  isDynamic: false, families: [.l2vpnEVPN])
        summary.messages.received.keepalives = 41
        summary.messages.sent.updates = 7
        summary.updateErrors.treatAsWithdraw = 5
        var routes = PeerRouteCounts()
        routes.received[2] = 10
        routes.accepted[2] = 3
        routes.advertised[3] = 4
        var counters = VTEPCounters()
        counters.movesToLocal = 2
        counters.byVNI[100] = VNIEventCounts()
        counters.byVNI[100]?.movesToLocal = 2
        counters.byVNI[100]?.duplicatesDetected = 1
        counters.fdbOperations = 100
        var vni = VNIStatistics(vni: 100)
        vni.localMACs = 6
        vni.remoteMACs = 9
        vni.frozenMACs = 1
        var drift = FDBDriftCounters()
        drift.found = 3
        drift.repaired = 2
        var snapshot = MetricsSnapshot()
        snapshot.peers = [MetricsSnapshot.Peer(summary: summary, routes: routes)]
        snapshot.ribRoutes = 17
        snapshot.vtep = MetricsSnapshot.VTEP(counters: counters, vnis: [vni], drift: drift,
                                             netlink: NetlinkEventCounters(overruns: 1, resyncs: 2, fdbBatches: 3, fdbBatchErrors: 0))
        snapshot.requests.byStatus = [200: 5, 400: 1]
        let collector = MetricsCollector()
        collector.fdbBatchDuration.recordNanoseconds(3_000_000)
        let exposition = Exposition(String(decoding: collector.render(snapshot), as: UTF8.self))

        for (family, type) in Self.bgpFamilies.merging(Self.vtepFamilies, uniquingKeysWith: { a, _ in a }) {
            #expect(exposition.types[family] == type, "\(family)")
        }
        for series in exposition.samples.keys {
            let family = exposition.family(of: series)
            #expect(family.hasPrefix("evpnd_"), "\(series)")
            #expect(exposition.types[family] != nil, "\(series) has no TYPE")
            #expect(exposition.helps.contains(family), "\(series) has no HELP")
            if exposition.types[family] == "counter" { #expect(family.hasSuffix("_total"), "\(family)") }
        }
        let peer = #"peer="10.0.0.2""#
        #expect(exposition.value("evpnd_bgp_peer_state{\(peer)}") == 6)
        #expect(exposition.value("evpnd_bgp_peer_uptime_seconds{\(peer)}") == 12.5)
        #expect(exposition.value(#"evpnd_bgp_messages_received_total{\#(peer),type="keepalive"}"#) == 41)
        #expect(exposition.value(#"evpnd_bgp_messages_sent_total{\#(peer),type="update"}"#) == 7)
        #expect(exposition.value(#"evpnd_bgp_routes_received_total{\#(peer),afi_safi="l2vpn_evpn",route_type="2"}"#) == 10)
        #expect(exposition.value(#"evpnd_bgp_routes_accepted{\#(peer),afi_safi="l2vpn_evpn",route_type="2"}"#) == 3)
        #expect(exposition.value(#"evpnd_bgp_routes_advertised{\#(peer),afi_safi="l2vpn_evpn",route_type="3"}"#) == 4)
        #expect(exposition.value(#"evpnd_bgp_update_errors_total{\#(peer),outcome="treat_as_withdraw"}"#) == 5)
        #expect(exposition.value("evpnd_rib_routes") == 17)
        #expect(exposition.value(#"evpnd_evpn_vni_macs{vni="100",location="local"}"#) == 6)
        #expect(exposition.value(#"evpnd_evpn_vni_macs{vni="100",location="remote"}"#) == 9)
        #expect(exposition.value(#"evpnd_evpn_vni_frozen_macs{vni="100"}"#) == 1)
        #expect(exposition.value(#"evpnd_evpn_mac_moves_total{vni="100",to="local"}"#) == 2)
        #expect(exposition.value(#"evpnd_evpn_mac_moves_total{vni="100",to="remote"}"#) == 0)
        #expect(exposition.value(#"evpnd_evpn_duplicates_detected_total{vni="100"}"#) == 1)
        #expect(exposition.value("evpnd_fdb_operations_total") == 100)
        #expect(exposition.value("evpnd_fdb_drift_found_total") == 3)
        #expect(exposition.value("evpnd_fdb_drift_repaired_total") == 2)
        #expect(exposition.value("evpnd_netlink_overruns_total") == 1)
        #expect(exposition.value(#"evpnd_metrics_requests_total{code="400"}"#) == 1)
        #expect(exposition.value("evpnd_fdb_batch_duration_seconds_count") == 1)
        #expect(exposition.value(#"evpnd_fdb_batch_duration_seconds_bucket{le="0.005"}"#) == 1)
        #expect(exposition.value(#"evpnd_fdb_batch_duration_seconds_bucket{le="0.0025"}"#) == 0)

        // Counters follow the core up, and a peer that is gone takes its series with it.
        snapshot.peers[0].summary.messages.received.keepalives = 45
        let later = Exposition(String(decoding: collector.render(snapshot), as: UTF8.self))
        #expect(later.value(#"evpnd_bgp_messages_received_total{\#(peer),type="keepalive"}"#) == 45)
        snapshot.peers = []
        snapshot.vtep = nil
        let gone = Exposition(String(decoding: collector.render(snapshot), as: UTF8.self))
        #expect(!gone.samples.keys.contains { $0.contains("10.0.0.2") })
        #expect(gone.types["evpnd_bgp_peer_state"] == nil)
        #expect(gone.value("evpnd_rib_routes") == 17)
    }

    /// Two evpnd runtimes peering over loopback with a 3 s hold time; A serves metrics. Scrapes follow the
    /// session's counters; bad clients get their status or are closed; a flood of scrapes, malformed,
    /// oversized and slow requests leave the session up and its keepalives on time.
    @Test func scrapeRunningDaemonUnderBadClients() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let portA = randomPort(), portB = randomPort()
        let timers = " neighbor %@ timers 1 3\n"
        let configA = try dir.write("a.conf", speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.5",
                                                           neighborAS: 65002, port: Int(portB), source: "127.0.0.4")
                                    + "\n" + timers.replacingOccurrences(of: "%@", with: "127.0.0.5"))
        let configB = try dir.write("b.conf", speakerConfig(asn: 65002, routerID: "10.255.0.2", neighbor: "127.0.0.4",
                                                           neighborAS: 65001, port: Int(portA), source: "127.0.0.5")
                                    + "\n" + timers.replacingOccurrences(of: "%@", with: "127.0.0.4"))
        var optionsA = DaemonOptions(configPath: configA, socketPath: "\(dir.path)/a.sock", port: portA,
                                     listenAddresses: [IPAddress("127.0.0.4")!], handlesSignals: false)
        optionsA.metricsEndpoint = MetricsEndpointConfig(address: IPAddress("127.0.0.1")!, port: 0)
        let a = try Runtime(options: optionsA, logger: quiet)
        let b = try Runtime(options: DaemonOptions(configPath: configB, socketPath: "\(dir.path)/b.sock", port: portB,
                                                   listenAddresses: [IPAddress("127.0.0.5")!], handlesSignals: false), logger: quiet)
        try a.start()
        try b.start()
        defer { a.stopAndWait(); b.stopAndWait() }
        let port = try #require(a.metricsPort)
        try #require(waitFor(15) { a.summary().first?.state == .established && b.summary().first?.state == .established })
        let peer = #"peer="127.0.0.5""#

        // The exposition of a running daemon: typed, and following the session's counters.
        let before = try #require(a.summary().first)
        Thread.sleep(forTimeInterval: 0.3)  // past the endpoint's refresh interval
        let response = try #require(scrape(port: port))
        let after = try #require(a.summary().first)
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(response.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        let exposition = Exposition(body(of: response))
        for (family, type) in Self.bgpFamilies { #expect(exposition.types[family] == type, "\(family)") }
        #expect(exposition.types["evpnd_evpn_vni_macs"] == nil)  // not a VTEP
        #expect(exposition.value("evpnd_bgp_peer_state{\(peer)}") == 6)
        let keepalives = try #require(exposition.value(#"evpnd_bgp_messages_received_total{\#(peer),type="keepalive"}"#))
        #expect(Double(before.messages.received.keepalives) <= keepalives && keepalives <= Double(after.messages.received.keepalives))
        #expect(exposition.value(#"evpnd_bgp_messages_received_total{\#(peer),type="open"}"#) == 1)
        #expect(exposition.value("evpnd_bgp_peer_connections_established_total{\(peer)}") == 1)

        // Bad requests: each answered with its status, then closed.
        let oversized = "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "z", count: 20_000) + "\r\n\r\n"
        let cases: [(String, String)] = [
            ("NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400 "), ("POST /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 "),
            ("GET /secret HTTP/1.1\r\n\r\n", "HTTP/1.1 404 "), (oversized, "HTTP/1.1 431 "),
            // A megabyte of head: answered 431 while the client is still sending (the rest is read and dropped).
            ("GET /metrics HTTP/1.1\r\nX: " + String(repeating: "y", count: 1_000_000) + "\r\n\r\n", "HTTP/1.1 431 "),
            ("GET /metrics HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", "HTTP/1.1 413 "),
            ("\u{0}\u{1}\u{2}garbage\r\n\r\n", "HTTP/1.1 400 "),
        ]
        for (request, status) in cases {
            let answer = httpExchange(port: port, Array(request.utf8)) ?? "(no connection)"
            #expect(answer.hasPrefix(status), "\(request.prefix(40)): \(answer.prefix(60))")
        }
        // HEAD: the head alone.
        let head = httpExchange(port: port, Array("HEAD /metrics HTTP/1.1\r\n\r\n".utf8)) ?? ""
        #expect(head.hasPrefix("HTTP/1.1 200 OK") && head.hasSuffix("\r\n\r\n"))

        // Slow clients: 20 connections that never finish their request. Past the cap (16) the longest-waiting
        // are closed to make room; the rest get 408 at the read deadline (5 s). Meanwhile the session stays up.
        let slowResults = SlowResults()
        // A thread each (Dispatch's global queue would run only a few of these blocking clients at once).
        let group = DispatchGroup()
        for i in 0..<20 {
            group.enter()
            Thread.detachNewThread {
                let answer = httpExchange(port: port, Array("GET /metr".utf8), timeout: 20)
                slowResults.add(i, answer ?? "(no connection)")
                group.leave()
            }
        }
        // While they hang: a flood of scrapes, paced at about 1,000 a second for 3 s, each answered (a slow
        // client makes room), checking the session and its keepalives.
        Thread.sleep(forTimeInterval: 0.5)
        let keepalivesAtStart = try #require(b.summary().first).messages.received.keepalives
        let floodStart = Date()
        var answered = 0, refused = 0, sent = 0
        while Date().timeIntervalSince(floodStart) < 3 {
            let secondStart = Date()
            for _ in 0..<1000 {
                sent += 1
                if let answer = scrape(port: port), answer.hasPrefix("HTTP/1.1 200") { answered += 1 } else { refused += 1 }
                if Date().timeIntervalSince(secondStart) >= 1 { break }
            }
            let rest = 1 - Date().timeIntervalSince(secondStart)
            if rest > 0 { Thread.sleep(forTimeInterval: rest) }
        }
        let floodSeconds = Date().timeIntervalSince(floodStart)
        group.wait()
        let slow = slowResults.all
        #expect(slow.count == 20)
        let timedOut = slow.filter { $0.hasPrefix("HTTP/1.1 408 ") }.count
        let closed = slow.filter { $0.isEmpty }.count
        #expect(timedOut + closed == 20, "\(slow)")
        #expect(closed >= 4, "408: \(timedOut), closed: \(closed)")
        #expect(answered == sent && sent >= 2000, "\(answered) of \(sent) scrapes answered")
        print("metrics flood: \(sent) scrapes in \(String(format: "%.1f", floodSeconds)) s, \(answered) answered, \(refused) not; "
              + "slow clients: \(timedOut) got 408, \(closed) closed to make room")

        // The session never noticed: still up, never dropped, keepalives (1 s) kept coming.
        let finalA = try #require(a.summary().first)
        let finalB = try #require(b.summary().first)
        #expect(finalA.state == .established && finalB.state == .established)
        #expect(finalA.connectionsDropped == 0 && finalB.connectionsDropped == 0)
        #expect(finalA.connectionsEstablished == 1)
        let elapsed = Date().timeIntervalSince(floodStart) + 0.5
        let keepalivesDuring = finalB.messages.received.keepalives - keepalivesAtStart
        #expect(Double(keepalivesDuring) >= elapsed - 2, "B got \(keepalivesDuring) keepalives from A in \(elapsed) s")
        let requests = Exposition(body(of: scrape(port: port) ?? ""))
        #expect((requests.value(#"evpnd_metrics_requests_total{code="408"}"#) ?? 0) >= Double(timedOut))
        #expect((requests.value("evpnd_metrics_connections_evicted_total") ?? 0) >= Double(closed))
    }

    /// A reload moves the endpoint to the file's new address, and turns it off when the line goes.
    @Test func reloadMovesAndStopsTheEndpoint() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let base = speakerConfig(asn: 65001, routerID: "10.255.0.1", neighbor: "127.0.0.9", neighborAS: 65009,
                                 port: Int(randomPort()), source: "127.0.0.1")
        let first = randomPort(), second = randomPort()
        let config = try dir.write("m.conf", "metrics listen 127.0.0.1 \(first)\n" + base)
        let runtime = try Runtime(options: DaemonOptions(configPath: config, socketPath: "\(dir.path)/m.sock", port: randomPort(),
                                                         listenAddresses: [IPAddress("127.0.0.1")!], handlesSignals: false),
                                  logger: quiet)
        try runtime.start()
        defer { runtime.stopAndWait() }
        #expect(runtime.metricsPort == first)
        #expect(scrape(port: first)?.hasPrefix("HTTP/1.1 200 OK") == true)

        _ = try dir.write("m.conf", "metrics listen 127.0.0.1 \(second)\n" + base)
        runtime.queue.sync { runtime.reload() }
        #expect(runtime.metricsPort == second)
        #expect(scrape(port: second)?.hasPrefix("HTTP/1.1 200 OK") == true)
        #expect(scrape(port: first) == nil, "the old address is closed")

        _ = try dir.write("m.conf", base)
        runtime.queue.sync { runtime.reload() }
        #expect(runtime.metricsPort == nil)
        #expect(scrape(port: second) == nil, "no line, no endpoint")
    }

    /// `metrics listen` and `--metrics`: accepted forms, refused ones with the place.
    @Test func endpointConfiguration() {
        let good = ConfigParser.parse(text: "metrics listen 127.0.0.1 9479\nrouter bgp 65001\n", file: "m.conf")
        #expect(good.config?.metrics == MetricsEndpointConfig(address: IPAddress("127.0.0.1")!, port: 9479))
        #expect(good.config?.runningConfigText.contains("metrics listen 127.0.0.1 9479") == true)
        let after = ConfigParser.parse(text: "router bgp 65001\n neighbor 10.0.0.2 remote-as 65002\nmetrics listen ::1 9479\n", file: "m.conf")
        #expect(after.config?.metrics?.address == IPAddress("::1"))
        let none = ConfigParser.parse(text: "router bgp 65001\n", file: "m.conf")
        #expect(none.config != nil && none.config?.metrics == nil)
        let bad: [(String, String)] = [
            ("metrics listen 127.0.0.1 0", "m.conf:1:26: error: port must be 1..65535"),
            ("metrics listen 127.0.0.300 9479", "m.conf:1:16: error: bad address"),
            ("metrics listen 127.0.0.1", "m.conf:1:9: error: 'metrics listen' needs an address and a port"),
            ("metrics 127.0.0.1 9479", "m.conf:1:9: error: expected 'metrics listen ADDRESS PORT'"),
            ("metrics listen 127.0.0.1 9479 extra", "m.conf:1:31: error: unexpected word"),
        ]
        for (line, message) in bad {
            let result = ConfigParser.parse(text: line + "\nrouter bgp 65001\n", file: "m.conf")
            #expect(result.config == nil)
            #expect(result.errors.map(\.description).contains { $0.hasPrefix(message) }, "\(line): \(result.errors)")
        }
        #expect(MetricsEndpointConfig(endpoint: "127.0.0.1:9479") == MetricsEndpointConfig(address: IPAddress("127.0.0.1")!, port: 9479))
        #expect(MetricsEndpointConfig(endpoint: "[::1]:9479")?.address == IPAddress("::1"))
        #expect(MetricsEndpointConfig(endpoint: "[::1]:9479")?.description == "[::1]:9479")
        for text in ["::1:9479", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "host:9479", "[::1]9479", "127.0.0.1:0"] {
            #expect(MetricsEndpointConfig(endpoint: text) == nil, "\(text)")
        }
    }
}

final class SlowResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: String] = [:]
    func add(_ i: Int, _ text: String) { lock.lock(); results[i] = text; lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return Array(results.values) }
}
