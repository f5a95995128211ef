// Building UPDATEs from a peer's dirty routes, when its socket can take them.
//
// Routes that share an attribute set leave in one UPDATE, as many as the negotiated message size
// allows (4096 octets, or 65535 with RFC 8654 extended messages); withdrawals likewise in
// MP_UNREACH_NLRI. Sizes are worked out before encoding:
//
//   UPDATE with routes:  header (19) | Withdrawn Routes Length (2) = 0 | Total Path Attribute Length (2)
//                        | the set's attributes (encoded once) | MP_REACH_NLRI: flags (1) type (1)
//                        extended length (2) | AFI (2) SAFI (1) | next hop length (1) | next hop (4/16/32)
//                        | reserved (1) | NLRI: [path id (4)] type (1) length (1) value (length) ...
//   UPDATE withdrawing:  header (19) | 0 (2) | attribute length (2) | MP_UNREACH_NLRI: flags (1) type (1)
//                        extended length (2) | AFI (2) SAFI (1) | NLRI ...
//
// Per peer, a route's state is what its group advertises, except towards the peer the best path
// came from, or whose BGP Identifier is the route's ORIGINATOR_ID (RFC 4456 section 8: "the
// originator ... MUST NOT" get it back): those are told nothing, and a withdrawal if they had been
// told something before.

import BGPWire

extension RIB {
    /// At most `budget` octets of UPDATEs for `peer` (at least one message if anything is dirty).
    mutating func nextBatch(for peer: PeerID, context: CodecContext, budget: Int) -> [UpdateMessage] {
        guard var out = outPeers[peer], !out.dirty.isEmpty else { return [] }
        let addPath = context.addPath.contains(.l2vpnEVPN)
        let nlriOverhead = addPath ? 4 + 2 : 2
        var announcements: [(attributes: AttributeSet, routes: [EVPNNLRI])] = []
        var byIdentity: [ObjectIdentifier: Int] = [:]
        var last: (attributes: AttributeSet, index: Int)?
        var withdrawals: [EVPNNLRI] = []
        var bytes = 0
        var freed: [RouteID] = []
        let group = groups[out.group]
        for id in out.dirty.members(limit: 4096) {
            if bytes >= budget { break }
            out.dirty.remove(id)
            let destination = table.destinations[Int(id)]
            var state: (AttributeSet, EVPNRoute)?
            if let attributes = group.state(id), let best = destination.bestPath, best.source != out.slot,
               attributes.originatorID != out.routerID {
                state = (attributes, destination.nlri(of: best))
            }
            if let (attributes, route) = state {
                if out.sent.insert(id) {
                    table[id].advertisedTo += 1
                    out.sentByType[destination.route.routeType] += 1
                }
                let nlri = EVPNNLRI(pathID: addPath ? 1 : nil, route: route)
                // Consecutive routes mostly share their attribute set: only a change looks it up.
                if let last, last.attributes === attributes {
                    announcements[last.index].routes.append(nlri)
                } else if let i = byIdentity[ObjectIdentifier(attributes)] {
                    announcements[i].routes.append(nlri)
                    last = (attributes, i)
                } else {
                    byIdentity[ObjectIdentifier(attributes)] = announcements.count
                    last = (attributes, announcements.count)
                    announcements.append((attributes, [nlri]))
                    bytes += attributes.estimatedWireLength
                }
                bytes += nlriOverhead + route.valueLength
            } else if out.sent.remove(id) {
                out.sentByType[destination.route.routeType] -= 1
                withdrawals.append(EVPNNLRI(pathID: addPath ? 1 : nil, route: destination.route))
                table[id].advertisedTo -= 1
                freed.append(id)
                bytes += nlriOverhead + destination.route.valueLength
            }
        }
        outPeers[peer] = out
        for id in freed { table.removeIfUnused(id) }
        return Self.pack(withdrawals: withdrawals, announcements: announcements, context: context)
    }

    /// Splits into messages no longer than the context allows.
    static func pack(withdrawals: [EVPNNLRI], announcements: [(attributes: AttributeSet, routes: [EVPNNLRI])],
                     context: CodecContext) -> [UpdateMessage] {
        let limit = context.maxMessageLength
        let mpHeader = 4 + 3
        var messages: [UpdateMessage] = []
        func size(_ nlri: EVPNNLRI) -> Int { (nlri.pathID == nil ? 0 : 4) + 2 + nlri.route.valueLength }

        func chunks(_ list: [EVPNNLRI], room: Int) -> [[EVPNNLRI]] {
            var result: [[EVPNNLRI]] = []
            var current: [EVPNNLRI] = []
            var used = 0
            for nlri in list {
                let n = size(nlri)
                if used + n > room && !current.isEmpty {
                    result.append(current)
                    current = []
                    used = 0
                }
                current.append(nlri)
                used += n
            }
            if !current.isEmpty { result.append(current) }
            return result
        }

        let fixed = BGPMessageHeader.length + 2 + 2
        for chunk in chunks(withdrawals, room: limit - fixed - mpHeader) {
            let unreach = MPUnreachNLRI(family: .l2vpnEVPN, nlri: .evpn(chunk))
            messages.append(UpdateMessage(attributes: [PathAttribute(flags: [.optional, .extendedLength], value: .mpUnreachNLRI(unreach))]))
        }
        for (attributes, routes) in announcements {
            var writer = WireWriter(capacity: 128)
            for attribute in attributes.attributes { attribute.encode(into: &writer, context: context) }
            let room = limit - fixed - writer.count - mpHeader - 1 - attributes.nextHop.count - 1
            for chunk in chunks(routes, room: room) {
                let reach = MPReachNLRI(family: .l2vpnEVPN, nextHop: attributes.nextHop, nlri: .evpn(chunk))
                // MP_REACH_NLRI first, as FRR and GoBGP send it.
                messages.append(UpdateMessage(attributes: [PathAttribute(flags: [.optional, .extendedLength], value: .mpReachNLRI(reach))]
                                              + attributes.attributes))
            }
        }
        return messages
    }
}
