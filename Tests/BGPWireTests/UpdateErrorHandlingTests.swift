// UPDATE decoding and RFC 7606's outcomes, one table row per rule, from hand-assembled attributes.
import Testing
@testable import BGPWire

/// Raw attribute bytes: flags, type, length (1 octet), value.
func attr(_ flags: UInt8, _ type: UInt8, _ value: [UInt8]) -> [UInt8] {
    [flags, type, UInt8(value.count)] + value
}

/// An UPDATE body from raw attributes and optional IPv4 NLRI.
func updateBody(_ attributes: [[UInt8]], withdrawn: [UInt8] = [], nlri: [UInt8] = []) -> [UInt8] {
    let all = attributes.flatMap { $0 }
    return [UInt8(withdrawn.count >> 8), UInt8(withdrawn.count & 0xff)] + withdrawn
        + [UInt8(all.count >> 8), UInt8(all.count & 0xff)] + all + nlri
}

enum Sample {
    // RD 10.0.1.1:2 (type 1), ESI 0, tag 0, MAC aa:bb:cc:00:00:01, IPv4 10.1.0.200, VNI 100.
    static let type2: [UInt8] = [2, 37, 0, 1, 10, 0, 1, 1, 0, 2] + [UInt8](repeating: 0, count: 10) + [0, 0, 0, 0]
        + [48, 0xaa, 0xbb, 0xcc, 0, 0, 1] + [32, 10, 1, 0, 200] + [0, 0, 100]
    static let mpReach = attr(0x90 & 0x80, 14, [0, 25, 70, 4, 10, 0, 1, 1, 0] + type2)
    static let origin = attr(0x40, 1, [0])
    static let asPath = attr(0x40, 2, [])
    static let localPref = attr(0x40, 5, [0, 0, 0, 100])
    // RT:65000:100 and encapsulation VXLAN.
    static let extCommunities = attr(0xc0, 16, [0, 2, 0xfd, 0xe8, 0, 0, 0, 100, 3, 12, 0, 0, 0, 0, 0, 8])
    static let clean = [origin, asPath, localPref, extCommunities, mpReach]
    static let context = CodecContext()
}

@Suite struct UpdateErrorHandlingTests {
    @Test func cleanUpdateDecodesAndRoundTrips() throws {
        let body = updateBody(Sample.clean)
        let update = try UpdateMessage(decoding: body, context: Sample.context)
        #expect(update.problems.isEmpty)
        #expect(update.outcome == nil)
        guard let reach = update.mpReach, case .evpn(let routes) = reach.nlri else {
            Issue.record("no EVPN MP_REACH")
            return
        }
        #expect(routes.count == 1)
        #expect(routes.first?.route.prefixString == "[2]:[0]:[48]:[aa:bb:cc:00:00:01]:[32]:[10.1.0.200]")
        #expect(routes.first?.route.rd.description == "10.0.1.1:2")
        #expect(reach.nextHopAddress == IPAddress("10.0.1.1"))
        var writer = WireWriter()
        try update.encodeBody(into: &writer, context: Sample.context)
        #expect(writer.bytes == body)
    }

    /// RFC 7606 section 7, attribute by attribute: (what, the attribute that replaces or joins the
    /// clean set, the outcome the RFC demands).
    static let malformedAttributes: [(String, [UInt8], ErrorOutcome)] = [
        ("ORIGIN of length 2 (7.1)", attr(0x40, 1, [0, 0]), .treatAsWithdraw),
        ("ORIGIN value 3 (7.1)", attr(0x40, 1, [3]), .treatAsWithdraw),
        ("AS_PATH segment type 0 (7.2)", attr(0x40, 2, [0, 1, 0, 0, 0xfd, 0xe8]), .treatAsWithdraw),
        ("AS_PATH segment of zero ASes (7.2)", attr(0x40, 2, [2, 0]), .treatAsWithdraw),
        ("AS_PATH overrun (7.2)", attr(0x40, 2, [2, 2, 0, 0, 0xfd, 0xe8]), .treatAsWithdraw),
        ("NEXT_HOP of length 3 (7.3)", attr(0x40, 3, [10, 0, 0]), .treatAsWithdraw),
        ("MULTI_EXIT_DISC of length 2 (7.4)", attr(0x80, 4, [0, 1]), .treatAsWithdraw),
        ("LOCAL_PREF of length 5 (7.5)", attr(0x40, 5, [0, 0, 0, 0, 1]), .treatAsWithdraw),
        ("ATOMIC_AGGREGATE with a value (7.6)", attr(0x40, 6, [1]), .attributeDiscard),
        ("AGGREGATOR of length 6 with 4-octet AS (7.7)", attr(0xc0, 7, [0, 1, 10, 0, 0, 1]), .attributeDiscard),
        ("COMMUNITIES of length 5 (7.8)", attr(0xc0, 8, [0, 1, 0, 2, 3]), .treatAsWithdraw),
        ("ORIGINATOR_ID of length 3 (7.9)", attr(0x80, 9, [1, 2, 3]), .treatAsWithdraw),
        ("CLUSTER_LIST of length 6 (7.10)", attr(0x80, 10, [1, 2, 3, 4, 5, 6]), .treatAsWithdraw),
        ("EXTENDED_COMMUNITIES of length 7 (7.14)", attr(0xc0, 16, [0, 2, 0, 1, 0, 0, 0]), .treatAsWithdraw),
        ("AS4_PATH malformed (RFC 6793 s6)", attr(0xc0, 17, [2, 3, 0, 0, 0, 1]), .attributeDiscard),
        ("AS4_AGGREGATOR of length 6", attr(0xc0, 18, [0, 0, 0, 1, 10, 0]), .attributeDiscard),
        ("PMSI_TUNNEL of length 3", attr(0xc0, 22, [0, 6, 0]), .treatAsWithdraw),
        ("LARGE_COMMUNITY of length 8 (RFC 8092 s6)", attr(0xc0, 32, [0, 0, 0, 1, 0, 0, 0, 2]), .treatAsWithdraw),
        ("ORIGIN flagged optional (3c)", attr(0xc0, 1, [0]), .treatAsWithdraw),
        ("LOCAL_PREF flagged optional transitive (3c)", attr(0xc0, 5, [0, 0, 0, 100]), .treatAsWithdraw),
        ("ORIGINATOR_ID flagged transitive (3c)", attr(0xc0, 9, [1, 2, 3, 4]), .treatAsWithdraw),
    ]

