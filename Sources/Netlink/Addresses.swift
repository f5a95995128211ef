// Link-layer and IP addresses as the kernel carries them in attributes. Named apart from BGPWire's MACAddress
// and IPAddress so a module importing both never sees an ambiguous name; converting is a matter of bytes.

/// A 48-bit Ethernet (MAC) address, as in NDA_LLADDR and IFLA_ADDRESS.
public struct EthernetAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The six bytes in the high-to-low order they are written (`02:00:...` has 0x02 in bits 47..40).
    public var value: UInt64

    public static let zero = EthernetAddress(value: 0)

    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        self.value = v
    }

    /// Parses `aa:bb:cc:dd:ee:ff`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            v = v << 8 | UInt64(byte)
        }
        self.value = v
    }

    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64(40 - 8 * $0)) } }

    public var description: String {
        bytes.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: ":")
    }

    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

/// An IPv4 or IPv6 address, as in NDA_DST, IFLA_VXLAN_LOCAL and IFLA_VXLAN_LOCAL6 (network byte order on the wire).
public enum InetAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address as a host integer: 10.0.1.1 is 0x0A00_0101.
    case v4(UInt32)
    /// The 16 bytes in wire order.
    case v6([UInt8])

    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3]))
        case 16: self = .v6(bytes)
        default: return nil
        }
    }

    /// Parses dotted IPv4 (`10.0.1.1`) or IPv6 text (`fd00::1:1`, `::ffff:1.2.3.4`).
    public init?(_ text: String) {
        if text.contains(":") {
            guard let bytes = InetAddress.parseIPv6(text) else { return nil }
            self = .v6(bytes)
        } else {
            guard let v = InetAddress.parseIPv4(text) else { return nil }
            self = .v4(v)
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let v): return [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        case .v6(let b): return b
        }
    }

    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .v6(let b):
            return InetAddress.formatIPv6(b)
        }
    }

    static func parseIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else { return nil }
            v = v << 8 | UInt32(octet)
        }
        return v
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func parse(_ s: Substring, into out: inout [UInt16]) -> Bool {
            if s.isEmpty { return true }
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(String(piece)) else { return false }
                    out.append(UInt16(v4 >> 16)); out.append(UInt16(truncatingIfNeeded: v4))
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return false }
                    out.append(g)
                }
            }
            return true
        }
        guard parse(halves[0], into: &groups) else { return nil }
        if halves.count == 2 {
            sawGap = true
            guard parse(halves[1], into: &tail) else { return nil }
        }
        let missing = 8 - groups.count - tail.count
        if sawGap { guard missing >= 1 else { return nil } } else { guard missing == 0 else { return nil } }
        let all = groups + Array(repeating: 0, count: missing) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }

    /// RFC 5952 text: lowercase, the longest run (of two or more) of zero groups as "::".
    static func formatIPv6(_ b: [UInt8]) -> String {
        guard b.count == 16 else { return "invalid" }
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

extension String {
    /// Splits at the first "::" (IPv6 zero compression); a second "::" yields three pieces, which is invalid.
    fileprivate func components(separatedByDoubleColon: ()) -> [Substring] {
        var result: [Substring] = []
        var rest = self[...]
        while let r = rest.firstRange(of: "::") {
            result.append(rest[rest.startIndex..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        result.append(rest)
        return result
    }
}
