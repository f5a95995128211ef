// The NLRI of a destination, of any family the RIB carries: l2vpn evpn routes and IPv4/IPv6 unicast
// prefixes share one table, one best path, one Adj-RIB-Out and one packing path (docs/DECISIONS.md,
// "one RIB for every family"). A destination is named by its family's key: the EVPN route key
// (RFC 7432 section 7: RD and the type's key fields), or the prefix (RFC 4271 section 4.3, RFC 4760)
// with the bits beyond its length cleared, so 10.0.0.1/24 and 10.0.0.0/24 are one destination.

import BGPWire

/// A route as the RIB holds it.
public enum RIBRoute: Hashable, Sendable {
    case evpn(EVPNRoute)
    /// IPv4 or IPv6 unicast: the family follows from the address.
    case prefix(IPPrefix)

    public var family: AddressFamily {
        switch self {
        case .evpn: return .l2vpnEVPN
        case .prefix(let p): return p.address.isIPv4 ? .ipv4Unicast : .ipv6Unicast
        }
    }

    var key: RouteKey {
        switch self {
        case .evpn(let route): return .evpn(EVPNRouteKey(route))
        case .prefix(let prefix): return .prefix(prefix)
        }
    }

    /// The EVPN route type, 0 for a prefix (RouteTypeCounts ignores it).
    var routeType: UInt8 {
        if case .evpn(let route) = self { return route.routeType }
        return 0
    }
}

/// What names a destination in the table.
public enum RouteKey: Hashable, Sendable {
    case evpn(EVPNRouteKey)
    case prefix(IPPrefix)
}

extension IPAddress {
    var isIPv4: Bool { if case .v4 = self { return true } else { return false } }
}

extension IPPrefix {
    /// The prefix with every bit beyond its length cleared (a sender may leave them set: RFC 4271
    /// section 4.3 says they are irrelevant), and its length capped at the address size.
    public var masked: IPPrefix {
        var octets = address.bytes
        let length = min(Int(self.length), octets.count * 8)
        for i in octets.indices {
            let keep = max(0, min(8, length - i * 8))
            octets[i] &= keep == 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return IPPrefix(address: IPAddress(bytes: octets) ?? address, length: UInt8(length))
    }
}

/// Counts per family the RIB carries, as plain values (pfxRcd and pfxSnt per family).
public struct FamilyCounts: Hashable, Sendable {
    public var ipv4Unicast = 0
    public var ipv6Unicast = 0
    public var l2vpnEVPN = 0

    public init() {}

    public subscript(family: AddressFamily) -> Int {
        get {
            switch family {
            case .ipv4Unicast: return ipv4Unicast
            case .ipv6Unicast: return ipv6Unicast
            case .l2vpnEVPN: return l2vpnEVPN
            default: return 0
            }
        }
        set {
            switch family {
            case .ipv4Unicast: ipv4Unicast = newValue
            case .ipv6Unicast: ipv6Unicast = newValue
            case .l2vpnEVPN: l2vpnEVPN = newValue
            default: break
            }
        }
    }
}