    @Test(arguments: malformedAttributes)
    func malformedAttributeOutcome(_ what: String, attribute: [UInt8], expected: ErrorOutcome) throws {
        let type = attribute[1]
        var attributes = Sample.clean.filter { $0[1] != type }
        attributes.insert(attribute, at: 0)
        let update = try UpdateMessage(decoding: updateBody(attributes), context: Sample.context)
        #expect(update.outcome == expected, "\(what): \(update.problems)")
        #expect(update.problems.contains { $0.attributeType == type }, "\(what): problem names the attribute")
        if expected == .attributeDiscard {
            #expect(!update.attributes.contains { $0.type.rawValue == type }, "\(what): discarded attribute still present")
        }
    }

    @Test func missingWellKnownAttributesAreTreatAsWithdraw() throws {
        for missing: UInt8 in [1, 2] {
            let update = try UpdateMessage(decoding: updateBody(Sample.clean.filter { $0[1] != missing }), context: Sample.context)
            #expect(update.treatAsWithdraw)
            #expect(update.problems.first?.code == .missingWellKnownAttribute)
        }
        // A withdrawal-only UPDATE needs none of them.
        let withdrawOnly = attr(0x80, 15, [0, 25, 70] + Sample.type2)
        let update = try UpdateMessage(decoding: updateBody([withdrawOnly]), context: Sample.context)
        #expect(update.problems.isEmpty)
    }

    @Test func ipv4NLRIWithoutNextHopIsTreatAsWithdraw() throws {
        let update = try UpdateMessage(decoding: updateBody([Sample.origin, Sample.asPath], nlri: [24, 10, 1, 2]),
                                       context: Sample.context)
        #expect(update.treatAsWithdraw)
        #expect(update.problems.contains { $0.attributeType == 3 })
    }

    @Test func duplicateAttributeKeepsTheFirst() throws {
        let update = try UpdateMessage(decoding: updateBody(Sample.clean + [attr(0x40, 5, [0, 0, 0, 200])]), context: Sample.context)
        #expect(update.outcome == .attributeDiscard)
        #expect(update.attribute(.localPref) == .localPref(100))
    }

    @Test func duplicateMPReachResetsTheSession() {
        do {
            _ = try UpdateMessage(decoding: updateBody(Sample.clean + [Sample.mpReach]), context: Sample.context)
            Issue.record("accepted")
        } catch {
            #expect(error.notification == NotificationMessage(code: .update, subcode: 1))
        }
    }

    @Test func unrecognizedWellKnownAttributeResetsWithItAsData() {
        let unknown = attr(0x40, 99, [1, 2])
        do {
            _ = try UpdateMessage(decoding: updateBody(Sample.clean + [unknown]), context: Sample.context)
            Issue.record("accepted")
        } catch {
            #expect(error.notification == NotificationMessage(code: .update, subcode: 2, data: unknown))
        }
    }

