// EVPN route type 2, MAC/IP Advertisement (RFC 7432 section 7.2).
//
// ```
//  RD (8) | ESI (10) | Ethernet Tag ID (4) | MAC Address Length (1) | MAC Address (6)
//  | IP Address Length (1) | IP Address (0, 4 or 16) | MPLS Label1 (3) | MPLS Label2 (0 or 3)
// ```
// The length octets count bits: MAC length is always 48, IP length 0, 32 or 128. With VXLAN
// (RFC 8365 section 5.1.3) Label1 is the L2 VNI and Label2, when present, the L3 VNI.

public struct MACIPAdvertisementRoute: Hashable, Sendable {
    public var rd: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var ethernetTag: UInt32
    public var mac: MACAddress
    public var ip: IPAddress?
    public var label1: MPLSLabelField
    public var label2: MPLSLabelField?

    public static let routeType: UInt8 = 2
    /// RD(8) + ESI(10) + ETag(4) + MAC len(1) + MAC(6) + IP len(1): the part before the IP address.
    static let fixedLength = 8 + 10 + 4 + 1 + 6 + 1
    /// Every length the layout allows: fixed + IP(0, 4, 16) + labels(3 or 6), i.e. 33, 36, 37, 40, 49, 52.
    public static let validValueLengths: [Int] = [0, 4, 16].flatMap { ip in [3, 6].map { fixedLength + ip + $0 } }

    public init(rd: RouteDistinguisher, esi: EthernetSegmentIdentifier = .zero, ethernetTag: UInt32 = 0,
                mac: MACAddress, ip: IPAddress? = nil, label1: MPLSLabelField, label2: MPLSLabelField? = nil) {
        self.rd = rd
        self.esi = esi
        self.ethernetTag = ethernetTag
        self.mac = mac
        self.ip = ip
        self.label1 = label1
        self.label2 = label2
    }

    init(value reader: WireReader, nlriOffset: Int) throws(BGPError) {
        let name = "type 2 (MAC/IP Advertisement)"
        let length = reader.remaining
        guard Self.validValueLengths.contains(length) else {
            throw .evpnLength("\(name) length \(length), must be one of "
                              + Self.validValueLengths.map(String.init).joined(separator: ", "), offset: nlriOffset)
        }
        var fields = EVPNFieldReader(reader, routeName: name)
        rd = try fields.routeDistinguisher()
        esi = try fields.esi()
        ethernetTag = try fields.uint32()
        let macLengthOffset = fields.offset
        let macBits = try fields.uint8()
        guard macBits == 48 else {
            throw .evpnMalformed("\(name) MAC address length \(macBits) bits, must be 48", offset: macLengthOffset)
        }
        mac = try fields.mac()
        let ipLengthOffset = fields.offset
        let ipBits = try fields.uint8()
        let ipOctets: Int
        switch ipBits {
        case 0: ipOctets = 0
        case 32: ipOctets = 4
        case 128: ipOctets = 16
        default:
            throw .evpnMalformed("\(name) IP address length \(ipBits) bits, must be 0, 32 or 128", offset: ipLengthOffset)
        }
        // The total length passed the table above, but it must also agree with this IP length.
        let labelOctets = fields.remaining - ipOctets
        guard labelOctets == 3 || labelOctets == 6 else {
            throw .evpnLength("\(name) length \(length) does not fit IP address length \(ipBits) (must be "
                              + "\(Self.fixedLength + ipOctets + 3) or \(Self.fixedLength + ipOctets + 6))",
                              offset: nlriOffset)
        }
        ip = ipOctets == 0 ? nil : try fields.address(octets: ipOctets)
        label1 = try fields.label()
        label2 = labelOctets == 6 ? try fields.label() : nil
    }

    public var valueLength: Int {
        Self.fixedLength + (ip?.byteCount ?? 0) + (label2 == nil ? 3 : 6)
    }

    public func encodeValue(into writer: inout WireWriter) {
        rd.encode(into: &writer)
        esi.encode(into: &writer)
        writer.writeUInt32(ethernetTag)
        writer.writeUInt8(48)
        writer.writeMAC(mac)
        if let ip {
            writer.writeUInt8(UInt8(ip.bitLength))
            writer.writeAddress(ip)
        } else {
            writer.writeUInt8(0)
        }
        label1.encode(into: &writer)
        label2?.encode(into: &writer)
    }
}
