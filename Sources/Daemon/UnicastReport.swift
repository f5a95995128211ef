// `show bgp ipv4|ipv6 unicast [summary] [json]` and `show bgp summary [json]` in FRR 8.4's layout, checked against
// vtysh of FRR 8.4.4 on this machine (Tests/Fixtures/frr-json/unicast-*.json, Tests/Fixtures/frr-json/README.md
// says how they were captured). Keys and their order are FRR's. The summary of one family lists the peers
// configured for it (FRR lists the peers activated in the family), with that family's prefix counts.

import BGPCore
import BGPWire
import ControlProtocol

enum UnicastReport {
    static func family(_ word: String) -> AddressFamily? {
        switch word {
        case "ipv4": return .ipv4Unicast
        case "ipv6": return .ipv6Unicast
        default: return nil
        }
    }

    /// FRR's key for a family in `show bgp summary json` (bgpd's get_afi_safi_json_str).
    static func jsonKey(_ family: AddressFamily) -> String {
        switch family {
        case .ipv4Unicast: return "ipv4Unicast"
        case .ipv6Unicast: return "ipv6Unicast"
        default: return "l2VpnEvpn"
        }
    }

    /// FRR's title for a family in `show bgp summary` (bgpd's get_afi_safi_str).
    static func title(_ family: AddressFamily) -> String {
        switch family {
        case .ipv4Unicast: return "IPv4 Unicast"
        case .ipv6Unicast: return "IPv6 Unicast"
        default: return "L2VPN EVPN"
        }
    }

    // MARK: routes

    /// `show bgp ipv4 unicast json`: {vrfId, vrfName, tableVersion, routerId, defaultLocPrf, localAS, routes: {PREFIX: [path]}}.
    static func json(_ entries: [UnicastRouteEntry], family: AddressFamily, routerID: IPv4Address, localAS: UInt32,
                     hostname: String) -> JSONValue {
        var routes: [(String, JSONValue)] = []
        for entry in entries {
            routes.append((entry.prefix.description, .array(entry.paths.map { path(entry.prefix, $0, family: family, hostname: hostname) })))
        }
        return .object([
            ("vrfId", .number(0)), ("vrfName", .string("default")), ("tableVersion", .number(Int64(entries.count))),
            ("routerId", .string(routerID.description)), ("defaultLocPrf", .number(100)), ("localAS", .number(Int64(localAS))),
            ("routes", .object(routes)),
        ])
    }

