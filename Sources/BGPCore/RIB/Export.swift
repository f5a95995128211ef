// What a route looks like when it leaves, per kind of receiving peer (RFC 4271 section 5, RFC 4456
// sections 6-8), and whether it leaves at all.
//
//   learned from        to a client        to a non-client     to an eBGP peer
//   a client            reflected          reflected           our AS prepended
//   a non-client        reflected          not sent            our AS prepended
//   an eBGP peer        LOCAL_PREF set     LOCAL_PREF set      our AS prepended
//   us (local)          LOCAL_PREF set     LOCAL_PREF set      our AS prepended
//
// Reflected: ORIGINATOR_ID set to the source peer's BGP Identifier if absent, our cluster id
// prepended to CLUSTER_LIST. Extended communities, PMSI tunnel and the NLRI's labels and ESI are
// never changed, to any peer. The next hop of an l2vpn evpn route is never changed either: FRR leaves
// it alone towards eBGP peers too, and a VTEP's address is the VXLAN tunnel endpoint wherever the route
// goes. The next hop of an IPv4/IPv6 unicast route is set to ours towards eBGP peers, for our own
// routes, and with `next-hop-self [force]` (RIB.selfNextHop says when); otherwise it is kept.
// Towards eBGP: LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST are removed (RFC 4271 5.1.5, RFC 4456
// section 8), and a MED learned from another AS is not passed on (RFC 4271 5.1.4).
// Always: unknown optional transitive attributes go on with the Partial bit set (RFC 4271 section
// 5); unknown optional non-transitive ones are dropped.

import BGPWire

/// Peers with the same outbound policy; their Adj-RIB-Out is shared.
enum GroupKind: Hashable, Sendable {
    case client, nonClient, external
}

struct ExportPolicy {
    var localAS: UInt32
    var clusterID: IPv4Address

    /// The attributes `attributes` leave with towards a `kind` peer, or nil if the route is not sent there.
    /// `selfNextHop`: the next hop to put in place of the route's, nil to keep it.
    func export(_ attributes: AttributeSet, source: Source, to kind: GroupKind,
                selfNextHop: [UInt8]? = nil) -> AttributeContent? {
        var list = attributes.attributes.compactMap(passOn)
        switch (source.origin.kind, kind) {
        case (.ibgp, .client), (.ibgp, .nonClient):
            if kind == .nonClient && !source.isClient { return nil }
            // RFC 4456 section 8: reflection.
            let originator = attributes.originatorID ?? source.origin.routerID
            set(&list, PathAttribute(.originatorID(originator)))
            set(&list, PathAttribute(.clusterList([clusterID] + attributes.clusterList)))
            if attributes.localPref == nil { set(&list, PathAttribute(.localPref(BestPath.defaultLocalPref))) }
        case (.local, .client), (.local, .nonClient):
            if attributes.localPref == nil { set(&list, PathAttribute(.localPref(BestPath.defaultLocalPref))) }
        case (.ebgp, .client), (.ebgp, .nonClient):
            set(&list, PathAttribute(.localPref(BestPath.defaultLocalPref)))
        case (_, .external):
            list.removeAll { [.localPref, .originatorID, .clusterList].contains($0.type) }
            if source.origin.kind == .ebgp { list.removeAll { $0.type == .multiExitDisc } }
            var path = attributes.asPath
            if let first = path.segments.first, first.type == .sequence, first.asns.count < 255 {
                path.segments[0].asns.insert(localAS, at: 0)
            } else {
                path.segments.insert(ASPath.Segment(type: .sequence, asns: [localAS]), at: 0)
            }
            set(&list, PathAttribute(.asPath(path)))
        }
        return AttributeContent(attributes: list, nextHop: selfNextHop ?? attributes.nextHop)
    }

    /// An attribute as it goes on: unknown optional transitive ones marked Partial, unknown
    /// non-transitive ones and 2-octet AS leftovers (AS4_PATH, AS4_AGGREGATOR: evpnd speaks 4-octet
    /// AS, RFC 6793 section 4.1) dropped.
    private func passOn(_ attribute: PathAttribute) -> PathAttribute? {
        switch attribute.value {
        case .unknown:
            guard attribute.flags.contains(.optional), attribute.flags.contains(.transitive) else { return nil }
            var marked = attribute
            marked.flags.insert(.partial)
            return marked
        case .as4Path, .as4Aggregator:
            return nil
        default:
            // Known attributes leave with the flags their definition requires (RFC 7606 section 3 (c)), whatever
            // the peer sent; only the Partial bit of an optional transitive one is kept (RFC 4271 section 5).
            var clean = PathAttribute(attribute.value)
            if attribute.flags.contains(.partial) && clean.flags.contains(.optional) && clean.flags.contains(.transitive) {
                clean.flags.insert(.partial)
            }
            return clean
        }
    }

    private func set(_ list: inout [PathAttribute], _ attribute: PathAttribute) {
        list.removeAll { $0.type == attribute.type }
        list.append(attribute)
    }
}
