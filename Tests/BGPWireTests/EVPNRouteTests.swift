// EVPN NLRI (RFC 7432 section 7, RFC 9136 section 3.1, RFC 7911 path identifiers): bytes assembled
// by hand from each route type's layout, the values they decode to, the bytes they encode back to,
// FRR 8.4's prefix text (lib/prefix.c), and every way a length or field can be wrong.

import Testing
@testable import BGPWire

struct EVPNCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// One whole NLRI: Route Type (1) | Length (1) | value.
    let bytes: [UInt8]
    let route: EVPNRoute
    let prefix: String
    var testDescription: String { name }
}

/// The outcome every EVPN NLRI error must carry (RFC 7606 section 5.3, RFC 4760 section 7).
let evpnDisable = ErrorOutcome.afiSafiDisable(
    .l2vpnEVPN, NotificationMessage(code: .update, subcode: NotificationSubcode.Update.optionalAttributeError))

func decodeEVPN(_ bytes: [UInt8], addPath: Bool = false) -> Result<EVPNNLRIList, BGPError> {
    var reader = WireReader(bytes)
    do {
        return .success(try EVPNNLRICodec.decode(&reader, addPath: addPath))
    } catch {
        return .failure(error)
    }
}

func encodeEVPN(_ nlri: [EVPNNLRI]) -> [UInt8] {
    var writer = WireWriter()
    EVPNNLRICodec.encode(nlri, into: &writer)
    return writer.bytes
}

@Suite struct EVPNRouteTests {
    static let rd1 = RouteDistinguisher.ipv4(IPv4Address(10, 0, 1, 1), 2)
    static let esi = EthernetSegmentIdentifier("00:11:22:33:44:55:66:77:88:99") ?? .zero
    static let mac = MACAddress(rawValue: 0xaabb_cc00_0001)
    static func v6(_ text: String) -> IPAddress { .v6(IPv6Address(text) ?? IPv6Address(high: 0, low: 0)) }