    static func path(_ prefix: IPPrefix, _ path: UnicastRouteEntry.Path, family: AddressFamily, hostname: String) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("valid", .bool(true))]
        if path.stale { pairs.append(("stale", .bool(true))) }
        if path.multipath { pairs.append(("multipath", .bool(true))) }
        if path.best {
            pairs.append(("bestpath", .bool(true)))
            if let reason = path.selectionReason { pairs.append(("selectionReason", .string(reason))) }
        }
        pairs += [("pathFrom", .string(path.pathFrom)), ("prefix", .string(prefix.address.description)),
                  ("prefixLen", .number(Int64(prefix.length))), ("network", .string(prefix.description)), ("version", .number(1))]
        if let med = path.med { pairs.append(("metric", .number(Int64(med)))) }
        if let localPref = path.localPref { pairs.append(("locPrf", .number(Int64(localPref)))) }
        pairs += [("weight", .number(path.peer == nil ? 32768 : 0)),
                  ("peerId", .string(path.peer.map { $0.address.description } ?? "(unspec)")),
                  ("path", .string(asPathText(path.asPath))), ("origin", .string(originName(path.origin)))]
        var hop: [(String, JSONValue)] = [("ip", .string(path.nextHop.map(frrText) ?? (family == .ipv4Unicast ? "0.0.0.0" : "::")))]
        if let name = path.peer == nil ? hostname : path.hostname { hop.append(("hostname", .string(name))) }
        hop.append(("afi", .string(family == .ipv4Unicast ? "ipv4" : "ipv6")))
        if family == .ipv6Unicast { hop.append(("scope", .string("global"))) }
        hop.append(("used", .bool(true)))
        pairs.append(("nexthops", .array([.object(hop)])))
        return .object(pairs)
    }

    /// An address as FRR prints it: its own inet_ntop writes an IPv4-mapped IPv6 address in hex groups
    /// (`::ffff:a62:2`, where RFC 5952 section 5 and evpnd elsewhere write `::ffff:10.98.0.2`).
    static func frrText(_ address: IPAddress) -> String {
        if case .v6(let v6) = address, v6.high == 0, v6.low >> 32 == 0xffff {
            let high = String((v6.low >> 16) & 0xffff, radix: 16), low = String(v6.low & 0xffff, radix: 16)
            return "::ffff:\(high):\(low)"
        }
        return address.description
    }

    static func asPathText(_ path: ASPath) -> String {
        path.segments.map { segment in
            let asns = segment.asns.map(String.init).joined(separator: " ")
            return segment.type == .set ? "{\(asns)}" : asns
        }.joined(separator: " ")
    }

    static func originName(_ origin: Origin) -> String {
        switch origin {
        case .igp: return "IGP"
        case .egp: return "EGP"
        case .incomplete: return "incomplete"
        }
    }

    static func originCode(_ origin: Origin) -> String {
        switch origin {
        case .igp: return "i"
        case .egp: return "e"
        case .incomplete: return "?"
        }
    }

    /// vtysh's table (bgp_show_table's header, route_vty_out's columns: the network padded to 17 and the next hop
    /// to 16, each moved to a line of its own when longer; MED "%10u", LOCAL_PREF "%7u", weight "%7u ").
    static func table(_ entries: [UnicastRouteEntry], routerID: IPv4Address, localAS: UInt32, hostname: String) -> String {
        var text = """
            BGP table version is \(entries.count), local router ID is \(routerID), vrf id 0
            Default local pref 100, local AS \(localAS)
            Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,
                           i internal, r RIB-failure, S Stale, R Removed
            Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self
            Origin codes:  i - IGP, e - EGP, ? - incomplete
            RPKI validation codes: V valid, I invalid, N Not found

               Network          Next Hop            Metric LocPrf Weight Path

            """
        var pathCount = 0
        for entry in entries {
            for (i, path) in entry.paths.enumerated() {
                pathCount += 1
                text += (path.stale ? "S" : "*") + (path.best ? ">" : path.multipath ? "=" : " ") + (path.pathFrom == "internal" ? "i" : " ")
                text += column(i == 0 ? entry.prefix.description : "", 17, wrapTo: 20)
                var hop = path.nextHop.map(frrText) ?? "0.0.0.0"
                if let name = path.peer == nil ? hostname : path.hostname { hop += "(\(name))" }
                text += column(hop, 16, wrapTo: 36)
                text += path.med.map { leftPad(String($0), 10) } ?? String(repeating: " ", count: 10)
                text += path.localPref.map { leftPad(String($0), 7) } ?? String(repeating: " ", count: 7)
                text += leftPad(path.peer == nil ? "32768" : "0", 7) + " "
                let asPath = asPathText(path.asPath)
                text += (asPath.isEmpty ? "" : asPath + " ") + originCode(path.origin) + "\n"
            }
        }
        text += "\nDisplayed  \(entries.count) routes and \(pathCount) total paths"
        return text
    }

    /// `text` padded to `width`; when it does not fit, a new line indented by `wrapTo` follows it (FRR's layout).
    private static func column(_ text: String, _ width: Int, wrapTo: Int) -> String {
        text.count < width ? text + String(repeating: " ", count: width - text.count)
            : text + "\n" + String(repeating: " ", count: wrapTo)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    // MARK: summary

    /// The summary of one family: the peers that carry it (configured for it, or negotiated it), with its counts.
    static func summary(_ rows: [PeerSummary], family: AddressFamily, engine: Engine, config: EngineConfig, peerGroups: Int,
                        epochNow: UInt64) -> BGPSummary {
        let configured = Dictionary(config.peers.map { ($0.address, $0.families) }, uniquingKeysWith: { a, _ in a })
        let carrying = rows.filter { row in
            configured[row.address]?.contains(family) ?? row.families.contains(family)
        }.map { row -> PeerSummary in
            var row = row
            let counts = engine.prefixCounts(PeerID(row.address), family)
            row.prefixesReceived = counts.received
            row.prefixesSent = counts.sent
            return row
        }
        return SummaryReport.make(carrying, config: config, peerGroups: peerGroups, routeCount: engine.routeCount(family),
                                  epochNow: epochNow)
    }
}

