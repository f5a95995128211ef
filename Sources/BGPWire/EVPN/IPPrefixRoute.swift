// EVPN route type 5, IP Prefix (RFC 9136 section 3.1).
//
// ```
//  RD (8) | ESI (10) | Ethernet Tag ID (4) | IP Prefix Length (1) | IP Prefix (4 or 16)
//  | GW IP Address (4 or 16) | MPLS Label (3)
// ```
// = 34 octets for IPv4, 58 for IPv6; there is no address-family field, the total length says which
// (RFC 9136 section 3.1), and prefix and gateway always share the family. The prefix octets are kept
// exactly as received, host bits included, so re-encoding gives the same bytes.

public struct IPPrefixRoute: Hashable, Sendable {
    public var rd: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var ethernetTag: UInt32
    public var prefix: IPPrefix
    /// Zero when the route is not recursive on a gateway (RFC 9136 section 3.1). Must be of the
    /// prefix's family; one of the other family is sent as the zero address, since the layout has no
    /// room for it.
    public var gatewayIP: IPAddress
    public var label: MPLSLabelField

    public static let routeType: UInt8 = 5
    /// RD(8) + ESI(10) + ETag(4) + prefix len(1) + label(3); then prefix and gateway, 4 or 16 each.
    static let fixedLength = 8 + 10 + 4 + 1 + 3
    /// fixed + 2 x (4 or 16): 34 or 58.
    public static let validValueLengths: [Int] = [4, 16].map { fixedLength + 2 * $0 }

    public init(rd: RouteDistinguisher, esi: EthernetSegmentIdentifier = .zero, ethernetTag: UInt32 = 0,
                prefix: IPPrefix, gatewayIP: IPAddress? = nil, label: MPLSLabelField) {
        self.rd = rd
        self.esi = esi
        self.ethernetTag = ethernetTag
        self.prefix = prefix
        self.gatewayIP = gatewayIP ?? prefix.address.zeroOfSameFamily
        self.label = label
    }

    init(value reader: WireReader, nlriOffset: Int) throws(BGPError) {
        let name = "type 5 (IP Prefix)"
        let length = reader.remaining
        guard Self.validValueLengths.contains(length) else {
            throw .evpnLength("\(name) length \(length), must be 34 (IPv4) or 58 (IPv6)", offset: nlriOffset)
        }
        let octets = (length - Self.fixedLength) / 2
        var fields = EVPNFieldReader(reader, routeName: name)
        rd = try fields.routeDistinguisher()
        esi = try fields.esi()
        ethernetTag = try fields.uint32()
        let prefixLengthOffset = fields.offset
        let prefixBits = try fields.uint8()
        guard Int(prefixBits) <= octets * 8 else {
            throw .evpnMalformed("\(name) IP prefix length \(prefixBits) exceeds \(octets * 8)", offset: prefixLengthOffset)
        }
        prefix = IPPrefix(address: try fields.address(octets: octets), length: prefixBits)
        gatewayIP = try fields.address(octets: octets)
        label = try fields.label()
    }

    public var valueLength: Int { Self.fixedLength + 2 * prefix.address.byteCount }

    public func encodeValue(into writer: inout WireWriter) {
        rd.encode(into: &writer)
        esi.encode(into: &writer)
        writer.writeUInt32(ethernetTag)
        writer.writeUInt8(prefix.length)
        writer.writeAddress(prefix.address)
        let gateway = gatewayIP.isV4 == prefix.address.isV4 ? gatewayIP : prefix.address.zeroOfSameFamily
        writer.writeBytes(gateway.bytes)
        label.encode(into: &writer)
    }
}
