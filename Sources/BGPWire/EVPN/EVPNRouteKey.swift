// What makes an EVPN route unique in a RIB: the fields each route type's section names as its
// route key. Fields outside the key (labels, type 2's ESI, type 5's ESI and gateway) are attributes
// of the path: a second advertisement with a different label replaces the first rather than adding
// a route.
//
//   type 1 (RFC 7432 7.1):  RD, ESI, Ethernet Tag
//   type 2 (RFC 7432 7.2):  RD, Ethernet Tag, MAC, IP      ("only the Ethernet Tag ID, MAC Address
//                                                           Length, MAC Address, IP Address Length,
//                                                           and IP Address fields" are the prefix)
//   type 3 (RFC 7432 7.3):  RD, Ethernet Tag, originating router's IP
//   type 4 (RFC 7432 7.4):  RD, ESI, originating router's IP
//   type 5 (RFC 9136 3.1):  RD, Ethernet Tag, IP prefix length, IP prefix

public struct EVPNRouteKey: Hashable, Sendable, CustomStringConvertible {
    public let routeType: UInt8
    public let rd: RouteDistinguisher
    /// Types 1 and 4.
    public let esi: EthernetSegmentIdentifier?
    /// Types 1, 2, 3 and 5.
    public let ethernetTag: UInt32?
    /// Type 2.
    public let mac: MACAddress?
    /// Type 2's IP (when present), types 3 and 4's originating router, type 5's prefix address.
    public let ip: IPAddress?
    /// Type 5.
    public let prefixLength: UInt8?

    /// A few words instead of the synthesized walk, which combined a dozen values, most of them
    /// single octets (the optionals' tags): the key is hashed about six times per route a VTEP
    /// installs or removes (RIB, Loc-RIB change set, the VTEP's tables; profile of scripts/bench.d/vtep).
    /// Every field goes in, so equal keys hash equally; the top bits mark which optionals are present.
    public func hash(into hasher: inout Hasher) {
        var word = UInt64(routeType)
        if let ethernetTag { word |= 1 << 8 | UInt64(ethernetTag) << 32 }
        if let prefixLength { word |= 1 << 9 | UInt64(prefixLength) << 16 }
        hasher.combine(rd.rawValue)
        if let mac { hasher.combine(mac.rawValue | 1 << 63) }
        if let esi {
            word |= 1 << 10
            hasher.combine(esi.low)
            hasher.combine(esi.high)
        }
        switch ip {
        case .v4(let address):
            word |= 1 << 11
            hasher.combine(UInt64(address.rawValue))
        case .v6(let address):
            word |= 1 << 12
            hasher.combine(address.high)
            hasher.combine(address.low)
        case nil:
            break
        }
        hasher.combine(word)
    }

    public init(_ route: EVPNRoute) {
        routeType = route.routeType
        rd = route.rd
        switch route {
        case .ethernetAutoDiscovery(let r):
            (esi, ethernetTag, mac, ip, prefixLength) = (r.esi, r.ethernetTag, nil, nil, nil)
        case .macIP(let r):
            (esi, ethernetTag, mac, ip, prefixLength) = (nil, r.ethernetTag, r.mac, r.ip, nil)
        case .inclusiveMulticast(let r):
            (esi, ethernetTag, mac, ip, prefixLength) = (nil, r.ethernetTag, nil, r.originatorIP, nil)
        case .ethernetSegment(let r):
            (esi, ethernetTag, mac, ip, prefixLength) = (r.esi, nil, nil, r.originatorIP, nil)
        case .ipPrefix(let r):
            (esi, ethernetTag, mac, ip, prefixLength) = (nil, r.ethernetTag, nil, r.prefix.address, r.prefix.length)
        }
    }

    /// FRR 8.4's text for the prefix (lib/prefix.c, `prefixevpn_ead2str` ... `prefixevpn_prefix2str`).
    /// It only uses key fields, so it lives here. FRR quirks kept on purpose:
    /// - the Ethernet Tag is printed with `%u` for type 1 but `%d` for types 2, 3 and 5, so a tag of
    ///   2^31 or more prints negative there;
    /// - type 1 shows an originator IP and fragment id that are not on the wire; for received routes
    ///   FRR fills them with 0.0.0.0 (IPv4) and 0 (bgpd/bgp_evpn.c `process_type1_route`).
    public var prefixString: String {
        let tag = ethernetTag ?? 0
        let signedTag = Int32(bitPattern: tag)
        switch routeType {
        case EthernetAutoDiscoveryRoute.routeType:
            return "[1]:[\(tag)]:[\(esi ?? .zero)]:[32]:[0.0.0.0]:[0]"
        case MACIPAdvertisementRoute.routeType:
            let macPart = "[2]:[\(signedTag)]:[48]:[\(mac ?? .zero)]"
            guard let ip else { return macPart }
            return macPart + ":[\(ip.bitLength)]:[\(ip)]"
        case IMETRoute.routeType:
            return "[3]:[\(signedTag)]:[\(ip?.bitLength ?? 32)]:[\(ip?.description ?? "0.0.0.0")]"
        case EthernetSegmentRoute.routeType:
            return "[4]:[\(esi ?? .zero)]:[\(ip?.bitLength ?? 32)]:[\(ip?.description ?? "0.0.0.0")]"
        case IPPrefixRoute.routeType:
            return "[5]:[\(signedTag)]:[\(prefixLength ?? 0)]:[\(ip?.description ?? "0.0.0.0")]"
        default:
            return "Unsupported EVPN prefix"
        }
    }

    /// "RD prefix", the way FRR groups routes in `show bgp l2vpn evpn route`.
    public var description: String { "\(rd) \(prefixString)" }
}
