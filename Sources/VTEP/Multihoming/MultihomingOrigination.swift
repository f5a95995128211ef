// The routes a switch originates for its local Ethernet Segments, as FRR 8.4's bgpd builds them
// (bgpd/bgp_evpn_mh.c: `bgp_evpn_type4_route_update`, `bgp_evpn_type1_route_update`, the `encode_*_extcomm`
// helpers of bgp_evpn_private.h):
//
//   type 4, ES (RFC 7432 section 7.4), one per ES:
//     RD, ESI, Originating Router's IP = the VTEP address
//     EXTENDED_COMMUNITIES = encapsulation VXLAN, ES-Import RT (RFC 7432 section 7.6: octets 1-6 of the ESI),
//       DF Election (RFC 8584 section 2.2; algorithm 2, preference, unless configured otherwise)
//   type 1, EAD per ES (RFC 7432 section 8.2), one per fragment of at most `ead-es-frag evi-limit` EVIs:
//     RD of the fragment (each its own, as FRR: the receivers keep one route per RD), ESI,
//     Ethernet Tag MAX-ET 0xffffffff, label 0
//     EXTENDED_COMMUNITIES = encapsulation VXLAN, the export RTs of every EVI of the fragment,
//       ESI Label (RFC 7432 section 7.5) with the single-active flag
//   type 1, EAD per EVI (RFC 7432 section 8.4, aliasing), one per ES and VNI unless `disable-ead-evi-tx`:
//     RD of the VNI, ESI, Ethernet Tag 0, label = VNI (RFC 8365 section 5.1.3)
//     EXTENDED_COMMUNITIES = encapsulation VXLAN and the VNI's export RTs
//   type 2 of a MAC learned on an ES port: as a single-homed MAC (Origination.swift) with the ES's ESI.
//
// MP_REACH next hop = the VTEP address everywhere. The route distinguishers of the ES and of its fragments are
// the caller's to allocate (FRR takes them from the same `router-id:N` index space as the VNIs' automatic RDs).

import BGPCore
import BGPWire

/// A local ES as the route builders need it (from `EVPNInterfaceConfig` once its port exists).
public struct LocalEthernetSegment: Hashable, Sendable {
    public var esi: EthernetSegmentIdentifier
    /// The bridge port (`interface IFNAME`).
    public var port: String
    public var dfAlgorithm: DFAlgorithm
    public var dfPreference: UInt16
    public var singleActive: Bool

    public init(esi: EthernetSegmentIdentifier, port: String, dfAlgorithm: DFAlgorithm = .preference,
                dfPreference: UInt16 = 32767, singleActive: Bool = false) {
        self.esi = esi
        self.port = port
        self.dfAlgorithm = dfAlgorithm
        self.dfPreference = dfPreference
        self.singleActive = singleActive
    }

    /// Our own candidate in the ES's DF election.
    public func candidate(vtep: IPAddress) -> ESCandidate {
        ESCandidate(originator: vtep, algorithm: dfAlgorithm, preference: dfAlgorithm == .preference ? dfPreference : 0)
    }
}

public enum MultihomingOrigination {
    /// RFC 8365 section 5.1.3 / RFC 7432 section 8.2: the Ethernet Tag of an EAD per ES route.
    public static let maxEthernetTag: UInt32 = 0xffff_ffff

    /// RFC 7432 section 7.6: the ES-Import RT carries the high-order six octets of the nine-octet ESI value.
    public static func esImportMAC(_ esi: EthernetSegmentIdentifier) -> MACAddress {
        MACAddress(bytes: Array(esi.bytes[1...6])) ?? .zero
    }

    public static func esRoute(_ es: LocalEthernetSegment, rd: RouteDistinguisher, vtep: IPAddress) -> LocalRoute {
        let route = EthernetSegmentRoute(rd: rd, esi: es.esi, originatorIP: vtep)
        let preference = es.dfAlgorithm == .preference ? es.dfPreference : 0
        let communities: [ExtendedCommunity] = [
            .encapsulation(.vxlan), .esImportRouteTarget(esImportMAC(es.esi)),
            .dfElection(es.dfAlgorithm, preference: preference),
        ]
        return LocalRoute(route: .ethernetSegment(route), nextHop: vtep, attributes: [PathAttribute(.extendedCommunities(communities))])
    }

    /// The EAD per ES routes: the EVIs in increasing VNI order, cut into fragments of at most `eviLimit`;
    /// fragment i has RD `fragmentRD(i)`. None without EVIs (there is no route target to send it with).
    public static func eadPerES(_ es: LocalEthernetSegment, evis: [VNIInstance], vtep: IPAddress, eviLimit: Int,
                                fragmentRD: (Int) -> RouteDistinguisher) -> [LocalRoute] {
        let ordered = evis.sorted { $0.vni < $1.vni }
        let size = max(1, eviLimit)
        return stride(from: 0, to: ordered.count, by: size).enumerated().map { index, start in
            let fragment = ordered[start..<min(start + size, ordered.count)]
            var targets: [RouteTarget] = []
            for evi in fragment { for target in evi.exportRouteTargets where !targets.contains(target) { targets.append(target) } }
            let route = EthernetAutoDiscoveryRoute(rd: fragmentRD(index), esi: es.esi, ethernetTag: maxEthernetTag, label: .zero)
            let communities: [ExtendedCommunity] = [.encapsulation(.vxlan)] + targets.map { .routeTarget($0) }
                + [.esiLabel(singleActive: es.singleActive, label: .zero)]
            return LocalRoute(route: .ethernetAutoDiscovery(route), nextHop: vtep,
                              attributes: [PathAttribute(.extendedCommunities(communities))])
        }
    }

    public static func eadPerEVI(_ es: LocalEthernetSegment, evi: VNIInstance) -> LocalRoute {
        let route = EthernetAutoDiscoveryRoute(rd: evi.rd, esi: es.esi, ethernetTag: 0, label: MPLSLabelField(vni: evi.vni))
        return LocalRoute(route: .ethernetAutoDiscovery(route), nextHop: evi.port.vtep,
                          attributes: [PathAttribute(.extendedCommunities(Origination.baseCommunities(evi)))])
    }

    /// A MAC learned on the port of `esi`: the single-homed type-2 route with the ESI filled in.
    public static func macRoute(_ vni: VNIInstance, mac: MACAddress, sequence: UInt32, sticky: Bool,
                                esi: EthernetSegmentIdentifier) -> LocalRoute {
        var local = Origination.macRoute(vni, mac: mac, sequence: sequence, sticky: sticky)
        if case .macIP(var route) = local.route {
            route.esi = esi
            local.route = .macIP(route)
        }
        return local
    }

    /// Every route of one ES: type 4, the EAD per ES fragments and (unless disabled) EAD per EVI for each VNI.
    public static func routes(_ es: LocalEthernetSegment, evis: [VNIInstance], vtep: IPAddress, esRD: RouteDistinguisher,
                              eviLimit: Int, sendEADPerEVI: Bool, fragmentRD: (Int) -> RouteDistinguisher) -> [EVPNRouteKey: LocalRoute] {
        var all = [esRoute(es, rd: esRD, vtep: vtep)]
        all += eadPerES(es, evis: evis, vtep: vtep, eviLimit: eviLimit, fragmentRD: fragmentRD)
        if sendEADPerEVI { all += evis.sorted { $0.vni < $1.vni }.map { eadPerEVI(es, evi: $0) } }
        var byKey: [EVPNRouteKey: LocalRoute] = [:]
        for route in all { byKey[route.route.key] = route }
        return byKey
    }
}
