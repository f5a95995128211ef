// `show bgp l2vpn evpn route detail [json]`: every path of every route with its attributes, in FRR 8.4's layout
// (bgpd/bgp_evpn_vty.c `evpn_show_all_routes` with detail, bgpd/bgp_route.c `route_vty_out_detail`), checked
// against Tests/Fixtures/frr-json/vtep1-two-paths-detail.{json,txt} (scripts/lab/capture-views-json).
//
// FRR 8.4 names the reason only on the best path: `"bestpath":{"bestpathFromAs":..,"overall":true,
// "selectionReason":"Neighbor IP"}` and `bestpath-from-AS Local, best (Neighbor IP)`. evpnd also says why each
// other path lost (the step of BestPath.swift at which it loses to the best): the evpnd-only key
// `"notSelectedReason"` and a text line `Not selected: REASON`. FRR's `bestpath` object stays absent on those
// paths, so scripts that test `bestpath.overall` read evpnd as they read FRR.
//
// Left out (evpnd keeps no such state): "version" and "lastUpdate" per path, "advertisedTo" per route (and the
// text's "Advertised to ..." line), "VNI"/"vni" (FRR's from its VNI table), the next hop's "metric" and
// "accessible" (no IGP table; evpnd's next hops are always used).

import BGPCore
import BGPWire
import ControlProtocol

enum RouteDetailReport {
    /// The first AS of the path (FRR's "bestpath-from-AS"), 0 / "Local" for an empty path.
    static func fromAS(_ path: ASPath) -> UInt32? {
        path.segments.first(where: { !$0.asns.isEmpty })?.asns.first
    }

    static func pmsi(_ attributes: [PathAttribute]) -> PMSITunnel? {
        for attribute in attributes { if case .pmsiTunnel(let tunnel) = attribute.value { return tunnel } }
        return nil
    }

    static func json(_ entries: [RouteReportEntry]) -> JSONValue {
        var root: [(String, JSONValue)] = []
        var rdMembers: [(String, JSONValue)] = []
        var currentRD: String?
        var prefixes = 0, paths = 0
        func flush() {
            if let rd = currentRD { root.append((rd, .object(rdMembers))) }
        }
        for entry in RouteReport.frrOrder(entries) {
            let rd = entry.key.rd.description
            if rd != currentRD {
                flush()
                currentRD = rd
                rdMembers = [("rd", .string(rd))]
            }
            prefixes += 1
            paths += entry.paths.count
            rdMembers.append((entry.key.prefixString, prefixJSON(entry)))
        }
        flush()
        root.append(("numPrefix", .int(prefixes)))
        root.append(("numPaths", .int(paths)))
        return .object(root)
    }

