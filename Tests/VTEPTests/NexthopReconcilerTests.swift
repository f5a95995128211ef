// The remote side of multihoming, kernel objects: which VTEPs each remote ES's group holds (EAD per ES
// and per EVI), the ids from evpnd's range, the order of a round around the FDB's operations, mass
// withdraw as one group replace, adoption after a restart, healing, graceful-restart retention, and
// never touching nexthops that are not evpnd's.

import BGPWire
import Testing
import VTEP

@Suite struct NexthopReconcilerTests {
    static let es1 = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let es2 = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:02")!
    static let v = EVPNNexthopIDs.vteps.lowerBound
    static let g = EVPNNexthopIDs.groups.lowerBound

    static func eadES(_ esi: EthernetSegmentIdentifier, _ vtep: IPAddress, fragment: UInt16 = 0) -> EVPNRouteKey {
        // The RD is the originator's (its router-id here), so each VTEP's route has its own key.
        var router = IPv4Address(0, 0, 0, 0)
        if case .v4(let a) = vtep { router = a }
        return EVPNRouteKey(.ethernetAutoDiscovery(EthernetAutoDiscoveryRoute(
            rd: .ipv4(router, 65534 - fragment), esi: esi, ethernetTag: 0xFFFF_FFFF, label: MPLSLabelField(vni: 0))))
    }

    /// Both switches of es1 with both EADs: one nexthop each and one group of the two.
    static func dualHomed() -> RemoteESGroups {
        var groups = RemoteESGroups()
        for vtep in [Lab.vtep2, Lab.vtep3] {
            groups.setEADPerES(es1, vtep: vtep, route: eadES(es1, vtep), present: true)
            groups.setEADPerEVI(es1, vni: 100, vtep: vtep, present: true)
        }
        return groups
    }

    /// The kernel after `operations`, as a dictionary by id (a stand-in that refuses what the kernel refuses:
    /// a group naming a missing nexthop, a delete of a missing id).
    static func apply(_ operations: [NexthopOperation], to kernel: inout [UInt32: KernelNexthop]) -> [KernelOperationResult] {
        operations.map { op in
            switch op {
            case .add(let n) where kernel[n.id] != nil: return .failed(errno: KernelOperationResult.EEXIST)
            case .add(let n), .replace(let n), .append(let n):
                if case .group(let members) = n.target, members.contains(where: { kernel[$0] == nil }) {
                    return .failed(errno: KernelOperationResult.ENOENT)
                }
                kernel[n.id] = n
                return .ok
            case .delete(let n):
                guard kernel.removeValue(forKey: n.id) != nil else { return .failed(errno: KernelOperationResult.ENOENT) }
                for (id, other) in kernel {
                    if case .group(let members) = other.target, members.contains(n.id) {
                        kernel[id] = KernelNexthop(id: id, target: .group(members.filter { $0 != n.id }))
                    }
                }
                return .ok
            }
        }
    }

    @Test func aSwitchJoinsOnceBothEADsAreThere() {
        var groups = RemoteESGroups()
        groups.setEADPerES(Self.es1, vtep: Lab.vtep2, route: Self.eadES(Self.es1, Lab.vtep2), present: true)
        #expect(groups.members(of: Self.es1).isEmpty, "EAD per ES alone")
        #expect(groups.desired().isEmpty)
        groups.setEADPerEVI(Self.es1, vni: 100, vtep: Lab.vtep2, present: true)
        #expect(groups.members(of: Self.es1) == [Lab.vtep2])
        // A group even for one member: the kernel takes only a group in NDA_NH_ID.
        #expect(groups.desired() == [.vtep(id: Self.v, Lab.vtep2), .group(id: Self.g, members: [Self.v])])
        var evi = RemoteESGroups()
        evi.setEADPerEVI(Self.es1, vni: 100, vtep: Lab.vtep2, present: true)
        #expect(evi.members(of: Self.es1).isEmpty, "EAD per EVI alone")
        evi.ignoresEADPerEVI = true
        var esOnly = RemoteESGroups()
        esOnly.ignoresEADPerEVI = true
        esOnly.setEADPerES(Self.es1, vtep: Lab.vtep2, route: Self.eadES(Self.es1, Lab.vtep2), present: true)
        #expect(esOnly.members(of: Self.es1) == [Lab.vtep2], "disable-ead-evi-rx")
    }

