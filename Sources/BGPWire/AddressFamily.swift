// Address family identifiers (IANA "Address Family Numbers" and "SAFI Values").
// These are open sets the registry keeps extending, so they are RawRepresentable structs with
// named members rather than enums: an unknown value survives decoding and re-encoding.

public struct AFI: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let ipv4 = AFI(rawValue: 1)
    public static let ipv6 = AFI(rawValue: 2)
    /// RFC 4761 / RFC 7432: L2VPN.
    public static let l2vpn = AFI(rawValue: 25)

    public var description: String {
        switch self {
        case .ipv4: return "ipv4"
        case .ipv6: return "ipv6"
        case .l2vpn: return "l2vpn"
        default: return "afi-\(rawValue)"
        }
    }
}

public struct SAFI: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let unicast = SAFI(rawValue: 1)
    public static let multicast = SAFI(rawValue: 2)
    /// RFC 7432: BGP EVPN.
    public static let evpn = SAFI(rawValue: 70)
    public static let mplsVPN = SAFI(rawValue: 128)

    public var description: String {
        switch self {
        case .unicast: return "unicast"
        case .multicast: return "multicast"
        case .evpn: return "evpn"
        case .mplsVPN: return "vpn"
        default: return "safi-\(rawValue)"
        }
    }
}

public struct AddressFamily: Hashable, Sendable, CustomStringConvertible {
    public var afi: AFI
    public var safi: SAFI
    public init(afi: AFI, safi: SAFI) {
        self.afi = afi
        self.safi = safi
    }
    public static let ipv4Unicast = AddressFamily(afi: .ipv4, safi: .unicast)
    public static let ipv6Unicast = AddressFamily(afi: .ipv6, safi: .unicast)
    public static let l2vpnEVPN = AddressFamily(afi: .l2vpn, safi: .evpn)

    public var description: String { "\(afi) \(safi)" }
}