extension Runtime {
    /// `show bgp ipv4|ipv6 unicast [summary] [json]` and `show bgp summary [json]`; nil for anything else.
    func answerUnicast(_ request: ControlRequest) -> ControlResponse? {
        var words = request.command
        let json = request.json || words.last == "json"
        if words.last == "json" { words.removeLast() }
        if words == ["show", "bgp", "summary"] {
            return allFamiliesSummary(json: json)
        }
        guard words.count >= 4, words[0] == "show", words[1] == "bgp", words[3] == "unicast",
              let family = UnicastReport.family(words[2]) else { return nil }
        switch words.dropFirst(4) {
        case []:
            let entries = engine.unicastRoutes(family)
            if json {
                return ControlResponse(ok: true, output: UnicastReport.json(entries, family: family, routerID: engineConfig.routerID,
                                                                            localAS: engineConfig.localAS,
                                                                            hostname: engineConfig.hostname).frrPretty)
            }
            return ControlResponse(ok: true, output: UnicastReport.table(entries, routerID: engineConfig.routerID,
                                                                         localAS: engineConfig.localAS, hostname: engineConfig.hostname))
        case ["summary"]:
            let summary = familySummary(family)
            if json {
                do {
                    return ControlResponse(ok: true, output: try summary.jsonText())
                } catch {
                    return .failure("cannot encode the summary: \(error)")
                }
            }
            return ControlResponse(ok: true, output: summary.tableText())
        default:
            return nil
        }
    }

    private func familySummary(_ family: AddressFamily) -> BGPSummary {
        if family == .l2vpnEVPN {
            var summary = SummaryReport.make(summaryRowsWithVTEPDrops(), config: engineConfig,
                                             peerGroups: bgpConfig.router.peerGroups.count, routeCount: engine.routeCount,
                                             epochNow: epochNow())
            summary.ribCount = engine.routeCount
            return withBFDStatus(summary)
        }
        return withBFDStatus(UnicastReport.summary(engine.summary(now: Runtime.monotonicNow()), family: family, engine: engine,
                                                   config: engineConfig, peerGroups: bgpConfig.router.peerGroups.count,
                                                   epochNow: epochNow()))
    }

    /// `show bgp summary`: one summary per family some peer is configured for, as FRR prints them.
    private func allFamiliesSummary(json: Bool) -> ControlResponse {
        let families = [AddressFamily.ipv4Unicast, .ipv6Unicast, .l2vpnEVPN].filter { family in
            engineConfig.peers.contains { $0.families.contains(family) }
                || engine.summary(now: Runtime.monotonicNow()).contains { $0.families.contains(family) }
        }
        if json {
            var parts: [String] = []
            for family in families {
                do {
                    parts.append("\"\(UnicastReport.jsonKey(family))\":" + (try familySummary(family).jsonText()))
                } catch {
                    return .failure("cannot encode the summary: \(error)")
                }
            }
            return ControlResponse(ok: true, output: "{\n" + parts.joined(separator: ",\n") + "}")
        }
        if families.isEmpty { return ControlResponse(ok: true, output: "% No BGP neighbors found in VRF default") }
        let text = families.map { family in
            "\n\(UnicastReport.title(family)) Summary (VRF default):\n" + familySummary(family).tableText()
        }.joined(separator: "\n")
        return ControlResponse(ok: true, output: text)
    }
}
