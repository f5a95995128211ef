// UPDATE message (RFC 4271 section 4.3) with RFC 7606 revised error handling.
//
// ```
//  Withdrawn Routes Length (2) | Withdrawn Routes (variable)
//  Total Path Attribute Length (2) | Path Attributes (variable)
//  Network Layer Reachability Information (variable, the rest)
// ```
// Decoding never throws for problems RFC 7606 lets the session survive: those are collected in
// `problems`, and `outcome` is the most severe of them. What does throw is a session reset.

public struct UpdateMessage: Hashable, Sendable {
    public var withdrawnRoutes: [PrefixNLRI]
    public var attributes: [PathAttribute]
    public var nlri: [PrefixNLRI]
    /// Problems found while decoding that RFC 7606 does not answer with a session reset.
    public var problems: [BGPError]
    /// Attribute parsing stopped before the end of the path attributes (RFC 7606 section 4: a length
    /// overran them, or too few octets were left for an attribute header). Anything after that point,
    /// an MP_REACH_NLRI included, could not be located.
    public var attributeListTruncated = false

    public init(withdrawnRoutes: [PrefixNLRI] = [], attributes: [PathAttribute] = [], nlri: [PrefixNLRI] = []) {
        self.withdrawnRoutes = withdrawnRoutes
        self.attributes = attributes
        self.nlri = nlri
        self.problems = []
    }

