// The errors an EVPN NLRI can raise, and the reader that raises them.
//
// RFC 7606 section 5.3 and RFC 4760 section 7: an NLRI that cannot be parsed makes the MP_REACH /
// MP_UNREACH attribute that carries it malformed, and the remedy is to stop using the family with the
// peer (AFI/SAFI disable), or reset the session with UPDATE Message Error / Optional Attribute Error
// where that is not implemented. RFC 7432 section 7 (and FRR, bgpd/bgp_evpn.c `bgp_nlri_parse_evpn`)
// agree that a route whose length does not fit its type cannot be recovered from.

extension BGPError {
    static var evpnOutcome: ErrorOutcome {
        .afiSafiDisable(.l2vpnEVPN, NotificationMessage(code: .update, subcode: NotificationSubcode.Update.optionalAttributeError))
    }

    /// A length that overruns the NLRI field or does not fit its route type.
    static func evpnLength(_ reason: String, offset: Int) -> BGPError {
        BGPError(.badEVPNNLRILength, evpnOutcome, reason, offset: offset)
    }

    /// A field whose value the route type does not allow (MAC length other than 48, IP length other
    /// than 0/32/128, ...).
    static func evpnMalformed(_ reason: String, offset: Int) -> BGPError {
        BGPError(.malformedEVPNNLRI, evpnOutcome, reason, offset: offset)
    }
}

/// Reads the fields of one route's value. The value is bounded by the route's own length octet and that
/// length is checked against the route type before any field is read, so running out of bytes here
/// means the length check is wrong; it is still reported as a length error rather than trusted.
struct EVPNFieldReader {
    var reader: WireReader
    let routeName: String

    init(_ reader: WireReader, routeName: String) {
        self.reader = reader
        self.routeName = routeName
    }

    var offset: Int { reader.offset }
    var remaining: Int { reader.remaining }

    private func truncated(_ error: WireReader.Truncated) -> BGPError {
        .evpnLength("\(routeName): field needs \(error.needed) octets, \(error.available) left", offset: error.offset)
    }

    /// The closing `IP length (1) | IP (4 or 16)` of types 3 and 4: the length in bits must be 32 or
    /// 128 and must account for exactly the octets left in the route.
    mutating func originatorIP(routeLength: Int, fixedLength: Int, nlriOffset: Int) throws(BGPError) -> IPAddress {
        let ipLengthOffset = offset
        let ipBits = try uint8()
        guard let octets = evpnAddressOctets(bits: ipBits) else {
            throw .evpnMalformed("\(routeName) IP address length \(ipBits) bits, must be 32 or 128", offset: ipLengthOffset)
        }
        guard octets == remaining else {
            throw .evpnLength("\(routeName) length \(routeLength) does not fit IP address length \(ipBits) "
                              + "(must be \(fixedLength + octets))", offset: nlriOffset)
        }
        return try address(octets: octets)
    }

    mutating func uint8() throws(BGPError) -> UInt8 {
        do { return try reader.readUInt8() } catch { throw truncated(error) }
    }

    mutating func uint32() throws(BGPError) -> UInt32 {
        do { return try reader.readUInt32() } catch { throw truncated(error) }
    }

    mutating func routeDistinguisher() throws(BGPError) -> RouteDistinguisher {
        do { return try RouteDistinguisher(from: &reader) } catch { throw truncated(error) }
    }

    mutating func esi() throws(BGPError) -> EthernetSegmentIdentifier {
        do { return try EthernetSegmentIdentifier(from: &reader) } catch { throw truncated(error) }
    }

    mutating func label() throws(BGPError) -> MPLSLabelField {
        do { return try MPLSLabelField(from: &reader) } catch { throw truncated(error) }
    }

    mutating func mac() throws(BGPError) -> MACAddress {
        do {
            // readBytes(6) returns exactly six octets, so the MACAddress initializer cannot fail.
            return MACAddress(bytes: try reader.readBytes(6)) ?? .zero
        } catch {
            throw truncated(error)
        }
    }

    /// An address of 4 or 16 octets.
    mutating func address(octets: Int) throws(BGPError) -> IPAddress {
        let start = reader.offset
        let bytes: [UInt8]
        do { bytes = try reader.readBytes(octets) } catch { throw truncated(error) }
        guard let address = IPAddress(bytes: bytes) else {
            throw .evpnMalformed("\(routeName): an address of \(octets) octets", offset: start)
        }
        return address
    }
}

/// The IP length octet values RFC 7432 allows for an address that must be present.
func evpnAddressOctets(bits: UInt8) -> Int? {
    switch bits {
    case 32: return 4
    case 128: return 16
    default: return nil
    }
}

extension IPAddress {
    /// The same family's all-zero address; used where a route carries two addresses that must share a
    /// family (type 5 prefix and gateway).
    var zeroOfSameFamily: IPAddress {
        switch self {
        case .v4: return .v4(IPv4Address(rawValue: 0))
        case .v6: return .v6(IPv6Address(high: 0, low: 0))
        }
    }

    var isV4: Bool {
        if case .v4 = self { return true }
        return false
    }
}