    static func prefixJSON(_ entry: RouteReportEntry) -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("prefix", .string(entry.key.prefixString)), ("prefixLen", .int(352)),
            ("rd", .string(entry.key.rd.description)),
        ]
        // The route's own fields, as the brief route report lists them per path.
        if let first = entry.paths.first {
            let brief = RouteReport.path(first)
            o.append(("routeType", .int(brief.routeType)))
            if let tag = brief.ethTag { o.append(("ethTag", .int(tag))) }
            if let esi = brief.esi { o.append(("esi", .string(esi))) }
            if let macLen = brief.macLen, let mac = brief.mac { o += [("macLen", .int(macLen)), ("mac", .string(mac))] }
            if let ipLen = brief.ipLen, let ip = brief.ip { o += [("ipLen", .int(ipLen)), ("ip", .string(ip))] }
        }
        o.append(("paths", .array(entry.paths.map { .array([pathJSON($0)]) })))
        return .object(o)
    }

    static func pathJSON(_ p: RouteReportEntry.PathReport) -> JSONValue {
        var o: [(String, JSONValue)] = []
        o.append(("aspath", .object([
            ("string", .string(p.asPath.segments.isEmpty ? "Local" : p.asPath.description)),
            ("segments", .array(p.asPath.segments.map { segment in
                .object([("type", .string(segment.type == .set ? "as-set" : "as-sequence")),
                         ("list", .array(segment.asns.map { .int($0) }))])
            })),
            ("length", .int(p.asPath.pathLength)),
        ])))
        o.append(("origin", .string(p.origin.name)))
        if let med = p.med { o.append(("metric", .int(med))) }
        if let localPref = p.localPref { o.append(("locPrf", .int(localPref))) }
        if p.peer == nil { o.append(("weight", .int(32768))) }
        o.append(("valid", .bool(true)))
        if p.stale { o.append(("stale", .bool(true))) }
        if p.peer == nil { o += [("sourced", .bool(true)), ("local", .bool(true))] }
        if p.best {
            o.append(("bestpath", .object([
                ("bestpathFromAs", .int(fromAS(p.asPath) ?? 0)), ("overall", .bool(true)),
                ("selectionReason", .string(p.selectionReason ?? SelectionReason.first.rawValue)),
            ])))
        } else if let lost = p.lostReason {
            o.append(("notSelectedReason", .string(lost.rawValue)))
        }
        // evpnd only: a selected route that is not used, and why (DropCounters.swift).
        if let why = p.notUsedReason { o.append(("notUsedReason", .string(why.rawValue))) }
        let communities = ExtendedCommunity.frrStoredOrder(p.extendedCommunities)
        if !communities.isEmpty { o.append(("extendedCommunity", .object([("string", .string(ExtendedCommunity.frrString(communities)))]))) }
        if let originator = p.originatorID { o.append(("originatorId", .string(originator.description))) }
        if !p.clusterList.isEmpty { o.append(("clusterList", .object([("list", .array(p.clusterList.map { .string($0.description) }))]))) }
        if let tunnel = pmsi(p.attributes) {
            o.append(("pmsi", .object([("tunnelType", .string(tunnel.tunnelType.description)), ("label", .int(tunnel.label.rawValue))])))
        }
        if let hop = p.nextHop {
            var n: [(String, JSONValue)] = [("ip", .string(hop.description))]
            if let hostname = p.hostname { n.append(("hostname", .string(hostname))) }
            n += [("afi", .string(hop.bitLength == 32 ? "ipv4" : "ipv6")), ("used", .bool(true))]
            o.append(("nexthops", .array([.object(n)])))
        }
        var peer: [(String, JSONValue)] = [
            ("peerId", .string(p.peer?.description ?? "0.0.0.0")), ("routerId", .string(p.peerRouterID.description)),
        ]
        if p.peer != nil {
            if let hostname = p.hostname { peer.append(("hostname", .string(hostname))) }
            peer.append(("type", .string(p.pathFrom)))
        }
        o.append(("peer", .object(peer)))
        return .object(o)
    }

    // MARK: text

    static func text(_ entries: [RouteReportEntry], localHostname: String, routerID: IPv4Address) -> String {
        var out = ""
        var currentRD: RouteDistinguisher?
        var paths = 0
        for entry in RouteReport.frrOrder(entries) {
            if entry.key.rd != currentRD {
                currentRD = entry.key.rd
                out += "Route Distinguisher: \(entry.key.rd)\n"
            }
            let bestIndex = entry.paths.firstIndex { $0.best }
            out += "BGP routing table entry for \(entry.key.rd):\(entry.key.prefixString)\n"
            out += "Paths: (\(entry.paths.count) available, " + (bestIndex.map { "best #\($0 + 1))\n" } ?? "no best path)\n")
            for p in entry.paths {
                paths += 1
                out += pathText(p, prefix: entry.key.prefixString, localHostname: localHostname, routerID: routerID)
            }
        }
        out += "\nDisplayed \(RouteReport.frrOrder(entries).count) prefixes (\(paths) paths)\n"
        return out
    }

    static func pathText(_ p: RouteReportEntry.PathReport, prefix: String, localHostname: String, routerID: IPv4Address) -> String {
        var out = "  Route \(prefix)\n"
        out += "  \(p.asPath.segments.isEmpty ? "Local" : p.asPath.description)\n"
        let hop = p.nextHop?.description ?? "0.0.0.0"
        if let peer = p.peer {
            let name = p.hostname.map { "\($0)(\(peer))" } ?? "\(peer)"
            // FRR shows the ORIGINATOR_ID of a reflected route where it would show the peer's router ID.
            let id = p.originatorID ?? p.peerRouterID
            out += "    \(hop)\(p.hostname.map { "(\($0))" } ?? "") from \(name) (\(id))\n"
        } else {
            out += "    \(hop)(\(localHostname)) from 0.0.0.0 (\(routerID))\n"
        }
        var line = "      Origin \(p.origin.name)"
        if let med = p.med { line += ", metric \(med)" }
        if let localPref = p.localPref { line += ", localpref \(localPref)" }
        if p.peer == nil { line += ", weight 32768" }
        line += ", valid"
        if p.stale { line += ", stale" }
        line += p.peer == nil ? ", sourced, local" : ", \(p.pathFrom)"
        if p.best {
            line += ", bestpath-from-AS \(fromAS(p.asPath).map(String.init) ?? "Local"), best (\(p.selectionReason ?? SelectionReason.first.rawValue))"
        }
        out += line + "\n"
        if !p.best, let lost = p.lostReason { out += "      Not selected: \(lost.rawValue)\n" }
        if let why = p.notUsedReason { out += "      Not used: \(why.sentence)\n" }
        let communities = ExtendedCommunity.frrStoredOrder(p.extendedCommunities)
        if !communities.isEmpty { out += "      Extended Community: \(ExtendedCommunity.frrString(communities))\n" }
        if let originator = p.originatorID {
            var text = "      Originator: \(originator)"
            if !p.clusterList.isEmpty { text += ", Cluster list: " + p.clusterList.map { "\($0) " }.joined() }
            out += text + "\n"
        }
        if let tunnel = pmsi(p.attributes) {
            out += "      PMSI Tunnel Type: \(tunnel.tunnelType), label: \(tunnel.label.rawValue)\n"
        }
        return out
    }
}
