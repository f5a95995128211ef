// `show bgp l2vpn evpn [route [type macip|multicast|...]] [json]`: the engine's Loc-RIB report
// (BGPCore.RouteReportEntry) in FRR 8.4's JSON (ControlProtocol.EVPNRouteReport) and in vtysh's table.
//
// The table follows bgpd/bgp_evpn_vty.c `evpn_show_all_routes` and bgpd/bgp_route.c `route_vty_out`, checked
// against Tests/Fixtures/frr-json/*.txt (captured by scripts/lab/capture-route-json):
//
//   BGP table version is 5, local router ID is 10.0.0.253
//   ...legend...
//      Network          Next Hop            Metric LocPrf Weight Path
//                       Extended Community
//   Route Distinguisher: 10.0.0.1:2
//   *>i[2]:[0]:[48]:[aa:bb:cc:00:01:01]
//                       10.0.0.1(vtep1)               100      0 i
//                       RT:65000:100 ET:8
//
// One deliberate difference from FRR's brief JSON: evpnd adds "originatorId" and "clusterList" (FRR 8.4 shows
// them only under `route detail json`), because they are what an operator of a reflector wants to see.

import BGPCore
import BGPWire
import ControlProtocol

enum RouteReport {
    /// The route types `show bgp l2vpn evpn route type WORD` accepts, FRR's words and numbers.
    static func routeType(_ word: String) -> UInt8? {
        switch word {
        case "ead", "1": return 1
        case "macip", "2": return 2
        case "multicast", "3": return 3
        case "es", "4": return 4
        case "prefix", "5": return 5
        default: return nil
        }
    }

    /// FRR's order: by RD, then as its route table orders EVPN prefixes (route type, Ethernet tag, MAC, then
    /// no IP before IPv4 before IPv6), not by the prefix text ("[128]" would sort before "[32]").
    static func frrOrder(_ entries: [RouteReportEntry]) -> [RouteReportEntry] {
        entries.sorted { a, b in
            let (x, y) = (a.key, b.key)
            if x.rd != y.rd { return x.rd < y.rd }
            if x.routeType != y.routeType { return x.routeType < y.routeType }
            if (x.ethernetTag ?? 0) != (y.ethernetTag ?? 0) { return (x.ethernetTag ?? 0) < (y.ethernetTag ?? 0) }
            if (x.esi ?? .zero) != (y.esi ?? .zero) { return (x.esi ?? .zero) < (y.esi ?? .zero) }
            if (x.mac ?? MACAddress(rawValue: 0)) != (y.mac ?? MACAddress(rawValue: 0)) {
                return (x.mac ?? MACAddress(rawValue: 0)) < (y.mac ?? MACAddress(rawValue: 0))
            }
            let (xl, yl) = (x.ip?.bitLength ?? 0, y.ip?.bitLength ?? 0)
            if xl != yl { return xl < yl }
            if x.ip != y.ip, let xi = x.ip, let yi = y.ip { return xi < yi }
            return (x.prefixLength ?? 0) < (y.prefixLength ?? 0)
        }
    }

    static func json(_ entries: [RouteReportEntry]) -> EVPNRouteReport {
        var distinguishers: [EVPNRouteReport.Distinguisher] = []
        for entry in frrOrder(entries) {
            let rd = entry.key.rd.description
            let prefix = EVPNRouteReport.Prefix(prefix: entry.key.prefixString, paths: entry.paths.map(path))
            // Entries come sorted by RD, so one RD's routes are adjacent.
            if distinguishers.last?.rd == rd {
                distinguishers[distinguishers.count - 1].prefixes.append(prefix)
            } else {
                distinguishers.append(EVPNRouteReport.Distinguisher(rd: rd, prefixes: [prefix]))
            }
        }
        return EVPNRouteReport(distinguishers: distinguishers)
    }

