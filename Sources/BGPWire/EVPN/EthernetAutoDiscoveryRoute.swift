// EVPN route type 1, Ethernet Auto-Discovery (RFC 7432 section 7.1).
//
// ```
//  RD (8) | ESI (10) | Ethernet Tag ID (4) | MPLS Label (3)            = 25 octets
// ```
// Sent per ES (Ethernet Tag MAX-ET 0xffffffff, label 0) for mass withdrawal and per EVI (tag 0, the
// label carries the VNI, RFC 8365 section 5.1.3) for aliasing.

public struct EthernetAutoDiscoveryRoute: Hashable, Sendable {
    public var rd: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var ethernetTag: UInt32
    public var label: MPLSLabelField

    public static let routeType: UInt8 = 1
    /// RD(8) + ESI(10) + ETag(4) + label(3).
    public static let valueLength = 25

    public init(rd: RouteDistinguisher, esi: EthernetSegmentIdentifier, ethernetTag: UInt32, label: MPLSLabelField) {
        self.rd = rd
        self.esi = esi
        self.ethernetTag = ethernetTag
        self.label = label
    }

    /// Decodes the value of a type-1 NLRI; `reader` holds exactly the octets its length octet gave,
    /// and `nlriOffset` is where the route type octet was, for error reports.
    init(value reader: WireReader, nlriOffset: Int) throws(BGPError) {
        guard reader.remaining == Self.valueLength else {
            throw .evpnLength("type 1 (Ethernet Auto-Discovery) length \(reader.remaining), must be \(Self.valueLength)",
                              offset: nlriOffset)
        }
        var fields = EVPNFieldReader(reader, routeName: "type 1 (Ethernet Auto-Discovery)")
        rd = try fields.routeDistinguisher()
        esi = try fields.esi()
        ethernetTag = try fields.uint32()
        label = try fields.label()
    }

    public var valueLength: Int { Self.valueLength }

    public func encodeValue(into writer: inout WireWriter) {
        rd.encode(into: &writer)
        esi.encode(into: &writer)
        writer.writeUInt32(ethernetTag)
        label.encode(into: &writer)
    }
}
