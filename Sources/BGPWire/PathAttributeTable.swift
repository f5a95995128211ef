// One row per path attribute evpnd interprets (BIRD's way): name, required flags, RFC 7606 outcome
// when malformed, and decoder. Encoding is the mirror image in `PathAttributeValue.encodeValue`.
//
// RFC 7606 section 7 per attribute:
//   ORIGIN, AS_PATH, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, COMMUNITIES, ORIGINATOR_ID,
//   CLUSTER_LIST, EXTENDED_COMMUNITIES, LARGE_COMMUNITY (RFC 8092 section 6),
//   PMSI_TUNNEL (RFC 6514 section 5 defers to RFC 7606 defaults)        -> treat-as-withdraw
//   ATOMIC_AGGREGATE, AGGREGATOR, AS4_PATH, AS4_AGGREGATOR (RFC 6793 s6)  -> attribute discard
//   MP_REACH_NLRI, MP_UNREACH_NLRI (section 7.11, 5.3)                    -> AFI/SAFI disable, or
//                                                                           session reset when the
//                                                                           AFI/SAFI cannot be read

struct AttributeDescriptor: Sendable {
    let name: String
    let flags: AttributeFlags
    let malformedOutcome: ErrorOutcome
    let decode: @Sendable (inout WireReader, CodecContext) throws(BGPError) -> PathAttributeValue
}

public enum PathAttributeTable {
    static func descriptor(for type: AttributeType) -> AttributeDescriptor? {
        table[Int(type.rawValue)]
    }

    /// The attribute's name as RFCs and FRR write it, or "attribute N".
    public static func name(of type: AttributeType) -> String {
        descriptor(for: type)?.name ?? "attribute \(type.rawValue)"
    }

