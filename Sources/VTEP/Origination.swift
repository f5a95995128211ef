// The routes a VTEP originates, as FRR 8.4's bgpd builds them for a layer-2 VNI
// (bgpd/bgp_evpn.c `build_evpn_route_extcomm`, `update_evpn_route`):
//
//   type 2 (RFC 7432 section 7.2), MAC only (no ARP/ND suppression):
//     RD = the VNI's, ESI 0, Ethernet Tag 0, MAC, no IP, Label1 = VNI (RFC 8365 section 5.1.3), no Label2
//     EXTENDED_COMMUNITIES = encapsulation VXLAN (RFC 9012 section 4.1, "ET:8"), the export RTs,
//       and MAC Mobility (RFC 7432 section 7.7) when the sequence is above 0 or the MAC is sticky
//   type 2, MAC+IP (one per IP a local neighbour on the VNI's SVI resolves to a local MAC; FRR sends it
//     next to the MAC-only route): the same, with the IP; the sequence and sticky bit are the MAC's
//     (FRR's zebra hands bgpd the MAC's sequence for its neighbours). No Label2: a layer-2 VNI only.
//   type 3 (RFC 7432 section 7.3, IMET):
//     RD, Ethernet Tag 0, Originating Router's IP = the VTEP address
//     EXTENDED_COMMUNITIES = encapsulation VXLAN and the export RTs
//     PMSI_TUNNEL (RFC 6514 section 5) = Ingress Replication, label = VNI, endpoint = the VTEP address
//   MP_REACH next hop = the VTEP address; ORIGIN IGP and an empty AS_PATH come from the RIB.
// Community order is FRR's: encapsulation, route targets, mobility ("ET:8 RT:65000:100 MM:1").

import BGPCore
import BGPWire

public enum Origination {
    public static func macRoute(_ vni: VNIInstance, mac: MACAddress, sequence: UInt32, sticky: Bool) -> LocalRoute {
        let route = MACIPAdvertisementRoute(rd: vni.rd, mac: mac, label1: MPLSLabelField(vni: vni.vni))
        var communities = baseCommunities(vni)
        if sequence > 0 || sticky { communities.append(.macMobility(sequence: sequence, sticky: sticky)) }
        return LocalRoute(route: .macIP(route), nextHop: vni.port.vtep, attributes: [PathAttribute(.extendedCommunities(communities))])
    }

    /// The MAC+IP route of a local neighbour (`ip` nil: the MAC-only route, as `macRoute`).
    public static func macIPRoute(_ vni: VNIInstance, mac: MACAddress, ip: IPAddress?, sequence: UInt32, sticky: Bool) -> LocalRoute {
        var local = macRoute(vni, mac: mac, sequence: sequence, sticky: sticky)
        local.route = .macIP(MACIPAdvertisementRoute(rd: vni.rd, mac: mac, ip: ip, label1: MPLSLabelField(vni: vni.vni)))
        return local
    }

    /// The key the MAC+IP route of `ip` behind `mac` in `vni` is advertised under.
    public static func macIPKey(_ vni: VNIInstance, mac: MACAddress, ip: IPAddress) -> EVPNRouteKey {
        EVPNRouteKey(.macIP(MACIPAdvertisementRoute(rd: vni.rd, mac: mac, ip: ip, label1: MPLSLabelField(vni: vni.vni))))
    }

    public static func imetRoute(_ vni: VNIInstance) -> LocalRoute {
        let route = IMETRoute(rd: vni.rd, ethernetTag: 0, originatorIP: vni.port.vtep)
        return LocalRoute(route: .inclusiveMulticast(route), nextHop: vni.port.vtep, attributes: [
            PathAttribute(.extendedCommunities(baseCommunities(vni))),
            PathAttribute(.pmsiTunnel(.ingressReplication(endpoint: vni.port.vtep, vni: vni.vni))),
        ])
    }

    /// The key a MAC of `vni` is advertised under.
    public static func macKey(_ vni: VNIInstance, mac: MACAddress) -> EVPNRouteKey {
        EVPNRouteKey(.macIP(MACIPAdvertisementRoute(rd: vni.rd, mac: mac, label1: MPLSLabelField(vni: vni.vni))))
    }

    static func baseCommunities(_ vni: VNIInstance) -> [ExtendedCommunity] {
        [.encapsulation(.vxlan)] + vni.exportRouteTargets.map { .routeTarget($0) }
    }
}
