// Route distinguishers (RFC 4364 section 4.2): wire forms, FRR's text, and the text config uses.

import Testing
@testable import BGPWire

struct RouteDistinguisherCase: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let kind: RouteDistinguisher.Kind
    let text: String
    var testDescription: String { text }
}

@Suite struct RouteDistinguisherTests {
    static let cases: [RouteDistinguisherCase] = [
        // Type (2) = 0 | AS (2) = 65000 | number (4) = 100
        .init(bytes: [0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64], kind: .as2(asn: 65000, number: 100), text: "65000:100"),
        // Type 0 with a number that needs all 4 octets.
        .init(bytes: [0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff], kind: .as2(asn: 1, number: 4_294_967_295),
              text: "1:4294967295"),
        // Type (2) = 1 | IPv4 (4) = 10.0.0.1 | number (2) = 5
        .init(bytes: [0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x05], kind: .ipv4(IPv4Address(10, 0, 0, 1), number: 5),
              text: "10.0.0.1:5"),
        // Type (2) = 2 | AS (4) = 4200000001 | number (2) = 5
        .init(bytes: [0x00, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x05], kind: .as4(asn: 4_200_000_001, number: 5),
              text: "4200000001:5"),
    ]

    @Test(arguments: cases)
    func decodesPrintsAndReencodes(_ c: RouteDistinguisherCase) throws {
        var reader = WireReader(c.bytes)
        let rd = try RouteDistinguisher(from: &reader)
        #expect(reader.isAtEnd)
        #expect(rd.kind == c.kind)
        #expect(rd.description == c.text)
        var writer = WireWriter()
        rd.encode(into: &writer)
        #expect(writer.bytes == c.bytes)
        #expect(RouteDistinguisher(c.kind) == rd)
    }

    @Test(arguments: cases)
    func parsesWhatItPrints(_ c: RouteDistinguisherCase) {
        let parsed = RouteDistinguisher(c.text)
        #expect(parsed?.bytes == c.bytes)
        #expect(parsed?.description == c.text)
    }

    @Test func unknownTypeSurvivesAndPrintsLikeFRR() throws {
        // FRR's VNC type 0xff00; any 8 octets must come back unchanged.
        let bytes: [UInt8] = [0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]
        var reader = WireReader(bytes)
        let rd = try RouteDistinguisher(from: &reader)
        #expect(rd.kind == .unknown(type: 0xff00, value: 0x0102_0304_0506))
        #expect(rd.description == "Unknown Type: 65280")
        #expect(rd.bytes == bytes)
    }

    @Test(arguments: [
        ("65000:100", RouteDistinguisher.Kind.as2(asn: 65000, number: 100)),
        ("65535:4294967295", .as2(asn: 65535, number: 4_294_967_295)),
        ("0:0", .as2(asn: 0, number: 0)),
        ("65536:1", .as4(asn: 65536, number: 1)),
        ("4294967295:65535", .as4(asn: 4_294_967_295, number: 65535)),
        ("10.0.1.1:2", .ipv4(IPv4Address(10, 0, 1, 1), number: 2)),
        ("255.255.255.255:65535", .ipv4(IPv4Address(255, 255, 255, 255), number: 65535)),
    ])
    func parsesConfigText(_ text: String, _ kind: RouteDistinguisher.Kind) {
        #expect(RouteDistinguisher(text)?.kind == kind)
    }

    @Test(arguments: [
        "", ":", "65000", "65000:", ":100", "65000:100:1", "a:1", "1:b", "-1:5", "1:-5", " 1:5", "1:5 ",
        "65536:65536",          // a 4-octet AS leaves 2 octets for the number
        "4294967296:1",         // AS beyond 32 bits
        "1:4294967296",         // number beyond 32 bits
        "10.0.0.1:65536",       // an IPv4 administrator leaves 2 octets
        "10.0.0:1", "10.0.0.256:1", "01.0.0.1:1", "1.10:100",
        "99999999999:1",
    ])
    func refusesBadConfigText(_ text: String) {
        #expect(RouteDistinguisher(text) == nil)
    }

    @Test func truncatedInputThrowsInsteadOfTrapping() {
        for count in 0..<8 {
            var reader = WireReader(Array(repeating: 0, count: count))
            #expect(throws: WireReader.Truncated.self) { try RouteDistinguisher(from: &reader) }
        }
    }
}