    static let cases: [EVPNCase] = [
        .init(name: "type 1 EAD per EVI",
              bytes: [0x01, 25,                                                // Route Type 1 | Length 25
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD 10.0.1.1:2
                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, // ESI
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      0x00, 0x00, 0x64],                                       // MPLS Label = VNI 100
              route: .ethernetAutoDiscovery(.init(rd: rd1, esi: esi, ethernetTag: 0, label: MPLSLabelField(vni: 100))),
              prefix: "[1]:[0]:[00:11:22:33:44:55:66:77:88:99]:[32]:[0.0.0.0]:[0]"),
        .init(name: "type 1 EAD per ES (MAX-ET, printed unsigned)",
              bytes: [0x01, 25,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD 10.0.1.1:2
                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, // ESI
                      0xff, 0xff, 0xff, 0xff,                                  // Ethernet Tag MAX-ET
                      0x00, 0x00, 0x00],                                       // label 0
              route: .ethernetAutoDiscovery(.init(rd: rd1, esi: esi, ethernetTag: 0xffff_ffff, label: .zero)),
              prefix: "[1]:[4294967295]:[00:11:22:33:44:55:66:77:88:99]:[32]:[0.0.0.0]:[0]"),
        .init(name: "type 2 MAC only",
              bytes: [0x02, 33,                                                // Route Type 2 | Length 33
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD 10.0.1.1:2
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC len 48 | MAC
                      0,                                                       // IP len 0
                      0x00, 0x00, 0x64],                                       // Label1 = VNI 100
              route: .macIP(.init(rd: rd1, mac: mac, label1: MPLSLabelField(vni: 100))),
              prefix: "[2]:[0]:[48]:[aa:bb:cc:00:00:01]"),
        .init(name: "type 2 MAC only with label2",
              bytes: [0x02, 36,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC
                      0,                                                       // IP len 0
                      0x00, 0x00, 0x64, 0x00, 0x13, 0x88],                     // Label1 100 | Label2 5000
              route: .macIP(.init(rd: rd1, mac: mac, label1: MPLSLabelField(vni: 100), label2: MPLSLabelField(vni: 5000))),
              prefix: "[2]:[0]:[48]:[aa:bb:cc:00:00:01]"),
        .init(name: "type 2 MAC + IPv4",
              bytes: [0x02, 37,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, // ESI (not part of the key)
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC
                      32, 10, 1, 0, 200,                                       // IP len 32 | 10.1.0.200
                      0x00, 0x00, 0x64],                                       // Label1
              route: .macIP(.init(rd: rd1, esi: esi, mac: mac, ip: .v4(IPv4Address(10, 1, 0, 200)),
                                  label1: MPLSLabelField(vni: 100))),
              prefix: "[2]:[0]:[48]:[aa:bb:cc:00:00:01]:[32]:[10.1.0.200]"),
        .init(name: "type 2 MAC + IPv4 with label2",
              bytes: [0x02, 40,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC
                      32, 10, 1, 0, 200,                                       // IP
                      0x00, 0x00, 0x64, 0x00, 0x13, 0x88],                     // Label1 | Label2
              route: .macIP(.init(rd: rd1, mac: mac, ip: .v4(IPv4Address(10, 1, 0, 200)),
                                  label1: MPLSLabelField(vni: 100), label2: MPLSLabelField(vni: 5000))),
              prefix: "[2]:[0]:[48]:[aa:bb:cc:00:00:01]:[32]:[10.1.0.200]"),
        .init(name: "type 2 MAC + IPv6",
              bytes: [0x02, 49,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC
                      128, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // IP len 128 | 2001:db8::1
                      0x00, 0x00, 0x64],                                       // Label1
              route: .macIP(.init(rd: rd1, mac: mac, ip: v6("2001:db8::1"), label1: MPLSLabelField(vni: 100))),
              prefix: "[2]:[0]:[48]:[aa:bb:cc:00:00:01]:[128]:[2001:db8::1]"),
        .init(name: "type 2 MAC + IPv6 with label2",
              bytes: [0x02, 52,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC
                      128, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // IP
                      0x00, 0x00, 0x64, 0x00, 0x13, 0x88],                     // Label1 | Label2
              route: .macIP(.init(rd: rd1, mac: mac, ip: v6("2001:db8::1"), label1: MPLSLabelField(vni: 100),
                                  label2: MPLSLabelField(vni: 5000))),
              prefix: "[2]:[0]:[48]:[aa:bb:cc:00:00:01]:[128]:[2001:db8::1]"),
        .init(name: "type 2 with a tag of 2^31 prints signed, as FRR's %d does",
              bytes: [0x02, 33,
                      0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64,          // RD 65000:100
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x80, 0x00, 0x00, 0x00,                                  // Ethernet Tag 2147483648
                      48, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01,                  // MAC
                      0,                                                       // IP len 0
                      0x00, 0x00, 0x64],                                       // Label1
              route: .macIP(.init(rd: .as2(65000, 100), ethernetTag: 0x8000_0000, mac: mac,
                                  label1: MPLSLabelField(vni: 100))),
              prefix: "[2]:[-2147483648]:[48]:[aa:bb:cc:00:00:01]"),
        .init(name: "type 3 IMET IPv4",
              bytes: [0x03, 17,                                                // Route Type 3 | Length 17
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD 10.0.1.1:2
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      32, 10, 0, 1, 1],                                        // IP len 32 | 10.0.1.1
              route: .inclusiveMulticast(.init(rd: rd1, originatorIP: .v4(IPv4Address(10, 0, 1, 1)))),
              prefix: "[3]:[0]:[32]:[10.0.1.1]"),
        .init(name: "type 3 IMET IPv6",
              bytes: [0x03, 29,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0x00, 0x00, 0x00, 0x64,                                  // Ethernet Tag 100
                      128, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a], // 2001:db8::a
              route: .inclusiveMulticast(.init(rd: rd1, ethernetTag: 100, originatorIP: v6("2001:db8::a"))),
              prefix: "[3]:[100]:[128]:[2001:db8::a]"),
        .init(name: "type 4 ES IPv4",
              bytes: [0x04, 23,                                                // Route Type 4 | Length 23
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, // ESI
                      32, 10, 0, 1, 1],                                        // IP len 32 | originator
              route: .ethernetSegment(.init(rd: rd1, esi: esi, originatorIP: .v4(IPv4Address(10, 0, 1, 1)))),
              prefix: "[4]:[00:11:22:33:44:55:66:77:88:99]:[32]:[10.0.1.1]"),
        .init(name: "type 4 ES IPv6",
              bytes: [0x04, 35,
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, // ESI
                      128, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a], // 2001:db8::a
              route: .ethernetSegment(.init(rd: rd1, esi: esi, originatorIP: v6("2001:db8::a"))),
              prefix: "[4]:[00:11:22:33:44:55:66:77:88:99]:[128]:[2001:db8::a]"),
        .init(name: "type 5 IP prefix IPv4",
              bytes: [0x05, 34,                                                // Route Type 5 | Length 34
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      24, 10, 1, 0, 0,                                         // IP prefix len 24 | 10.1.0.0
                      0, 0, 0, 0,                                              // GW IP 0.0.0.0
                      0x00, 0x13, 0x88],                                       // Label = L3 VNI 5000
              route: .ipPrefix(.init(rd: rd1, prefix: IPPrefix(address: .v4(IPv4Address(10, 1, 0, 0)), length: 24),
                                     label: MPLSLabelField(vni: 5000))),
              prefix: "[5]:[0]:[24]:[10.1.0.0]"),
        .init(name: "type 5 IP prefix IPv6 with a gateway",
              bytes: [0x05, 58,                                                // Route Type 5 | Length 58
                      0x00, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x00, 0x02,          // RD
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                            // ESI 0
                      0x00, 0x00, 0x00, 0x00,                                  // Ethernet Tag 0
                      64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // len 64 | 2001:db8:1::
                      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe, // GW 2001:db8::fe
                      0x00, 0x13, 0x88],                                       // Label
              route: .ipPrefix(.init(rd: rd1, prefix: IPPrefix(address: v6("2001:db8:1::"), length: 64),
                                     gatewayIP: v6("2001:db8::fe"), label: MPLSLabelField(vni: 5000))),
              prefix: "[5]:[0]:[64]:[2001:db8:1::]"),
    ]