    private static let table: [AttributeDescriptor?] = {
        var rows = [AttributeDescriptor?](repeating: nil, count: 256)
        func row(_ type: AttributeType, _ name: String, _ flags: AttributeFlags, _ outcome: ErrorOutcome,
                 _ decode: @escaping @Sendable (inout WireReader, CodecContext) throws(BGPError) -> PathAttributeValue) {
            rows[Int(type.rawValue)] = AttributeDescriptor(name: name, flags: flags, malformedOutcome: outcome, decode: decode)
        }
        let withdraw = ErrorOutcome.treatAsWithdraw
        let discard = ErrorOutcome.attributeDiscard
        let mpError = ErrorOutcome.sessionReset(NotificationMessage(code: .update, subcode: NotificationSubcode.Update.optionalAttributeError))

        row(.origin, "ORIGIN", .wellKnown, withdraw) { r, _ throws(BGPError) in
            try expectLength(r, 1, .origin, code: .attributeLength)
            let value = try read8(&r)
            guard let origin = Origin(rawValue: value) else {
                throw BGPError(.invalidOrigin, .treatAsWithdraw, "ORIGIN value \(value) is undefined",
                               offset: r.offset - 1, attributeType: AttributeType.origin.rawValue)
            }
            return .origin(origin)
        }
        row(.asPath, "AS_PATH", .wellKnown, withdraw) { r, ctx throws(BGPError) in
            .asPath(try ASPath.decode(&r, fourOctet: ctx.fourOctetAS, type: .asPath, outcome: .treatAsWithdraw))
        }
        row(.nextHop, "NEXT_HOP", .wellKnown, withdraw) { r, _ throws(BGPError) in
            try expectLength(r, 4, .nextHop, code: .invalidNextHop)
            return .nextHop(IPv4Address(rawValue: try read32(&r)))
        }
        row(.multiExitDisc, "MULTI_EXIT_DISC", .optionalNonTransitive, withdraw) { r, _ throws(BGPError) in
            try expectLength(r, 4, .multiExitDisc)
            return .multiExitDisc(try read32(&r))
        }
        row(.localPref, "LOCAL_PREF", .wellKnown, withdraw) { r, _ throws(BGPError) in
            try expectLength(r, 4, .localPref)
            return .localPref(try read32(&r))
        }
        row(.atomicAggregate, "ATOMIC_AGGREGATE", .wellKnown, discard) { r, _ throws(BGPError) in
            try expectLength(r, 0, .atomicAggregate)
            return .atomicAggregate
        }
        row(.aggregator, "AGGREGATOR", .optionalTransitive, discard) { r, ctx throws(BGPError) in
            try expectLength(r, ctx.fourOctetAS ? 8 : 6, .aggregator)
            let asn = ctx.fourOctetAS ? try read32(&r) : UInt32(try read16(&r))
            return .aggregator(Aggregator(asn: asn, address: IPv4Address(rawValue: try read32(&r))))
        }
        row(.communities, "COMMUNITIES", .optionalTransitive, withdraw) { r, _ throws(BGPError) in
            try expectNonEmptyMultiple(r, of: 4, .communities)
            var list: [UInt32] = []
            while !r.isAtEnd { list.append(try read32(&r)) }
            return .communities(list)
        }
        row(.originatorID, "ORIGINATOR_ID", .optionalNonTransitive, withdraw) { r, _ throws(BGPError) in
            try expectLength(r, 4, .originatorID)
            return .originatorID(IPv4Address(rawValue: try read32(&r)))
        }
        row(.clusterList, "CLUSTER_LIST", .optionalNonTransitive, withdraw) { r, _ throws(BGPError) in
            try expectNonEmptyMultiple(r, of: 4, .clusterList)
            var list: [IPv4Address] = []
            while !r.isAtEnd { list.append(IPv4Address(rawValue: try read32(&r))) }
            return .clusterList(list)
        }
        row(.mpReachNLRI, "MP_REACH_NLRI", .optionalNonTransitive, mpError) { r, ctx throws(BGPError) in
            .mpReachNLRI(try MultiprotocolCodec.decodeReach(&r, context: ctx))
        }
        row(.mpUnreachNLRI, "MP_UNREACH_NLRI", .optionalNonTransitive, mpError) { r, ctx throws(BGPError) in
            .mpUnreachNLRI(try MultiprotocolCodec.decodeUnreach(&r, context: ctx))
        }
        row(.extendedCommunities, "EXTENDED_COMMUNITIES", .optionalTransitive, withdraw) { r, _ throws(BGPError) in
            try expectNonEmptyMultiple(r, of: 8, .extendedCommunities)
            var list: [ExtendedCommunity] = []
            while !r.isAtEnd { list.append(ExtendedCommunity(rawValue: try read64(&r))) }
            return .extendedCommunities(list)
        }
        row(.as4Path, "AS4_PATH", .optionalTransitive, discard) { r, _ throws(BGPError) in
            .as4Path(try ASPath.decode(&r, fourOctet: true, type: .as4Path, outcome: .attributeDiscard))
        }
        row(.as4Aggregator, "AS4_AGGREGATOR", .optionalTransitive, discard) { r, _ throws(BGPError) in
            try expectLength(r, 8, .as4Aggregator)
            let asn = try read32(&r)
            return .as4Aggregator(Aggregator(asn: asn, address: IPv4Address(rawValue: try read32(&r))))
        }
        row(.pmsiTunnel, "PMSI_TUNNEL", .optionalTransitive, withdraw) { r, _ throws(BGPError) in
            .pmsiTunnel(try PMSITunnel(from: &r))
        }
        row(.largeCommunities, "LARGE_COMMUNITY", .optionalTransitive, withdraw) { r, _ throws(BGPError) in
            try expectNonEmptyMultiple(r, of: 12, .largeCommunities)
            var list: [LargeCommunity] = []
            while !r.isAtEnd { list.append(LargeCommunity(try read32(&r), try read32(&r), try read32(&r))) }
            return .largeCommunities(list)
        }
        return rows
    }()

    // MARK: helpers for the rows

    private static func expectLength(_ r: WireReader, _ n: Int, _ type: AttributeType,
                                     code: BGPError.Code = .attributeLength) throws(BGPError) {
        guard r.remaining == n else {
            throw BGPError(code, descriptor(for: type)?.malformedOutcome ?? .treatAsWithdraw,
                           "\(name(of: type)) has length \(r.remaining), expected \(n)", offset: r.offset,
                           attributeType: type.rawValue)
        }
    }