    static func path(_ p: RouteReportEntry.PathReport) -> EVPNRouteReport.Path {
        var ethTag: UInt32?
        var esi: String?
        var mac: String?
        var ip: IPAddress?
        switch p.route {
        case .ethernetAutoDiscovery(let r):
            ethTag = r.ethernetTag
            esi = r.esi.description
        case .macIP(let r):
            ethTag = r.ethernetTag
            esi = r.esi.isZero ? nil : r.esi.description
            mac = r.mac.description
            ip = r.ip
        case .inclusiveMulticast(let r):
            ethTag = r.ethernetTag
            ip = r.originatorIP
        case .ethernetSegment(let r):
            esi = r.esi.description
            ip = r.originatorIP
        case .ipPrefix(let r):
            ethTag = r.ethernetTag
            esi = r.esi.isZero ? nil : r.esi.description
            ip = r.prefix.address
        }
        let communities = ExtendedCommunity.frrStoredOrder(p.extendedCommunities)
        let nextHop = p.nextHop.map {
            EVPNRouteReport.Nexthop(ip: $0.description, hostname: p.hostname, afi: $0.bitLength == 32 ? "ipv4" : "ipv6")
        }
        var result = EVPNRouteReport.Path(
            bestpath: p.best ? true : nil, selectionReason: p.best ? p.selectionReason : nil, pathFrom: p.pathFrom,
            routeType: Int(p.route.routeType), ethTag: ethTag, esi: esi, macLen: mac == nil ? nil : 48, mac: mac,
            ipLen: ip?.bitLength, ip: ip?.description, metric: p.med, locPrf: p.localPref,
            peerId: p.peer?.description ?? "(unspec)", path: p.asPath.description, origin: p.origin.name,
            extendedCommunity: communities.isEmpty ? nil : .init(string: ExtendedCommunity.frrString(communities)),
            originatorId: p.originatorID?.description,
            clusterList: p.clusterList.isEmpty ? nil : .init(list: p.clusterList.map(\.description)),
            nexthops: nextHop.map { [$0] } ?? [])
        // FRR gives locally originated routes the default weight of 32768.
        if p.peer == nil { result.weight = 32768 }
        if p.stale { result.stale = true }
        return result
    }

    /// vtysh's table. `detailedHeader`: `show bgp l2vpn evpn route` (with the "Extended Community" header
    /// line and the "Displayed N prefixes (M paths)" footer); otherwise `show bgp l2vpn evpn`.
    static func table(_ entries: [RouteReportEntry], routerID: IPv4Address, tableVersion: Int,
                      routeCommand: Bool, typeFiltered: Bool) -> String {
        var out = """
        BGP table version is \(tableVersion), local router ID is \(routerID)
        Status codes: s suppressed, d damped, h history, * valid, > best, i - internal
        Origin codes: i - IGP, e - EGP, ? - incomplete
        EVPN type-1 prefix: [1]:[EthTag]:[ESI]:[IPlen]:[VTEP-IP]:[Frag-id]
        EVPN type-2 prefix: [2]:[EthTag]:[MAClen]:[MAC]:[IPlen]:[IP]
        EVPN type-3 prefix: [3]:[EthTag]:[IPlen]:[OrigIP]
        EVPN type-4 prefix: [4]:[ESI]:[IPlen]:[OrigIP]
        EVPN type-5 prefix: [5]:[EthTag]:[IPlen]:[IP]

           Network          Next Hop            Metric LocPrf Weight Path
                            Extended Community

        """
        if entries.isEmpty { return "No EVPN prefixes exist\n" }
        var currentRD: RouteDistinguisher?
        var paths = 0
        for entry in frrOrder(entries) {
            if entry.key.rd != currentRD {
                currentRD = entry.key.rd
                out += "Route Distinguisher: \(entry.key.rd)\n"
            }
            for p in entry.paths {
                paths += 1
                out += row(p, prefix: entry.key.prefixString)
            }
        }
        if routeCommand {
            out += "\nDisplayed \(entries.count) prefixes (\(paths) paths)\(typeFiltered ? " (of requested type)" : "")\n"
        } else {
            out += "\nDisplayed \(entries.count) out of \(entries.count) total prefixes\n"
        }
        return out
    }

