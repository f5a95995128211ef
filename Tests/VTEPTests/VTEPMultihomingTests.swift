// Local Ethernet Segments wired into VTEPState: the ES's routes follow its port's carrier and the VNIs, type-4
// routes of the Loc-RIB reach the DF election, the DF Wait timer goes out and comes back, a MAC learned on the
// ES port carries the ESI, and a MAC both switches of the ES learned is not a move.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct VTEPMultihomingTests {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    /// The ES on port veth100a (Lab.port(100)); veth100b stays single-homed.
    static func config(preference: UInt16 = 100, sendsEADPerEVI: Bool = true) -> VTEPConfig {
        var config = Lab.config()
        config.multihoming = VTEPMultihomingConfig(
            segments: [LocalEthernetSegment(esi: esi, port: "veth100a", dfPreference: preference)], sendsEADPerEVI: sendsEADPerEVI)
        return config
    }

    static func types(_ rig: Rig) -> [UInt8] { rig.originated.values.map(\.route.routeType).sorted() }

    static func remoteES(_ vtep: IPAddress, preference: UInt16) -> RouteReportEntry.PathReport {
        guard case .v4(let id) = vtep else { preconditionFailure("IPv4 in tests") }
        let route = EVPNRoute.ethernetSegment(EthernetSegmentRoute(rd: .ipv4(id, 5), esi: esi, originatorIP: vtep))
        return RouteReportEntry.PathReport(route: route, peer: PeerID(.v4(IPv4Address(10, 0, 0, 100))), peerRouterID: id,
                                           nextHop: vtep, extendedCommunities: [
                                               .encapsulation(.vxlan), .esImportRouteTarget(MultihomingOrigination.esImportMAC(esi)),
                                               .dfElection(.preference, preference: preference)])
    }

    /// The peer switch's type-2 route of a MAC on the shared ES.
    static func peerMAC(_ mac: MACAddress, vtep: IPAddress, sequence: UInt32 = 0) -> RouteReportEntry.PathReport {
        var path = Lab.remoteMAC(mac, vtep: vtep, sequence: sequence)
        if case .macIP(var route) = path.route {
            route.esi = esi
            path.route = .macIP(route)
        }
        return path
    }

    /// The type-2 route the VTEP originates for `mac`.
    static func macRoute(_ rig: Rig, _ mac: MACAddress) -> LocalRoute? {
        rig.originated.values.first { route in
            if case .macIP(let r) = route.route { return r.mac == mac }
            return false
        }
    }

    static func esiOf(_ route: LocalRoute?) -> EthernetSegmentIdentifier? {
        guard case .macIP(let r)? = route?.route else { return nil }
        return r.esi
    }

    @Test func theESRoutesFollowThePortAndTheTimerElects() throws {
        var rig = Rig(config: Self.config())
        // Type 2 of nothing, type 3 of VNI 100, type 4, EAD per ES, EAD per EVI.
        #expect(Self.types(rig) == [1, 1, 3, 4])
        let type4 = try #require(rig.originated.values.first { $0.route.routeType == 4 })
        #expect(type4.nextHop == Lab.vtep1)
        #expect(rig.dfTimers.count == 1)
        #expect(rig.vtep.localSegments.first?.waiting == true)
        rig.send(.dfTimerFired(try #require(rig.dfTimers.last)))
        #expect(rig.vtep.localSegments.first?.designatedForwarder == [100])
        #expect(rig.logs.contains { $0.message.contains("designated forwarder for VNI 100") })
        // Carrier lost: every ES route withdrawn, the type-3 route stays.
        rig.kernel.setLink(Lab.port(100), up: false)
        rig.flush()
        #expect(Self.types(rig) == [3])
        #expect(rig.vtep.localSegments.first?.isUp == false)
        rig.kernel.setLink(Lab.port(100), up: true)
        rig.flush()
        #expect(Self.types(rig) == [1, 1, 3, 4])
        #expect(rig.dfTimers.count == 2)
    }

    @Test func disableEADEVITxLeavesOutTheEADPerEVI() {
        let rig = Rig(config: Self.config(sendsEADPerEVI: false))
        #expect(Self.types(rig) == [1, 3, 4])
        let ead = rig.originated.values.first { $0.route.routeType == 1 }
        guard case .ethernetAutoDiscovery(let route)? = ead?.route else {
            Issue.record("no EAD route")
            return
        }
        #expect(route.ethernetTag == MultihomingOrigination.maxEthernetTag)
    }

    @Test func aPeersTypeFourRouteTakesTheDFAndItsWithdrawalGivesItBack() throws {
        var rig = Rig(config: Self.config(preference: 100))
        rig.announce(Self.remoteES(Lab.vtep2, preference: 200))
        rig.send(.dfTimerFired(try #require(rig.dfTimers.last)))
        #expect(rig.vtep.localSegments.first?.designatedForwarder == [])
        #expect(rig.vtep.localSegments.first?.peers.map(\.originator) == [Lab.vtep2])
        rig.withdraw(Self.remoteES(Lab.vtep2, preference: 200).route)
        #expect(rig.vtep.localSegments.first?.designatedForwarder == [100])
        #expect(rig.vtep.localSegments.first?.peers.isEmpty == true)
    }

    @Test func aMACLearnedOnTheESPortCarriesTheESI() {
        var rig = Rig(config: Self.config())
        rig.learn(Lab.mac(1), port: Lab.port(100))
        rig.learn(Lab.mac(2), port: Lab.port(100, 1))
        let onES = Self.macRoute(rig, Lab.mac(1)), single = Self.macRoute(rig, Lab.mac(2))
        #expect(Self.esiOf(onES) == Self.esi)
        #expect(single != nil)
        #expect(Self.esiOf(single)?.isZero ?? true)
        // The port stops being an ES: the MAC goes out again without the ESI.
        var plain = Lab.config()
        plain.multihoming = VTEPMultihomingConfig()
        rig.send(.configure(plain))
        let again = Self.macRoute(rig, Lab.mac(1))
        #expect(again != nil)
        #expect(Self.esiOf(again)?.isZero ?? true)
        #expect(!rig.originated.values.contains { $0.route.routeType == 4 })
    }

    @Test func aMACBothSwitchesOfTheESLearnedIsNotAMove() {
        var rig = Rig(config: Self.config())
        // The peer (a lower address: it would win an equal-sequence tie) advertised it first, with our ESI.
        rig.announce(Self.peerMAC(Lab.mac(1), vtep: IPAddress("10.0.0.0")!, sequence: 3))
        rig.learn(Lab.mac(1), port: Lab.port(100))
        #expect(rig.vtep.counters.movesToLocal == 0)
        #expect(rig.vtep.counters.movesToRemote == 0)
        let ours = Self.macRoute(rig, Lab.mac(1))
        #expect(Self.esiOf(ours) == Self.esi)
        // Advertised with the peer's sequence, and not installed towards the peer.
        #expect(rig.advertisedSequence(Lab.mac(1))?.sequence == 3)
        #expect(!rig.kernel.dump().contains { $0.mac == Lab.mac(1) && $0.isExternallyLearned })
        // The peer's sequence rises (the server's MAC moved away and back behind it): ours follows, still no move.
        rig.announce(Self.peerMAC(Lab.mac(1), vtep: IPAddress("10.0.0.0")!, sequence: 5))
        #expect(rig.advertisedSequence(Lab.mac(1))?.sequence == 5)
        #expect(rig.vtep.counters.movesToRemote == 0 && rig.vtep.counters.movesToLocal == 0)
    }
}
