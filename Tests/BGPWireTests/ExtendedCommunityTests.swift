// Extended communities (RFC 4360, RFC 5668, RFC 7153, RFC 7432 section 7.5-7.8, RFC 9012, RFC 9135):
// wire octets, typed kinds, and the text FRR 8.4 shows (bgpd/bgp_ecommunity.c `ecommunity_ecom2str`).

import Testing
@testable import BGPWire

struct ExtendedCommunityCase: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let kind: ExtendedCommunity.Kind
    let frr: String
    var testDescription: String { frr.isEmpty ? hexString(bytes) : frr }
}

@Suite struct ExtendedCommunityTests {
    static let mac = MACAddress(rawValue: 0xaabb_cc00_0001)

    static let cases: [ExtendedCommunityCase] = [
        // Type 0x00 | Sub-Type 0x02 | AS (2) = 65000 | number (4) = 100
        .init(bytes: [0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64],
              kind: .routeTarget(.as2(asn: 65000, number: 100), transitive: true), frr: "RT:65000:100"),
        // Type 0x01 | Sub-Type 0x02 | IPv4 (4) = 10.0.0.1 | number (2) = 5
        .init(bytes: [0x01, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x05],
              kind: .routeTarget(.ipv4(IPv4Address(10, 0, 0, 1), number: 5), transitive: true), frr: "RT:10.0.0.1:5"),
        // Type 0x02 | Sub-Type 0x02 | AS (4) = 4200000001 | number (2) = 100
        .init(bytes: [0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x64],
              kind: .routeTarget(.as4(asn: 4_200_000_001, number: 100), transitive: true), frr: "RT:4200000001:100"),
        // Non-transitive Route Target (RFC 7153): FRR has no text for it.
        .init(bytes: [0x40, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64],
              kind: .routeTarget(.as2(asn: 65000, number: 100), transitive: false), frr: "UNK:64, 2"),
        .init(bytes: [0x41, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x05],
              kind: .routeTarget(.ipv4(IPv4Address(10, 0, 0, 1), number: 5), transitive: false), frr: "UNK:65, 2"),
        // Route Origin: Type 0x00 | Sub-Type 0x03
        .init(bytes: [0x00, 0x03, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01],
              kind: .siteOfOrigin(.as2(asn: 65000, number: 1)), frr: "SoO:65000:1"),
        // Encapsulation: Type 0x03 | Sub-Type 0x0c | reserved (4) | tunnel type (2) = 8 (VXLAN)
        .init(bytes: [0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08], kind: .encapsulation(.vxlan), frr: "ET:8"),
        .init(bytes: [0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a], kind: .encapsulation(.mpls), frr: "ET:10"),
        // Default Gateway: Type 0x03 | Sub-Type 0x0d | reserved (6)
        .init(bytes: [0x03, 0x0d, 0, 0, 0, 0, 0, 0], kind: .defaultGateway, frr: "Default Gateway"),
        // MAC Mobility: Type 0x06 | Sub-Type 0x00 | flags (1) | reserved (1) | sequence (4)
        .init(bytes: [0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05], kind: .macMobility(sequence: 5, sticky: false),
              frr: "MM:5"),
        .init(bytes: [0x06, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff],
              kind: .macMobility(sequence: 4_294_967_295, sticky: true), frr: "MM:4294967295, sticky MAC"),
        // ESI Label: Type 0x06 | Sub-Type 0x01 | flags (1) | reserved (2) | label (3)
        .init(bytes: [0x06, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x64],
              kind: .esiLabel(singleActive: true, label: MPLSLabelField(vni: 100)), frr: "ESI-label-Rt:SA"),
        .init(bytes: [0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
              kind: .esiLabel(singleActive: false, label: .zero), frr: "ESI-label-Rt:AA"),
        // ES-Import Route Target: Type 0x06 | Sub-Type 0x02 | MAC (6)
        .init(bytes: [0x06, 0x02, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01], kind: .esImportRouteTarget(mac),
              frr: "ES-Import-Rt:aa:bb:cc:00:00:01"),
        // Router's MAC: Type 0x06 | Sub-Type 0x03 | MAC (6)
        .init(bytes: [0x06, 0x03, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01], kind: .routerMAC(mac), frr: "Rmac:aa:bb:cc:00:00:01"),
        // DF Election (RFC 8584): Type 0x06 | Sub-Type 0x06 | DF type (1) | bitmap (2) | reserved (1) | preference (2)
        .init(bytes: [0x06, 0x06, 0x02, 0x00, 0x00, 0x00, 0x7f, 0xff],
              kind: .dfElection(algorithm: .preference, bitmap: 0, preference: 32767),
              frr: "DF: (alg: 2, pref: 32767)"),
        .init(bytes: [0x06, 0x06, 0x02, 0x40, 0x00, 0x00, 0x00, 0x64],
              kind: .dfElection(algorithm: .preference, bitmap: 0x4000, preference: 100),
              frr: "DF: (alg: 2, bmap: 0x4000 pref: 100)"),
        // HRW (RFC 8584 section 3) and modulo; the 3 reserved high bits of the DF type octet are not the algorithm.
        .init(bytes: [0x06, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00],
              kind: .dfElection(algorithm: .highestRandomWeight, bitmap: 0, preference: 0), frr: "DF: (alg: 1, pref: 0)"),
        .init(bytes: [0x06, 0x06, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00],
              kind: .dfElection(algorithm: .modulo, bitmap: 0x8000, preference: 0), frr: "DF: (alg: 0, bmap: 0x8000 pref: 0)"),
        .init(bytes: [0x06, 0x06, 0xe2, 0x00, 0x00, 0x00, 0x01, 0x2c],
              kind: .dfElection(algorithm: .preference, bitmap: 0, preference: 300), frr: "DF: (alg: 226, pref: 300)"),
        // ARP/ND (RFC 9047): Type 0x06 | Sub-Type 0x08 | flags (1) | reserved (5)
        .init(bytes: [0x06, 0x08, 0x01, 0, 0, 0, 0, 0], kind: .unknown(type: 6, subtype: 8), frr: "ND:Router Flag"),
        .init(bytes: [0x06, 0x08, 0x05, 0, 0, 0, 0, 0], kind: .unknown(type: 6, subtype: 8), frr: "ND:Proxy"),
        .init(bytes: [0x06, 0x08, 0x02, 0, 0, 0, 0, 0], kind: .unknown(type: 6, subtype: 8), frr: ""),
        // Unknown kinds: "UNK:type, subtype", where FRR does not refresh the sub-type for types 0x03 and
        // 0x06, so alone they print its initial 0.
        .init(bytes: [0x00, 0x04, 0, 0, 0, 0, 0, 0], kind: .unknown(type: 0, subtype: 4), frr: "UNK:0, 4"),
        .init(bytes: [0x03, 0x0b, 0, 0, 0, 0, 0, 0x01], kind: .unknown(type: 3, subtype: 11), frr: "UNK:3, 0"),
        .init(bytes: [0x06, 0x09, 0, 0, 0, 0, 0, 0], kind: .unknown(type: 6, subtype: 9), frr: "UNK:6, 0"),
        .init(bytes: [0x80, 0x06, 0, 0, 0, 0, 0, 0], kind: .unknown(type: 128, subtype: 6), frr: "UNK:128, 6"),
        .init(bytes: [0x43, 0x00, 0, 0, 0, 0, 0, 0], kind: .unknown(type: 67, subtype: 0), frr: "UNK:67, 0"),
    ]

    @Test(arguments: cases)
    func decodesAndPrintsLikeFRR(_ c: ExtendedCommunityCase) throws {
        var reader = WireReader(c.bytes)
        let community = try ExtendedCommunity(from: &reader)
        #expect(reader.isAtEnd)
        #expect(community.kind == c.kind)
        #expect(community.description == c.frr)
        #expect(community.bytes == c.bytes)
        var writer = WireWriter()
        community.encode(into: &writer)
        #expect(writer.bytes == c.bytes)
    }

    @Test func constructorsWriteTheRFCLayouts() {
        let built: [(ExtendedCommunity, [UInt8])] = [
            (.routeTarget(asn: 65000, value: 100), [0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64]),
            (.routeTarget(ipv4: IPv4Address(10, 0, 0, 1), value: 5), [0x01, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x05]),
            (.routeTarget(as4: 4_200_000_001, value: 100), [0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x64]),
            (.routeTarget(.as2(asn: 65000, number: 100), transitive: false), [0x40, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64]),
            (.siteOfOrigin(.as2(asn: 65000, number: 1)), [0x00, 0x03, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01]),
            (.encapsulation(.vxlan), [0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08]),
            (.defaultGateway, [0x03, 0x0d, 0, 0, 0, 0, 0, 0]),
            (.macMobility(sequence: 5), [0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05]),
            (.macMobility(sequence: 7, sticky: true), [0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07]),
            (.esiLabel(singleActive: true, label: MPLSLabelField(vni: 100)), [0x06, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x64]),
            (.esImportRouteTarget(Self.mac), [0x06, 0x02, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01]),
            (.routerMAC(Self.mac), [0x06, 0x03, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01]),
            // What FRR 8.4 sends with `evpn mh es-df-pref 32767` (encode_df_elect_extcomm).
            (.dfElection(.preference, preference: 32767), [0x06, 0x06, 0x02, 0x00, 0x00, 0x00, 0x7f, 0xff]),
            (.dfElection(.highestRandomWeight, bitmap: 0x4000), [0x06, 0x06, 0x01, 0x40, 0x00, 0x00, 0x00, 0x00]),
            (.dfElection(.modulo), [0x06, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
        ]
        for (community, bytes) in built {
            #expect(community.bytes == bytes, "\(community)")
        }
    }

    @Test func listPrintsLikeFRRShowBGPJSON() {
        let list: [ExtendedCommunity] = [.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan),
                                         .macMobility(sequence: 5, sticky: true)]
        #expect(ExtendedCommunity.frrString(list) == "RT:65000:100 ET:8 MM:5, sticky MAC")
        #expect(ExtendedCommunity.frrString([ExtendedCommunity]()) == "")
    }

    @Test func unknownOpaqueInAListShowsThePreviousSubtype() {
        // FRR's `sub_type` is left over from the Route Target before the unknown opaque community.
        let color = ExtendedCommunity(type: 0x03, subtype: 0x0b, value: 1)
        #expect(ExtendedCommunity.frrString([.routeTarget(asn: 65000, value: 100), color]) == "RT:65000:100 UNK:3, 2")
        #expect(ExtendedCommunity.frrString([color, .routeTarget(asn: 65000, value: 100)]) == "UNK:3, 0 RT:65000:100")
    }

    @Test func storedOrderIsSortedByOctetsWithoutDuplicates() {
        // What FRR shows for a route it received with "ET:8 RT:65000:100 RT:65000:100 MM:1".
        let received: [ExtendedCommunity] = [.encapsulation(.vxlan), .routeTarget(asn: 65000, value: 100),
                                             .routeTarget(asn: 65000, value: 100), .macMobility(sequence: 1)]
        let stored = ExtendedCommunity.frrStoredOrder(received)
        #expect(stored == [.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan), .macMobility(sequence: 1)])
        #expect(ExtendedCommunity.frrString(stored) == "RT:65000:100 ET:8 MM:1")
    }

    @Test func attributeValueListRoundTrips() throws {
        let bytes: [UInt8] = [0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64,
                              0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08]
        var reader = WireReader(bytes)
        let list = try ExtendedCommunity.decodeList(&reader)
        #expect(list == [.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)])
        var writer = WireWriter()
        ExtendedCommunity.encodeList(list, into: &writer)
        #expect(writer.bytes == bytes)
    }

    @Test(arguments: [0, 1, 7, 9, 15, 17])
    func attributeLengthNotAMultipleOf8IsTreatAsWithdraw(_ length: Int) {
        // RFC 7606 section 7.14.
        var reader = WireReader(Array(repeating: 0, count: length))
        do {
            _ = try ExtendedCommunity.decodeList(&reader)
            Issue.record("accepted \(length) octets")
        } catch {
            #expect(error.code == .attributeLength)
            #expect(error.outcome == .treatAsWithdraw)
            #expect(error.attributeType == 16)
        }
    }

    // MARK: Route targets as config text

    @Test(arguments: [
        ("65000:100", RouteTarget.as2(asn: 65000, number: 100)),
        ("65535:4294967295", .as2(asn: 65535, number: 4_294_967_295)),
        ("10.0.0.1:5", .ipv4(IPv4Address(10, 0, 0, 1), number: 5)),
        ("4200000001:100", .as4(asn: 4_200_000_001, number: 100)),
        ("65536:65535", .as4(asn: 65536, number: 65535)),
    ])
    func routeTargetTextParsesAndPrints(_ text: String, _ target: RouteTarget) {
        #expect(RouteTarget(text) == target)
        #expect(target.description == text)
        #expect(target.extendedCommunity.description == "RT:" + text)
        #expect(target.extendedCommunity.kind == .routeTarget(target, transitive: true))
    }

    @Test(arguments: ["", "65000", "65000:", ":1", "1:2:3", "x:1", "4200000001:65536", "10.0.0.1:65536",
                      "65000:4294967296", "4294967296:1", "10.0.0:1", "+1:1"])
    func routeTargetTextRefusesNonsense(_ text: String) {
        #expect(RouteTarget(text) == nil)
    }
}
