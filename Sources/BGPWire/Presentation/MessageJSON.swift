// Messages described as JSON for `evpnctl decode --json` and for tests that compare a decode with
// tshark's. EVPN routes carry `rd` and `prefix` exactly as FRR writes them in
// `show bgp l2vpn evpn route json`, so captures and a running FRR can be compared by eye or script.

extension DecodedMessage {
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("offset", .int(offset)), ("length", .int(length)), ("type", .string(type.description))]
        switch result {
        case .failure(let error):
            pairs.append(("error", error.json))
        case .success(let message):
            pairs.append(contentsOf: message.jsonMembers(context: context))
        }
        return .object(pairs)
    }
}

extension BGPError {
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("code", .string(code.rawValue)), ("outcome", .string(outcome.name)), ("reason", .string(reason))]
        if let offset { pairs.append(("offset", .int(offset))) }
        if let attributeType { pairs.append(("attributeType", .int(attributeType))) }
        if let notification {
            pairs.append(("notification", .object([("code", .int(notification.code.rawValue)), ("subcode", .int(notification.subcode)),
                                                   ("data", .string(hexString(notification.data)))])))
        }
        return .object(pairs)
    }
}

extension BGPMessage {
    public func json(context: CodecContext) -> JSONValue {
        .object([("type", .string(type.description))] + jsonMembers(context: context))
    }

    func jsonMembers(context: CodecContext) -> [(String, JSONValue)] {
        switch self {
        case .open(let open): return open.jsonMembers
        case .update(let update): return update.jsonMembers
        case .notification(let n):
            var pairs: [(String, JSONValue)] = [("code", .int(n.code.rawValue)), ("subcode", .int(n.subcode)),
                                                ("description", .string(n.description))]
            if !n.data.isEmpty { pairs.append(("data", .string(hexString(n.data)))) }
            return pairs
        case .keepalive: return []
        case .routeRefresh(let rr):
            return [("afi", .int(rr.family.afi.rawValue)), ("safi", .int(rr.family.safi.rawValue)),
                    ("family", .string(rr.family.description)), ("subtype", .int(rr.subtype.rawValue))]
        }
    }
}

extension OpenMessage {
    var jsonMembers: [(String, JSONValue)] {
        [("version", .int(version)), ("myAs", .int(myAS)), ("asNumber", .int(asNumber)), ("holdTime", .int(holdTime)),
         ("bgpId", .string(identifier.description)),
         ("capabilities", .array(capabilities.map(\.json)))]
    }
}

extension Capability {
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("code", .int(code.rawValue)), ("name", .string(name))]
        switch self {
        case .multiprotocol(let family, _):
            pairs += [("afi", .int(family.afi.rawValue)), ("safi", .int(family.safi.rawValue)), ("family", .string(family.description))]
        case .fourOctetAS(let asn):
            pairs.append(("as", .int(asn)))
        case .gracefulRestart(let gr):
            pairs += [("restarting", .bool(gr.restarting)), ("notification", .bool(gr.notificationSupport)),
                      ("restartTime", .int(gr.restartTime)),
                      ("families", .array(gr.families.map { .object([("family", .string($0.family.description)),
                                                                     ("forwardingPreserved", .bool($0.forwardingPreserved))]) }))]
        case .extendedNextHop(let entries):
            pairs.append(("entries", .array(entries.map { .object([("nlriAfi", .int($0.nlriAFI.rawValue)), ("nlriSafi", .int($0.nlriSAFI)),
                                                                    ("nexthopAfi", .int($0.nextHopAFI.rawValue))]) })))
        case .addPath(let entries):
            pairs.append(("entries", .array(entries.map { .object([("family", .string($0.family.description)),
                                                                    ("sendReceive", .int($0.direction.rawValue))]) })))
        case .fqdn(let hostname, let domain):
            pairs += [("hostname", .string(hostname)), ("domain", .string(domain))]
        case .unknown(_, let value):
            pairs.append(("value", .string(hexString(value))))
        case .routeRefresh, .routeRefreshCisco, .enhancedRouteRefresh, .extendedMessage:
            break
        }
        return .object(pairs)
    }
}

extension UpdateMessage {
    var jsonMembers: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = []
        if let family = endOfRIBFamily { pairs.append(("endOfRib", .string(family.description))) }
        if !withdrawnRoutes.isEmpty { pairs.append(("withdrawn", .array(withdrawnRoutes.map(\.json)))) }
        pairs.append(("attributes", .array(attributes.map(\.json))))
        if !nlri.isEmpty { pairs.append(("nlri", .array(nlri.map(\.json)))) }
        if let reach = mpReach, case .evpn(let routes) = reach.nlri {
            let nextHop = reach.nextHopAddress?.description ?? hexString(reach.nextHop)
            pairs.append(("routes", .array(routes.map { $0.json(nextHop: nextHop) })))
        }
        if let unreach = mpUnreach, case .evpn(let routes) = unreach.nlri, !routes.isEmpty {
            pairs.append(("withdrawnRoutes", .array(routes.map { $0.json(nextHop: nil) })))
        }
        if !problems.isEmpty { pairs.append(("problems", .array(problems.map(\.json)))) }
        return pairs
    }
}