    @Test func unknownOptionalTransitiveAttributeSurvivesWithItsFlags() throws {
        let unknown = attr(0xe0, 99, [1, 2, 3])  // optional, transitive, partial
        let body = updateBody(Sample.clean + [unknown])
        let update = try UpdateMessage(decoding: body, context: Sample.context)
        #expect(update.problems.isEmpty)
        #expect(update.attributes.last == PathAttribute(flags: AttributeFlags(rawValue: 0xe0),
                                                        value: .unknown(type: AttributeType(rawValue: 99), value: [1, 2, 3])))
        var writer = WireWriter()
        try update.encodeBody(into: &writer, context: Sample.context)
        #expect(writer.bytes == body)
    }

    @Test func attributeOverrunIsTreatAsWithdraw() throws {
        var body = updateBody(Sample.clean + [[0x40, 5, 9, 0, 0]])
        body.append(contentsOf: [])
        let update = try UpdateMessage(decoding: body, context: Sample.context)
        #expect(update.treatAsWithdraw)
    }

    @Test func badEVPNNLRILengthIsNamedAsSuch() {
        var broken = Sample.type2
        broken[1] = 36  // claims one octet less than the route holds
        let reach = attr(0x80, 14, [0, 25, 70, 4, 10, 0, 1, 1, 0] + broken)
        do {
            _ = try UpdateMessage(decoding: updateBody([Sample.origin, Sample.asPath, reach]), context: Sample.context)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .badEVPNNLRILength || error.code == .malformedEVPNNLRI)
            #expect(error.outcome == .afiSafiDisable(.l2vpnEVPN, NotificationMessage(code: .update, subcode: 9)))
        }
    }

    @Test func unknownEVPNRouteTypeIsSkippedNotPassedOn() throws {
        let unknownRoute: [UInt8] = [9, 3, 1, 2, 3]
        let reach = attr(0x80, 14, [0, 25, 70, 4, 10, 0, 1, 1, 0] + unknownRoute + Sample.type2)
        let update = try UpdateMessage(decoding: updateBody([Sample.origin, Sample.asPath, reach]), context: Sample.context)
        #expect(update.mpReach?.skippedRouteTypes == [9])
        #expect(update.mpReach?.nlri.count == 1)
    }

    @Test(arguments: [3, 5, 33])
    func badMPReachNextHopLengthDisablesTheFamily(length: Int) {
        let reach = attr(0x80, 14, [0, 25, 70, UInt8(length)] + [UInt8](repeating: 1, count: length) + [0] + Sample.type2)
        do {
            _ = try UpdateMessage(decoding: updateBody([Sample.origin, Sample.asPath, reach]), context: Sample.context)
            Issue.record("accepted")
        } catch {
            if case .afiSafiDisable(let family, _) = error.outcome { #expect(family == .l2vpnEVPN) } else { Issue.record("\(error)") }
        }
    }

    @Test func lengthFieldsThatOverrunTheMessageResetTheSession() {
        for body: [UInt8] in [[0, 5, 0], [0, 0, 0, 9, 0x40], [0]] {
            do {
                _ = try UpdateMessage(decoding: body, context: Sample.context)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.notification == NotificationMessage(code: .update, subcode: 1))
            }
        }
    }

    @Test func endOfRIB() throws {
        let evpn = UpdateMessage.endOfRIB(.l2vpnEVPN)
        let bytes = try BGPMessage.update(evpn).encode(context: Sample.context)
        // RFC 4724 section 2: an UPDATE with only an empty MP_UNREACH_NLRI for the family.
        #expect(bytes.dropFirst(19) == [0, 0, 0, 6, 0x80, 15, 3, 0, 25, 70])
        guard case .update(let decoded) = try BGPMessage.decode(message: bytes, context: Sample.context) else { return }
        #expect(decoded.endOfRIBFamily == .l2vpnEVPN)
        #expect(UpdateMessage().endOfRIBFamily == .ipv4Unicast)
        #expect(try UpdateMessage(decoding: updateBody(Sample.clean), context: Sample.context).endOfRIBFamily == nil)
    }

    @Test func twoOctetASPathAndASTrans() throws {
        let path = ASPath(segments: [.init(type: .sequence, asns: [65001, 4_200_000_001]), .init(type: .set, asns: [1, 2])])
        var writer = WireWriter()
        path.encode(into: &writer, fourOctet: false)
        #expect(writer.bytes == [2, 2, 0xfd, 0xe9, 0x5b, 0xa0, 1, 2, 0, 1, 0, 2])
        var reader = WireReader(writer.bytes)
        let decoded = try ASPath.decode(&reader, fourOctet: false, type: .asPath, outcome: .treatAsWithdraw)
        #expect(decoded.description == "65001 23456 {1,2}")
        #expect(decoded.pathLength == 3)
    }

    @Test func extendedLengthFlagIsKeptAndSetWhenNeeded() throws {
        let long = PathAttribute(.communities(Array(repeating: 0x0001_0002, count: 70)))
        var writer = WireWriter()
        long.encode(into: &writer, context: Sample.context)
        #expect(writer.bytes[0] == 0xd0)
        #expect(writer.bytes.count == 4 + 280)
        let short = [UInt8]([0xd0, 8, 0, 4, 0, 1, 0, 2])
        let update = try UpdateMessage(decoding: updateBody([short]), context: Sample.context)
        var again = WireWriter()
        try update.encodeBody(into: &again, context: Sample.context)
        #expect(Array(again.bytes.dropFirst(4)) == short)
    }
}
