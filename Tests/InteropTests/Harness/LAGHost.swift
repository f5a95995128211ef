// A test host with two links and no bonding driver: evpn-lag (Sources/evpn-lag) joins its member
// interfaces into one TAP device in the host's namespace; its counters (duplicates, echoes, per member
// rx/tx and carrier) come from the stats file the tool rewrites (docs/TESTING.md, "A server with two links").

import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct LAGHost {
    let namespace: String
    let tap: String
    let statsPath: String
    let process: Process

    struct Stats {
        var toHost: Int
        var fromHost: Int
        var duplicates: Int
        var duplicatesAcrossMembers: Int
        var echoes: Int
        var dropsNoMember: Int
        var carrierChanges: Int
        var memberRX: [String: Int]
        var memberTX: [String: Int]
        var carrier: [String: Bool]
    }

    /// The counters once nothing has reached the host for half a second (at most `timeout`): a baseline that
    /// the frames of a link coming up (the first frames after the members start) cannot fall after.
    func quietStats(timeout: TimeInterval = 10) throws -> Stats {
        var last = try stats()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            let now = try stats()
            if now.toHost == last.toHost && now.fromHost == last.fromHost { return now }
            last = now
        }
        return last
    }

    /// The counters now: SIGUSR1 makes the tool rewrite the file at once; waits until the file shows that
    /// dump (its `signalDumps` grew), so what is read was written after the call.
    func stats() throws -> Stats {
        func read() -> [String: Any]? { try? Harness.jsonObject(Harness.fileText(statsPath), what: "evpn-lag stats") }
        let before = read()?["signalDumps"] as? Int ?? -1
        kill(process.processIdentifier, SIGUSR1)
        var object: [String: Any] = [:]
        _ = waitUntil(5, interval: 0.005) {
            guard let now = read(), (now["signalDumps"] as? Int ?? -1) > before else { return false }
            object = now
            return true
        }
        guard !object.isEmpty else { throw LabError("evpn-lag did not answer SIGUSR1: \(Harness.fileText(statsPath))") }
        let members = object["members"] as? [[String: Any]] ?? []
        func number(_ key: String) -> Int { object[key] as? Int ?? -1 }
        var rx: [String: Int] = [:], tx: [String: Int] = [:], carrier: [String: Bool] = [:]
        for member in members {
            guard let name = member["name"] as? String else { continue }
            rx[name] = member["rx"] as? Int
            tx[name] = member["tx"] as? Int
            carrier[name] = member["carrier"] as? Bool
        }
        return Stats(toHost: number("toHost"), fromHost: number("fromHost"), duplicates: number("duplicates"),
                     duplicatesAcrossMembers: number("duplicatesAcrossMembers"), echoes: number("echoes"),
                     dropsNoMember: number("dropsNoMember"), carrierChanges: number("carrierChanges"),
                     memberRX: rx, memberTX: tx, carrier: carrier)
    }
}

extension Testbed {
    /// Starts evpn-lag in `namespace` over `members` (which must exist there) as TAP `tap` with MAC `mac`,
    /// brought up with `address` (prefix length included) once the tool has made it. The members are
    /// brought up. The tool is killed by `close()`.
    func addLAG(in namespace: String, tap: String = "bond0", members: [String], mac: String, address: String?) throws -> LAGHost {
        let statsPath = "\(dir)/\(namespace)-\(tap).lag.json"
        for member in members { try run(["ip", "-n", namespace, "link", "set", member, "up"]) }
        let process = try Harness.launch(in: namespace, ["\(bin)/evpn-lag", "--tap", tap, "--stats", statsPath]
                                         + members.flatMap { ["--member", $0] }, logPath: "\(dir)/\(namespace)-\(tap).lag.log")
        adopt(process)
        guard waitUntil(20, { FileManager.default.fileExists(atPath: statsPath) }) else {
            throw LabError("evpn-lag did not start: \(Harness.fileText("\(dir)/\(namespace)-\(tap).lag.log"))")
        }
        try run(["ip", "-n", namespace, "link", "set", tap, "address", mac])
        if let address { try run(["ip", "-n", namespace, "addr", "add", address, "dev", tap]) }
        try run(["ip", "-n", namespace, "link", "set", tap, "up"])
        return LAGHost(namespace: namespace, tap: tap, statsPath: statsPath, process: process)
    }
}
