// IPv4 unicast in the UPDATE's own fields (RFC 4271 section 4.3: Withdrawn Routes, NEXT_HOP, NLRI) and
// IPv6 unicast in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 sections 3 and 4), and each family's
// End-of-RIB (RFC 4724 section 2): golden bytes laid out by hand from the RFCs in the shape FRR 8.4 sends
// (AS_PATH as one AS_SEQUENCE of 4-octet ASNs, MP_REACH_NLRI first with the extended-length flag, an
// End-of-RIB's MP_UNREACH_NLRI with a 1-octet length), each checked in both directions.

import Testing
@testable import BGPWire

@Suite struct UnicastNLRITests {
    static let context = CodecContext(fourOctetAS: true)
    static let marker: [UInt8] = Array(repeating: 0xff, count: 16)

    static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ length: UInt8) -> PrefixNLRI {
        PrefixNLRI(prefix: IPPrefix(address: .v4(IPv4Address(a, b, c, d)), length: length))
    }

    static func v6(_ text: String, _ length: UInt8) -> PrefixNLRI {
        PrefixNLRI(prefix: IPPrefix(address: IPAddress(text) ?? .v4(IPv4Address(rawValue: 0)), length: length))
    }

    static let origin = PathAttribute(.origin(.igp))
    static let asPath = PathAttribute(.asPath(ASPath(segments: [.init(type: .sequence, asns: [65001])])))

    struct Golden: Sendable, CustomStringConvertible {
        var name: String
        var message: UpdateMessage
        var bytes: [UInt8]
        var description: String { name }
    }

    static let cases: [Golden] = [
        Golden(name: "IPv4 announce: NEXT_HOP and NLRI field",
               message: UpdateMessage(attributes: [origin, asPath, PathAttribute(.nextHop(IPv4Address(10, 1, 0, 2))),
                                                   PathAttribute(.multiExitDisc(0))],
                                      nlri: [v4(10, 9, 0, 0, 24), v4(10, 0, 0, 1, 32)]),
               bytes: marker + [0x00, 0x3b, 0x02,
                                0x00, 0x00,                                     // withdrawn routes length
                                0x00, 0x1b,                                     // total path attribute length 27
                                0x40, 0x01, 0x01, 0x00,                         // ORIGIN IGP
                                0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,  // AS_PATH: AS_SEQUENCE [65001]
                                0x40, 0x03, 0x04, 0x0a, 0x01, 0x00, 0x02,       // NEXT_HOP 10.1.0.2
                                0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00,       // MULTI_EXIT_DISC 0
                                0x18, 0x0a, 0x09, 0x00,                         // 10.9.0.0/24
                                0x20, 0x0a, 0x00, 0x00, 0x01]),                 // 10.0.0.1/32
        Golden(name: "IPv4 withdraw: Withdrawn Routes field",
               message: UpdateMessage(withdrawnRoutes: [v4(10, 9, 0, 0, 24), v4(10, 0, 0, 1, 32), v4(0, 0, 0, 0, 0)]),
               bytes: marker + [0x00, 0x21, 0x02,
                                0x00, 0x0a,                                     // withdrawn routes length 10
                                0x18, 0x0a, 0x09, 0x00, 0x20, 0x0a, 0x00, 0x00, 0x01,
                                0x00,                                           // 0.0.0.0/0: a length and no octets
                                0x00, 0x00]),
        Golden(name: "IPv6 announce: MP_REACH_NLRI",
               message: UpdateMessage(attributes: [
                   PathAttribute(flags: [.optional, .extendedLength],
                                 value: .mpReachNLRI(MPReachNLRI(family: .ipv6Unicast, nextHop: IPAddress("2001:db8::2")?.bytes ?? [],
                                                                 nlri: .prefixes([v6("2001:db8:9::", 48), v6("2001:db8:0:1::", 64)])))),
                   origin, asPath]),
               bytes: marker + [0x00, 0x4d, 0x02,
                                0x00, 0x00,
                                0x00, 0x36,                                     // total path attribute length 54
                                0x90, 0x0e, 0x00, 0x25,                         // MP_REACH_NLRI, extended length 37
                                0x00, 0x02, 0x01,                               // AFI IPv6, SAFI unicast
                                0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,  // next hop 2001:db8::2
                                0x00,                                           // reserved
                                0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x09,       // 2001:db8:9::/48
                                0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01,  // 2001:db8:0:1::/64
                                0x40, 0x01, 0x01, 0x00,
                                0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9]),
        Golden(name: "IPv6 withdraw: MP_UNREACH_NLRI",
               message: UpdateMessage(attributes: [
                   PathAttribute(flags: [.optional, .extendedLength],
                                 value: .mpUnreachNLRI(MPUnreachNLRI(family: .ipv6Unicast, nlri: .prefixes([v6("2001:db8:9::", 48)]))))]),
               bytes: marker + [0x00, 0x25, 0x02,
                                0x00, 0x00,
                                0x00, 0x0e,
                                0x90, 0x0f, 0x00, 0x0a, 0x00, 0x02, 0x01,
                                0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x09]),
        Golden(name: "IPv4 End-of-RIB: an empty UPDATE", message: UpdateMessage.endOfRIB(.ipv4Unicast),
               bytes: marker + [0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x00]),
        Golden(name: "IPv6 End-of-RIB: an empty MP_UNREACH_NLRI", message: UpdateMessage.endOfRIB(.ipv6Unicast),
               bytes: marker + [0x00, 0x1d, 0x02, 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01]),
    ]

    @Test(arguments: cases)
    func decodesAndEncodesBothWays(_ c: Golden) throws {
        let decoded = try BGPMessage.decode(message: c.bytes, context: Self.context)
        guard case .update(let update) = decoded else {
            Issue.record("\(c.name): decoded as \(decoded)")
            return
        }
        #expect(update.problems.isEmpty, "\(update.problems)")
        #expect(update.withdrawnRoutes == c.message.withdrawnRoutes)
        #expect(update.nlri == c.message.nlri)
        #expect(update.attributes == c.message.attributes)
        #expect(try BGPMessage.update(c.message).encode(context: Self.context) == c.bytes)
    }

    @Test func endOfRIBIsRecognisedPerFamily() throws {
        for family in [AddressFamily.ipv4Unicast, .ipv6Unicast, .l2vpnEVPN] {
            let bytes = try BGPMessage.update(.endOfRIB(family)).encode(context: Self.context)
            guard case .update(let update) = try BGPMessage.decode(message: bytes, context: Self.context) else {
                Issue.record("\(family): not an UPDATE")
                continue
            }
            #expect(update.endOfRIBFamily == family)
        }
    }

    struct Bad: Sendable, CustomStringConvertible {
        var name: String
        var body: [UInt8]
        var description: String { name }
    }

    /// RFC 7606 section 5.3 / RFC 4271 section 6.3: a prefix length past 32 or an NLRI running past the
    /// message is a malformed field: the decoder says so rather than reading on.
    @Test(arguments: [
        Bad(name: "IPv4 NLRI /33", body: [0x00, 0x00, 0x00, 0x00, 0x21, 0x0a, 0x00, 0x00, 0x01, 0x00]),
        Bad(name: "IPv4 NLRI short", body: [0x00, 0x00, 0x00, 0x00, 0x18, 0x0a, 0x09]),
        Bad(name: "withdrawn /40", body: [0x00, 0x02, 0x28, 0x0a, 0x00, 0x00]),
    ])
    func malformedPrefixesAreRefused(_ c: Bad) {
        let result = Result { () throws(BGPError) -> UpdateMessage in try UpdateMessage(decoding: c.body, context: Self.context) }
        switch result {
        case .failure: break
        case .success(let update): #expect(!update.problems.isEmpty, "\(c.name) decoded without a problem")
        }
    }
}
