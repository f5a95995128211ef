// The issue-18 scenarios on a fabric (Fabric.swift), each measured (virtual convergence time, wall
// time, traffic, FDB operations) and each ending with the full check (FabricCheck.swift):
//   cold start          every speaker starts within a second; until every FDB is complete;
//   reflector outage    rr1 loses power (no FIN: the VTEPs find out by their hold timers), stays away,
//                       comes back with an empty table; no FDB may move meanwhile;
//   MAC storm           a share of the hosts (10%) each move to another VTEP of their VNI, all within
//                       one virtual second;
//   VTEP flaps          some VTEPs (100) lose both reflectors for longer than the hold time, then
//                       come back.
// Every random choice (start times, which hosts move and where, which VTEPs flap, when) comes from
// the fabric's seeded generator.

import BGPCore
import BGPWire
import VTEP

public struct ScenarioResult: Sendable, CustomStringConvertible {
    /// "1.234 s" (no Foundation here).
    public static func seconds(_ d: Duration) -> String {
        let millis = d.nanosecondsCount / 1_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }

    public var name: String
    public var converged: Bool
    /// From the scenario's first event to the last FDB change it caused (virtual time).
    public var convergence: Duration?
    public var wall: Duration
    public var writes: Int
    public var bytes: Int
    public var fdbOperations: Int
    public var events: Int
    public var problems: FabricProblems
    /// Anything else the scenario measured, in words.
    public var notes: [String] = []

    public var description: String {
        let convergence = self.convergence.map(Self.seconds) ?? "none"
        return "\(name): \(converged ? "converged" : "DID NOT CONVERGE"), virtual convergence \(convergence), "
            + "wall \(Self.seconds(wall)), \(writes) writes, \(bytes) bytes, \(fdbOperations) FDB operations, \(events) events; \(problems)"
            + (notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")")
    }
}

extension Fabric {
    /// Runs `body` and records what it cost; `start` is when the scenario's first event happens.
    mutating func measure(_ name: String, _ body: (inout Fabric) -> (converged: Bool, start: Instant, notes: [String])) -> ScenarioResult {
        let clock = ContinuousClock()
        let began = clock.now
        let (writes, bytes, operations, events) = (net.traffic.writes, net.traffic.bytes, net.fdbOperations, net.eventsRun)
        let lastBefore = net.lastFDBChange
        let (converged, start, notes) = body(&self)
        let wall = clock.now - began
        var convergence: Duration?
        if let last = net.lastFDBChange, last != lastBefore, last >= start { convergence = last.duration(since: start) }
        return ScenarioResult(name: name, converged: converged, convergence: convergence, wall: wall,
                              writes: net.traffic.writes - writes, bytes: net.traffic.bytes - bytes,
                              fdbOperations: net.fdbOperations - operations, events: net.eventsRun - events,
                              problems: check(), notes: notes)
    }

    /// Every FDB complete and no FDB change for `quiet`.
    func settled(quiet: Duration) -> Bool {
        guard let last = net.lastFDBChange, net.now.duration(since: last) >= quiet else { return false }
        return rowCountsMatch()
    }

    public mutating func coldStart(limit: Duration = .seconds(600)) -> ScenarioResult {
        measure("cold start") { fabric in
            let start = fabric.net.now
            fabric.start()
            let done = fabric.run(until: { $0.settled(quiet: .seconds(2)) }, limit: limit)
            let dropped = fabric.vteps.reduce(0) { $0 + fabric.net.nodes[$1].engine.notRetainedTotal }
            let held = fabric.vteps.reduce(0) { $0 + fabric.net.nodes[$1].engine.routeCount }
            return (done, start, ["VTEPs hold \(held) routes in all, dropped \(dropped) not imported"])
        }
    }