    /// The End-of-RIB marker for a family (RFC 4724 section 2): an empty UPDATE for IPv4 unicast,
    /// otherwise an UPDATE holding only an empty MP_UNREACH_NLRI of that family.
    public static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        if family == .ipv4Unicast { return UpdateMessage() }
        // Empty NLRI of the kind the decoder gives back for the family, so a marker equals its own round trip.
        let nlri: MultiprotocolNLRI
        switch family {
        case .l2vpnEVPN: nlri = .evpn([])
        case .ipv4Unicast, .ipv6Unicast: nlri = .prefixes([])
        default: nlri = .raw([])
        }
        return UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: family, nlri: nlri)))])
    }

    /// The family this UPDATE marks the end of the RIB for, if it is an End-of-RIB marker.
    public var endOfRIBFamily: AddressFamily? {
        guard withdrawnRoutes.isEmpty, nlri.isEmpty else { return nil }
        if attributes.isEmpty { return .ipv4Unicast }
        guard attributes.count == 1, case .mpUnreachNLRI(let unreach) = attributes[0].value,
              unreach.nlri.isEmpty, unreach.skippedRouteTypes.isEmpty else { return nil }
        return unreach.family
    }

    /// The most severe RFC 7606 outcome among `problems`, nil when the UPDATE is clean.
    public var outcome: ErrorOutcome? {
        problems.max(by: { $0.outcome.severity < $1.outcome.severity })?.outcome
    }

    /// RFC 7606: every route this UPDATE announces must be handled as withdrawn.
    public var treatAsWithdraw: Bool { outcome == .treatAsWithdraw }

    public func attribute(_ type: AttributeType) -> PathAttributeValue? {
        attributes.first(where: { $0.type == type })?.value
    }

    public var mpReach: MPReachNLRI? {
        if case .mpReachNLRI(let value)? = attribute(.mpReachNLRI) { return value }
        return nil
    }

    public var mpUnreach: MPUnreachNLRI? {
        if case .mpUnreachNLRI(let value)? = attribute(.mpUnreachNLRI) { return value }
        return nil
    }

    // MARK: decoding

    public init(decoding body: [UInt8], context: CodecContext) throws(BGPError) {
        var reader = WireReader(body)
        let addPathV4 = context.addPath.contains(.ipv4Unicast)
        let malformedList = { (reason: String, offset: Int) -> BGPError in
            .reset(.malformedAttributeList, .update, NotificationSubcode.Update.malformedAttributeList, reason, offset: offset)
        }

        // RFC 7606 section 4: the two length fields must fit the message, or nothing can be located.
        guard let withdrawnLength = try? Int(reader.readUInt16()) else {
            throw malformedList("UPDATE too short for its Withdrawn Routes Length", 0)
        }
        guard var withdrawnReader = try? reader.bounded(withdrawnLength) else {
            throw malformedList("Withdrawn Routes Length \(withdrawnLength) overruns the message", 0)
        }
        guard let attributesLength = try? Int(reader.readUInt16()) else {
            throw malformedList("UPDATE too short for its Total Path Attribute Length", reader.offset)
        }
        guard var attributeReader = try? reader.bounded(attributesLength) else {
            throw malformedList("Total Path Attribute Length \(attributesLength) overruns the message", reader.offset - 2)
        }
        var nlriReader = reader

        withdrawnRoutes = try PrefixNLRI.decodeList(&withdrawnReader, addressLength: 4, addPath: addPathV4)
        nlri = try PrefixNLRI.decodeList(&nlriReader, addressLength: 4, addPath: addPathV4)
        attributes = []
        problems = []
        try decodeAttributes(&attributeReader, context: context)
        checkMandatoryAttributes()
    }

    private mutating func decodeAttributes(_ reader: inout WireReader, context: CodecContext) throws(BGPError) {
        var seen = Set<UInt8>()
        while !reader.isAtEnd {
            let start = reader.offset
            // RFC 7606 section 4: an attribute header or value that runs past the Total Path
            // Attribute Length makes the rest unparseable; routes found so far are withdrawn.
            guard reader.remaining >= 3 else {
                attributeListTruncated = true
                problems.append(BGPError(.malformedAttributeList, .treatAsWithdraw,
                                         "\(reader.remaining) stray octets at the end of the path attributes", offset: start))
                return
            }
            let flags = AttributeFlags(rawValue: (try? reader.readUInt8()) ?? 0)
            let type = AttributeType(rawValue: (try? reader.readUInt8()) ?? 0)
            let lengthResult: Int?
            if flags.contains(.extendedLength) {
                lengthResult = (try? reader.readUInt16()).map(Int.init)
            } else {
                lengthResult = (try? reader.readUInt8()).map(Int.init)
            }
            guard let length = lengthResult, var valueReader = try? reader.bounded(length) else {
                if type == .mpReachNLRI || type == .mpUnreachNLRI {
                    throw .reset(.attributeLength, .update, NotificationSubcode.Update.attributeLengthError,
                                 "\(PathAttributeTable.name(of: type)) length overruns the path attributes",
                                 offset: start, attributeType: type.rawValue)
                }
                attributeListTruncated = true
                problems.append(BGPError(.attributeLength, .treatAsWithdraw,
                                         "\(PathAttributeTable.name(of: type)) length overruns the path attributes",
                                         offset: start, attributeType: type.rawValue))
                return
            }
            let wholeAttribute = Array(reader.bytes[start..<valueReader.end])

            // RFC 7606 section 3 (g): MP_REACH/MP_UNREACH twice is a session reset; any other
            // attribute seen twice keeps its first copy.
            if seen.contains(type.rawValue) {
                if type == .mpReachNLRI || type == .mpUnreachNLRI {
                    throw .reset(.malformedAttributeList, .update, NotificationSubcode.Update.malformedAttributeList,
                                 "\(PathAttributeTable.name(of: type)) appears twice", offset: start, attributeType: type.rawValue)
                }
                problems.append(BGPError(.malformedAttributeList, .attributeDiscard,
                                         "\(PathAttributeTable.name(of: type)) appears twice; the later copy is discarded",
                                         offset: start, attributeType: type.rawValue))
                continue
            }
            seen.insert(type.rawValue)

            guard let descriptor = PathAttributeTable.descriptor(for: type) else {
                // RFC 4271 section 6.3: an unrecognized well-known attribute ends the session, with
                // the attribute as the NOTIFICATION's data.
                guard flags.contains(.optional) else {
                    throw .reset(.unrecognizedWellKnownAttribute, .update, NotificationSubcode.Update.unrecognizedWellKnownAttribute,
                                 data: wholeAttribute, "unrecognized well-known attribute \(type.rawValue)",
                                 offset: start, attributeType: type.rawValue)
                }
                attributes.append(PathAttribute(flags: flags, value: .unknown(type: type, value: valueReader.readRest())))
                continue
            }

            // RFC 7606 section 3 (c): optional/transitive bits that contradict the definition make
            // the attribute malformed.
            // RFC 4271 section 4.3: the Partial bit is 0 for well-known and optional non-transitive
            // attributes; FRR (bgp_attr_flag_invalid) and evpnd hold a set one to be a flags error too,
            // so it is never passed on.
            let required: AttributeFlags = [.optional, .transitive]
            let partialAllowed = descriptor.flags.contains(.optional) && descriptor.flags.contains(.transitive)
            if flags.intersection(required) != descriptor.flags.intersection(required)
                || (!partialAllowed && flags.contains(.partial)) {
                let outcome: ErrorOutcome = descriptor.malformedOutcome.severity >= ErrorOutcome.treatAsWithdraw.severity
                    ? .treatAsWithdraw : descriptor.malformedOutcome
                problems.append(BGPError(.attributeFlags, outcome,
                                         "\(descriptor.name) has flags 0x\(hex2(flags.rawValue)), expected 0x\(hex2(descriptor.flags.rawValue))",
                                         offset: start, attributeType: type.rawValue))
                if outcome == .attributeDiscard { continue }
            }

            do {
                let value = try descriptor.decode(&valueReader, context)
                if !valueReader.isAtEnd {
                    problems.append(BGPError(.attributeLength, descriptor.malformedOutcome,
                                             "\(descriptor.name) has \(valueReader.remaining) trailing octets",
                                             offset: valueReader.offset, attributeType: type.rawValue))
                    if descriptor.malformedOutcome == .attributeDiscard { continue }
                }
                attributes.append(PathAttribute(flags: flags, value: value))
            } catch {
                var error = error
                if error.attributeType == nil { error.attributeType = type.rawValue }
                switch error.outcome {
                case .sessionReset, .afiSafiDisable:
                    throw error
                case .treatAsWithdraw, .attributeDiscard:
                    problems.append(error)
                }
            }
        }
    }

    /// RFC 7606 section 3 (d): a route-carrying UPDATE without ORIGIN or AS_PATH (or NEXT_HOP when
    /// it has IPv4 NLRI) is treat-as-withdraw. LOCAL_PREF depends on the session type and is
    /// checked by the session.
    private mutating func checkMandatoryAttributes() {
        let carriesRoutes = !nlri.isEmpty || (mpReach.map { !$0.nlri.isEmpty } ?? false)
        guard carriesRoutes else { return }
        var missing: [AttributeType] = [.origin, .asPath].filter { type in attribute(type) == nil }
        if !nlri.isEmpty && attribute(.nextHop) == nil { missing.append(.nextHop) }
        for type in missing where !problems.contains(where: { $0.attributeType == type.rawValue }) {
            problems.append(BGPError(.missingWellKnownAttribute, .treatAsWithdraw,
                                     "missing well-known attribute \(PathAttributeTable.name(of: type))",
                                     attributeType: type.rawValue))
        }
    }

    // MARK: encoding

    public func encodeBody(into writer: inout WireWriter, context: CodecContext) throws(BGPError) {
        let withdrawnMark = writer.reserveLength(width: 2)
        PrefixNLRI.encodeList(withdrawnRoutes, into: &writer)
        guard writer.fillLength(withdrawnMark) else { throw Self.overflow("withdrawn routes") }
        let attributesMark = writer.reserveLength(width: 2)
        for attribute in attributes { attribute.encode(into: &writer, context: context) }
        guard writer.fillLength(attributesMark) else { throw Self.overflow("path attributes") }
        PrefixNLRI.encodeList(nlri, into: &writer)
    }

    private static func overflow(_ what: String) -> BGPError {
        BGPError(.encodingOverflow, .sessionReset(NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.outOfResources)),
                 "\(what) exceed 65535 octets")
    }
}
