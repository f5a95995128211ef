// The local multihoming reducer: ES routes come and go with the port and the VNIs, the DF election follows the
// DF Wait timer and the other switches' type-4 routes.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct MultihomingStateTests {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let es = LocalEthernetSegment(esi: esi, port: "server1", dfPreference: 100)

    static func evis(_ vnis: [UInt32]) -> [VNIInstance] { MultihomingOriginationTests.evis(vnis) }

    static func settings(sendEADPerEVI: Bool = true, eviLimit: Int = 128) -> MultihomingSettings {
        MultihomingSettings(segments: [es], routerID: IPv4Address(10, 0, 0, 1), eviLimit: eviLimit, sendEADPerEVI: sendEADPerEVI)
    }

    /// Another switch's type-4 path as the reflector delivers it.
    static func remoteES(_ vtep: String, preference: UInt16, algorithm: DFAlgorithm = .preference) -> RouteReportEntry.PathReport {
        let address = IPAddress(vtep)!
        guard case .v4(let id) = address else { preconditionFailure("IPv4 in tests") }
        let route = EVPNRoute.ethernetSegment(EthernetSegmentRoute(rd: .ipv4(id, 5), esi: esi, originatorIP: address))
        return RouteReportEntry.PathReport(route: route, peer: PeerID(.v4(IPv4Address(10, 0, 0, 100))), peerRouterID: id,
                                           nextHop: address, extendedCommunities: [
                                               .encapsulation(.vxlan), .esImportRouteTarget(MultihomingOrigination.esImportMAC(esi)),
                                               .dfElection(algorithm, preference: preference)])
    }

    static func advertised(_ outputs: [MultihomingOutput]) -> [EVPNRouteKey: LocalRoute?] {
        var map: [EVPNRouteKey: LocalRoute?] = [:]
        for case .advertise(let key, let route) in outputs { map[key] = route }
        return map
    }

    static func token(_ outputs: [MultihomingOutput]) -> DFTimerToken? {
        for case .armTimer(let token, _) in outputs { return token }
        return nil
    }

    static func roles(_ outputs: [MultihomingOutput]) -> Set<UInt32>? {
        var last: Set<UInt32>?
        for case .roles(_, let df) in outputs { last = df }
        return last
    }

    @Test func anESComesUpWithItsPortAndElectsAfterTheWait() throws {
        var state = MultihomingState()
        #expect(state.handle(.configure(Self.settings())).isEmpty)
        #expect(state.handle(.vnis(Self.evis([100, 200]))).isEmpty)
        // Configured but the port has no carrier: nothing is sent.
        #expect(state.handle(.portsUp(["other"])).isEmpty)
        let up = state.handle(.portsUp(["server1"]))
        let routes = Self.advertised(up)
        // Type 4, one EAD per ES fragment, EAD per EVI for 100 and 200.
        #expect(routes.count == 4)
        #expect(routes.values.compactMap { $0?.route.routeType }.sorted() == [1, 1, 1, 4])
        #expect(routes.values.allSatisfy { $0?.nextHop == Lab.vtep1 })
        let token = try #require(Self.token(up))
        #expect(Self.roles(up) == nil)
        // Alone on the ES: DF for both VNIs once the timer fires.
        #expect(Self.roles(state.handle(.timerFired(token))) == [100, 200])
        // The port loses carrier: every route withdrawn, and no longer DF.
        let down = state.handle(.portsUp([]))
        #expect(Self.advertised(down).count == 4)
        #expect(Self.advertised(down).values.allSatisfy { $0 == nil })
        #expect(Self.roles(down) == [])
        #expect(state.advertised.isEmpty)
    }

    @Test func aPeerWithHigherPreferenceTakesTheDF() throws {
        var state = MultihomingState()
        _ = state.handle(.configure(Self.settings()))
        _ = state.handle(.vnis(Self.evis([100])))
        let token = try #require(Self.token(state.handle(.portsUp(["server1"]))))
        // Heard during the wait: recorded, the election still waits.
        #expect(state.handle(.esPath(Self.remoteES("10.0.0.2", preference: 200))).isEmpty)
        #expect(Self.roles(state.handle(.timerFired(token))) == [])
        // The peer's route goes away: we take over at once.
        let key = Self.remoteES("10.0.0.2", preference: 200).route.key
        #expect(Self.roles(state.handle(.esPathWithdrawn(key))) == [100])
        // A peer with a lower preference changes nothing.
        #expect(state.handle(.esPath(Self.remoteES("10.0.0.3", preference: 50))).isEmpty)
        // A peer on another algorithm: RFC 8584 fallback to modulo, VNI 100 goes to ordinal 100 mod 2 = 0, 10.0.0.1.
        #expect(state.handle(.esPathWithdrawn(Self.remoteES("10.0.0.3", preference: 50).route.key)).isEmpty)
        #expect(state.handle(.esPath(Self.remoteES("10.0.0.2", preference: 0, algorithm: .highestRandomWeight))).isEmpty)
        _ = state.handle(.vnis(Self.evis([100, 101])))
        #expect(state.election.segments[Self.esi]?.designatedForwarder == [100])
    }

    @Test func ourOwnRouteReflectedBackIsIgnored() {
        var state = MultihomingState()
        _ = state.handle(.configure(Self.settings()))
        _ = state.handle(.vnis(Self.evis([100])))
        _ = state.handle(.portsUp(["server1"]))
        #expect(state.handle(.esPath(Self.remoteES("10.0.0.1", preference: 100))).isEmpty)
    }

    @Test func vnisChangeTheEADRoutes() throws {
        var state = MultihomingState()
        _ = state.handle(.configure(Self.settings(eviLimit: 1)))
        _ = state.handle(.vnis(Self.evis([100])))
        let first = Self.advertised(state.handle(.portsUp(["server1"])))
        #expect(first.count == 3)   // type 4, one fragment, one EAD per EVI
        let more = Self.advertised(state.handle(.vnis(Self.evis([100, 200]))))
        // A second fragment (evi-limit 1) and a second EAD per EVI; the rest unchanged, so not sent again.
        #expect(more.count == 2)
        #expect(more.values.allSatisfy { $0?.route.routeType == 1 })
        // Each fragment has its own RD, and none is a VNI's.
        let rds = Set(state.advertised.values.filter {
            if case .ethernetAutoDiscovery(let r) = $0.route { return r.ethernetTag == MultihomingOrigination.maxEthernetTag }
            return false
        }.map(\.route.rd))
        #expect(rds.count == 2)
        #expect(rds.isDisjoint(with: Self.evis([100, 200]).map(\.rd)))
        // Counted down from 65535 (the type-4 route took 65535), away from the VNIs' indexes counting up from 2.
        #expect(rds == [.ipv4(IPv4Address(10, 0, 0, 1), 65534), .ipv4(IPv4Address(10, 0, 0, 1), 65533)])
        let fewer = Self.advertised(state.handle(.vnis(Self.evis([200]))))
        #expect(fewer.values.contains { $0 == nil })
        #expect(state.advertised.count == 3)
    }

    @Test func disableEADEVITransmit() {
        var state = MultihomingState()
        _ = state.handle(.configure(Self.settings(sendEADPerEVI: false)))
        _ = state.handle(.vnis(Self.evis([100, 200])))
        let routes = Self.advertised(state.handle(.portsUp(["server1"])))
        #expect(routes.count == 2)   // type 4 and one EAD per ES
        #expect(!routes.values.contains { if case .ethernetAutoDiscovery(let r)? = $0?.route { return r.ethernetTag == 0 }; return false })
    }

    @Test func noVTEPAddressNoRoutes() {
        var state = MultihomingState()
        _ = state.handle(.configure(Self.settings()))
        #expect(state.handle(.portsUp(["server1"])).isEmpty)
        #expect(state.vtep == nil)
    }
}
