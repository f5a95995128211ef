// Whether a fabric ended right, judged against the ground truth (where each host is) rather than
// against what any speaker says: every VTEP's kernel FDB must hold exactly, in each of its VNIs,
//   - a bridge row on the host port for each host behind it,
//   - for each host behind another VTEP, the VXLAN row `MAC dst THAT_VTEP self` and the bridge row
//     on the VXLAN device (extern_learn),
//   - a flood row `00:00:00:00:00:00 dst V self` for each other VTEP V in the VNI,
// and nothing else; and each reflector's Loc-RIB must hold one type-2 route per host, its best path
// with the host's VTEP as next hop ("what the routes say").

import BGPCore
import BGPWire
import VTEP

public struct FabricProblems: Sendable, CustomStringConvertible {
    /// Expected rows absent.
    public var missing = 0
    /// Rows present that should not be.
    public var extra = 0
    /// VXLAN rows of a host pointing at a VTEP it is not behind.
    public var wrongVTEP = 0
    /// Reflector routes that disagree with where the hosts are.
    public var reflectorRoutes = 0
    /// The first few, in words.
    public var samples: [String] = []

    public var isEmpty: Bool { missing == 0 && extra == 0 && wrongVTEP == 0 && reflectorRoutes == 0 }

    mutating func note(_ text: String) { if samples.count < 8 { samples.append(text) } }

    public var description: String {
        isEmpty ? "every FDB right"
            : "\(missing) rows missing, \(extra) extra, \(wrongVTEP) at a wrong VTEP, \(reflectorRoutes) reflector routes wrong: "
                + samples.joined(separator: "; ")
    }
}

/// A kernel row as the check compares it.
struct FabricRow: Hashable {
    var ifindex: Int32
    var mac: MACAddress
    var bridge: Bool
    var destination: IPAddress?
}

extension Fabric {
    /// The hosts of each VNI, by VNI number, in MAC order.
    func hostsByVNI() -> [[MACAddress]] {
        var out = Array(repeating: [MACAddress](), count: shape.vnis)
        for (mac, j) in vniOfMAC { out[j].append(mac) }
        for j in out.indices { out[j].sort { $0.rawValue < $1.rawValue } }
        return out
    }

    func expectedRows(of i: Int, hosts: [[MACAddress]]) -> Set<FabricRow> {
        var rows: Set<FabricRow> = []
        for (k, j) in vnis(of: i).enumerated() {
            for mac in hosts[j] {
                guard let owner = location[mac] else { continue }
                if owner == i {
                    rows.insert(FabricRow(ifindex: Self.portIndex(k), mac: mac, bridge: true, destination: nil))
                } else {
                    rows.insert(FabricRow(ifindex: Self.vxlanIndex(k), mac: mac, bridge: false, destination: .v4(Self.vtepAddress(owner))))
                    rows.insert(FabricRow(ifindex: Self.vxlanIndex(k), mac: mac, bridge: true, destination: nil))
                }
            }
            for other in members[j] where other != i {
                rows.insert(FabricRow(ifindex: Self.vxlanIndex(k), mac: .zero, bridge: false, destination: .v4(Self.vtepAddress(other))))
            }
        }
        return rows
    }

    /// Rows each VTEP should hold: a cheap test of convergence before the full check. Per VNI, a
    /// flood row per other member and two rows per host elsewhere; one row per host behind it.
    public func expectedRowCounts() -> [Int] {
        var local = Array(repeating: 0, count: vteps.count)
        for owner in location.values { local[owner] += 1 }
        return vteps.indices.map { i in
            var count = -local[i]
            for j in vnis(of: i) { count += (members[j].count - 1) + 2 * shape.macsPerVNI * members[j].count }
            return count
        }
    }

    /// Whether every VTEP's kernel holds as many rows as it should.
    public func rowCountsMatch() -> Bool {
        let expected = expectedRowCounts()
        for i in vteps.indices where (net.nodes[vteps[i]].vtep?.kernel.rows.count ?? -1) != expected[i] { return false }
        return true
    }

    /// The full check of every VTEP and every running reflector.
    public func check() -> FabricProblems {
        var problems = FabricProblems()
        let hosts = hostsByVNI()
        for i in vteps.indices {
            guard let kernel = net.nodes[vteps[i]].vtep?.kernel else { continue }
            let expected = expectedRows(of: i, hosts: hosts)
            var actual: Set<FabricRow> = []
            for row in kernel.rows.values {
                let normal = FabricRow(ifindex: row.ifindex, mac: row.mac, bridge: row.isBridgeRow,
                                       destination: row.isBridgeRow ? nil : row.destination)
                actual.insert(normal)
                if !row.isBridgeRow, row.mac != .zero, let owner = location[row.mac],
                   row.destination != .v4(Self.vtepAddress(owner)) {
                    problems.wrongVTEP += 1
                    problems.note("vtep\(i): \(row.mac) at \(row.destination.map { "\($0)" } ?? "nowhere"), host is behind vtep\(owner)")
                }
            }
            let missing = expected.subtracting(actual)
            let extra = actual.subtracting(expected)
            problems.missing += missing.count
            problems.extra += extra.count
            if let row = missing.first { problems.note("vtep\(i) lacks \(row)") }
            if let row = extra.first { problems.note("vtep\(i) has extra \(row)") }
        }
        for (n, node) in reflectors.enumerated() where !net.stopped.contains(node) {
            var seen = 0
            for entry in net.nodes[node].engine.routes(type: 2) {
                seen += 1
                guard let owner = location[entry.key.mac ?? .zero] else {
                    problems.reflectorRoutes += 1
                    problems.note("rr\(n + 1) holds a route for an unknown MAC \(String(describing: entry.key.mac))")
                    continue
                }
                let best = entry.paths.first(where: \.best)
                if best?.nextHop != .v4(Self.vtepAddress(owner)) {
                    problems.reflectorRoutes += 1
                    problems.note("rr\(n + 1): \(String(describing: entry.key.mac)) via \(String(describing: best?.nextHop)), host behind vtep\(owner)")
                }
            }
            if seen != location.count {
                problems.reflectorRoutes += abs(seen - location.count)
                problems.note("rr\(n + 1) holds \(seen) type-2 routes for \(location.count) hosts")
            }
        }
        return problems
    }
}