extension PrefixNLRI {
    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("prefix", .string(prefix.description))]
        if let pathID { pairs.append(("pathId", .int(pathID))) }
        return .object(pairs)
    }
}

extension EVPNNLRI {
    /// One route as FRR names it (`rd`, `prefix`) plus its fields.
    public func json(nextHop: String?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("rd", .string(route.rd.description)), ("prefix", .string(route.prefixString)),
                                            ("routeType", .int(route.routeType))]
        if let pathID { pairs.append(("pathId", .int(pathID))) }
        switch route {
        case .ethernetAutoDiscovery(let r):
            pairs += [("esi", .string(r.esi.description)), ("ethTag", .int(r.ethernetTag)), ("label", .int(r.label.rawValue))]
        case .macIP(let r):
            pairs += [("esi", .string(r.esi.description)), ("ethTag", .int(r.ethernetTag)), ("mac", .string(r.mac.description))]
            if let ip = r.ip { pairs.append(("ip", .string(ip.description))) }
            pairs.append(("label", .int(r.label1.rawValue)))
            if let label2 = r.label2 { pairs.append(("label2", .int(label2.rawValue))) }
        case .inclusiveMulticast(let r):
            pairs += [("ethTag", .int(r.ethernetTag)), ("originatorIp", .string(r.originatorIP.description))]
        case .ethernetSegment(let r):
            pairs += [("esi", .string(r.esi.description)), ("originatorIp", .string(r.originatorIP.description))]
        case .ipPrefix(let r):
            pairs += [("esi", .string(r.esi.description)), ("ethTag", .int(r.ethernetTag)),
                      ("ipPrefix", .string(r.prefix.description)), ("gatewayIp", .string(r.gatewayIP.description)),
                      ("label", .int(r.label.rawValue))]
        }
        if let nextHop { pairs.append(("nexthop", .string(nextHop))) }
        return .object(pairs)
    }
}

extension PathAttribute {
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("type", .int(type.rawValue)), ("name", .string(PathAttributeTable.name(of: type))),
                                            ("flags", .string("0x" + hex2(flags.rawValue)))]
        switch value {
        case .origin(let origin): pairs.append(("value", .string(origin.name)))
        case .asPath(let path), .as4Path(let path):
            pairs.append(("value", .string(path.description)))
            pairs.append(("length", .int(path.pathLength)))
        case .nextHop(let address), .originatorID(let address): pairs.append(("value", .string(address.description)))
        case .multiExitDisc(let value), .localPref(let value): pairs.append(("value", .int(value)))
        case .atomicAggregate: break
        case .aggregator(let a), .as4Aggregator(let a):
            pairs += [("as", .int(a.asn)), ("address", .string(a.address.description))]
        case .communities(let list):
            pairs.append(("value", .array(list.map { .string("\($0 >> 16):\($0 & 0xffff)") })))
        case .clusterList(let list): pairs.append(("value", .array(list.map { .string($0.description) })))
        case .mpReachNLRI(let reach):
            pairs += [("afi", .int(reach.family.afi.rawValue)), ("safi", .int(reach.family.safi.rawValue)),
                      ("nexthop", .string(reach.nextHopAddress?.description ?? hexString(reach.nextHop))),
                      ("nlriCount", .int(reach.nlri.count))]
            if let ll = reach.linkLocalNextHop { pairs.append(("nexthopLinkLocal", .string(ll.description))) }
            if !reach.skippedRouteTypes.isEmpty { pairs.append(("skippedRouteTypes", .array(reach.skippedRouteTypes.map { .int($0) }))) }
        case .mpUnreachNLRI(let unreach):
            pairs += [("afi", .int(unreach.family.afi.rawValue)), ("safi", .int(unreach.family.safi.rawValue)),
                      ("nlriCount", .int(unreach.nlri.count))]
            if !unreach.skippedRouteTypes.isEmpty { pairs.append(("skippedRouteTypes", .array(unreach.skippedRouteTypes.map { .int($0) }))) }
        case .extendedCommunities(let list):
            pairs.append(("value", .array(list.map { .string($0.description) })))
            pairs.append(("raw", .array(list.map { .string(hexString($0.bytes)) })))
        case .pmsiTunnel(let tunnel):
            var members: [(String, JSONValue)] = [("flags", .int(tunnel.flags)), ("tunnelType", .int(tunnel.tunnelType.rawValue)),
                                                  ("tunnelTypeName", .string(tunnel.tunnelType.description)),
                                                  ("label", .int(tunnel.label.rawValue))]
            if let endpoint = tunnel.ingressReplicationEndpoint {
                members.append(("tunnelId", .string(endpoint.description)))
            } else {
                members.append(("tunnelId", .string(hexString(tunnel.tunnelIdentifier))))
            }
            pairs.append(("value", .object(members)))
        case .largeCommunities(let list): pairs.append(("value", .array(list.map { .string($0.description) })))
        case .unknown(_, let value): pairs.append(("value", .string(hexString(value))))
        }
        return .object(pairs)
    }
}
