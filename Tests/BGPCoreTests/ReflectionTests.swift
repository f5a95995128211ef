// RFC 4456 route reflection, one rule at a time, through a reflector engine and scripted peers.

import BGPCore
import BGPWire
import Testing

@Suite struct ReflectionTests {
    typealias H = ReflectorHarness

    struct Row: Sendable, CustomTestStringConvertible {
        var from: ScriptedPeer
        var to: ScriptedPeer
        var sent: Bool
        var testDescription: String { "\(from.name) -> \(to.name): \(sent ? "sent" : "not sent")" }
    }

    static let rows: [Row] = [
        Row(from: H.c1, to: H.c2, sent: true),
        Row(from: H.c1, to: H.n1, sent: true),
        Row(from: H.c1, to: H.e1, sent: true),
        Row(from: H.c1, to: H.c1, sent: false),
        Row(from: H.n1, to: H.c1, sent: true),
        Row(from: H.n1, to: H.n2, sent: false),
        Row(from: H.n1, to: H.n1, sent: false),
        Row(from: H.n1, to: H.e1, sent: true),
        Row(from: H.e1, to: H.c1, sent: true),
        Row(from: H.e1, to: H.n1, sent: true),
        Row(from: H.e1, to: H.e1, sent: false),
    ]

    static func announce(from p: ScriptedPeer, _ routes: [EVPNRoute] = [Routes.mac(1)], extra: [PathAttribute] = []) -> BGPMessage {
        let external = p.asn != H.localAS
        return Routes.announce(routes, attributes: Routes.attributes(asPath: external ? [p.asn] : [], extra: extra,
                                                                    localPref: external ? nil : 100))
    }

    @Test(arguments: rows) func whoGetsWhat(_ row: Row) {
        var h = H()
        h.send(Self.announce(from: row.from), from: row.from)
        h.drain()
        #expect(h.announced(row.to).map(\.0) == (row.sent ? [Routes.mac(1)] : []))
    }

    /// The attributes c1's route reaches c2 with.
    static func reflected(_ extra: [PathAttribute] = [], route: EVPNRoute = Routes.mac(1)) -> (H, UpdateMessage?) {
        var h = H()
        h.send(Self.announce(from: H.c1, [route], extra: extra), from: H.c1)
        h.drain()
        return (h, h.announced(H.c2).first?.1)
    }

    @Test func originatorIDIsSetToTheSourcePeersRouterID() {
        #expect(Self.reflected().1?.attribute(.originatorID) == .originatorID(H.c1.address))
    }

    @Test func anOriginatorIDAlreadyThereIsKept() {
        let other = IPv4Address(10, 9, 9, 9)
        #expect(Self.reflected([PathAttribute(.originatorID(other))]).1?.attribute(.originatorID) == .originatorID(other))
    }

    @Test func ourClusterIDIsPrependedToTheClusterList() {
        let theirs = IPv4Address(2, 2, 2, 2)
        #expect(Self.reflected().1?.attribute(.clusterList) == .clusterList([H.clusterID]))
        #expect(Self.reflected([PathAttribute(.clusterList([theirs]))]).1?.attribute(.clusterList) == .clusterList([H.clusterID, theirs]))
    }

    @Test func aClusterLoopIsDroppedAndCounted() {
        let (h, update) = Self.reflected([PathAttribute(.clusterList([IPv4Address(2, 2, 2, 2), H.clusterID]))])
        #expect(update == nil)
        #expect(h.engine.routes().isEmpty)
        #expect(h.engine.loopsDropped(from: H.c1.id) == 1)
    }

    @Test func anOriginatorLoopIsDroppedAndCounted() {
        let (h, update) = Self.reflected([PathAttribute(.originatorID(H.routerID))])
        #expect(update == nil)
        #expect(h.engine.routes().isEmpty)
        #expect(h.engine.loopsDropped(from: H.c1.id) == 1)
    }

