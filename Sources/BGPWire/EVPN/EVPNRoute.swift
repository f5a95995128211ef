// EVPN NLRI (RFC 7432 section 7, RFC 9136 section 3): one case per route type this speaker knows.
//
// ```
//  Route Type (1) | Length (1) | Route Type specific (Length octets)
// ```
// Types 1-4 are RFC 7432's, type 5 RFC 9136's. Routes of other types are skipped by their length
// when decoding (EVPNNLRICodec); they never get this far.

public enum EVPNRoute: Hashable, Sendable, CustomStringConvertible {
    case ethernetAutoDiscovery(EthernetAutoDiscoveryRoute)
    case macIP(MACIPAdvertisementRoute)
    case inclusiveMulticast(IMETRoute)
    case ethernetSegment(EthernetSegmentRoute)
    case ipPrefix(IPPrefixRoute)

    public var routeType: UInt8 {
        switch self {
        case .ethernetAutoDiscovery: return EthernetAutoDiscoveryRoute.routeType
        case .macIP: return MACIPAdvertisementRoute.routeType
        case .inclusiveMulticast: return IMETRoute.routeType
        case .ethernetSegment: return EthernetSegmentRoute.routeType
        case .ipPrefix: return IPPrefixRoute.routeType
        }
    }

    public var rd: RouteDistinguisher {
        switch self {
        case .ethernetAutoDiscovery(let route): return route.rd
        case .macIP(let route): return route.rd
        case .inclusiveMulticast(let route): return route.rd
        case .ethernetSegment(let route): return route.rd
        case .ipPrefix(let route): return route.rd
        }
    }

    /// The octets after the Length octet.
    public var valueLength: Int {
        switch self {
        case .ethernetAutoDiscovery(let route): return route.valueLength
        case .macIP(let route): return route.valueLength
        case .inclusiveMulticast(let route): return route.valueLength
        case .ethernetSegment(let route): return route.valueLength
        case .ipPrefix(let route): return route.valueLength
        }
    }

    /// The fields that identify the route (RFC 7432 section 7 and each type's "route key" paragraph).
    public var key: EVPNRouteKey { EVPNRouteKey(self) }

    /// As FRR 8.4 prints the prefix (lib/prefix.c `prefix2str` for AF_EVPN), the key of
    /// `show bgp l2vpn evpn route json` under each RD.
    public var prefixString: String { key.prefixString }

    public var description: String { "\(rd) \(prefixString)" }

    /// Decodes one route's value. `value` holds exactly the Length octets; `nlriOffset` is where the
    /// Route Type octet was. Returns nil for a route type this code does not know.
    static func decode(type: UInt8, value: WireReader, nlriOffset: Int) throws(BGPError) -> EVPNRoute? {
        switch type {
        case EthernetAutoDiscoveryRoute.routeType:
            return .ethernetAutoDiscovery(try EthernetAutoDiscoveryRoute(value: value, nlriOffset: nlriOffset))
        case MACIPAdvertisementRoute.routeType:
            return .macIP(try MACIPAdvertisementRoute(value: value, nlriOffset: nlriOffset))
        case IMETRoute.routeType:
            return .inclusiveMulticast(try IMETRoute(value: value, nlriOffset: nlriOffset))
        case EthernetSegmentRoute.routeType:
            return .ethernetSegment(try EthernetSegmentRoute(value: value, nlriOffset: nlriOffset))
        case IPPrefixRoute.routeType:
            return .ipPrefix(try IPPrefixRoute(value: value, nlriOffset: nlriOffset))
        default:
            return nil
        }
    }

    /// Writes Route Type, Length and value. Every known layout is at most 58 octets, so the Length
    /// octet always fits.
    public func encode(into writer: inout WireWriter) {
        writer.writeUInt8(routeType)
        writer.writeUInt8(UInt8(truncatingIfNeeded: valueLength))
        switch self {
        case .ethernetAutoDiscovery(let route): route.encodeValue(into: &writer)
        case .macIP(let route): route.encodeValue(into: &writer)
        case .inclusiveMulticast(let route): route.encodeValue(into: &writer)
        case .ethernetSegment(let route): route.encodeValue(into: &writer)
        case .ipPrefix(let route): route.encodeValue(into: &writer)
        }
    }
}
