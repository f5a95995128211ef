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

    /// The counters now: SIGUSR1 makes the tool rewrite the file at once; waits for that rewrite.
    func stats() throws -> Stats {
        let before = (try? FileManager.default.attributesOfItem(atPath: statsPath)[.modificationDate] as? Date) ?? nil
        kill(process.processIdentifier, SIGUSR1)
        _ = waitUntil(2, interval: 0.01) {
            ((try? FileManager.default.attributesOfItem(atPath: statsPath)[.modificationDate] as? Date) ?? nil) != before
        }
        let object = try Harness.jsonObject(Harness.fileText(statsPath), what: "evpn-lag stats \(statsPath)")
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
