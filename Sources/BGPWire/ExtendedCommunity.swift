// BGP Extended Communities (RFC 4360) and the kinds an EVPN speaker reads and writes.
//
// ```
//  Type high (1) | Type low / Sub-Type (1) | Value (6)
// ```
// Type high bit 0x80 = IANA-assigned (0) or experimental (1), bit 0x40 = transitive (0) or not (1).
//
//  kind                      type / sub-type       value                               reference
//  Route Target              0x00 / 0x02           AS(2) | number(4)                    RFC 4360 section 4
//                            0x01 / 0x02           IPv4(4) | number(2)                  RFC 4360 section 4
//                            0x02 / 0x02           AS(4) | number(2)                    RFC 5668 section 2
//                            0x40-0x42 / 0x02      the same, non-transitive             RFC 7153
//  Route Origin (SoO)        0x00-0x02 / 0x03      as Route Target                      RFC 4360 section 5
//  Encapsulation             0x03 / 0x0c           reserved(4) | tunnel type(2)         RFC 9012 section 4.1
//  Default Gateway           0x03 / 0x0d           reserved(6)                          RFC 7432 section 7.8
//  MAC Mobility              0x06 / 0x00           flags(1) | reserved(1) | seq(4)      RFC 7432 section 7.7
//  ESI Label                 0x06 / 0x01           flags(1) | reserved(2) | label(3)    RFC 7432 section 7.5
//  ES-Import Route Target    0x06 / 0x02           MAC(6)                               RFC 7432 section 7.6
//  Router's MAC              0x06 / 0x03           MAC(6)                               RFC 9135 section 8.1
//  DF Election               0x06 / 0x06           RSV(3 bits) DF alg(5 bits) | bitmap(2) | RFC 8584 section 2.2
//                                                  reserved(1) | preference(2)          (preference: draft-ietf-
//                                                                                        bess-evpn-pref-df, as FRR)
//
// A community is stored as its 8 octets, so anything decoded re-encodes byte for byte whatever this
// code understands of it; `kind` is a view.

