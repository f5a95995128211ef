// Route Distinguisher (RFC 4364 section 4.2), as carried in the first 8 octets of every EVPN NLRI
// (RFC 7432 section 7).
//
// ```
//  Type (2) | Administrator + Assigned Number (6)
//    type 0: AS (2)        | number (4)     printed "65000:100"
//    type 1: IPv4 (4)      | number (2)     printed "10.0.0.1:5"
//    type 2: AS (4)        | number (2)     printed "4200000001:5"
// ```
// The value is kept as the 8 wire octets, so types this code does not know (FRR's VNC type 0xff00,
// future ones) survive decoding and re-encoding unchanged; `kind` is only a view.

public struct RouteDistinguisher: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 8 octets in network order, most significant first.
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let length = 8

    /// What the 8 octets mean.
    public enum Kind: Hashable, Sendable {
        /// Type 0: 2-octet AS number and 4-octet assigned number.
        case as2(asn: UInt16, number: UInt32)
        /// Type 1: IPv4 address and 2-octet assigned number.
        case ipv4(IPv4Address, number: UInt16)
        /// Type 2: 4-octet AS number and 2-octet assigned number.
        case as4(asn: UInt32, number: UInt16)
        /// Any other type; `value` is the 6 octets after the type, in the low bits.
        case unknown(type: UInt16, value: UInt64)
    }

    public init(_ kind: Kind) {
        switch kind {
        case .as2(let asn, let number):
            rawValue = UInt64(asn) << 32 | UInt64(number)
        case .ipv4(let address, let number):
            rawValue = 1 << 48 | UInt64(address.rawValue) << 16 | UInt64(number)
        case .as4(let asn, let number):
            rawValue = 2 << 48 | UInt64(asn) << 16 | UInt64(number)
        case .unknown(let type, let value):
            rawValue = UInt64(type) << 48 | value & 0xffff_ffff_ffff
        }
    }

    public static func as2(_ asn: UInt16, _ number: UInt32) -> RouteDistinguisher { .init(.as2(asn: asn, number: number)) }
    public static func ipv4(_ address: IPv4Address, _ number: UInt16) -> RouteDistinguisher { .init(.ipv4(address, number: number)) }
    public static func as4(_ asn: UInt32, _ number: UInt16) -> RouteDistinguisher { .init(.as4(asn: asn, number: number)) }

    public var type: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 48) }

    public var kind: Kind {
        let value = rawValue & 0xffff_ffff_ffff
        switch type {
        case 0: return .as2(asn: UInt16(truncatingIfNeeded: value >> 32), number: UInt32(truncatingIfNeeded: value))
        case 1: return .ipv4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: value >> 16)),
                             number: UInt16(truncatingIfNeeded: value))
        case 2: return .as4(asn: UInt32(truncatingIfNeeded: value >> 16), number: UInt16(truncatingIfNeeded: value))
        default: return .unknown(type: type, value: value)
        }
    }

    /// Parses the text forms FRR's `rd` command takes (bgpd/bgp_rd.c `str2prefix_rd`): "ASN:nn" is type 0
    /// when the AS fits 16 bits and type 2 otherwise, "A.B.C.D:nn" is type 1. Unlike FRR, which
    /// truncates an oversized number silently, a number too large for its field is refused.
    public init?(_ text: String) {
        guard let parsed = AdministratorNumber(text) else { return nil }
        switch parsed {
        case .as2(let asn, let number): self.init(.as2(asn: asn, number: number))
        case .ipv4(let address, let number): self.init(.ipv4(address, number: number))
        case .as4(let asn, let number): self.init(.as4(asn: asn, number: number))
        }
    }

    /// As FRR prints it (lib `prefix_rd2str`, FRR 8.4 bgpd/bgp_rd.c).
    public var description: String {
        switch kind {
        case .as2(let asn, let number): return "\(asn):\(number)"
        case .ipv4(let address, let number): return "\(address):\(number)"
        case .as4(let asn, let number): return "\(asn):\(number)"
        case .unknown(let type, _): return "Unknown Type: \(type)"
        }
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(56 - 8 * $0)) }
    }

    /// Reads 8 octets. Any 8 octets are a valid RD, so the only failure is running out of bytes; the
    /// caller knows which RFC 7606 outcome that deserves.
    public init(from reader: inout WireReader) throws(WireReader.Truncated) {
        rawValue = try reader.readUInt64()
    }

    public func encode(into writer: inout WireWriter) {
        writer.writeUInt64(rawValue)
    }

    public static func < (lhs: RouteDistinguisher, rhs: RouteDistinguisher) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The "administrator:assigned number" text shared by route distinguishers (RFC 4364 section 4.2)
/// and route targets (RFC 4360 section 4, RFC 5668): both use the same three layouts and the same
/// rule for choosing between them.
enum AdministratorNumber: Hashable, Sendable {
    case as2(UInt16, UInt32)
    case ipv4(IPv4Address, UInt16)
    case as4(UInt32, UInt16)

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let number = Self.decimal(parts[1]) else { return nil }
        if let address = IPv4Address(parts[0]) {
            guard number <= UInt64(UInt16.max) else { return nil }
            self = .ipv4(address, UInt16(number))
        } else if let asn = Self.decimal(parts[0]) {
            if asn <= UInt64(UInt16.max) {
                guard number <= UInt64(UInt32.max) else { return nil }
                self = .as2(UInt16(asn), UInt32(number))
            } else {
                guard asn <= UInt64(UInt32.max), number <= UInt64(UInt16.max) else { return nil }
                self = .as4(UInt32(asn), UInt16(number))
            }
        } else {
            return nil
        }
    }

    /// Plain decimal digits only (no sign, no spaces), at most 10 of them so the value cannot overflow.
    private static func decimal(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 10, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(text)
    }
}
