// MP_REACH_NLRI and MP_UNREACH_NLRI values (RFC 4760 sections 3 and 4) and the RFC 7606 section
// 7.11 rules for them: when the AFI/SAFI cannot be read the session is reset; when it can but the
// next hop length or the NLRI field is wrong, the NLRI cannot be located reliably, so the outcome
// is AFI/SAFI disable (which evpnd, like FRR, carries out as a session reset).

enum MultiprotocolCodec {
    static func reset(_ code: BGPError.Code, _ reason: String, offset: Int) -> BGPError {
        .reset(code, .update, NotificationSubcode.Update.optionalAttributeError, reason, offset: offset,
               attributeType: AttributeType.mpReachNLRI.rawValue)
    }

    static func disable(_ family: AddressFamily, _ code: BGPError.Code, _ reason: String, offset: Int,
                        type: AttributeType) -> BGPError {
        BGPError(code, .afiSafiDisable(family, NotificationMessage(code: .update, subcode: NotificationSubcode.Update.optionalAttributeError)),
                 reason, offset: offset, attributeType: type.rawValue)
    }

    /// Next hop lengths accepted per family: IPv4 (4), IPv6 global (16), IPv6 global + link-local (32).
    static func validNextHopLengths(for family: AddressFamily) -> Set<Int>? {
        switch family {
        case .l2vpnEVPN, .ipv4Unicast, .ipv6Unicast: return [4, 16, 32]
        default: return nil
        }
    }

    static func decodeReach(_ r: inout WireReader, context: CodecContext) throws(BGPError) -> MPReachNLRI {
        let start = r.offset
        guard r.remaining >= 5 else {
            throw reset(.optionalAttribute, "MP_REACH_NLRI of \(r.remaining) octets is too short to hold AFI, SAFI and next hop length", offset: start)
        }
        do {
            let family = AddressFamily(afi: AFI(rawValue: try r.readUInt16()), safi: SAFI(rawValue: try r.readUInt8()))
            let nextHopLength = Int(try r.readUInt8())
            guard r.remaining >= nextHopLength + 1 else {
                throw disable(family, .optionalAttribute, "MP_REACH_NLRI next hop length \(nextHopLength) overruns the attribute",
                              offset: start + 3, type: .mpReachNLRI)
            }
            if let valid = validNextHopLengths(for: family), !valid.contains(nextHopLength) {
                throw disable(family, .invalidNextHop, "MP_REACH_NLRI next hop length \(nextHopLength) is not valid for \(family)",
                              offset: start + 3, type: .mpReachNLRI)
            }
            let nextHop = try r.readBytes(nextHopLength)
            let reserved = try r.readUInt8()
            let (nlri, skipped) = try decodeNLRI(&r, family: family, context: context, type: .mpReachNLRI)
            return MPReachNLRI(family: family, nextHop: nextHop, reserved: reserved, nlri: nlri, skippedRouteTypes: skipped)
        } catch let error as BGPError {
            throw error
        } catch {
            throw reset(.optionalAttribute, "MP_REACH_NLRI truncated", offset: start)
        }
    }

    static func decodeUnreach(_ r: inout WireReader, context: CodecContext) throws(BGPError) -> MPUnreachNLRI {
        let start = r.offset
        guard r.remaining >= 3 else {
            throw BGPError.reset(.optionalAttribute, .update, NotificationSubcode.Update.optionalAttributeError,
                                 "MP_UNREACH_NLRI of \(r.remaining) octets is too short to hold AFI and SAFI",
                                 offset: start, attributeType: AttributeType.mpUnreachNLRI.rawValue)
        }
        let family: AddressFamily
        do {
            family = AddressFamily(afi: AFI(rawValue: try r.readUInt16()), safi: SAFI(rawValue: try r.readUInt8()))
        } catch {
            throw reset(.optionalAttribute, "MP_UNREACH_NLRI truncated", offset: start)
        }
        let (nlri, skipped) = try decodeNLRI(&r, family: family, context: context, type: .mpUnreachNLRI)
        return MPUnreachNLRI(family: family, nlri: nlri, skippedRouteTypes: skipped)
    }

    private static func decodeNLRI(_ r: inout WireReader, family: AddressFamily, context: CodecContext,
                                   type: AttributeType) throws(BGPError) -> (MultiprotocolNLRI, [UInt8]) {
        let addPath = context.addPath.contains(family)
        switch family {
        case .l2vpnEVPN:
            do {
                let list = try EVPNNLRICodec.decode(&r, addPath: addPath)
                return (.evpn(list.routes), list.skippedRouteTypes)
            } catch {
                var error = error
                error.attributeType = type.rawValue
                throw error
            }
        case .ipv4Unicast, .ipv6Unicast:
            do {
                return (.prefixes(try PrefixNLRI.decodeList(&r, addressLength: family.afi == .ipv4 ? 4 : 16, addPath: addPath)), [])
            } catch {
                throw disable(family, .invalidNetworkField, error.reason, offset: error.offset ?? r.offset, type: type)
            }
        default:
            return (.raw(r.readRest()), [])
        }
    }

    static func encodeNLRI(_ nlri: MultiprotocolNLRI, into w: inout WireWriter) {
        switch nlri {
        case .evpn(let list): EVPNNLRICodec.encode(list, into: &w)
        case .prefixes(let list): PrefixNLRI.encodeList(list, into: &w)
        case .raw(let bytes): w.writeBytes(bytes)
        }
    }

    static func encode(_ reach: MPReachNLRI, into w: inout WireWriter, context: CodecContext) {
        w.writeUInt16(reach.family.afi.rawValue)
        w.writeUInt8(reach.family.safi.rawValue)
        w.writeUInt8(UInt8(clamping: reach.nextHop.count))
        w.writeBytes(reach.nextHop.prefix(255))
        w.writeUInt8(reach.reserved)
        encodeNLRI(reach.nlri, into: &w)
    }

    static func encode(_ unreach: MPUnreachNLRI, into w: inout WireWriter, context: CodecContext) {
        w.writeUInt16(unreach.family.afi.rawValue)
        w.writeUInt8(unreach.family.safi.rawValue)
        encodeNLRI(unreach.nlri, into: &w)
    }
}