public struct ExtendedCommunity: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 8 octets in network order, most significant first. Comparing raw values compares the
    /// octets the way `memcmp` does, which is the order FRR keeps communities in.
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let length = 8

    public init(type: UInt8, subtype: UInt8, value: UInt64) {
        rawValue = UInt64(type) << 56 | UInt64(subtype) << 48 | value & 0xffff_ffff_ffff
    }

    public var type: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 56) }
    public var subtype: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 48) }
    /// The 6 octets after type and sub-type, in the low bits.
    public var value: UInt64 { rawValue & 0xffff_ffff_ffff }
    public var isTransitive: Bool { type & 0x40 == 0 }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(56 - 8 * $0)) }
    }

    /// Octet `index` (0...7) of the community.
    private func octet(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> UInt64(56 - 8 * index)) }
    private var valueMAC: MACAddress { MACAddress(rawValue: value) }

    // MARK: Kinds

    /// Tunnel types of the Encapsulation community (IANA "BGP Tunnel Encapsulation Attribute Tunnel
    /// Types"); an open set, so a struct with named members.
    public struct TunnelType: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let ipInIP = TunnelType(rawValue: 7)
        /// RFC 8365: what FRR and GoBGP send with EVPN over VXLAN ("ET:8").
        public static let vxlan = TunnelType(rawValue: 8)
        public static let nvgre = TunnelType(rawValue: 9)
        public static let mpls = TunnelType(rawValue: 10)
        public static let mplsInGRE = TunnelType(rawValue: 11)
        public static let vxlanGPE = TunnelType(rawValue: 12)
        public static let mplsInUDP = TunnelType(rawValue: 13)
        public static let geneve = TunnelType(rawValue: 19)
    }

    public enum Kind: Hashable, Sendable {
        case routeTarget(RouteTarget, transitive: Bool)
        case siteOfOrigin(RouteTarget)
        case encapsulation(TunnelType)
        case defaultGateway
        /// `flags` bit 0x01 is the sticky (static) MAC bit.
        case macMobility(sequence: UInt32, sticky: Bool)
        case esiLabel(singleActive: Bool, label: MPLSLabelField)
        case esImportRouteTarget(MACAddress)
        case routerMAC(MACAddress)
        /// `algorithm` is the low 5 bits of the DF type octet (RFC 8584 section 2.2); the preference is
        /// the last two octets, where FRR writes and reads it (bgpd/bgp_evpn_private.h
        /// `encode_df_elect_extcomm`, bgp_attr_evpn.c `bgp_attr_df_pref_from_ec`).
        case dfElection(algorithm: DFAlgorithm, bitmap: UInt16, preference: UInt16)
        case unknown(type: UInt8, subtype: UInt8)
    }

    public var kind: Kind {
        switch (type, subtype) {
        case (0x00...0x02, 0x02), (0x40...0x42, 0x02):
            guard let target = RouteTarget(type: type & 0x3f, value: value) else { break }
            return .routeTarget(target, transitive: isTransitive)
        case (0x00...0x02, 0x03):
            guard let origin = RouteTarget(type: type, value: value) else { break }
            return .siteOfOrigin(origin)
        case (0x03, 0x0c):
            return .encapsulation(TunnelType(rawValue: UInt16(truncatingIfNeeded: rawValue)))
        case (0x03, 0x0d):
            return .defaultGateway
        case (0x06, 0x00):
            return .macMobility(sequence: UInt32(truncatingIfNeeded: rawValue), sticky: octet(2) & 0x01 != 0)
        case (0x06, 0x01):
            return .esiLabel(singleActive: octet(2) & 0x01 != 0,
                             label: MPLSLabelField(rawValue: UInt32(truncatingIfNeeded: rawValue)))
        case (0x06, 0x02):
            return .esImportRouteTarget(valueMAC)
        case (0x06, 0x03):
            return .routerMAC(valueMAC)
        case (0x06, 0x06):
            return .dfElection(algorithm: DFAlgorithm(rawValue: octet(2) & 0x1f),
                               bitmap: UInt16(octet(3)) << 8 | UInt16(octet(4)),
                               preference: UInt16(truncatingIfNeeded: rawValue))
        default:
            break
        }
        return .unknown(type: type, subtype: subtype)
    }

    // MARK: Constructors

    public static func routeTarget(_ target: RouteTarget, transitive: Bool = true) -> ExtendedCommunity {
        ExtendedCommunity(type: target.type | (transitive ? 0 : 0x40), subtype: 0x02, value: target.value)
    }
    /// Type 0x00: 2-octet AS, 4-octet number.
    public static func routeTarget(asn: UInt16, value: UInt32) -> ExtendedCommunity { .routeTarget(.as2(asn: asn, number: value)) }
    /// Type 0x02 (RFC 5668): 4-octet AS, 2-octet number.
    public static func routeTarget(as4: UInt32, value: UInt16) -> ExtendedCommunity { .routeTarget(.as4(asn: as4, number: value)) }
    /// Type 0x01: IPv4 address, 2-octet number.
    public static func routeTarget(ipv4: IPv4Address, value: UInt16) -> ExtendedCommunity { .routeTarget(.ipv4(ipv4, number: value)) }

    public static func siteOfOrigin(_ origin: RouteTarget) -> ExtendedCommunity {
        ExtendedCommunity(type: origin.type, subtype: 0x03, value: origin.value)
    }

    public static func encapsulation(_ tunnel: TunnelType) -> ExtendedCommunity {
        ExtendedCommunity(type: 0x03, subtype: 0x0c, value: UInt64(tunnel.rawValue))
    }

    public static let defaultGateway = ExtendedCommunity(type: 0x03, subtype: 0x0d, value: 0)

    public static func macMobility(sequence: UInt32, sticky: Bool = false) -> ExtendedCommunity {
        ExtendedCommunity(type: 0x06, subtype: 0x00, value: (sticky ? 1 : 0) << 40 | UInt64(sequence))
    }

    public static func esiLabel(singleActive: Bool, label: MPLSLabelField) -> ExtendedCommunity {
        ExtendedCommunity(type: 0x06, subtype: 0x01, value: (singleActive ? 1 : 0) << 40 | UInt64(label.rawValue))
    }

    public static func esImportRouteTarget(_ mac: MACAddress) -> ExtendedCommunity {
        ExtendedCommunity(type: 0x06, subtype: 0x02, value: mac.rawValue)
    }

    public static func routerMAC(_ mac: MACAddress) -> ExtendedCommunity {
        ExtendedCommunity(type: 0x06, subtype: 0x03, value: mac.rawValue)
    }

    /// RFC 8584 section 2.2 with the preference of draft-ietf-bess-evpn-pref-df in the last two octets;
    /// `.preference` and a zero bitmap is exactly what FRR 8.4 sends.
    public static func dfElection(_ algorithm: DFAlgorithm, bitmap: UInt16 = 0, preference: UInt16 = 0) -> ExtendedCommunity {
        ExtendedCommunity(type: 0x06, subtype: 0x06,
                          value: UInt64(algorithm.rawValue & 0x1f) << 40 | UInt64(bitmap) << 24 | UInt64(preference))
    }

    // MARK: Wire

    public init(from reader: inout WireReader) throws(WireReader.Truncated) {
        rawValue = try reader.readUInt64()
    }

    public func encode(into writer: inout WireWriter) {
        writer.writeUInt64(rawValue)
    }

    /// Decodes the value of an EXTENDED_COMMUNITIES attribute (type 16); `reader` holds exactly its
    /// octets. RFC 7606 section 7.14: a length that is not a non-zero multiple of 8 makes the
    /// attribute malformed, handled as treat-as-withdraw.
    public static func decodeList(_ reader: inout WireReader) throws(BGPError) -> [ExtendedCommunity] {
        let start = reader.offset
        let length = reader.remaining
        guard length > 0, length % Self.length == 0 else {
            throw BGPError(.attributeLength, .treatAsWithdraw,
                           "EXTENDED_COMMUNITIES length \(length) is not a non-zero multiple of 8",
                           offset: start, attributeType: 16)
        }
        var list: [ExtendedCommunity] = []
        list.reserveCapacity(length / Self.length)
        while !reader.isAtEnd {
            do {
                list.append(try ExtendedCommunity(from: &reader))
            } catch {
                // Unreachable after the length check; kept so a wrong check cannot trap.
                throw BGPError(.attributeLength, .treatAsWithdraw, "EXTENDED_COMMUNITIES truncated",
                               offset: error.offset, attributeType: 16)
            }
        }
        return list
    }

    public static func encodeList(_ list: [ExtendedCommunity], into writer: inout WireWriter) {
        for community in list { community.encode(into: &writer) }
    }

    public static func < (lhs: ExtendedCommunity, rhs: ExtendedCommunity) -> Bool { lhs.rawValue < rhs.rawValue }

    // MARK: Text, as FRR prints it

    /// This community alone, as FRR 8.4 prints it in `show bgp` (bgpd/bgp_ecommunity.c
    /// `ecommunity_ecom2str`, ECOMMUNITY_FORMAT_DISPLAY): "RT:65000:100", "ET:8", "MM:5, sticky MAC".
    public var description: String {
        var subtypeState: UInt8 = 0
        return frrText(previousSubtype: &subtypeState)
    }

    /// A list as FRR 8.4 prints it: each community's text, separated by single spaces. This is the
    /// "string" of "extendedCommunity" in `show bgp l2vpn evpn route json`. FRR stores received
    /// communities sorted and without duplicates (`ecommunity_parse` -> `ecommunity_uniq_sort`), so pass
    /// `frrStoredOrder(list)` to match what it shows for a route it received.
    public static func frrString<S: Sequence>(_ list: S) -> String where S.Element == ExtendedCommunity {
        var subtypeState: UInt8 = 0
        return list.map { $0.frrText(previousSubtype: &subtypeState) }.joined(separator: " ")
    }

    /// The order FRR keeps a received list in: ascending by octets, duplicates removed.
    public static func frrStoredOrder<S: Sequence>(_ list: S) -> [ExtendedCommunity] where S.Element == ExtendedCommunity {
        Array(Set(list)).sorted()
    }

    /// One community's text. `previousSubtype` mirrors a quirk of `ecommunity_ecom2str`: its `sub_type`
    /// variable lives across the loop and is not updated for types 0x03 and 0x06, so an unknown
    /// community of those types prints the sub-type of the previous community that set it (0 for
    /// none) in "UNK:type, subtype".
    ///
    /// Kinds FRR prints that are not decoded here (link bandwidth "LB:", flowspec "FS:" / "NH:",
    /// node target, color, origin validation) print as "UNK:type, subtype".
    func frrText(previousSubtype: inout UInt8) -> String {
        switch type {
        case 0x00, 0x01, 0x02:
            previousSubtype = subtype
            switch subtype {
            case 0x02:
                return "RT:" + (RouteTarget(type: type, value: value)?.description ?? "")
            case 0x03:
                return "SoO:" + (RouteTarget(type: type, value: value)?.description ?? "")
            default:
                return "UNK:\(type), \(subtype)"
            }
        case 0x03:
            switch subtype {
            case 0x0c: return "ET:\(UInt16(truncatingIfNeeded: rawValue))"
            case 0x0d: return "Default Gateway"
            default: return "UNK:\(type), \(previousSubtype)"
            }
        case 0x06:
            switch subtype {
            case 0x00:
                let sequence = UInt32(truncatingIfNeeded: rawValue)
                return octet(2) & 0x01 != 0 ? "MM:\(sequence), sticky MAC" : "MM:\(sequence)"
            case 0x01:
                return octet(2) & 0x01 != 0 ? "ESI-label-Rt:SA" : "ESI-label-Rt:AA"
            case 0x02:
                return "ES-Import-Rt:\(valueMAC)"
            case 0x03:
                return "Rmac:\(valueMAC)"
            case 0x06:
                // RFC 8584 DF Election: DF type octet | bitmap (2) | reserved (1) | preference (2).
                let algorithm = octet(2)
                let bitmap = UInt16(octet(3)) << 8 | UInt16(octet(4))
                let preference = UInt16(octet(6)) << 8 | UInt16(octet(7))
                if bitmap != 0 {
                    return "DF: (alg: \(algorithm), bmap: 0x\(String(bitmap, radix: 16)) pref: \(preference))"
                }
                return "DF: (alg: \(algorithm), pref: \(preference))"
            case 0x08:
                // RFC 9047 ARP/ND: FRR prints the proxy flag over the router flag, and nothing when
                // neither is set.
                let flags = octet(2)
                if flags & 0x04 != 0 { return "ND:Proxy" }
                if flags & 0x01 != 0 { return "ND:Router Flag" }
                return ""
            default:
                return "UNK:\(type), \(previousSubtype)"
            }
        default:
            previousSubtype = subtype
            return "UNK:\(type), \(subtype)"
        }
    }
}

