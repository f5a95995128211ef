// The VTEP's metrics against a real kernel and FRR: an evpnd VTEP (with `metrics listen`) and an FRR VTEP
// behind an FRR reflector, one host each. The per-VNI series count the local and the remote MAC; an
// operator's `bridge fdb del` of the remote MAC's row is counted as drift, repaired, and the row is back;
// `promtool check metrics` passes on the VTEP's exposition too.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct MetricsVTEPInteropTests {
    static let needs = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ping", "curl", "promtool"]
    static let mac1 = "aa:bb:cc:00:07:01"
    static let mac2 = "aa:bb:cc:00:07:02"
    static let port = 9479

    @Test func vniSeriesAndFDBDrift() throws {
        guard Tools.ready("VTEP metrics and FDB drift", needs: Self.needs) else { return }
        try withFabric(vteps: 2) { fabric in
            try fabric.addHost("1", vtep: 1, mac: Self.mac1, ip: "10.1.0.1")
            try fabric.addHost("2", vtep: 2, mac: Self.mac2, ip: "10.1.0.2")
            try fabric.startFRRReflector()
            let evpnd = try startEvpndVTEPWithMetrics(fabric)
            defer {
                if evpnd.isRunning { kill(evpnd.processIdentifier, SIGKILL) }
                evpnd.waitUntilExit()
            }
            try fabric.startFRRVTEP(2)
            #expect(waitUntil(30) { fabric.reflectorPeerState(1) == "Established" && fabric.reflectorPeerState(2) == "Established" })
            #expect(waitUntil(20, interval: 0.5) { fabric.ping(from: "1", to: "10.1.0.2") }, "h1 -> h2")
            let remoteVTEP = VTEPFabric.loopback(2)

            func scrape() -> [String: Double] {
                let text = (try? run(["ip", "netns", "exec", fabric.ns("v1"), "curl", "-sS", "http://127.0.0.1:\(Self.port)/metrics"],
                                     check: false))?.output ?? ""
                var samples: [String: Double] = [:]
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    guard let space = line.lastIndex(of: " ") else { continue }
                    samples[String(line[..<space])] = Double(line[line.index(after: space)...])
                }
                return samples
            }
            let local = #"evpnd_evpn_vni_macs{vni="100",location="local"}"#
            let remote = #"evpnd_evpn_vni_macs{vni="100",location="remote"}"#
            #expect(waitUntil(10, interval: 0.3) { let s = scrape(); return s[local] == 1 && s[remote] == 1 }, "\(scrape())")
            var samples = scrape()
            #expect(samples[#"evpnd_evpn_vni_remote_vteps{vni="100"}"#] == 1)
            #expect(samples[#"evpnd_evpn_vni_duplicate_macs{vni="100"}"#] == 0)
            #expect((samples["evpnd_fdb_operations_total"] ?? 0) >= 3, "device row, bridge row, flood row")
            #expect((samples["evpnd_fdb_batch_duration_seconds_count"] ?? 0) >= 1)
            #expect(samples["evpnd_fdb_drift_found_total"] == 0)
            #expect(samples["evpnd_netlink_overruns_total"] == 0)

            let lintFile = try fabric.write("vtep-metrics.txt", (try run(["ip", "netns", "exec", fabric.ns("v1"), "curl", "-sS",
                                                                         "http://127.0.0.1:\(Self.port)/metrics"])).output)
            let lint = try run(["sh", "-c", "promtool check metrics < '\(lintFile)'"], check: false)
            #expect(lint.status == 0, "promtool: \(lint.output) \(lint.error)")

            // An operator deletes evpnd's row for the remote MAC: the reconciler sees the deletion, counts it,
            // and puts the row back.
            try run(["bridge", "-n", fabric.ns("v1"), "fdb", "del", Self.mac2, "dev", "vxlan100", "dst", remoteVTEP, "self"])
            #expect(waitUntil(10, interval: 0.3) {
                let s = scrape()
                return s["evpnd_fdb_drift_found_total"] == 1 && s["evpnd_fdb_drift_repaired_total"] == 1
            }, "\(scrape().filter { $0.key.contains("drift") })")
            #expect(waitUntil(5) { fabric.remoteRows(1, to: remoteVTEP) == 1 }, "\(fabric.fdb(1))")
            #expect(fabric.ping(from: "1", to: "10.1.0.2"), "h1 -> h2 after the repair")
            samples = scrape()
            print("VTEP metrics after the drift: " + samples.filter { $0.key.contains("drift") || $0.key.contains("vni_macs")
                || $0.key.hasPrefix("evpnd_fdb_operations") }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }

    /// VTEP 1 as `VTEPFabric.startEvpndVTEP` starts it, with `metrics listen` added; the caller stops it.
    private func startEvpndVTEPWithMetrics(_ fabric: VTEPFabric) throws -> Process {
        let path = try fabric.write("evpnd-v1.conf", VTEPFabric.vtepConfig(1) + "\nmetrics listen 127.0.0.1 \(Self.port)\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", fabric.ns("v1"), "\(fabric.bin)/evpnd", "--config", path, "--socket",
                             fabric.evpndSocket(1), "--log-level", "debug"]
        _ = FileManager.default.createFile(atPath: fabric.evpndLog(1), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: fabric.evpndLog(1)))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        guard waitUntil(10, { FileManager.default.fileExists(atPath: fabric.evpndSocket(1)) }) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw LabError("evpnd on VTEP 1 did not open its control socket; log:\n\(fabric.evpndLogText(1))")
        }
        return process
    }
}