    @Test(arguments: cases)
    func decodesEncodesAndPrintsLikeFRR(_ c: EVPNCase) throws {
        let list = try decodeEVPN(c.bytes).get()
        #expect(list.skippedRouteTypes.isEmpty)
        #expect(list.routes == [EVPNNLRI(route: c.route)])
        #expect(c.route.prefixString == c.prefix)
        #expect(c.route.routeType == c.bytes[0])
        #expect(c.route.rd.description == (c.route.rd == Self.rd1 ? "10.0.1.1:2" : "65000:100"))
        #expect(c.route.valueLength == Int(c.bytes[1]))
        #expect(encodeEVPN([EVPNNLRI(route: c.route)]) == c.bytes)
    }

    @Test func wholeFieldRoundTrips() throws {
        let field = Self.cases.flatMap(\.bytes)
        let list = try decodeEVPN(field).get()
        #expect(list.routes.map(\.route) == Self.cases.map(\.route))
        #expect(encodeEVPN(list.routes) == field)
    }

    @Test func addPathIdentifiersRoundTrip() throws {
        // Path Identifier (4) before each NLRI (RFC 7911 section 3).
        var field: [UInt8] = []
        for (index, c) in Self.cases.enumerated() {
            field += [0x00, 0x00, 0x01, UInt8(index)] + c.bytes
        }
        let list = try decodeEVPN(field, addPath: true).get()
        #expect(list.routes.map(\.pathID) == Self.cases.indices.map { UInt32(0x100 + $0) })
        #expect(list.routes.map(\.route) == Self.cases.map(\.route))
        #expect(encodeEVPN(list.routes) == field)
        // The same bytes read without ADD-PATH are garbage, and must be refused rather than misread.
        #expect(throws: BGPError.self) { try decodeEVPN(field, addPath: false).get() }
    }

