// Remote Ethernet Segments on a VTEP (RFC 7432 sections 8.2 and 8.4): other switches' type-1 routes
// feed `RemoteESGroups`, which says which kernel nexthops and groups evpnd wants; remote MACs whose
// type-2 route carries an ESI point at their ES's group (NDA_NH_ID) once it has one, and at their
// route's VTEP before that. The nexthop reconciler's operations leave in the same round as the FDB's,
// creations before the FDB batches and deletions after them (NexthopReconciler.swift says why).
//
// Import: an EAD route counts when it carries an import route target of a local VNI and its next hop
// (the VTEP, as FRR reads it) is not ours. EAD per ES (Ethernet Tag MAX-ET) counts for its ES; EAD per
// EVI (any other tag) counts for every local VNI whose targets it carries.

import BGPCore
import BGPWire

/// One imported type-1 route, kept to undo it when it goes.
struct ImportedEAD: Hashable {
    var esi: EthernetSegmentIdentifier
    var vtep: IPAddress
    /// nil for an EAD per ES; the VNIs it counts for, for an EAD per EVI.
    var vnis: [UInt32]?
}

extension VTEPState {
    /// A type-1 key: imports or un-imports it and returns true; any other type: false.
    mutating func importEAD(_ key: EVPNRouteKey, bestPath: (EVPNRouteKey) -> RouteReportEntry.PathReport?) -> Bool {
        guard key.routeType == 1, let esi = key.esi else { return false }
        var new: ImportedEAD?
        if let path = bestPath(key), path.peer != nil, let vtep = path.nextHop {
            let targets = path.extendedCommunities.compactMap { c -> RouteTarget? in
                if case .routeTarget(let t, _) = c.kind { return t }
                return nil
            }
            let matching = vnis.values.filter { vni in
                vni.port.vtep != vtep && vni.importRouteTargets.contains(where: targets.contains)
            }.map(\.vni).sorted()
            if !matching.isEmpty {
                new = ImportedEAD(esi: esi, vtep: vtep, vnis: key.ethernetTag == 0xFFFF_FFFF ? nil : matching)
            }
        }
        let old = importedEADs[key]
        guard old != new else { return true }
        if let old {
            if let vnis = old.vnis {
                for vni in vnis { remoteES.setEADPerEVI(old.esi, vni: vni, vtep: old.vtep, present: false) }
            } else {
                remoteES.setEADPerES(old.esi, vtep: old.vtep, route: key, present: false)
            }
        }
        if let new {
            if let vnis = new.vnis {
                for vni in vnis { remoteES.setEADPerEVI(new.esi, vni: vni, vtep: new.vtep, present: true) }
            } else {
                remoteES.setEADPerES(new.esi, vtep: new.vtep, route: key, present: true)
            }
        }
        importedEADs[key] = new
        remoteESChanged = true
        return true
    }

    /// The device row of a remote MAC: on its ES's group when the route carries an ESI whose ES has one.
    mutating func remoteMACRow(_ mac: MACAddress, vtep: IPAddress, esi: EthernetSegmentIdentifier?, in vni: VNIInstance) -> FDBIntent {
        let key = MACKey(vni: vni.vni, mac: mac)
        if let esi, !esi.isZero { esMACs[key] = esi } else if !esMACs.isEmpty { esMACs[key] = nil }
        switch remoteES.fdbTarget(esi: esi.flatMap { $0.isZero ? nil : $0 }, routeVTEP: vtep) {
        case .group(let id):
            return .remoteMAC(mac, device: vni.port.vxlanIndex, bridge: vni.port.bridgeIndex, group: id)
        case .vtep(let address):
            return .remoteMAC(mac, device: vni.port.vxlanIndex, bridge: vni.port.bridgeIndex, vtep: address)
        }
    }

    /// After type-1 routes changed: the nexthops wanted, and the MACs of every ES whose group came, went
    /// or changed id installed again on the new target.
    mutating func refreshRemoteES() {
        guard remoteESChanged else { return }
        remoteESChanged = false
        let before = remoteES.groupIDs
        nexthops.setDesired(remoteES.desired())
        let after = remoteES.groupIDs
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
        guard !changed.isEmpty else { return }
        for (key, esi) in esMACs where changed.contains(esi) {
            guard let vni = vnis[key.vni], let vtep = macs[key]?.installed else { continue }
            let row = remoteMACRow(key.mac, vtep: vtep, esi: esi, in: vni)
            fdb.setDesired(row, at: row.key)
        }
    }

    /// The nexthop reconciler's round, split around the FDB's.
    mutating func planNexthops(_ fx: inout VTEPEffects) {
        guard nexthops.hasChanges else { return }
        let (operations, conflicts) = nexthops.plan()
        let (before, after) = NexthopReconciler.splitAroundFDB(operations)
        fx.nexthopsBeforeFDB += before
        fx.nexthopsAfterFDB += after
        for conflict in conflicts { fx.log(.warning, "nexthop conflict: \(conflict)") }
    }

    /// The remote ESs as this VTEP sees them (for `show evpn es` and the datapath's filters).
    public var remoteSegments: [RemoteSegmentReport] {
        remoteES.segments.map { esi in
            RemoteSegmentReport(esi: esi, advertisers: remoteES.advertisers(of: esi), members: remoteES.members(of: esi),
                                groupID: remoteES.groupIDs[esi],
                                memberIDs: Dictionary(remoteES.members(of: esi).compactMap { v in remoteES.vtepIDs[v].map { (v, $0) } },
                                                      uniquingKeysWith: { a, _ in a }))
        }
    }

    /// The kernel nexthops evpnd wants and holds (for reports and tests).
    public var desiredNexthops: [NexthopIntent] { nexthops.desired.values.sorted { $0.id < $1.id } }
    public var kernelNexthops: [KernelNexthop] { nexthops.actual.values.sorted { $0.id < $1.id } }
}

/// One remote ES: the switches that advertise it, those in its group, and the kernel ids.
public struct RemoteSegmentReport: Hashable, Sendable {
    public var esi: EthernetSegmentIdentifier
    /// VTEPs with an EAD per ES.
    public var advertisers: [IPAddress]
    /// VTEPs in the group (EAD per ES and per EVI).
    public var members: [IPAddress]
    public var groupID: UInt32?
    public var memberIDs: [IPAddress: UInt32]
}
