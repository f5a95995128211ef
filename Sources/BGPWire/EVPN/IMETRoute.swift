// EVPN route type 3, Inclusive Multicast Ethernet Tag (RFC 7432 section 7.3).
//
// ```
//  RD (8) | Ethernet Tag ID (4) | IP Address Length (1) | Originating Router's IP Address (4 or 16)
// ```
// = 17 octets for IPv4, 29 for IPv6. A VTEP sends one per VNI to join its flood list; the PMSI
// Tunnel attribute it travels with (RFC 7432 section 11.2) says how to reach it, and carries the VNI.

public struct IMETRoute: Hashable, Sendable {
    public var rd: RouteDistinguisher
    public var ethernetTag: UInt32
    public var originatorIP: IPAddress

    public static let routeType: UInt8 = 3
    /// RD(8) + ETag(4) + IP len(1).
    static let fixedLength = 8 + 4 + 1
    /// fixed + IP(4 or 16): 17 or 29.
    public static let validValueLengths: [Int] = [4, 16].map { fixedLength + $0 }

    public init(rd: RouteDistinguisher, ethernetTag: UInt32 = 0, originatorIP: IPAddress) {
        self.rd = rd
        self.ethernetTag = ethernetTag
        self.originatorIP = originatorIP
    }

    init(value reader: WireReader, nlriOffset: Int) throws(BGPError) {
        let name = "type 3 (Inclusive Multicast Ethernet Tag)"
        let length = reader.remaining
        guard Self.validValueLengths.contains(length) else {
            throw .evpnLength("\(name) length \(length), must be 17 or 29", offset: nlriOffset)
        }
        var fields = EVPNFieldReader(reader, routeName: name)
        rd = try fields.routeDistinguisher()
        ethernetTag = try fields.uint32()
        originatorIP = try fields.originatorIP(routeLength: length, fixedLength: Self.fixedLength, nlriOffset: nlriOffset)
    }

    public var valueLength: Int { Self.fixedLength + originatorIP.byteCount }

    public func encodeValue(into writer: inout WireWriter) {
        rd.encode(into: &writer)
        writer.writeUInt32(ethernetTag)
        writer.writeUInt8(UInt8(originatorIP.bitLength))
        writer.writeAddress(originatorIP)
    }
}
