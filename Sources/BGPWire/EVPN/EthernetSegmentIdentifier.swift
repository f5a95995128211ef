// Ethernet Segment Identifier (RFC 7432 section 5).
//
// ```
//  ESI Type (1) | ESI Value (9)
// ```
// Types 0 (operator configured), 1 (LACP), 2 (bridged LAN), 3 (MAC-based), 4 (router ID), 5 (AS).
// ESI 0 means a single-homed site; all ones (0xff x 10) is the reserved MAX-ESI.

public struct EthernetSegmentIdentifier: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Octets 0-1 (the type and the first value octet).
    public var high: UInt16
    /// Octets 2-9.
    public var low: UInt64

    public static let length = 10

    public init(high: UInt16, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From 10 octets; nil if the count is wrong.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.length else { return nil }
        high = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        low = bytes[2...].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses FRR's text form, ten colon-separated hex octets ("03:44:38:39:ff:ff:01:00:00:01").
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == Self.length else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard part.count == 2, let octet = UInt8(part, radix: 16) else { return nil }
            octets.append(octet)
        }
        self.init(bytes: octets)
    }

    /// The single-homed ESI.
    public static let zero = EthernetSegmentIdentifier(high: 0, low: 0)
    /// The reserved MAX-ESI.
    public static let max = EthernetSegmentIdentifier(high: .max, low: .max)

    public var isZero: Bool { self == .zero }
    public var type: UInt8 { UInt8(truncatingIfNeeded: high >> 8) }

    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: high >> 8), UInt8(truncatingIfNeeded: high)]
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
    }

    /// As FRR prints it (lib/prefix.c `esi_to_str`): ten lowercase hex octets joined by colons.
    public var description: String { bytes.map { hex2($0) }.joined(separator: ":") }

    public init(from reader: inout WireReader) throws(WireReader.Truncated) {
        high = try reader.readUInt16()
        low = try reader.readUInt64()
    }

    public func encode(into writer: inout WireWriter) {
        writer.writeUInt16(high)
        writer.writeUInt64(low)
    }

    public static func < (lhs: EthernetSegmentIdentifier, rhs: EthernetSegmentIdentifier) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
