// `show ip route [bgp|static]`, `show ipv6 route [bgp|static]` and `show ip|ipv6 nht`, zebra's words for what
// evpnd asked the kernel for: every BGP best path and static route, whether it is installed, and if not, why
// (the refusal reasons of KernelRoutesState, "next hop unreachable" among them); and each next hop tracked
// with what resolves it. JSON keys follow zebra's `show ip route json` where they mean the same (prefix,
// protocol, selected, installed, metric, nexthops[ip, afi, interfaceIndex, active]); `notInstalledReason` and
// the `refusals` counters are evpnd's.

import BGPWire
import ControlProtocol
import VTEP

enum KernelRoutesReport {
    struct Row {
        var prefix: IPPrefix
        var `protocol`: String
        var nextHops: [KernelNextHop]
        var installed: Bool
        var reason: RouteRefusal?
    }

    static func rows(_ state: KernelRoutesState, ipv6: Bool, protocol filter: String?) -> [Row] {
        var prefixes = Set(state.bgp.keys).union(state.statics.keys)
        prefixes = prefixes.filter { ($0.address.bitLength == 128) == ipv6 }
        var rows: [Row] = []
        for prefix in prefixes.sorted(by: { ($0.address, $0.length) < ($1.address, $1.length) }) {
            let isStatic = !(state.statics[prefix] ?? []).isEmpty
            let proto = isStatic ? "static" : "bgp"
            if let filter, filter != proto { continue }
            let key = KernelRouteKey(prefix: prefix)
            let installed = state.reconciler.desiredIntent(at: key).map { want in
                state.reconciler.actualEntry(at: key).map(want.isSatisfied) ?? false
            } ?? false
            let hops: [KernelNextHop]
            if let entry = state.reconciler.actualEntry(at: key), installed {
                hops = entry.nextHops
            } else if isStatic {
                hops = (state.statics[prefix] ?? []).map { KernelNextHop(gateway: $0.gateway) }
            } else {
                hops = (state.bgp[prefix] ?? []).map { KernelNextHop(gateway: $0) }
            }
            rows.append(Row(prefix: prefix, protocol: proto, nextHops: hops, installed: installed, reason: state.refused[prefix]))
        }
        return rows
    }

    static func table(_ rows: [Row]) -> String {
        var lines = ["Codes: B - BGP, S - static, > - selected, * - in the kernel (proto bgp/static, metric 20)", ""]
        for row in rows {
            let code = (row.protocol == "bgp" ? "B" : "S") + ">" + (row.installed ? "*" : " ")
            let hops = row.nextHops.map { hop in
                (hop.gateway.map { "via \($0)" } ?? "directly connected") + (hop.ifindex != 0 ? ", ifindex \(hop.ifindex)" : "")
            }
            var line = "\(code) \(row.prefix) [\(row.protocol == "bgp" ? 20 : 1)/20] " + (hops.first ?? "")
            if let reason = row.reason { line += " (not installed: \(reason))" }
            lines.append(line)
            for hop in hops.dropFirst() { lines.append(String(repeating: " ", count: 6 + "\(row.prefix)".count) + "* " + hop) }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [Row], refusals: [RouteRefusal: Int]) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        for row in rows {
            var fields: [(String, JSONValue)] = [
                ("prefix", .string("\(row.prefix)")), ("protocol", .string(row.protocol)), ("selected", .bool(true)),
                ("installed", .bool(row.installed)), ("distance", .number(row.protocol == "bgp" ? 20 : 1)), ("metric", .number(20)),
            ]
            if let reason = row.reason { fields.append(("notInstalledReason", .string(reason.rawValue))) }
            fields.append(("nexthops", .array(row.nextHops.map { hop in
                var h: [(String, JSONValue)] = []
                if let g = hop.gateway {
                    h.append(("ip", .string("\(g)")))
                    h.append(("afi", .string(g.bitLength == 32 ? "ipv4" : "ipv6")))
                }
                if hop.ifindex != 0 { h.append(("interfaceIndex", .number(Int64(hop.ifindex)))) }
                h.append(("active", .bool(row.installed)))
                return .object(h)
            })))
            pairs.append(("\(row.prefix)", .array([.object(fields)])))
        }
        let counts: [(String, JSONValue)] = RouteRefusal.allCases.map { ($0.rawValue, .number(Int64(refusals[$0] ?? 0))) }
        return .object(pairs + [("refusals", .object(counts))])
    }

    /// `show ip nht`: each next hop of a wanted route with what resolves it.
    static func nht(_ state: KernelRoutesState, ipv6: Bool, json: Bool) -> String {
        let hops = state.trackedNextHops.keys.filter { ($0.bitLength == 128) == ipv6 }.sorted()
        if json {
            return JSONValue.object(hops.map { hop in
                let resolution = state.resolver.resolve(hop)
                var fields: [(String, JSONValue)] = [("resolved", .bool(resolution.isReachable))]
                if case .reachable(let via) = resolution { fields.append(("resolvedVia", .string("\(via)"))) }
                return ("\(hop)", .object(fields))
            }).frrPretty
        }
        return hops.map { hop in
            switch state.resolver.resolve(hop) {
            case .reachable(let via): return "\(hop)\n resolved via \(via)"
            case .unreachable: return "\(hop)\n unresolved (no route but the default)"
            }
        }.joined(separator: "\n")
    }
}

extension Runtime {
    func answerKernelRoutes(_ request: ControlRequest) -> ControlResponse? {
        var words = request.command
        let json = request.json || words.last == "json"
        if words.last == "json" { words.removeLast() }
        guard words.count >= 3, words[0] == "show", words[1] == "ip" || words[1] == "ipv6" else { return nil }
        let ipv6 = words[1] == "ipv6"
        guard let state = routes?.state else {
            guard words[2] == "route" || words[2] == "nht" else { return nil }
            return .failure("kernel routes are off (no static route, no unicast family, not a VTEP)")
        }
        switch Array(words.dropFirst(2)) {
        case ["nht"]:
            return ControlResponse(ok: true, output: KernelRoutesReport.nht(state, ipv6: ipv6, json: json))
        case ["route"], ["route", "bgp"], ["route", "static"]:
            let rows = KernelRoutesReport.rows(state, ipv6: ipv6, protocol: words.count == 4 ? words[3] : nil)
            if json { return ControlResponse(ok: true, output: KernelRoutesReport.json(rows, refusals: state.refusalCounts).frrPretty) }
            return ControlResponse(ok: true, output: KernelRoutesReport.table(rows))
        default:
            return nil
        }
    }
}