    @Test func idsComeFromTheRangeAndStay() {
        var groups = Self.dualHomed()
        let first = groups.desired()
        #expect(first == [.vtep(id: Self.v, Lab.vtep2), .vtep(id: Self.v + 1, Lab.vtep3),
                          .group(id: Self.g, members: [Self.v, Self.v + 1])])
        #expect(first.allSatisfy { EVPNNexthopIDs.owned.contains($0.id) })
        // A second ES on the same switches gets its own group, the VTEP nexthops are shared.
        for vtep in [Lab.vtep2, Lab.vtep3] {
            groups.setEADPerES(Self.es2, vtep: vtep, route: Self.eadES(Self.es2, vtep), present: true)
            groups.setEADPerEVI(Self.es2, vni: 100, vtep: vtep, present: true)
        }
        #expect(groups.desired().count == 4)
        #expect(groups.groupIDs == [Self.es1: Self.g, Self.es2: Self.g + 1])
        #expect(groups.fdbTarget(esi: Self.es2, routeVTEP: Lab.vtep2) == .group(Self.g + 1))
        #expect(groups.fdbTarget(esi: nil, routeVTEP: Lab.vtep2) == .vtep(Lab.vtep2))
    }

    /// Mass withdraw: vtep3's EAD per ES goes; the round is one replace of the group (then vtep3's nexthop,
    /// used by no group, goes after the FDB's operations), and no MAC row needs to change.
    @Test func massWithdrawIsOneGroupReplace() {
        var groups = Self.dualHomed()
        var reconciler = NexthopReconciler()
        reconciler.replaceActual(with: [])
        reconciler.setDesired(groups.desired())
        var kernel: [UInt32: KernelNexthop] = [:]
        let install = reconciler.plan().operations
        // Nexthops before the group that names them.
        #expect(install.map(\.entry.id) == [Self.v, Self.v + 1, Self.g])
        #expect(Self.apply(install, to: &kernel).allSatisfy { $0 == .ok })

        groups.setEADPerES(Self.es1, vtep: Lab.vtep3, route: Self.eadES(Self.es1, Lab.vtep3), present: false)
        reconciler.setDesired(groups.desired())
        let withdraw = reconciler.plan().operations
        let (before, after) = NexthopReconciler.splitAroundFDB(withdraw)
        #expect(before == [.replace(KernelNexthop(id: Self.g, target: .group([Self.v])))])
        #expect(after == [.delete(KernelNexthop(id: Self.v + 1, target: .vtep(Lab.vtep3)))])
        #expect(Self.apply(withdraw, to: &kernel).allSatisfy { $0 == .ok })
        #expect(kernel[Self.g]?.target == .group([Self.v]))
        #expect(groups.fdbTarget(esi: Self.es1, routeVTEP: Lab.vtep3) == .group(Self.g), "MACs keep their group")
        #expect(reconciler.plan().operations.isEmpty)
    }

    /// The last switch leaves: the group goes after the FDB round (whose MACs move to their VTEP first), then
    /// the nexthop.
    @Test func lastMemberLeaving() {
        var groups = RemoteESGroups()
        groups.setEADPerES(Self.es1, vtep: Lab.vtep2, route: Self.eadES(Self.es1, Lab.vtep2), present: true)
        groups.setEADPerEVI(Self.es1, vni: 100, vtep: Lab.vtep2, present: true)
        var reconciler = NexthopReconciler()
        reconciler.replaceActual(with: [])
        reconciler.setDesired(groups.desired())
        _ = reconciler.plan()
        groups.setEADPerEVI(Self.es1, vni: 100, vtep: Lab.vtep2, present: false)
        reconciler.setDesired(groups.desired())
        let (before, after) = NexthopReconciler.splitAroundFDB(reconciler.plan().operations)
        #expect(before.isEmpty)
        #expect(after.map(\.entry.id) == [Self.g, Self.v], "group first, then its member")
        #expect(groups.fdbTarget(esi: Self.es1, routeVTEP: Lab.vtep2) == .vtep(Lab.vtep2))
    }

    /// A restarted evpnd finds its objects in the dump, takes their ids, and changes nothing; an operator's
    /// nexthops (outside the range, or not FDB) are never touched, even when nobody wants them.
    @Test func adoptionAfterRestartAndForeignObjects() {
        let foreign = [KernelNexthop(id: 7, target: .vtep(Lab.vtep9)),
                       KernelNexthop(id: Self.v + 50, target: .other, isFDB: false),
                       KernelNexthop(id: 12, target: .group([7]))]
        // The previous process had allocated other ids (say vtep3 first).
        let previous = [KernelNexthop(id: Self.v + 4, target: .vtep(Lab.vtep3)), KernelNexthop(id: Self.v + 9, target: .vtep(Lab.vtep2)),
                        KernelNexthop(id: Self.g + 3, target: .group([Self.v + 4, Self.v + 9]))]
        var groups = Self.dualHomed()
        groups.adopt(previous + foreign)
        var reconciler = NexthopReconciler()
        reconciler.replaceActual(with: previous + foreign)
        reconciler.setDesired(groups.desired())
        #expect(groups.vtepIDs == [Lab.vtep3: Self.v + 4, Lab.vtep2: Self.v + 9])
        #expect(groups.groupIDs == [Self.es1: Self.g + 3])
        #expect(reconciler.plan().operations.isEmpty)
    }

    /// An object deleted behind evpnd's back comes back; a VTEP nexthop's delete also emptied it from the
    /// group, which is put right in the same round (nexthop first).
    @Test func healing() {
        var groups = Self.dualHomed()
        var reconciler = NexthopReconciler()
        reconciler.replaceActual(with: [])
        reconciler.setDesired(groups.desired())
        var kernel: [UInt32: KernelNexthop] = [:]
        _ = Self.apply(reconciler.plan().operations, to: &kernel)
        let gone = kernel[Self.v + 1]!
        _ = Self.apply([.delete(gone)], to: &kernel)
        reconciler.observeRemoved(gone)
        reconciler.observeAdded(kernel[Self.g]!)  // the kernel reports the group anew without it
        let repair = reconciler.plan().operations
        #expect(repair.map(\.entry.id) == [Self.v + 1, Self.g])
        #expect(Self.apply(repair, to: &kernel).allSatisfy { $0 == .ok })
        #expect(kernel[Self.g]?.target == .group([Self.v, Self.v + 1]))
    }

    /// Graceful restart: evpnd's objects that no route asks for yet stay until retention ends.
    @Test func retention() {
        let previous = [KernelNexthop(id: Self.v, target: .vtep(Lab.vtep2)), KernelNexthop(id: Self.g, target: .group([Self.v]))]
        var reconciler = NexthopReconciler()
        reconciler.setRetainsStale(true)
        reconciler.replaceActual(with: previous)
        reconciler.setDesired([])
        #expect(reconciler.plan().operations.isEmpty)
        #expect(reconciler.retainedCount == 2)
        reconciler.setRetainsStale(false)
        #expect(reconciler.plan().operations.map(\.entry.id) == [Self.g, Self.v])
    }

    /// A remote MAC moving from its VTEP's destination onto the ES's group is one replace of the same row.
    @Test func fdbRowMovesOntoTheGroup() {
        let mac = Lab.mac(0x51)
        let onVTEP = FDBIntent.remoteMAC(mac, device: 11, bridge: 10, vtep: Lab.vtep2)
        let onGroup = FDBIntent.remoteMAC(mac, device: 11, bridge: 10, group: Self.g)
        #expect(onVTEP.key == onGroup.key)
        #expect(onGroup.entry.nexthopID == Self.g && onGroup.entry.destination == nil)
        #expect(!onGroup.isSatisfied(by: onVTEP.entry) && !onVTEP.isSatisfied(by: onGroup.entry))
        let ops = FDBReconciler.reconcile(desired: [onGroup, .bridgeRow(mac, device: 11, bridge: 10)],
                                          actual: [onVTEP.entry, FDBIntent.bridgeRow(mac, device: 11, bridge: 10).entry],
                                          managed: [ManagedDevice(device: 11, bridge: 10)])
        #expect(ops == [.replace(onGroup.entry)])
    }
}
