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
//
// IPv4 unicast goes in the UPDATE's own fields (RFC 4271 section 4.3), with NEXT_HOP among the attributes:
//   header (19) | Withdrawn Routes Length (2) | withdrawn: [path id (4)] length (1) prefix (0-4) ...
//   | Total Path Attribute Length (2) | attributes incl. NEXT_HOP (3 + 4) | NLRI: [path id (4)] length (1) prefix ...
// IPv6 unicast in MP_REACH_NLRI / MP_UNREACH_NLRI as EVPN is (RFC 4760), prefixes as `length (1) prefix (0-16)`.
// A peer is sent only the families it negotiated: its group's Adj-RIB-Out holds no others (RIB.exported).

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
        var unicast = UnicastBatch()
        var bytes = 0
        var freed: [RouteID] = []
        let group = groups[out.group]
        for id in out.dirty.members(limit: 4096) {
            if bytes >= budget { break }
            out.dirty.remove(id)
            let destination = table.destinations[Int(id)]
            var state: (AttributeSet, RIBRoute)?
            if let attributes = group.state(id), let best = destination.bestPath, best.source != out.slot,
               attributes.originatorID != out.routerID {
                state = (attributes, destination.nlri(of: best))
            }
            if let (attributes, route) = state {
                if out.sent.insert(id) {
                    table[id].advertisedTo += 1
                    out.sentByType[destination.route.routeType] += 1
                    out.sentByFamily[destination.route.family] += 1
                }
                guard case .evpn(let route) = route else {
                    if case .prefix(let prefix) = route { bytes += unicast.announce(prefix, attributes, context: context) }
                    continue
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
                out.sentByFamily[destination.route.family] -= 1
                table[id].advertisedTo -= 1
                freed.append(id)
                switch destination.route {
                case .evpn(let route):
                    withdrawals.append(EVPNNLRI(pathID: addPath ? 1 : nil, route: route))
                    bytes += nlriOverhead + route.valueLength
                case .prefix(let prefix):
                    bytes += unicast.withdraw(prefix, context: context)
                }
            }
        }
        outPeers[peer] = out
        for id in freed { table.removeIfUnused(id) }
        return Self.pack(withdrawals: withdrawals, announcements: announcements, context: context)
            + unicast.pack(context: context)
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

/// The unicast half of one batch: per family, withdrawals and announcements grouped by attribute set.
struct UnicastBatch {
    var withdrawnV4: [PrefixNLRI] = []
    var withdrawnV6: [PrefixNLRI] = []
    var announcedV4: [(attributes: AttributeSet, prefixes: [PrefixNLRI])] = []
    var announcedV6: [(attributes: AttributeSet, prefixes: [PrefixNLRI])] = []

    /// `[path id (4)] length (1) prefix (ceil(length / 8))`.
    static func size(_ nlri: PrefixNLRI) -> Int { (nlri.pathID == nil ? 0 : 4) + 1 + (Int(nlri.prefix.length) + 7) / 8 }

    private static func nlri(_ prefix: IPPrefix, _ family: AddressFamily, _ context: CodecContext) -> PrefixNLRI {
        PrefixNLRI(pathID: context.addPath.contains(family) ? 1 : nil, prefix: prefix)
    }

    /// Octets added (an estimate for the budget).
    mutating func announce(_ prefix: IPPrefix, _ attributes: AttributeSet, context: CodecContext) -> Int {
        let isV4 = RIBRoute.prefix(prefix).family == .ipv4Unicast
        let nlri = Self.nlri(prefix, isV4 ? .ipv4Unicast : .ipv6Unicast, context)
        func add(_ list: inout [(attributes: AttributeSet, prefixes: [PrefixNLRI])]) -> Int {
            if let i = list.lastIndex(where: { $0.attributes === attributes }) {
                list[i].prefixes.append(nlri)
                return Self.size(nlri)
            }
            list.append((attributes, [nlri]))
            return Self.size(nlri) + attributes.estimatedWireLength
        }
        return isV4 ? add(&announcedV4) : add(&announcedV6)
    }

    mutating func withdraw(_ prefix: IPPrefix, context: CodecContext) -> Int {
        if RIBRoute.prefix(prefix).family == .ipv4Unicast {
            withdrawnV4.append(Self.nlri(prefix, .ipv4Unicast, context))
            return Self.size(withdrawnV4[withdrawnV4.count - 1])
        }
        withdrawnV6.append(Self.nlri(prefix, .ipv6Unicast, context))
        return Self.size(withdrawnV6[withdrawnV6.count - 1])
    }

    private static func chunks(_ list: [PrefixNLRI], room: Int) -> [[PrefixNLRI]] {
        var result: [[PrefixNLRI]] = []
        var current: [PrefixNLRI] = []
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

    func pack(context: CodecContext) -> [UpdateMessage] {
        let limit = context.maxMessageLength
        let fixed = BGPMessageHeader.length + 2 + 2
        let mpHeader = 4 + 3
        var messages: [UpdateMessage] = []
        for chunk in Self.chunks(withdrawnV4, room: limit - fixed) {
            messages.append(UpdateMessage(withdrawnRoutes: chunk))
        }
        for chunk in Self.chunks(withdrawnV6, room: limit - fixed - mpHeader) {
            let unreach = MPUnreachNLRI(family: .ipv6Unicast, nlri: .prefixes(chunk))
            messages.append(UpdateMessage(attributes: [PathAttribute(flags: [.optional, .extendedLength], value: .mpUnreachNLRI(unreach))]))
        }
        for (attributes, prefixes) in announcedV4 {
            // NEXT_HOP in type order among the others (ORIGIN, AS_PATH, NEXT_HOP, ...), as FRR sends it.
            var list = attributes.attributes
            if let address = IPAddress(bytes: attributes.nextHop), case .v4(let v4) = address {
                list.append(PathAttribute(.nextHop(v4)))
                list.sort { $0.type < $1.type }
            }
            var writer = WireWriter(capacity: 128)
            for attribute in list { attribute.encode(into: &writer, context: context) }
            for chunk in Self.chunks(prefixes, room: limit - fixed - writer.count) {
                messages.append(UpdateMessage(attributes: list, nlri: chunk))
            }
        }
        for (attributes, prefixes) in announcedV6 {
            var writer = WireWriter(capacity: 128)
            for attribute in attributes.attributes { attribute.encode(into: &writer, context: context) }
            let room = limit - fixed - writer.count - mpHeader - 1 - attributes.nextHop.count - 1
            for chunk in Self.chunks(prefixes, room: room) {
                let reach = MPReachNLRI(family: .ipv6Unicast, nextHop: attributes.nextHop, nlri: .prefixes(chunk))
                messages.append(UpdateMessage(attributes: [PathAttribute(flags: [.optional, .extendedLength], value: .mpReachNLRI(reach))]
                                              + attributes.attributes))
            }
        }
        return messages
    }
}
