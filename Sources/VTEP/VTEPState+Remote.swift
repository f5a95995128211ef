// The BGP half of the VTEP: remote type-2 and type-3 routes from the Loc-RIB, imported into every
// local VNI one of whose import route targets they carry (FRR's `is_route_matching_for_vni`: exact, or
// any AS for the automatic target and `*:N`, RouteTargetImport.swift), never our own (a path the speaker originated, or a next hop that is the VNI's VTEP).
//
//   type 2 -> the MAC's remote side: VTEP = the MP_REACH next hop, sequence and sticky bit from the
//             MAC Mobility community (FRR: `bgp_zebra_send_remote_macip` sends the next hop); with an
//             IP, also that IP's remote side (an SVI neighbour, VTEPState+Neighbours.swift);
//   type 3 -> a flood list entry: VTEP = the Originating Router's IP (FRR sends `imet_addr`).

import BGPCore
import BGPWire

extension VTEPState {
    mutating func importRemote(_ keys: [EVPNRouteKey], bestPath: (EVPNRouteKey) -> RouteReportEntry.PathReport?,
                               _ fx: inout VTEPEffects) {
        // Per key: one lookup in `remoteRoutes`, and no closure over `self` (`flatMap(parse)` or a
        // `filter` calling `accepts` copied the whole VTEP state for every route; profile of
        // scripts/bench.d/vtep).
        for key in keys {
            if importEAD(key, bestPath: bestPath) { continue }
            if importES(key, bestPath: bestPath, &fx) { continue }
            var new: RemoteRoute?
            if let path = bestPath(key) { new = parse(path) }
            new = admitByNextHop(new, key: key)
            let old: RemoteRoute?
            if var route = new {
                for vni in vnis.values where accepts(vni, route) { route.imports.append(vni.vni) }
                route.imports.sort()
                new = route
                old = remoteRoutes.updateValue(route, forKey: key)
            } else {
                old = remoteRoutes.removeValue(forKey: key)
            }
            // Same kind and targets: the same imports and nothing to do (the stored value is equal).
            // (Communities held in one interned attribute set compare by identity, at once.)
            if old?.kind == new?.kind && old?.communities == new?.communities { continue }
            if let old {
                for vni in old.imports { detach(old, key: key, from: vni, &fx) }
            }
            if let new {
                for vni in new.imports { attach(new, key: key, to: vni, &fx) }
            }
        }
    }

    /// A remote route the VTEP uses, or nil (local paths, other route types, no route target).
    func parse(_ path: RouteReportEntry.PathReport) -> RemoteRoute? {
        guard path.peer != nil else { return nil }
        var hasTarget = false
        var mobility = (sequence: UInt32(0), sticky: false)
        for community in path.extendedCommunities {
            switch community.kind {
            case .routeTarget: hasTarget = true
            case .macMobility(let sequence, let sticky): mobility = (sequence, sticky)
            default: break
            }
        }
        guard hasTarget else { return nil }
        switch path.route {
        case .macIP(let route):
            guard let vtep = path.nextHop else { return nil }
            return RemoteRoute(kind: .mac(route.mac, RemoteMACPath(vtep: vtep, sequence: mobility.sequence, sticky: mobility.sticky,
                                                                   esi: route.esi.isZero ? nil : route.esi),
                                          ip: route.ip),
                               communities: path.extendedCommunities, peer: path.peer)
        case .inclusiveMulticast(let route):
            return RemoteRoute(kind: .imet(route.originatorIP), communities: path.extendedCommunities, peer: path.peer)
        default:
            return nil
        }
    }

    func accepts(_ vni: VNIInstance, _ route: RemoteRoute) -> Bool {
        guard vni.imports(route) else { return false }
        switch route.kind {
        case .mac(_, let path, _): return path.vtep != vni.port.vtep
        case .imet(let vtep): return vtep != vni.port.vtep
        }
    }

    mutating func attach(_ route: RemoteRoute, key: EVPNRouteKey, to vni: UInt32, _ fx: inout VTEPEffects) {
        switch route.kind {
        case .mac(let mac, let path, let ip):
            let macKey = MACKey(vni: vni, mac: mac)
            macs[macKey, default: MACRecord()].remotes[key] = path
            dirtyMACs.insert(macKey)
            if let ip { setRemoteIP(ip, route: key, path: RemoteIPPath(mac: mac, vtep: path.vtep, sequence: path.sequence), vni: vni) }
        case .imet(let vtep):
            flood[vni, default: [:]][key] = vtep
            refreshFlood(vni)
        }
    }

    mutating func detach(_ route: RemoteRoute, key: EVPNRouteKey, from vni: UInt32, _ fx: inout VTEPEffects) {
        switch route.kind {
        case .mac(let mac, _, let ip):
            let macKey = MACKey(vni: vni, mac: mac)
            if let ip { setRemoteIP(ip, route: key, path: nil, vni: vni) }
            guard let i = macs.index(forKey: macKey) else { return }
            macs.values[i].remotes[key] = nil
            dirtyMACs.insert(macKey)
        case .imet:
            flood[vni]?[key] = nil
            refreshFlood(vni)
        }
    }

    /// The flood list of a VNI: one row per distinct remote VTEP.
    mutating func refreshFlood(_ vniNumber: UInt32) {
        guard let vni = vnis[vniNumber] else { return }
        let wanted = Set((flood[vniNumber] ?? [:]).values)
        let have = floodInstalled[vniNumber] ?? []
        for vtep in have.subtracting(wanted) {
            fdb.setDesired(nil, at: FDBIntent.flood(device: vni.port.vxlanIndex, bridge: vni.port.bridgeIndex, vtep: vtep).key)
        }
        for vtep in wanted.subtracting(have) {
            let intent = FDBIntent.flood(device: vni.port.vxlanIndex, bridge: vni.port.bridgeIndex, vtep: vtep)
            fdb.setDesired(intent, at: intent.key)
        }
        floodInstalled[vniNumber] = wanted
    }
}