    /// Reflector `n` loses power for `downFor`, then starts again with an empty table.
    public mutating func reflectorOutage(_ n: Int = 0, downFor: Duration = .seconds(30), limit: Duration = .seconds(300)) -> ScenarioResult {
        measure("reflector rr\(n + 1) down \(downFor) and back") { fabric in
            let node = fabric.reflectors[n]
            let start = fabric.net.now
            let operationsBefore = fabric.net.fdbOperations
            fabric.net.kill(node, closeConnections: false)
            fabric.net.run(for: downFor)
            let whileDown = fabric.check()
            let operationsWhileDown = fabric.net.fdbOperations - operationsBefore
            fabric.net.revive(node, Self.reflectorConfig(n))
            let total = fabric.shape.type2Routes + fabric.shape.type3Routes
            let done = fabric.run(until: { fabric in
                fabric.net.nodes[node].engine.routeCount == total && fabric.vteps.allSatisfy {
                    fabric.net.summary($0, peer: .v4(Self.reflectorAddresses[n]))?.state == .established
                } && fabric.rowCountsMatch()
            }, limit: limit)
            // Let the last UPDATEs land.
            fabric.net.run(for: .seconds(2))
            return (done && whileDown.isEmpty, start,
                    ["while down: \(whileDown), \(operationsWhileDown) FDB operations",
                     "back: rr\(n + 1) holds \(fabric.net.nodes[node].engine.routeCount) routes"])
        }
    }

    /// `fraction` of the hosts each move to another VTEP of their VNI, at seeded moments within `within`.
    public mutating func macStorm(fraction: Double = 0.1, within: Duration = .seconds(1), limit: Duration = .seconds(120)) -> ScenarioResult {
        measure("MAC storm: \(Int(fraction * 100))% of the hosts move within \(within)") { fabric in
            let start = fabric.net.now
            var hosts = fabric.location.keys.sorted { $0.rawValue < $1.rawValue }
            hosts.shuffle(using: &fabric.random)
            let count = Int(Double(hosts.count) * fraction)
            let span = UInt64(max(1, within.nanosecondsCount))
            var moves: [(at: UInt64, mac: MACAddress, to: Int)] = []
            for mac in hosts.prefix(count) {
                guard let j = fabric.vniOfMAC[mac], let from = fabric.location[mac] else { continue }
                let candidates = fabric.members[j].filter { $0 != from }
                guard !candidates.isEmpty else { continue }
                let to = candidates[Int(fabric.random.next(upperBound: UInt64(candidates.count)))]
                moves.append((fabric.random.next(upperBound: span), mac, to))
            }
            moves.sort { ($0.at, $0.mac.rawValue) < ($1.at, $1.mac.rawValue) }
            for move in moves {
                let at = start + .nanoseconds(Int64(move.at))
                if at > fabric.net.now { fabric.net.run(for: at.duration(since: fabric.net.now)) }
                fabric.move(move.mac, to: move.to)
            }
            let done = fabric.run(until: { $0.settled(quiet: .seconds(2)) }, limit: limit)
            return (done, start, ["\(moves.count) moves"])
        }
    }

    /// `count` VTEPs lose both reflectors at seeded moments of the first second, for `downFor`
    /// (longer than the 9 s hold time: their sessions fail), then get them back.
    public mutating func flaps(count: Int = 100, downFor: Duration = .seconds(12), limit: Duration = .seconds(120)) -> ScenarioResult {
        measure("\(count) VTEPs flap (\(downFor) cut from both reflectors)") { fabric in
            let start = fabric.net.now
            var chosen = Array(fabric.vteps.indices)
            chosen.shuffle(using: &fabric.random)
            var events: [(at: UInt64, vtep: Int, cut: Bool)] = []
            for i in chosen.prefix(min(count, fabric.vteps.count)) {
                let at = fabric.random.next(upperBound: UInt64(1_000_000_000))
                events.append((at, i, true))
                events.append((at + UInt64(downFor.nanosecondsCount), i, false))
            }
            events.sort { ($0.at, $0.vtep) < ($1.at, $1.vtep) }
            for event in events {
                let at = start + .nanoseconds(Int64(event.at))
                if at > fabric.net.now { fabric.net.run(for: at.duration(since: fabric.net.now)) }
                for rr in fabric.reflectors { fabric.net.setCut(fabric.vteps[event.vtep], rr, event.cut) }
            }
            let done = fabric.run(until: { fabric in
                fabric.settled(quiet: .seconds(2)) && fabric.vteps.allSatisfy { node in
                    Self.reflectorAddresses.allSatisfy { fabric.net.summary(node, peer: .v4($0))?.state == .established }
                }
            }, limit: limit)
            return (done, start, [])
        }
    }
}
