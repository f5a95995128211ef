// EVPN route type 4, Ethernet Segment (RFC 7432 section 7.4).
//
// ```
//  RD (8) | ESI (10) | IP Address Length (1) | Originating Router's IP Address (4 or 16)
// ```
// = 23 octets for IPv4, 35 for IPv6. Used by the PEs of one multi-homed segment to find each other
// and elect the designated forwarder (RFC 7432 section 8.5).

public struct EthernetSegmentRoute: Hashable, Sendable {
    public var rd: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var originatorIP: IPAddress

    public static let routeType: UInt8 = 4
    /// RD(8) + ESI(10) + IP len(1).
    static let fixedLength = 8 + 10 + 1
    /// fixed + IP(4 or 16): 23 or 35.
    public static let validValueLengths: [Int] = [4, 16].map { fixedLength + $0 }

    public init(rd: RouteDistinguisher, esi: EthernetSegmentIdentifier, originatorIP: IPAddress) {
        self.rd = rd
        self.esi = esi
        self.originatorIP = originatorIP
    }

    init(value reader: WireReader, nlriOffset: Int) throws(BGPError) {
        let name = "type 4 (Ethernet Segment)"
        let length = reader.remaining
        guard Self.validValueLengths.contains(length) else {
            throw .evpnLength("\(name) length \(length), must be 23 or 35", offset: nlriOffset)
        }
        var fields = EVPNFieldReader(reader, routeName: name)
        rd = try fields.routeDistinguisher()
        esi = try fields.esi()
        originatorIP = try fields.originatorIP(routeLength: length, fixedLength: Self.fixedLength, nlriOffset: nlriOffset)
    }

    public var valueLength: Int { Self.fixedLength + originatorIP.byteCount }

    public func encodeValue(into writer: inout WireWriter) {
        rd.encode(into: &writer)
        esi.encode(into: &writer)
        writer.writeUInt8(UInt8(originatorIP.bitLength))
        writer.writeAddress(originatorIP)
    }
}
