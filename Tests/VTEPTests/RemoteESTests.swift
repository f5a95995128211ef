// A VTEP with remote multihomed servers: other switches' type-1 routes make kernel nexthops and a group
// per ES; a MAC whose type-2 carries the ESI points at the group; a switch withdrawing its EAD per ES
// leaves the group in one nexthop operation with no FDB row changed (mass withdraw); the last one leaving
// sends the MACs back to their VTEP before the group goes.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct RemoteESTests {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let server = Lab.mac(0x5e)

    static func ead(_ vtep: IPAddress, perES: Bool, vni: UInt32 = 100) -> RouteReportEntry.PathReport {
        guard case .v4(let id) = vtep else { preconditionFailure("IPv4 VTEPs in tests") }
        let route = EVPNRoute.ethernetAutoDiscovery(EthernetAutoDiscoveryRoute(
            rd: .ipv4(id, perES ? 65535 : 2), esi: esi, ethernetTag: perES ? 0xFFFF_FFFF : 0,
            label: MPLSLabelField(vni: perES ? 0 : vni)))
        var communities: [ExtendedCommunity] = [.encapsulation(.vxlan), Lab.rt(vni)]
        if perES { communities.append(.esiLabel(singleActive: false, label: MPLSLabelField(vni: 0))) }
        return RouteReportEntry.PathReport(route: route, peer: PeerID(.v4(IPv4Address(10, 0, 0, 100))), peerRouterID: id,
                                           nextHop: vtep, extendedCommunities: communities)
    }

    static func serverMAC(_ vtep: IPAddress) -> RouteReportEntry.PathReport {
        var path = Lab.remoteMAC(server, vtep: vtep)
        guard case .macIP(var route) = path.route else { return path }
        route.esi = esi
        path.route = .macIP(route)
        return path
    }

    static func dualHomed() -> Rig {
        var rig = Rig()
        for vtep in [Lab.vtep2, Lab.vtep3] {
            rig.announce(ead(vtep, perES: true))
            rig.announce(ead(vtep, perES: false))
        }
        rig.announce(serverMAC(Lab.vtep2))
        return rig
    }

    @Test func remoteESGroupAndMACOnIt() throws {
        let rig = Self.dualHomed()
        let nexthops = rig.kernel.nexthopDump()
        let group = try #require(nexthops.first { if case .group = $0.target { true } else { false } })
        #expect(EVPNNexthopIDs.groups.contains(group.id))
        let vteps = nexthops.compactMap { n -> IPAddress? in if case .vtep(let a) = n.target { return a } else { return nil } }
        #expect(Set(vteps) == [Lab.vtep2, Lab.vtep3])
        if case .group(let members) = group.target { #expect(members.count == 2) }
        let row = try #require(rig.kernel.dump().first { $0.mac == Self.server && !$0.isBridgeRow })
        #expect(row.nexthopID == group.id && row.destination == nil)
        #expect(rig.bridgeRow(Self.server) != nil)
        let report = try #require(rig.vtep.remoteSegments.first)
        #expect(report.esi == Self.esi && report.members == [Lab.vtep2, Lab.vtep3] && report.groupID == group.id)
    }

    @Test func massWithdrawIsOneNexthopOperation() throws {
        var rig = Self.dualHomed()
        let fdbBefore = rig.batches.count
        let nexthopsBefore = rig.nexthopBatches.count
        rig.withdraw(Self.ead(Lab.vtep3, perES: true).route)
        #expect(rig.batches.count == fdbBefore, "no FDB row changes")
        let batches = rig.nexthopBatches[nexthopsBefore...].flatMap { $0 }
        // The group replaced with vtep2 only, then vtep3's nexthop deleted.
        #expect(batches.count == 2)
        if case .replace(let group) = batches.first, case .group(let members) = group.target {
            #expect(members.count == 1)
        } else {
            Issue.record("first operation: \(String(describing: batches.first))")
        }
        if case .delete(let gone) = batches.last { #expect(gone.target == .vtep(Lab.vtep3)) } else { Issue.record("\(batches)") }
        #expect(rig.vtep.remoteSegments.first?.members == [Lab.vtep2])
    }

    @Test func lastSwitchLeavingSendsTheMACToItsVTEP() throws {
        var rig = Self.dualHomed()
        rig.withdraw(Self.ead(Lab.vtep3, perES: true).route)
        rig.withdraw(Self.ead(Lab.vtep2, perES: true).route)
        #expect(rig.kernel.nexthopDump().isEmpty)
        let row = try #require(rig.kernel.dump().first { $0.mac == Self.server && !$0.isBridgeRow })
        #expect(row.destination == Lab.vtep2 && row.nexthopID == nil)
        // And back: the ES's group again, the MAC on it.
        rig.announce(Self.ead(Lab.vtep2, perES: true))
        let again = try #require(rig.kernel.dump().first { $0.mac == Self.server && !$0.isBridgeRow })
        #expect(again.nexthopID != nil && again.destination == nil)
    }

    /// A restart: a new process reads the kernel the old one left (rows, nexthops) in the same round as the
    /// routes, takes the objects' ids again, and changes nothing in the kernel.
    @Test func restartAdoptsTheObjects() throws {
        let first = Self.dualHomed()
        var rig = Rig()
        rig.kernel.muted = true
        // The previous process had other ids than a fresh allocation gives (it saw other switches first):
        // adoption, not the allocator's order, must keep them.
        let shift: [UInt32: UInt32] = Dictionary(uniqueKeysWithValues: first.kernel.nexthopDump().map { n in
            (n.id, EVPNNexthopIDs.groups.contains(n.id) ? n.id + 5 : n.id + 7)
        })
        for var row in first.kernel.dump() {
            if let id = row.nexthopID { row.nexthopID = shift[id] }
            rig.kernel.operatorAdd(row)
        }
        let old = first.kernel.nexthopDump().map { n -> KernelNexthop in
            var moved = n
            moved.id = shift[n.id] ?? n.id
            if case .group(let members) = n.target { moved.target = .group(members.compactMap { shift[$0] }) }
            return moved
        }
        #expect(rig.kernel.applyNexthops(old.filter { if case .group = $0.target { false } else { true } }.map { .add($0) })
                .allSatisfy { $0 == .ok })
        #expect(rig.kernel.applyNexthops(old.filter { if case .group = $0.target { true } else { false } }.map { .add($0) })
                .allSatisfy { $0 == .ok })
        rig.kernel.muted = false
        let fdbBatches = rig.batches.count, nexthopBatches = rig.nexthopBatches.count
        rig.rib = first.rib
        rig.send(.batch([.fdbDump(rig.kernel.dump()), .nexthopDump(rig.kernel.nexthopDump()),
                         .locRIBChanged(first.rib.keys.sorted { $0.description < $1.description })]))
        #expect(rig.nexthopBatches.count == nexthopBatches, "\(rig.nexthopBatches.suffix(1))")
        #expect(rig.batches.count == fdbBatches, "\(rig.batches.suffix(1))")
        #expect(rig.kernel.nexthopDump() == old.sorted { $0.id < $1.id })
    }

    /// `disable-ead-evi-rx`: the EAD per ES alone puts a switch in the group; without it, it does not.
    @Test func disableEADEVIReceive() throws {
        var plain = Rig()
        plain.announce(Self.ead(Lab.vtep2, perES: true))
        #expect(plain.kernel.nexthopDump().isEmpty)
        var config = Lab.config()
        config.ignoresEADPerEVI = true
        var rig = Rig(config: config)
        rig.announce(Self.ead(Lab.vtep2, perES: true))
        rig.announce(Self.serverMAC(Lab.vtep2))
        let group = try #require(rig.kernel.nexthopDump().first { if case .group = $0.target { true } else { false } })
        #expect(rig.kernel.dump().first { $0.mac == Self.server && !$0.isBridgeRow }?.nexthopID == group.id)
    }
}

