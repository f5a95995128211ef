// Soaks against FRR 8.4 in namespaces: the daemon-restart soak here, the session-flap soak in
// SessionInteropTests.swift. CI runs short ones; the environment makes them long, run once by hand with the
// figures written down in docs/OPERATIONS.md:
//   EVPND_SOAK_FLAPS=1000     session flaps (`clear bgp *` on FRR), default 200
//   EVPND_SOAK_RESTARTS=100   evpnd restarts (SIGTERM, then start again), default 10

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

enum Soak {
    /// A positive count from the environment, else `default`.
    static func count(_ variable: String, default value: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment[variable], let n = Int(text), n > 0 else { return value }
        return n
    }

    /// Descriptors a process keeps and its resident memory (kB), from /proc (`ProcessResources`).
    static func resources(_ pid: Int32) -> (fds: Int, rssKB: Int)? { try? ProcessResources.read(pid) }

    /// Pids of live processes whose command line mentions `text` (an evpnd left behind would).
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return (arguments.first?.hasSuffix("/evpnd") ?? false) && arguments.contains { $0.contains(text) }
        }
    }
}

@Suite(.serialized)
struct RestartSoakInteropTests {
    /// evpnd restarted N times (SIGTERM, exit 0, start again) against a passive FRR peer: each time it exits
    /// cleanly, leaves no process, no control socket and no process in its namespace behind, comes back
    /// Established, and starts with the same descriptors and about the same resident memory; FRR's bgpd ends
    /// with the descriptors and memory it had.
    @Test func daemonRestartSoak() throws {
        guard Tools.ready("restart soak", needs: FRRInteropTests.frrTools) else { return }
        try withLab(subnet: 8) { lab in
            try lab.startPassiveFRR()
            let config = Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB)
            let restarts = Soak.count("EVPND_SOAK_RESTARTS", default: 10)

            /// Starts evpnd and waits for Established on both sides; its descriptors and memory then.
            func start() throws -> (fds: Int, rssKB: Int) {
                try lab.startEvpnd(config: config)
                guard waitUntil(30, interval: 0.05, {
                    lab.evpndPeer(lab.addressB)?.state == "Established"
                        && lab.frrPeer(lab.addressA)?["state"] as? String == "Established"
                }) else { throw LabError("not Established after a start: \(String(describing: lab.evpndPeer(lab.addressB)))") }
                // Let the first keepalives and the End-of-RIB exchange settle before measuring.
                Thread.sleep(forTimeInterval: 0.5)
                return try lab.evpndResources()
            }

            /// SIGTERM and what must be gone afterwards; nil when all is clean, else what was left.
            func stop() throws -> String? {
                let evpnd = try #require(lab.evpnd)
                kill(evpnd.processIdentifier, SIGTERM)
                guard waitUntil(10, interval: 0.02, { !evpnd.isRunning }) else { return "evpnd still running 10 s after SIGTERM" }
                if evpnd.terminationStatus != 0 { return "exit status \(evpnd.terminationStatus)" }
                if FileManager.default.fileExists(atPath: lab.evpndSocket) { return "control socket left behind" }
                let left = Soak.processes(mentioning: lab.dir)
                if !left.isEmpty { return "processes left: \(left)" }
                let inNamespace = try run(["ip", "netns", "pids", lab.nsA]).output.trimmingCharacters(in: .whitespacesAndNewlines)
                if !inNamespace.isEmpty { return "processes in \(lab.nsA): \(inNamespace)" }
                let listening = try run(["ip", "netns", "exec", lab.nsA, "ss", "-Htln", "sport", "= :179"]).output
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if !listening.isEmpty { return "port 179 still listened on: \(listening)" }
                return nil
            }

            _ = try start()
            // Warm up: FRR's first session cycles allocate what it keeps (buffers, peer structures) for good.
            for i in 1...3 {
                if let problem = try stop() { throw LabError("warm-up restart \(i): \(problem)") }
                _ = try start()
            }
            let first = try lab.evpndResources()
            let frrPID = try #require(lab.frrPID(lab.frrName))
            let frrBefore = try #require(Soak.resources(frrPID))
            var samples: [(fds: Int, rssKB: Int)] = [first]
            var problems: [String] = []
            let started = Date()
            for i in 1...restarts {
                if let problem = try stop() { problems.append("restart \(i): \(problem)") }
                samples.append(try start())
                if problems.count > 5 { break }
            }
            let seconds = Date().timeIntervalSince(started)
            // FRR sees the session go and come back each time; give it a moment on the last one.
            Thread.sleep(forTimeInterval: 1)
            let frrAfter = try #require(Soak.resources(frrPID))
            let fdCounts = Set(samples.map(\.fds))
            let rss = samples.map(\.rssKB)
            print("restart soak: \(samples.count - 1) restarts in \(Int(seconds)) s; evpnd after each start: fds \(fdCounts.sorted()), "
                  + "VmRSS min \(rss.min() ?? 0) kB max \(rss.max() ?? 0) kB (first \(first.rssKB) kB, last \(rss.last ?? 0) kB); "
                  + "FRR bgpd fds \(frrBefore.fds) -> \(frrAfter.fds), VmRSS \(frrBefore.rssKB) kB -> \(frrAfter.rssKB) kB; "
                  + "FRR connectionsEstablished \(lab.frrPeer(lab.addressA)?["connectionsEstablished"] as? Int ?? -1)")
            #expect(problems.isEmpty, "\(problems)")
            #expect(samples.count == restarts + 1)
            #expect(fdCounts.count == 1, "evpnd's descriptors after start differ between runs: \(samples.map(\.fds))")
            #expect((rss.max() ?? 0) - (rss.min() ?? 0) <= 2048, "evpnd's resident memory after start varies by more than 2 MB: \(rss)")
            #expect(frrAfter.fds == frrBefore.fds, "FRR's descriptors \(frrBefore.fds) -> \(frrAfter.fds)")
            #expect(frrAfter.rssKB - frrBefore.rssKB <= 1024, "FRR's memory grew \(frrBefore.rssKB) -> \(frrAfter.rssKB) kB")
            // The last run ends clean too.
            #expect(try stop() == nil)
        }
    }
}
