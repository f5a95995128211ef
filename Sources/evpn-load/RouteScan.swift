// The sink's reading of UPDATEs: a single pass over the body that finds the EVPN routes of MP_REACH_NLRI
// and MP_UNREACH_NLRI (RFC 4760), and in EXTENDED_COMMUNITIES the MAC Mobility sequence (RFC 7432
// section 7.7) and evpn-load's move stamp. It builds no typed values: a sink must count millions of
// routes a second so that it, and not the reflector under test, is never the bottleneck (the BGPWire
// decoder builds a full typed route, about 8 M routes/s on these machines; this is several times that).
// Malformed input is reported, not trusted: every length is checked against the bytes present.

/// The move stamp: a transitive opaque extended community (type 0x03, RFC 4360 section 3.3) with
/// sub-type 0xEE, not assigned by IANA, whose 6-octet value is the injector's CLOCK_MONOTONIC in
/// microseconds at the time it queued the move. Reflectors pass unknown transitive communities on.
enum MoveStamp {
    static let type: UInt8 = 0x03
    static let subtype: UInt8 = 0xEE
}

struct ScannedAttributes {
    var mobilitySequence: UInt32?
    var stamp: UInt64?
}

/// The parts of a type-2 route key (RFC 7432 section 7.2: RD, ETag, MAC, IP) as integers.
struct MACIPKey: Hashable {
    var rd: UInt64
    var mac: UInt64
    var ip: UInt64
}

struct ScanError: Error, CustomStringConvertible {
    var description: String
}

enum UpdateScanner {
    /// Calls `reach` for every advertised EVPN route and `unreach` for every withdrawn one.
    /// `route` is the route-type-specific value (after type and length). Returns true for the EVPN
    /// End-of-RIB marker (RFC 4724: an MP_UNREACH_NLRI of l2vpn-evpn with no routes, nothing else).
    @discardableResult
    static func scan(_ body: [UInt8],
                     reach: (_ type: UInt8, _ route: ArraySlice<UInt8>, _ attributes: ScannedAttributes) -> Void,
                     unreach: (_ type: UInt8, _ route: ArraySlice<UInt8>) -> Void) throws(ScanError) -> Bool {
        guard body.count >= 4 else { throw ScanError(description: "UPDATE body of \(body.count) octets") }
        let withdrawnLength = Int(body[0]) << 8 | Int(body[1])
        var p = 2 + withdrawnLength
        guard p + 2 <= body.count else { throw ScanError(description: "withdrawn routes length \(withdrawnLength) overruns the UPDATE") }
        let attributesLength = Int(body[p]) << 8 | Int(body[p + 1])
        p += 2
        let end = p + attributesLength
        guard end <= body.count else { throw ScanError(description: "path attribute length \(attributesLength) overruns the UPDATE") }
        var reachRange: Range<Int>?
        var unreachRange: Range<Int>?
        var attributes = ScannedAttributes()
        while p < end {
            guard p + 3 <= end else { throw ScanError(description: "truncated attribute header at \(p)") }
            let flags = body[p]
            let type = body[p + 1]
            let extended = flags & 0x10 != 0
            let length = extended ? (p + 4 <= end ? Int(body[p + 2]) << 8 | Int(body[p + 3]) : -1) : Int(body[p + 2])
            let valueStart = p + (extended ? 4 : 3)
            guard length >= 0, valueStart + length <= end else { throw ScanError(description: "attribute \(type) overruns the UPDATE") }
            let value = valueStart..<(valueStart + length)
            switch type {
            case 14: reachRange = value
            case 15: unreachRange = value
            case 16:
                var q = value.lowerBound
                while q + 8 <= value.upperBound {
                    if body[q] == 0x06 && body[q + 1] == 0x00 {
                        attributes.mobilitySequence = UInt32(body[q + 4]) << 24 | UInt32(body[q + 5]) << 16
                            | UInt32(body[q + 6]) << 8 | UInt32(body[q + 7])
                    } else if body[q] == MoveStamp.type && body[q + 1] == MoveStamp.subtype {
                        var stamp: UInt64 = 0
                        for i in 2..<8 { stamp = stamp << 8 | UInt64(body[q + i]) }
                        attributes.stamp = stamp
                    }
                    q += 8
                }
            default: break
            }
            p = value.upperBound
        }
        if let range = unreachRange, range.count >= 3, body[range.lowerBound] == 0, body[range.lowerBound + 1] == 25,
           body[range.lowerBound + 2] == 70 {
            try walk(body, from: range.lowerBound + 3, to: range.upperBound) { unreach($0, $1) }
        }
        if let range = reachRange, range.count >= 5, body[range.lowerBound] == 0, body[range.lowerBound + 1] == 25,
           body[range.lowerBound + 2] == 70 {
            let nextHopLength = Int(body[range.lowerBound + 3])
            let start = range.lowerBound + 4 + nextHopLength + 1
            guard start <= range.upperBound else { throw ScanError(description: "MP_REACH_NLRI next hop overruns the attribute") }
            try walk(body, from: start, to: range.upperBound) { reach($0, $1, attributes) }
        }
        return reachRange == nil && unreachRange?.count == 3
    }

    /// EVPN NLRI: route type (1), length (1), value (length) (RFC 7432 section 7), repeated.
    private static func walk(_ body: [UInt8], from start: Int, to end: Int,
                             _ each: (UInt8, ArraySlice<UInt8>) -> Void) throws(ScanError) {
        var p = start
        while p < end {
            guard p + 2 <= end else { throw ScanError(description: "truncated EVPN NLRI at \(p)") }
            let length = Int(body[p + 1])
            guard p + 2 + length <= end else { throw ScanError(description: "EVPN NLRI of \(length) octets overruns the attribute") }
            each(body[p], body[(p + 2)..<(p + 2 + length)])
            p += 2 + length
        }
    }

    /// RD(8) | ESI(10) | ETag(4) | MAC len(1) | MAC(6) | IP len(1) | IP(0/4/16) | labels: the key, or nil if short.
    static func macIPKey(_ route: ArraySlice<UInt8>) -> MACIPKey? {
        let b = route.startIndex
        guard route.count >= 30 else { return nil }
        var rd: UInt64 = 0
        for i in 0..<8 { rd = rd << 8 | UInt64(route[b + i]) }
        var mac: UInt64 = 0
        for i in 23..<29 { mac = mac << 8 | UInt64(route[b + i]) }
        let ipLength = Int(route[b + 29]) / 8
        guard route.count >= 30 + ipLength else { return nil }
        var ip: UInt64 = UInt64(ipLength) << 56
        for i in 0..<ipLength { ip = (ip << 8 | ip >> 56) ^ UInt64(route[b + 30 + i]) }
        return MACIPKey(rd: rd, mac: mac, ip: ip)
    }

    /// IMET: RD(8) | ETag(4) | IP len(1) | originator IP: keyed by RD and originator.
    static func imetKey(_ route: ArraySlice<UInt8>) -> MACIPKey? {
        let b = route.startIndex
        guard route.count >= 13 else { return nil }
        var rd: UInt64 = 0
        for i in 0..<8 { rd = rd << 8 | UInt64(route[b + i]) }
        var ip: UInt64 = 0
        for i in 13..<route.count { ip = (ip << 8 | ip >> 56) ^ UInt64(route[b + i]) }
        return MACIPKey(rd: rd, mac: 0, ip: ip)
    }
}
