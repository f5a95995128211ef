// The metrics endpoint against a real Prometheus (issue 17's Must-show): evpnd in a namespace with an FRR
// peer and `metrics listen 127.0.0.1 PORT`; Debian's `promtool check metrics` passes on its output, and
// Debian's `prometheus`, started in the same namespace on its loopback, scrapes it and answers PromQL
// queries for `evpnd_` series through its HTTP API. The namespace's loopback is its own: nothing of this
// is reachable from outside the test's namespaces.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct MetricsInteropTests {
    static let tools = ["vtysh", "/usr/lib/frr/bgpd", "prometheus", "promtool", "curl"]
    static let metricsPort = 9479
    static let prometheusPort = 9090

    @Test func prometheusScrapesEvpnd() throws {
        guard Tools.ready("Prometheus scrapes evpnd", needs: Self.tools) else { return }
        try withLab(subnet: 47) { lab in
            try lab.startPassiveFRR()
            try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB)
                               + "\nmetrics listen 127.0.0.1 \(Self.metricsPort)\n")
            try #require(waitUntil(30) { lab.evpndPeer(lab.addressB)?.state == "Established" },
                         "evpnd: \(String(describing: lab.evpndPeer(lab.addressB)))")
            #expect(lab.evpndLogText.contains("metrics endpoint http://127.0.0.1:\(Self.metricsPort)/metrics"))

            // The exposition passes Prometheus's own linter.
            let url = "http://127.0.0.1:\(Self.metricsPort)/metrics"
            let scraped = try run(["ip", "netns", "exec", lab.nsA, "curl", "-sS", "-D", "\(lab.dir)/metrics.head",
                                   "-o", "\(lab.dir)/metrics.txt", url])
            #expect(scraped.status == 0, "\(scraped.error)")
            let head = (try? String(contentsOfFile: "\(lab.dir)/metrics.head", encoding: .utf8)) ?? ""
            #expect(head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"), "\(head)")
            let text = (try? String(contentsOfFile: "\(lab.dir)/metrics.txt", encoding: .utf8)) ?? ""
            #expect(text.contains("evpnd_bgp_peer_state{peer=\"\(lab.addressB)\"} 6"), "\(text.prefix(2000))")
            let lint = try run(["sh", "-c", "promtool check metrics < '\(lab.dir)/metrics.txt'"], check: false)
            print("promtool check metrics: status \(lint.status), \(text.split(separator: "\n").count) lines checked\n\(lint.output)\(lint.error)")
            #expect(lint.status == 0, "promtool: \(lint.output) \(lint.error)")

            // A real Prometheus in the same namespace, scraping every second.
            let prometheusConfig = try lab.write("prometheus.yml", """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: evpnd
                    static_configs:
                      - targets: ['127.0.0.1:\(Self.metricsPort)']
                """)
            let prometheus = Process()
            prometheus.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
            prometheus.arguments = ["netns", "exec", lab.nsA, Tools.find("prometheus") ?? "prometheus",
                                    "--config.file=\(prometheusConfig)", "--storage.tsdb.path=\(lab.dir)/prometheus-data",
                                    "--web.listen-address=127.0.0.1:\(Self.prometheusPort)", "--log.level=warn"]
            let logPath = "\(lab.dir)/prometheus.log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            prometheus.standardOutput = log
            prometheus.standardError = log
            prometheus.standardInput = FileHandle.nullDevice
            try prometheus.run()
            // Stopped (and its data removed with the lab's folder) whatever happens below.
            defer {
                if prometheus.isRunning { kill(prometheus.processIdentifier, SIGKILL) }
                prometheus.waitUntilExit()
            }

            func query(_ promql: String) -> [[String: Any]]? {
                guard let result = try? run(["ip", "netns", "exec", lab.nsA, "curl", "-sS", "-G",
                                             "http://127.0.0.1:\(Self.prometheusPort)/api/v1/query",
                                             "--data-urlencode", "query=\(promql)"], check: false),
                      result.status == 0,
                      let object = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
                      object["status"] as? String == "success",
                      let data = object["data"] as? [String: Any] else { return nil }
                return data["result"] as? [[String: Any]]
            }
            func value(_ sample: [String: Any]) -> Double? {
                ((sample["value"] as? [Any])?.last as? String).flatMap(Double.init)
            }

            let prometheusLog = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
            try #require(waitUntil(60, interval: 1) { query("up{job=\"evpnd\"}")?.first.flatMap(value) == 1 },
                         "Prometheus never scraped evpnd; its log:\n\(prometheusLog().suffix(3000))")
            let state = try #require(query("evpnd_bgp_peer_state{peer=\"\(lab.addressB)\"}"))
            #expect(state.count == 1 && state.first.flatMap(value) == 6, "\(state)")
            // Keepalives every 3 s: the counter moves between scrapes, and rate() sees it.
            let first = query("evpnd_bgp_messages_received_total{type=\"keepalive\"}")?.first.flatMap(value) ?? 0
            #expect(waitUntil(15, interval: 1) {
                (query("evpnd_bgp_messages_received_total{type=\"keepalive\"}")?.first.flatMap(value) ?? 0) > first
            })
            #expect(waitUntil(15, interval: 1) {
                (query("rate(evpnd_bgp_messages_received_total{type=\"keepalive\"}[10s])")?.first.flatMap(value) ?? 0) > 0
            })
            let families = query("count by (__name__) ({__name__=~\"evpnd_.+\"})")?.compactMap {
                ($0["metric"] as? [String: Any])?["__name__"] as? String
            } ?? []
            print("Prometheus read back \(families.count) evpnd_ series names: \(families.sorted().joined(separator: ", "))")
            for name in ["evpnd_bgp_peer_uptime_seconds", "evpnd_bgp_routes_accepted", "evpnd_engine_queue_delay_seconds_bucket",
                         "evpnd_rib_routes", "evpnd_metrics_requests_total"] {
                #expect(families.contains(name), "\(name) not in \(families)")
            }
            // The session ran beside all of this untouched.
            let peer = try #require(lab.evpndPeer(lab.addressB))
            #expect(peer.state == "Established" && peer.connectionsDropped == 0)
        }
    }
}