    private static func expectNonEmptyMultiple(_ r: WireReader, of n: Int, _ type: AttributeType) throws(BGPError) {
        guard r.remaining > 0, r.remaining % n == 0 else {
            throw BGPError(.attributeLength, descriptor(for: type)?.malformedOutcome ?? .treatAsWithdraw,
                           "\(name(of: type)) has length \(r.remaining), not a positive multiple of \(n)",
                           offset: r.offset, attributeType: type.rawValue)
        }
    }

    // Lengths were checked by the row before these reads; a failure here is still reported, never trapped.
    private static func read8(_ r: inout WireReader) throws(BGPError) -> UInt8 {
        do { return try r.readUInt8() } catch { throw truncated(error) }
    }
    private static func read16(_ r: inout WireReader) throws(BGPError) -> UInt16 {
        do { return try r.readUInt16() } catch { throw truncated(error) }
    }
    private static func read32(_ r: inout WireReader) throws(BGPError) -> UInt32 {
        do { return try r.readUInt32() } catch { throw truncated(error) }
    }
    private static func read64(_ r: inout WireReader) throws(BGPError) -> UInt64 {
        do { return try r.readUInt64() } catch { throw truncated(error) }
    }
    private static func truncated(_ error: WireReader.Truncated) -> BGPError {
        BGPError(.attributeLength, .treatAsWithdraw, "attribute value truncated", offset: error.offset)
    }
}

extension PathAttributeValue {
    /// Writes the attribute's value (not its flags, type or length).
    func encodeValue(into writer: inout WireWriter, context: CodecContext) {
        switch self {
        case .origin(let origin): writer.writeUInt8(origin.rawValue)
        case .asPath(let path): path.encode(into: &writer, fourOctet: context.fourOctetAS)
        case .nextHop(let address): writer.writeUInt32(address.rawValue)
        case .multiExitDisc(let value), .localPref(let value): writer.writeUInt32(value)
        case .atomicAggregate: break
        case .aggregator(let aggregator):
            if context.fourOctetAS {
                writer.writeUInt32(aggregator.asn)
            } else {
                writer.writeUInt16(aggregator.asn > 0xffff ? OpenMessage.asTrans : UInt16(aggregator.asn))
            }
            writer.writeUInt32(aggregator.address.rawValue)
        case .communities(let list): for c in list { writer.writeUInt32(c) }
        case .originatorID(let address): writer.writeUInt32(address.rawValue)
        case .clusterList(let list): for id in list { writer.writeUInt32(id.rawValue) }
        case .mpReachNLRI(let reach): MultiprotocolCodec.encode(reach, into: &writer, context: context)
        case .mpUnreachNLRI(let unreach): MultiprotocolCodec.encode(unreach, into: &writer, context: context)
        case .extendedCommunities(let list): for c in list { writer.writeUInt64(c.rawValue) }
        case .as4Path(let path): path.encode(into: &writer, fourOctet: true)
        case .as4Aggregator(let aggregator):
            writer.writeUInt32(aggregator.asn)
            writer.writeUInt32(aggregator.address.rawValue)
        case .pmsiTunnel(let tunnel): tunnel.encode(into: &writer)
        case .largeCommunities(let list):
            for c in list {
                writer.writeUInt32(c.globalAdministrator)
                writer.writeUInt32(c.localData1)
                writer.writeUInt32(c.localData2)
            }
        case .unknown(_, let value): writer.writeBytes(value)
        }
    }
}

extension PathAttribute {
    /// Writes flags, type, length and value. The Extended Length flag is kept as received, and set
    /// when the value needs it.
    public func encode(into writer: inout WireWriter, context: CodecContext) {
        var value = WireWriter(capacity: 32)
        self.value.encodeValue(into: &value, context: context)
        var flags = self.flags
        if value.count > 255 { flags.insert(.extendedLength) }
        writer.writeUInt8(flags.rawValue)
        writer.writeUInt8(type.rawValue)
        if flags.contains(.extendedLength) {
            writer.writeUInt16(UInt16(clamping: value.count))
        } else {
            writer.writeUInt8(UInt8(value.count))
        }
        writer.writeBytes(value.bytes)
    }
}