    @Test func emptyFieldHoldsNoRoutes() throws {
        let list = try decodeEVPN([]).get()
        #expect(list == EVPNNLRIList())
    }

    // MARK: Unknown route types

    @Test func unknownRouteTypesAreSkippedAndReported() throws {
        let type2 = Self.cases[2], type3 = Self.cases[9]
        let field: [UInt8] = [0x07, 3, 0xde, 0xad, 0xbe]      // type 7 (RFC 9251 IGMP Join Synch), 3 octets
            + type2.bytes
            + [0x00, 0]                                          // type 0, reserved, empty
            + type3.bytes
            + [0xff, 60] + Array(repeating: 0x55, count: 60)     // type 255, longer than any known type
        let list = try decodeEVPN(field).get()
        #expect(list.routes.map(\.route) == [type2.route, type3.route])
        #expect(list.skippedRouteTypes == [7, 0, 255])
    }

    @Test func unknownRouteTypeWithAPathIdentifierIsSkipped() throws {
        let field: [UInt8] = [0, 0, 0, 9, 0x0b, 2, 0x01, 0x02] + [0, 0, 0, 1] + Self.cases[9].bytes
        let list = try decodeEVPN(field, addPath: true).get()
        #expect(list.routes == [EVPNNLRI(pathID: 1, route: Self.cases[9].route)])
        #expect(list.skippedRouteTypes == [11])
    }

    @Test func unknownRouteTypeThatOverrunsTheFieldIsAnError() {
        let error = decodeError([0x09, 10, 1, 2, 3])
        #expect(error?.code == .badEVPNNLRILength)
        #expect(error?.outcome == evpnDisable)
        #expect(error?.offset == 0)
    }

    // MARK: Lengths

    static let validLengths: [UInt8: Set<Int>] = [
        1: [25], 2: [33, 36, 37, 40, 49, 52], 3: [17, 29], 4: [23, 35], 5: [34, 58],
    ]

    @Test func validLengthTablesFollowTheLayouts() {
        #expect(Set(MACIPAdvertisementRoute.validValueLengths) == Self.validLengths[2])
        #expect(Set(IMETRoute.validValueLengths) == Self.validLengths[3])
        #expect(Set(EthernetSegmentRoute.validValueLengths) == Self.validLengths[4])
        #expect(Set(IPPrefixRoute.validValueLengths) == Self.validLengths[5])
        #expect(EthernetAutoDiscoveryRoute.valueLength == 25)
    }

    @Test(arguments: [UInt8(1), 2, 3, 4, 5])
    func everyInvalidLengthIsALengthError(_ routeType: UInt8) {
        let valid = Self.validLengths[routeType] ?? []
        for length in 0...255 where !valid.contains(length) {
            // Two octets of something else first, so the offset must point at this NLRI, not at 0.
            let field: [UInt8] = [0x0c, 0] + [routeType, UInt8(length)] + Array(repeating: 0, count: length)
            let error = decodeError(field)
            #expect(error?.code == .badEVPNNLRILength, "type \(routeType) length \(length)")
            #expect(error?.outcome == evpnDisable)
            #expect(error?.offset == 2)
            #expect(error?.reason.contains("type \(routeType)") == true)
            #expect(error?.reason.contains("\(length)") == true)
        }
    }

