// The routes of a local Ethernet Segment, byte for byte (RFC 7432 sections 7.1, 7.4, 7.5, 7.6, 8.2, 8.4;
// RFC 8584 section 2.2; RFC 8365 section 5.1.3), as FRR 8.4 builds them.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct MultihomingOriginationTests {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let esiBytes: [UInt8] = [0x03, 0x44, 0x38, 0x39, 0xff, 0xff, 0x01, 0x00, 0x00, 0x01]
    static let esRD = RouteDistinguisher.ipv4(IPv4Address(10, 0, 0, 1), 9)
    static let esRDBytes: [UInt8] = [0x00, 0x01, 10, 0, 0, 1, 0x00, 0x09]
    static let et8: [UInt8] = [0x03, 0x0c, 0, 0, 0, 0, 0x00, 0x08]

    static func rt(_ vni: UInt32) -> [UInt8] { [0x00, 0x02, 0xfd, 0xe8, 0, 0, UInt8(vni >> 8), UInt8(vni & 0xff)] }

    static func evis(_ vnis: [UInt32]) -> [VNIInstance] {
        var allocator = RDIndexAllocator()
        let ports = VNIDiscovery.discover(Lab.links(vnis: vnis)).ports
        let resolved = VNIInstance.resolve(ports, config: Lab.config(), allocator: &allocator)
        return vnis.compactMap { resolved[$0] }
    }

    static func nlri(_ route: LocalRoute) -> [UInt8] {
        var writer = WireWriter()
        route.route.encode(into: &writer)
        return writer.bytes
    }

    static func communities(_ route: LocalRoute) -> [UInt8] {
        var writer = WireWriter()
        for attribute in route.attributes {
            if case .extendedCommunities(let list) = attribute.value { ExtendedCommunity.encodeList(list, into: &writer) }
        }
        return writer.bytes
    }

    static func fragmentRD(_ index: Int) -> RouteDistinguisher { .ipv4(IPv4Address(10, 0, 0, 1), UInt16(20 + index)) }

    @Test func esImportTargetIsTheESIsHighSixOctets() {
        #expect(MultihomingOrigination.esImportMAC(Self.esi) == MACAddress("44:38:39:ff:ff:01"))
    }

    @Test func esRouteCarriesESImportAndDFElection() {
        let es = LocalEthernetSegment(esi: Self.esi, port: "server1", dfPreference: 50000)
        let route = MultihomingOrigination.esRoute(es, rd: Self.esRD, vtep: Lab.vtep1)
        // Type 4, length 23: RD(8) ESI(10) IP len(1) originator(4).
        #expect(Self.nlri(route) == [0x04, 23] + Self.esRDBytes + Self.esiBytes + [32, 10, 0, 0, 1])
        // ET:8, ES-Import-Rt:44:38:39:ff:ff:01, DF: (alg: 2, pref: 50000), what FRR's encode_df_elect_extcomm writes.
        #expect(Self.communities(route) == Self.et8 + [0x06, 0x02, 0x44, 0x38, 0x39, 0xff, 0xff, 0x01]
            + [0x06, 0x06, 0x02, 0x00, 0x00, 0x00, 0xc3, 0x50])
        #expect(route.nextHop == Lab.vtep1)
    }

    @Test func esRouteWithHRWSendsNoPreference() {
        let es = LocalEthernetSegment(esi: Self.esi, port: "server1", dfAlgorithm: .highestRandomWeight, dfPreference: 50000)
        let route = MultihomingOrigination.esRoute(es, rd: Self.esRD, vtep: Lab.vtep1)
        #expect(Self.communities(route).suffix(8) == [0x06, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(es.candidate(vtep: Lab.vtep1) == ESCandidate(originator: Lab.vtep1, algorithm: .highestRandomWeight, preference: 0))
    }

    @Test(arguments: [false, true])
    func eadPerESFragmentsByEVILimit(singleActive: Bool) {
        let es = LocalEthernetSegment(esi: Self.esi, port: "server1", singleActive: singleActive)
        let evis = Self.evis([500, 100, 300, 200, 400])
        let routes = MultihomingOrigination.eadPerES(es, evis: evis, vtep: Lab.vtep1, eviLimit: 2, fragmentRD: Self.fragmentRD)
        #expect(routes.count == 3)
        let label: [UInt8] = [0x06, 0x01, singleActive ? 0x01 : 0x00, 0, 0, 0, 0, 0]
        let groups: [[UInt32]] = [[100, 200], [300, 400], [500]]
        for (index, route) in routes.enumerated() {
            let rd: [UInt8] = [0x00, 0x01, 10, 0, 0, 1, 0x00, UInt8(20 + index)]
            // Type 1, length 25: RD(8) ESI(10) Ethernet Tag MAX-ET(4) label 0(3).
            #expect(Self.nlri(route) == [0x01, 25] + rd + Self.esiBytes + [0xff, 0xff, 0xff, 0xff] + [0, 0, 0])
            #expect(Self.communities(route) == Self.et8 + groups[index].flatMap(Self.rt) + label)
        }
    }

    @Test func noEADPerESWithoutEVIs() {
        let es = LocalEthernetSegment(esi: Self.esi, port: "server1")
        #expect(MultihomingOrigination.eadPerES(es, evis: [], vtep: Lab.vtep1, eviLimit: 128, fragmentRD: Self.fragmentRD).isEmpty)
    }

    @Test func eadPerEVICarriesTheVNI() throws {
        let es = LocalEthernetSegment(esi: Self.esi, port: "server1")
        let evi = try #require(Self.evis([100]).first)
        let route = MultihomingOrigination.eadPerEVI(es, evi: evi)
        var rd = WireWriter()
        evi.rd.encode(into: &rd)
        // Ethernet Tag 0, label = VNI 100.
        #expect(Self.nlri(route) == [0x01, 25] + rd.bytes + Self.esiBytes + [0, 0, 0, 0] + [0x00, 0x00, 100])
        #expect(Self.communities(route) == Self.et8 + Self.rt(100))
        #expect(route.nextHop == Lab.vtep1)
    }

    @Test func macOnAnESCarriesItsESI() throws {
        let evi = try #require(Self.evis([100]).first)
        let route = MultihomingOrigination.macRoute(evi, mac: Lab.mac(0xaa), sequence: 2, sticky: false, esi: Self.esi)
        let single = Origination.macRoute(evi, mac: Lab.mac(0xaa), sequence: 2, sticky: false)
        var rd = WireWriter()
        evi.rd.encode(into: &rd)
        #expect(Self.nlri(route) == [0x02, 33] + rd.bytes + Self.esiBytes + [0, 0, 0, 0] + [48, 0x02, 0, 0, 0, 0, 0xaa] + [0] + [0, 0, 100])
        #expect(route.attributes == single.attributes)
        // RFC 7432 section 7.2: the ESI is not part of the route's key, so the ES route replaces the single-homed one.
        #expect(route.route.key == single.route.key)
    }

    @Test(arguments: [true, false])
    func allRoutesOfAnES(sendEADPerEVI: Bool) {
        let es = LocalEthernetSegment(esi: Self.esi, port: "server1")
        let evis = Self.evis([100, 200, 300])
        let routes = MultihomingOrigination.routes(es, evis: evis, vtep: Lab.vtep1, esRD: Self.esRD, eviLimit: 2,
                                                   sendEADPerEVI: sendEADPerEVI, fragmentRD: Self.fragmentRD)
        // One type 4, two EAD per ES fragments, and one EAD per EVI per VNI when sent.
        #expect(routes.count == 1 + 2 + (sendEADPerEVI ? 3 : 0))
        #expect(routes.values.filter { $0.route.routeType == 4 }.count == 1)
        #expect(routes.values.filter { $0.route.routeType == 1 }.count == 2 + (sendEADPerEVI ? 3 : 0))
    }
}