/// The DF Election algorithm (IANA "BGP EVPN DF Election Algorithm" registry, RFC 8584 section 2.2): an
/// open set of 5-bit values, so a struct with named members.
public struct DFAlgorithm: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Type 0: the service carving (modulo) of RFC 7432 section 8.5; also what a missing community means.
    public static let modulo = DFAlgorithm(rawValue: 0)
    /// Type 1: Highest Random Weight, RFC 8584 section 3.
    public static let highestRandomWeight = DFAlgorithm(rawValue: 1)
    /// Type 2: preference (draft-ietf-bess-evpn-pref-df); FRR's only algorithm.
    public static let preference = DFAlgorithm(rawValue: 2)

    public var description: String {
        switch self {
        case .modulo: return "modulo"
        case .highestRandomWeight: return "hrw"
        case .preference: return "preference"
        default: return "\(rawValue)"
        }
    }
}

/// The value of a Route Target (or Route Origin) community, and the "administrator:number" text
/// operators write for one (`route-target import 65000:100` in FRR's language).
public enum RouteTarget: Hashable, Sendable, CustomStringConvertible {
    /// Type 0x00: 2-octet AS, 4-octet number.
    case as2(asn: UInt16, number: UInt32)
    /// Type 0x01: IPv4 address, 2-octet number.
    case ipv4(IPv4Address, number: UInt16)
    /// Type 0x02: 4-octet AS, 2-octet number (RFC 5668).
    case as4(asn: UInt32, number: UInt16)

