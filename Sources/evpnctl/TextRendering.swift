// Human-readable rendering of decoded messages: one header line per message, then one line per
// capability, attribute or route, in wire order. Compact on purpose: a capture of a thousand
// messages should be readable with grep and less.
import BGPWire

enum TextRendering {
    static func render(_ message: DecodedMessage) -> String {
        var lines = ["\(message.type) at offset \(message.offset), \(message.length) octets"]
        switch message.result {
        case .failure(let error):
            lines.append("  error: \(error)")
        case .success(let decoded):
            lines += body(decoded).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func body(_ message: BGPMessage) -> [String] {
        switch message {
        case .open(let open):
            return ["version \(open.version), AS \(open.asNumber), hold time \(open.holdTime), BGP identifier \(open.identifier)"]
                + open.capabilities.map { "capability " + capability($0) }
        case .update(let update):
            return self.update(update)
        case .notification(let n):
            return [n.description]
        case .keepalive:
            return []
        case .routeRefresh(let rr):
            let subtype = ["request", "beginning of route refresh", "end of route refresh"]
            return ["\(rr.family), \(rr.subtype.rawValue < 3 ? subtype[Int(rr.subtype.rawValue)] : "subtype \(rr.subtype.rawValue)")"]
        }
    }

    static func capability(_ c: Capability) -> String {
        switch c {
        case .multiprotocol(let family, _): return "multiprotocol \(family)"
        case .fourOctetAS(let asn): return "4-octet-as \(asn)"
        case .gracefulRestart(let gr):
            let families = gr.families.map { "\($0.family)\($0.forwardingPreserved ? " (F)" : "")" }.joined(separator: ", ")
            return "graceful-restart time \(gr.restartTime)\(gr.restarting ? " R" : "")\(gr.notificationSupport ? " N" : "")"
                + (families.isEmpty ? "" : ": " + families)
        case .addPath(let entries):
            return "add-path " + entries.map { "\($0.family) \(["", "receive", "send", "send/receive"][Int($0.direction.rawValue & 3)])" }
                .joined(separator: ", ")
        case .extendedNextHop(let entries):
            return "extended-nexthop " + entries.map { "afi \($0.nlriAFI.rawValue)/safi \($0.nlriSAFI) via afi \($0.nextHopAFI.rawValue)" }
                .joined(separator: ", ")
        case .fqdn(let hostname, let domain): return "fqdn \(hostname)\(domain.isEmpty ? "" : "." + domain)"
        case .unknown(let code, let value): return "code \(code) \(hexString(value))"
        default: return c.name
        }
    }

    static func update(_ update: UpdateMessage) -> [String] {
        var lines: [String] = []
        if let family = update.endOfRIBFamily { lines.append("End-of-RIB \(family)") }
        lines += update.withdrawnRoutes.map { "withdrawn \($0.prefix)" }
        for attribute in update.attributes {
            let head = "\(PathAttributeTable.name(of: attribute.type)) (flags 0x\(hexString([attribute.flags.rawValue]))): "
            lines.append(head + value(attribute.value))
        }
        lines += update.nlri.map { "nlri \($0.prefix)" }
        if let reach = update.mpReach {
            let nextHop = reach.nextHopAddress?.description ?? hexString(reach.nextHop)
            if case .evpn(let routes) = reach.nlri {
                lines += routes.map { "route \($0.route.rd) \($0.route.prefixString)\(details($0.route)) nexthop \(nextHop)" }
            }
        }
        if let unreach = update.mpUnreach, case .evpn(let routes) = unreach.nlri {
            lines += routes.map { "withdrawn \($0.route.rd) \($0.route.prefixString)" }
        }
        lines += update.problems.map { "problem: \($0)" }
        return lines
    }

    /// The fields of a route that its FRR prefix string does not show.
    static func details(_ route: EVPNRoute) -> String {
        switch route {
        case .ethernetAutoDiscovery(let r): return " label \(r.label)"
        case .macIP(let r):
            return (r.esi.isZero ? "" : " esi \(r.esi)") + " label \(r.label1)" + (r.label2.map { " label2 \($0)" } ?? "")
        case .inclusiveMulticast: return ""
        case .ethernetSegment: return ""
        case .ipPrefix(let r): return " gateway \(r.gatewayIP) label \(r.label)" + (r.esi.isZero ? "" : " esi \(r.esi)")
        }
    }

    static func value(_ value: PathAttributeValue) -> String {
        switch value {
        case .origin(let o): return o.name
        case .asPath(let p), .as4Path(let p): return p.segments.isEmpty ? "(empty)" : p.description
        case .nextHop(let a), .originatorID(let a): return a.description
        case .multiExitDisc(let v), .localPref(let v): return String(v)
        case .atomicAggregate: return "(set)"
        case .aggregator(let a), .as4Aggregator(let a): return "AS \(a.asn) \(a.address)"
        case .communities(let list): return list.map { "\($0 >> 16):\($0 & 0xffff)" }.joined(separator: " ")
        case .clusterList(let list): return list.map(\.description).joined(separator: " ")
        case .mpReachNLRI(let r):
            let nextHop = r.nextHopAddress?.description ?? hexString(r.nextHop)
            let skipped = r.skippedRouteTypes.isEmpty ? "" : ", skipped unknown route types \(r.skippedRouteTypes)"
            return "\(r.family), next hop \(nextHop), \(r.nlri.count) NLRI\(skipped)"
        case .mpUnreachNLRI(let u): return "\(u.family), \(u.nlri.count) NLRI"
        case .extendedCommunities(let list): return ExtendedCommunity.frrString(list)
        case .pmsiTunnel(let t): return t.description
        case .largeCommunities(let list): return list.map(\.description).joined(separator: " ")
        case .unknown(_, let bytes): return hexString(bytes)
        }
    }
}