    @Test func nextHopPMSICommunitiesLabelsAndESIPassUnchanged() {
        let pmsi = PathAttribute(.pmsiTunnel(.ingressReplication(endpoint: .v4(IPv4Address(10, 0, 1, 1)), vni: 100)))
        let communities = PathAttribute(.extendedCommunities([.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan),
                                                              .macMobility(sequence: 7, sticky: true)]))
        let esi = EthernetSegmentIdentifier(high: 0x0001, low: 0x0203_0405_0607_0809)
        let route = Routes.mac(1, esi: esi, label: 4242)
        for to in [H.c2, H.n1, H.e1] {
            var h = H()
            h.send(Self.announce(from: H.c1, [route], extra: [pmsi, communities]), from: H.c1)
            h.drain()
            let update = h.announced(to).first?.1
            #expect(h.announced(to).first?.0 == route, "NLRI (labels, ESI) to \(to.name)")
            #expect(update?.mpReach?.nextHopAddress == .v4(IPv4Address(10, 0, 1, 1)), "next hop to \(to.name)")
            #expect(update?.attribute(.pmsiTunnel) == pmsi.value, "PMSI to \(to.name)")
            #expect(update?.attribute(.extendedCommunities) == communities.value, "communities to \(to.name)")
        }
    }

    @Test func unknownOptionalTransitiveGoesOnWithPartial() {
        let unknown = PathAttribute(flags: .optionalTransitive, value: .unknown(type: AttributeType(rawValue: 99), value: [1, 2, 3]))
        let update = Self.reflected([unknown]).1
        let passed = update?.attributes.first { $0.type == AttributeType(rawValue: 99) }
        #expect(passed?.value == unknown.value)
        #expect(passed?.flags == [.optional, .transitive, .partial])
    }

    @Test func unknownOptionalNonTransitiveIsDropped() {
        let unknown = PathAttribute(flags: .optionalNonTransitive, value: .unknown(type: AttributeType(rawValue: 98), value: [1]))
        let (h, update) = Self.reflected([unknown])
        #expect(update != nil)
        #expect(update?.attributes.contains { $0.type == AttributeType(rawValue: 98) } == false)
        // The Adj-RIB-In keeps what the peer sent.
        #expect(h.engine.routes().first?.paths.first?.attributes.contains(unknown) == true)
    }

    @Test func treatAsWithdrawIsNeverReflectedAndWithdraws() {
        var h = H()
        h.send(Self.announce(from: H.c1), from: H.c1)
        h.drain()
        #expect(h.announced(H.c2).count == 1)
        // An UPDATE without AS_PATH: RFC 7606 section 3 (d), treat-as-withdraw.
        var attributes = Routes.attributes()
        attributes.removeAll { $0.type == .asPath }
        h.send(Routes.announce([Routes.mac(1)], attributes: attributes), from: H.c1)
        h.drain()
        #expect(h.announced(H.c2).count == 1)
        #expect(h.withdrawn(H.c2) == [Routes.mac(1)])
        #expect(h.engine.routes().isEmpty)
    }

    @Test func towardsEBGPOurASIsPrependedAndIBGPAttributesGo() {
        let update = Self.reflected([PathAttribute(.clusterList([IPv4Address(2, 2, 2, 2)]))]).0.announced(H.e1).first?.1
        #expect(update?.attribute(.asPath) == .asPath(ASPath(segments: [.init(type: .sequence, asns: [H.localAS])])))
        #expect(update?.attribute(.localPref) == nil)
        #expect(update?.attribute(.originatorID) == nil)
        #expect(update?.attribute(.clusterList) == nil)
        #expect(update?.mpReach?.nextHopAddress == .v4(IPv4Address(10, 0, 1, 1)))
    }

    @Test func fromEBGPToIBGPGetsLocalPrefAndNoReflectionAttributes() {
        var h = H()
        h.send(Self.announce(from: H.e1), from: H.e1)
        h.drain()
        let update = h.announced(H.n1).first?.1
        #expect(update?.attribute(.localPref) == .localPref(100))
        #expect(update?.attribute(.originatorID) == nil)
        #expect(update?.attribute(.asPath) == .asPath(ASPath(segments: [.init(type: .sequence, asns: [H.e1.asn])])))
    }

    @Test func aBetterPathFromTheReceiverWithdrawsWhatItWasTold() {
        var h = H()
        h.send(Self.announce(from: H.c1), from: H.c1)
        h.drain()
        #expect(h.announced(H.c2).count == 1)
        // c2 now has the route with a higher LOCAL_PREF: it is best, and c2 is not told its own route.
        h.send(Routes.announce([Routes.mac(1)], attributes: Routes.attributes(localPref: 200)), from: H.c2)
        h.drain()
        #expect(h.withdrawn(H.c2) == [Routes.mac(1)])
        #expect(h.announced(H.c1).count == 1)
        #expect(h.engine.routes().first?.paths.first?.selectionReason == "Local Pref")
        #expect(h.engine.routes().first?.paths.first?.peer == H.c2.id)
    }
}