    /// Parses "65000:100" (type 0), "10.0.0.1:5" (type 1) and "4200000001:100" (type 2: an AS that
    /// does not fit 16 bits), the choice FRR makes in `ecommunity_gettoken`. A number too large for
    /// the chosen layout is refused.
    public init?(_ text: String) {
        guard let parsed = AdministratorNumber(text) else { return nil }
        switch parsed {
        case .as2(let asn, let number): self = .as2(asn: asn, number: number)
        case .ipv4(let address, let number): self = .ipv4(address, number: number)
        case .as4(let asn, let number): self = .as4(asn: asn, number: number)
        }
    }

    /// From the low 2 bits of the type (0, 1, 2) and the 6 value octets; nil for another type.
    init?(type: UInt8, value: UInt64) {
        switch type {
        case 0x00: self = .as2(asn: UInt16(truncatingIfNeeded: value >> 32), number: UInt32(truncatingIfNeeded: value))
        case 0x01: self = .ipv4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: value >> 16)),
                                number: UInt16(truncatingIfNeeded: value))
        case 0x02: self = .as4(asn: UInt32(truncatingIfNeeded: value >> 16), number: UInt16(truncatingIfNeeded: value))
        default: return nil
        }
    }

    /// The transitive type octet.
    var type: UInt8 {
        switch self {
        case .as2: return 0x00
        case .ipv4: return 0x01
        case .as4: return 0x02
        }
    }

    /// The 6 value octets, in the low bits.
    var value: UInt64 {
        switch self {
        case .as2(let asn, let number): return UInt64(asn) << 32 | UInt64(number)
        case .ipv4(let address, let number): return UInt64(address.rawValue) << 16 | UInt64(number)
        case .as4(let asn, let number): return UInt64(asn) << 16 | UInt64(number)
        }
    }

    /// "65000:100", "10.0.0.1:5", "4200000001:100", as FRR prints the value after "RT:".
    public var description: String {
        switch self {
        case .as2(let asn, let number): return "\(asn):\(number)"
        case .ipv4(let address, let number): return "\(address):\(number)"
        case .as4(let asn, let number): return "\(asn):\(number)"
        }
    }

    public var extendedCommunity: ExtendedCommunity { .routeTarget(self) }
}