    @Test func lengthThatOverrunsTheFieldIsALengthError() {
        var bytes = Self.cases[9].bytes
        bytes.removeLast()                                       // type 3 says 17, 16 follow
        let error = decodeError(bytes)
        #expect(error?.code == .badEVPNNLRILength)
        #expect(error?.outcome == evpnDisable)
        #expect(error?.offset == 0)
        #expect(error?.reason.contains("17") == true)
    }

    struct FieldCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let code: BGPError.Code
        let offset: Int
        var testDescription: String { name }
    }

    /// Valid NLRI with one octet changed.
    static func patched(_ caseIndex: Int, _ at: Int, _ value: UInt8) -> [UInt8] {
        var bytes = cases[caseIndex].bytes
        bytes[at] = value
        return bytes
    }

    static let fieldCases: [FieldCase] = [
        // Type 2: MAC length octet is at 2 + 8 + 10 + 4 = 24, IP length at 31.
        .init(name: "type 2 MAC length 47", bytes: patched(2, 24, 47), code: .malformedEVPNNLRI, offset: 24),
        .init(name: "type 2 MAC length 0", bytes: patched(2, 24, 0), code: .malformedEVPNNLRI, offset: 24),
        .init(name: "type 2 IP length 24", bytes: patched(4, 31, 24), code: .malformedEVPNNLRI, offset: 31),
        .init(name: "type 2 IP length 64", bytes: patched(6, 31, 64), code: .malformedEVPNNLRI, offset: 31),
        .init(name: "type 2 length 37 with IP length 128", bytes: patched(4, 31, 128), code: .badEVPNNLRILength, offset: 0),
        .init(name: "type 2 length 37 with IP length 0", bytes: patched(4, 31, 0), code: .badEVPNNLRILength, offset: 0),
        .init(name: "type 2 length 49 with IP length 32", bytes: patched(6, 31, 32), code: .badEVPNNLRILength, offset: 0),
        .init(name: "type 2 length 33 with IP length 32", bytes: patched(2, 31, 32), code: .badEVPNNLRILength, offset: 0),
        // Type 3: IP length octet at 2 + 8 + 4 = 14.
        .init(name: "type 3 IP length 0", bytes: patched(9, 14, 0), code: .malformedEVPNNLRI, offset: 14),
        .init(name: "type 3 IP length 24", bytes: patched(9, 14, 24), code: .malformedEVPNNLRI, offset: 14),
        .init(name: "type 3 length 17 with IP length 128", bytes: patched(9, 14, 128), code: .badEVPNNLRILength, offset: 0),
        .init(name: "type 3 length 29 with IP length 32", bytes: patched(10, 14, 32), code: .badEVPNNLRILength, offset: 0),
        // Type 4: IP length octet at 2 + 8 + 10 = 20.
        .init(name: "type 4 IP length 0", bytes: patched(11, 20, 0), code: .malformedEVPNNLRI, offset: 20),
        .init(name: "type 4 length 23 with IP length 128", bytes: patched(11, 20, 128), code: .badEVPNNLRILength, offset: 0),
        .init(name: "type 4 length 35 with IP length 32", bytes: patched(12, 20, 32), code: .badEVPNNLRILength, offset: 0),
        // Type 5: IP prefix length octet at 2 + 8 + 10 + 4 = 24.
        .init(name: "type 5 IPv4 prefix length 33", bytes: patched(13, 24, 33), code: .malformedEVPNNLRI, offset: 24),
        .init(name: "type 5 IPv6 prefix length 129", bytes: patched(14, 24, 129), code: .malformedEVPNNLRI, offset: 24),
    ]

    @Test(arguments: fieldCases)
    func badFieldValuesAreRefused(_ c: FieldCase) {
        let error = decodeError(c.bytes)
        #expect(error?.code == c.code)
        #expect(error?.outcome == evpnDisable)
        #expect(error?.offset == c.offset)
        #expect(error?.reason.contains("type \(c.bytes[0])") == true)
    }

    @Test func type5PrefixLengthsUpToTheFamilyWidthAreAccepted() throws {
        for (index, maxBits) in [(13, 32), (14, 128)] {
            for bits in [0, maxBits] {
                let bytes = Self.patched(index, 24, UInt8(bits))
                let list = try decodeEVPN(bytes).get()
                guard case .ipPrefix(let route)? = list.routes.first?.route else {
                    Issue.record("not a type 5 route")
                    continue
                }
                #expect(Int(route.prefix.length) == bits)
                #expect(encodeEVPN(list.routes) == bytes)
            }
        }
    }

    // MARK: Truncation

    @Test(arguments: [false, true])
    func truncationAtEveryOffsetThrowsOrStopsAtABoundary(_ addPath: Bool) throws {
        var field: [UInt8] = []
        var boundaries: Set<Int> = [0]
        for (index, c) in Self.cases.enumerated() {
            if addPath { field += [0, 0, 0, UInt8(index)] }
            field += c.bytes
            boundaries.insert(field.count)
        }
        for cut in 0...field.count {
            let result = decodeEVPN(Array(field[..<cut]), addPath: addPath)
            if boundaries.contains(cut) {
                let routes = try result.get().routes
                #expect(encodeEVPN(routes) == Array(field[..<cut]), "cut at \(cut)")
            } else {
                guard case .failure(let error) = result else {
                    Issue.record("cut at \(cut) decoded")
                    continue
                }
                #expect(error.code == .badEVPNNLRILength, "cut at \(cut)")
                #expect(error.outcome == evpnDisable)
                #expect(error.offset.map { $0 <= cut } == true, "cut at \(cut)")
            }
        }
    }

    @Test func arbitraryBytesNeverTrap() {
        // A cheap deterministic fuzz: every outcome is fine except a crash, and anything decoded
        // must encode back to exactly what was read.
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let count = Int(state >> 58)
            var bytes: [UInt8] = []
            for i in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
                // Bias the first two octets towards known types and plausible lengths.
                if i == 0 { bytes[0] = bytes[0] % 7 }
                if i == 1 { bytes[1] = UInt8(count - 2) }
            }
            if case .success(let list) = decodeEVPN(bytes), list.skippedRouteTypes.isEmpty {
                #expect(encodeEVPN(list.routes) == bytes)
            }
        }
    }

    // MARK: Route keys

    @Test func type2KeyIgnoresESIAndLabels() {
        let a = MACIPAdvertisementRoute(rd: Self.rd1, mac: Self.mac, ip: .v4(IPv4Address(10, 1, 0, 200)),
                                        label1: MPLSLabelField(vni: 100))
        var b = a
        b.esi = Self.esi
        b.label1 = MPLSLabelField(vni: 200)
        b.label2 = MPLSLabelField(vni: 5000)
        #expect(EVPNRoute.macIP(a).key == EVPNRoute.macIP(b).key)
        #expect(EVPNRoute.macIP(a) != EVPNRoute.macIP(b))

        var otherIP = a
        otherIP.ip = .v4(IPv4Address(10, 1, 0, 201))
        var noIP = a
        noIP.ip = nil
        var otherTag = a
        otherTag.ethernetTag = 1
        var otherRD = a
        otherRD.rd = .as2(65000, 100)
        let keys = Set([a, otherIP, noIP, otherTag, otherRD].map { EVPNRoute.macIP($0).key })
        #expect(keys.count == 5)
    }

    @Test func keysOfOtherTypes() {
        let ead = EthernetAutoDiscoveryRoute(rd: Self.rd1, esi: Self.esi, ethernetTag: 0, label: MPLSLabelField(vni: 1))
        var eadOtherLabel = ead
        eadOtherLabel.label = MPLSLabelField(vni: 2)
        var eadOtherESI = ead
        eadOtherESI.esi = .zero
        #expect(EVPNRoute.ethernetAutoDiscovery(ead).key == EVPNRoute.ethernetAutoDiscovery(eadOtherLabel).key)
        #expect(EVPNRoute.ethernetAutoDiscovery(ead).key != EVPNRoute.ethernetAutoDiscovery(eadOtherESI).key)

        let imet = IMETRoute(rd: Self.rd1, originatorIP: .v4(IPv4Address(10, 0, 1, 1)))
        var imetOther = imet
        imetOther.originatorIP = .v4(IPv4Address(10, 0, 1, 2))
        #expect(EVPNRoute.inclusiveMulticast(imet).key != EVPNRoute.inclusiveMulticast(imetOther).key)

        let es = EthernetSegmentRoute(rd: Self.rd1, esi: Self.esi, originatorIP: .v4(IPv4Address(10, 0, 1, 1)))
        var esOther = es
        esOther.esi = .max
        #expect(EVPNRoute.ethernetSegment(es).key != EVPNRoute.ethernetSegment(esOther).key)

        let prefix = IPPrefixRoute(rd: Self.rd1, prefix: IPPrefix(address: .v4(IPv4Address(10, 1, 0, 0)), length: 24),
                                   label: MPLSLabelField(vni: 5000))
        var prefixOtherGateway = prefix
        prefixOtherGateway.gatewayIP = .v4(IPv4Address(10, 1, 0, 1))
        prefixOtherGateway.esi = Self.esi
        prefixOtherGateway.label = MPLSLabelField(vni: 1)
        var prefixOtherLength = prefix
        prefixOtherLength.prefix.length = 16
        #expect(EVPNRoute.ipPrefix(prefix).key == EVPNRoute.ipPrefix(prefixOtherGateway).key)
        #expect(EVPNRoute.ipPrefix(prefix).key != EVPNRoute.ipPrefix(prefixOtherLength).key)

        // Different route types never share a key even when their common fields agree.
        #expect(EVPNRoute.ethernetAutoDiscovery(ead).key != EVPNRoute.ethernetSegment(es).key)
    }

    @Test func keyDescriptionIsRDAndPrefix() {
        let route = Self.cases[9].route
        #expect(route.key.description == "10.0.1.1:2 [3]:[0]:[32]:[10.0.1.1]")
        #expect(route.description == route.key.description)
    }

    @Test func type5GatewayOfTheOtherFamilyIsSentAsZero() throws {
        var route = IPPrefixRoute(rd: Self.rd1, prefix: IPPrefix(address: .v4(IPv4Address(10, 1, 0, 0)), length: 24),
                                  label: MPLSLabelField(vni: 5000))
        route.gatewayIP = Self.v6("2001:db8::1")
        let bytes = encodeEVPN([EVPNNLRI(route: .ipPrefix(route))])
        #expect(bytes == Self.cases[13].bytes)
    }

    // MARK: ESI

    @Test func esiPrintsAndParsesLikeFRR() throws {
        let bytes: [UInt8] = [0x03, 0x44, 0x38, 0x39, 0xff, 0xff, 0x01, 0x00, 0x00, 0x01]
        var reader = WireReader(bytes)
        let esi = try EthernetSegmentIdentifier(from: &reader)
        #expect(esi.description == "03:44:38:39:ff:ff:01:00:00:01")
        #expect(esi.type == 3)
        #expect(esi.bytes == bytes)
        #expect(EthernetSegmentIdentifier(esi.description) == esi)
        #expect(EthernetSegmentIdentifier.zero.description == "00:00:00:00:00:00:00:00:00:00")
        #expect(EthernetSegmentIdentifier.zero.isZero)
        #expect(EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00") == nil)
        #expect(EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:0g") == nil)
        #expect(EthernetSegmentIdentifier(bytes: [1, 2, 3]) == nil)
    }

    func decodeError(_ bytes: [UInt8], addPath: Bool = false) -> BGPError? {
        if case .failure(let error) = decodeEVPN(bytes, addPath: addPath) { return error }
        Issue.record("decoded without error: \(hexString(bytes))")
        return nil
    }
}
