// The routes an injector advertises, and the UPDATEs that carry them. Route i (0-based) is the type-2
// route of MAC `macBase + i` and IPv4 address `ipBase + i` in VNI `vni`, RD `routerID:vni`; a sink told
// the same `--mac-base` maps a received MAC back to i, which is how it counts distinct routes without
// hashing and knows which sequence number each MAC should end at after a run of moves.
import BGPWire

struct RouteSet {
    var count: Int
    var vni: UInt32
    var rd: RouteDistinguisher
    var macBase: UInt64
    /// nil: MAC-only routes.
    var ipBase: UInt32?
    var nextHop: IPv4Address
    var localAS: UInt32
    var remoteAS: UInt32
    var routeTargetAS: UInt16
    /// IPv4 unicast instead of EVPN (`inject --family ipv4-unicast`): route i is the prefix of this length
    /// starting at `ipBase + i * 2^(32 - length)`, with NEXT_HOP `nextHop`, in the UPDATE's own NLRI fields.
    var unicastLength: UInt8? = nil

    func route(_ index: Int) -> EVPNNLRI {
        let ip = ipBase.map { IPAddress.v4(IPv4Address(rawValue: $0 &+ UInt32(truncatingIfNeeded: index))) }
        return EVPNNLRI(route: .macIP(MACIPAdvertisementRoute(
            rd: rd, mac: MACAddress(rawValue: macBase &+ UInt64(index)), ip: ip, label1: MPLSLabelField(vni: vni))))
    }

    /// ORIGIN, AS_PATH, LOCAL_PREF (iBGP only), EXTENDED_COMMUNITIES (RT, VXLAN encapsulation, and any extra).
    func attributes(extra: [ExtendedCommunity] = []) -> [PathAttribute] {
        let ebgp = localAS != remoteAS
        var list = [PathAttribute(.origin(.igp)),
                    PathAttribute(.asPath(ebgp ? ASPath(segments: [.init(type: .sequence, asns: [localAS])]) : .empty))]
        if !ebgp { list.append(PathAttribute(.localPref(100))) }
        list.append(PathAttribute(.extendedCommunities(
            [.routeTarget(asn: routeTargetAS, value: vni), .encapsulation(.vxlan)] + extra)))
        return list
    }

    /// Route i as an IPv4 unicast prefix (`unicastLength` set).
    func prefix(_ index: Int) -> PrefixNLRI {
        let length = unicastLength ?? 32
        let step = UInt32(1) << UInt32(32 - Int(min(length, 32)))
        let base = ipBase ?? 0
        return PrefixNLRI(prefix: IPPrefix(address: .v4(IPv4Address(rawValue: base &+ UInt32(truncatingIfNeeded: index) &* step)),
                                           length: length))
    }

    /// Full UPDATEs (each at most 4096 octets, as many routes as fit) for routes `indices`, all with
    /// the same attributes and next hop; or MP_UNREACH_NLRI UPDATEs if `withdraw` (for IPv4 unicast: the
    /// UPDATE's own NLRI and withdrawn-routes fields, NEXT_HOP and no extended communities).
    func updates(_ indices: Range<Int>, nextHop: IPv4Address, extra: [ExtendedCommunity] = [],
                 withdraw: Bool = false) throws -> [[UInt8]] {
        let context = CodecContext()
        let attributes = unicastLength == nil ? attributes(extra: extra)
            : Array(attributes().prefix { if case .extendedCommunities = $0.value { return false } else { return true } })
                + [PathAttribute(.nextHop(nextHop))]
        func encode(_ range: Range<Int>) throws -> [UInt8] {
            let update: UpdateMessage
            if unicastLength != nil {
                let prefixes = range.map(prefix)
                update = withdraw ? UpdateMessage(withdrawnRoutes: prefixes) : UpdateMessage(attributes: attributes, nlri: prefixes)
            } else {
                let routes = range.map(route)
                update = withdraw
                    ? UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: .l2vpnEVPN, nlri: .evpn(routes))))])
                    : UpdateMessage(attributes: attributes + [PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: routes, nextHop: .v4(nextHop))))])
            }
            return try BGPMessage.update(update).encode(context: context)
        }
        guard !indices.isEmpty else { return [] }
        // Every route here has the same length, so the per-route cost is the difference of two sizes.
        let first = indices.lowerBound
        let one = try encode(first..<(first + 1)).count
        let perRoute = try encode(first..<(first + 2)).count - one
        let perUpdate = max(1, 1 + (BGPMessageHeader.maxStandardLength - one) / perRoute)
        var messages: [[UInt8]] = []
        messages.reserveCapacity(indices.count / perUpdate + 1)
        var start = indices.lowerBound
        while start < indices.upperBound {
            let end = min(start + perUpdate, indices.upperBound)
            let bytes = try encode(start..<end)
            guard bytes.count <= BGPMessageHeader.maxStandardLength else {
                throw LoadError("UPDATE of \(end - start) routes is \(bytes.count) octets")
            }
            messages.append(bytes)
            start = end
        }
        return messages
    }

    /// The type-3 (IMET) route of the VNI with its PMSI tunnel attribute (ingress replication to `nextHop`).
    func imetUpdate(withdraw: Bool = false) throws -> [UInt8] {
        let route = EVPNNLRI(route: .inclusiveMulticast(IMETRoute(rd: rd, originatorIP: .v4(nextHop))))
        let update = withdraw
            ? UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: .l2vpnEVPN, nlri: .evpn([route]))))])
            : UpdateMessage(attributes: attributes() + [
                PathAttribute(.pmsiTunnel(.ingressReplication(endpoint: .v4(nextHop), vni: vni))),
                PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: [route], nextHop: .v4(nextHop)))),
            ])
        return try BGPMessage.update(update).encode(context: CodecContext())
    }

    static func endOfRIB(_ family: AddressFamily = .l2vpnEVPN) throws -> [UInt8] {
        try BGPMessage.update(.endOfRIB(family)).encode(context: CodecContext())
    }

    static func stamp(_ microseconds: UInt64) -> ExtendedCommunity {
        ExtendedCommunity(type: MoveStamp.type, subtype: MoveStamp.subtype, value: microseconds & 0xffff_ffff_ffff)
    }
}

/// The move schedule both sides know: move j (0-based) moves MAC j mod N, in pass p = j / N, to
/// sequence p + 1, towards the move next hop in even passes and back to the first next hop in odd ones.
enum MoveSchedule {
    static func sequence(move j: Int, routes n: Int) -> UInt32 { UInt32(j / n + 1) }

    /// The sequence number MAC i ends at after `moves` moves over `n` routes (0 if it never moved).
    static func finalSequence(index i: Int, moves: Int, routes n: Int) -> UInt32 {
        UInt32(moves / n + (i < moves % n ? 1 : 0))
    }
}
