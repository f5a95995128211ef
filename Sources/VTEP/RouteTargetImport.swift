// Which remote routes a VNI imports: FRR's `is_route_matching_for_vni` (bgpd/bgp_evpn.c), so EVPN works
// across ASes as it does between FRR switches.
//
// A VNI imports a route that carries one of its import route targets. Two kinds of import target:
//   exact     `route-target import 65000:100`: the route target must be equal (type, administrator, number).
//   any AS    the automatic target and `route-target import *:100`: only the local administrator field is
//             compared, whatever the global administrator (AS or address) and the type. FRR stores such
//             targets masked (`mask_ecom_global_admin`: type 0, administrator 0) and looks each received
//             target up twice, as sent and masked; the masked form of a type-1 or type-2 target keeps its
//             2-octet number, of a type-0 target its 4-octet number. So a leaf in AS 65001 (`65001:100`) and
//             one in AS 4200000001 (type 2, `4200000001:100`) both reach VNI 100 of a leaf in AS 65002.
// The automatic import target is an any-AS one unless import targets are configured for the VNI (FRR's
// `is_import_rt_configured`): configured targets, exact or `*:N`, replace it.
//
// `autort rfc8365-compatible` (RFC 8365 section 5.1.2.1): the automatic target's local administrator is
//
//    0 1 2 3 4 5 6 7 8 ...                31
//   +-+-----+-------+-----------------------+
//   |A| TYPE| D-ID  |  Service ID (the VNI) |     A = 0 (automatic), TYPE = 1 (VXLAN), D-ID = 0
//   +-+-----+-------+-----------------------+
//
// that is 0x10000000 | VNI, after the 2-octet AS (FRR: `vni |= EVPN_AUTORT_VXLAN`). Both ends must agree:
// a VNI of one side expects 0x10000000|VNI, the other sends VNI (FRR #16209).

import BGPCore
import BGPWire

extension RouteTarget {
    /// The local administrator field as FRR's masked comparison reads it: the 4-octet number of a type-0
    /// target, the 2-octet number of a type-1 or type-2 one.
    public var localAdministrator: UInt32 {
        switch self {
        case .as2(_, let number): return number
        case .ipv4(_, let number): return UInt32(number)
        case .as4(_, let number): return UInt32(number)
        }
    }
}

/// RFC 8365 section 5.1.2.1: A = 0, TYPE = 1 (VXLAN), D-ID = 0 above the 24-bit service id.
public let rfc8365VXLANAutoRouteTargetBits: UInt32 = 0x1000_0000

extension RemoteRoute {
    /// Whether one of the route's targets has `number` as its local administrator (an any-AS import target).
    func carries(anyASNumber number: UInt32) -> Bool {
        communities.contains { community in
            if case .routeTarget(let t, _) = community.kind { return t.localAdministrator == number }
            return false
        }
    }
}

extension VNIInstance {
    /// Whether the VNI imports a route carrying `route`'s targets (exact or any-AS).
    func imports(_ route: RemoteRoute) -> Bool {
        importRouteTargets.contains(where: route.carries) || importAnyAS.contains(where: route.carries(anyASNumber:))
    }
}

extension VTEPState {
    /// Remote type-2 and type-3 routes held now that no local VNI imports (none of its targets matches), with
    /// the peer of each: the `routeTargetNotImported` drop reason, shown on the route and counted per peer.
    public var routesNotImported: [EVPNRouteKey: PeerID] {
        var out: [EVPNRouteKey: PeerID] = [:]
        // Worked out when asked (a report), not kept per route: VNIs come and go.
        for (key, route) in remoteRoutes where route.imports.isEmpty && !vnis.values.contains(where: { $0.imports(route) }) {
            if let peer = route.peer { out[key] = peer }
        }
        return out
    }
}

extension VTEPState {
    /// Remote routes not used now, with the peer of each and why: no local VNI imports them
    /// (`routeTargetNotImported`), or their VTEP does not resolve in the underlay (`nextHopUnreachable`,
    /// next-hop tracking). Shown on the route and counted per peer in the summary.
    public var routesNotUsed: [EVPNRouteKey: (peer: PeerID, reason: DropReason)] {
        var out: [EVPNRouteKey: (peer: PeerID, reason: DropReason)] = [:]
        for (key, peer) in routesNotImported { out[key] = (peer, .routeTargetNotImported) }
        for (key, held) in nextHops.heldRoutes where nextHops.reachable[held.vtep] == false && out[key] == nil {
            if let peer = held.peer { out[key] = (peer, .nextHopUnreachable) }
        }
        return out
    }
}