    /// One path: status and prefix, then next hop and the numeric columns, then the extended communities.
    static func row(_ p: RouteReportEntry.PathReport, prefix: String) -> String {
        let status = "*" + (p.best ? ">" : " ") + (p.pathFrom == "internal" && p.peer != nil ? "i" : " ")
        var line = status + prefix + "\n" + String(repeating: " ", count: 20)
        var hop = p.nextHop?.description ?? "0.0.0.0"
        if let hostname = p.hostname { hop += "(\(hostname))" }
        line += hop
        // route_vty_out: the next hop in 16 columns, else on a line of its own.
        if hop.count < 16 {
            line += String(repeating: " ", count: 16 - hop.count)
        } else {
            line += "\n" + String(repeating: " ", count: 36)
        }
        line += p.med.map { pad(String($0), 10) } ?? String(repeating: " ", count: 10)
        line += p.localPref.map { pad(String($0), 7) } ?? String(repeating: " ", count: 7)
        line += pad(String(p.peer == nil ? 32768 : 0), 7) + " "
        let asPath = p.asPath.description
        line += (asPath.isEmpty ? "" : asPath + " ") + originCode(p.origin) + "\n"
        let communities = ExtendedCommunity.frrStoredOrder(p.extendedCommunities)
        if !communities.isEmpty {
            line += String(repeating: " ", count: 20) + ExtendedCommunity.frrString(communities) + "\n"
        }
        return line
    }

    static func originCode(_ origin: Origin) -> String {
        switch origin {
        case .igp: return "i"
        case .egp: return "e"
        case .incomplete: return "?"
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// Parses the words after `show bgp l2vpn evpn` (or `show bgp evpn`): nil, or `route` with an optional
    /// `type WORD`. Returns nil for words this command does not take.
    static func parse(_ rest: ArraySlice<String>) -> (routeCommand: Bool, type: UInt8?)? {
        let words = Array(rest)
        switch words.count {
        case 0: return (false, nil)
        case 1 where words[0] == "route": return (true, nil)
        case 3 where words[0] == "route" && words[1] == "type":
            guard let type = routeType(words[2]) else { return nil }
            return (true, type)
        default: return nil
        }
    }

    /// The whole answer for one request.
    static func answer(_ rest: ArraySlice<String>, json: Bool, engine: Engine, routerID: IPv4Address,
                       hostname: String = "", notUsed: [EVPNRouteKey: DropReason] = [:]) -> ControlResponse? {
        // vtysh's trailing `json` word means the same as `--json`.
        let json = json || rest.last == "json"
        var rest = rest.last == "json" ? rest.dropLast() : rest
        // `route detail [type WORD]` (FRR's order): every path with its attributes and why it was (not) selected.
        let detail = rest.count >= 2 && rest[rest.startIndex] == "route" && rest[rest.startIndex + 1] == "detail"
        if detail { rest.remove(at: rest.startIndex + 1) }
        guard let (routeCommand, type) = parse(rest) else { return nil }
        var entries = engine.routes(type: type)
        if detail && !notUsed.isEmpty {
            for e in entries.indices {
                guard let why = notUsed[entries[e].key] else { continue }
                for p in entries[e].paths.indices where entries[e].paths[p].best { entries[e].paths[p].notUsedReason = why }
            }
        }
        if detail {
            if json { return ControlResponse(ok: true, output: RouteDetailReport.json(entries).serialized) }
            return ControlResponse(ok: true, output: RouteDetailReport.text(entries, localHostname: hostname, routerID: routerID))
        }
        if json {
            do {
                return ControlResponse(ok: true, output: try RouteReport.json(entries).jsonText())
            } catch {
                return .failure("cannot encode the routes: \(error)")
            }
        }
        // evpnd keeps no table version; the number of prefixes stands in for it (it grows as FRR's does).
        return ControlResponse(ok: true, output: table(entries, routerID: routerID, tableVersion: entries.count,
                                                      routeCommand: routeCommand, typeFiltered: type != nil))
    }
}
