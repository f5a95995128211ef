// MAC+IP on a VTEP (VTEPState+Neighbours.swift, NeighbourReconciler.swift): local hosts' addresses read
// from the SVI's neighbour table (bridge 10 of VNI 100) and advertised next to the MAC-only route; remote
// MAC+IP routes installed as `nud noarp extern_learn` neighbours on the SVI, kept level-triggered.

import BGPCore
import BGPWire
import Testing
import VTEP

enum IPLab {
    static let svi = Lab.bridge(100)
    static let ip4 = IPAddress("10.1.0.21")!
    static let ip6 = IPAddress("fd00:1::21")!
    static let other = IPAddress("10.1.0.99")!

    /// A remote MAC+IP path as a reflector delivers it (FRR's shape: MAC+IP route with the VNI label).
    static func remoteMACIP(_ mac: MACAddress, _ ip: IPAddress, vni: UInt32 = 100, vtep: IPAddress, sequence: UInt32 = 0)
        -> RouteReportEntry.PathReport {
        var path = Lab.remoteMAC(mac, vni: vni, vtep: vtep, sequence: sequence)
        guard case .macIP(var route) = path.route else { return path }
        route.ip = ip
        path.route = .macIP(route)
        return path
    }

    /// The MAC+IP routes the VTEP originates: IP -> (MAC, mobility sequence).
    static func advertisedIPs(_ rig: Rig) -> [IPAddress: (mac: MACAddress, sequence: UInt32)] {
        var out: [IPAddress: (mac: MACAddress, sequence: UInt32)] = [:]
        for route in rig.originated.values {
            guard case .macIP(let r) = route.route, let ip = r.ip else { continue }
            var sequence: UInt32 = 0
            for attribute in route.attributes {
                if case .extendedCommunities(let list) = attribute.value {
                    for c in list { if case .macMobility(let s, _) = c.kind { sequence = s } }
                }
            }
            out[ip] = (r.mac, sequence)
        }
        return out
    }

    static func macOnlyRoutes(_ rig: Rig) -> Set<MACAddress> {
        Set(rig.originated.values.compactMap { route -> MACAddress? in
            guard case .macIP(let r) = route.route, r.ip == nil else { return nil }
            return r.mac
        })
    }

    /// evpnd's rows on the SVI: IP -> MAC.
    static func installed(_ rig: Rig) -> [IPAddress: MACAddress] {
        var out: [IPAddress: MACAddress] = [:]
        for row in rig.kernel.neighbourDump() where row.ifindex == svi && row.isExternallyLearned {
            out[row.ip] = row.mac
        }
        return out
    }
}

@Suite struct MACIPLearningTests {
    static let m = Lab.mac(0x21)

    struct StateCase: CustomTestStringConvertible, Sendable {
        var state: KernelNeighbourEntry.State
        var advertised: Bool
        var testDescription: String { KernelNeighbourEntry(ip: IPLab.ip4, mac: nil, ifindex: 0, state: state).description }
    }

    /// FRR's zebra: NUD_VALID states are a local neighbour (STALE too, without multihoming); others delete it.
    static let states: [StateCase] = [
        StateCase(state: .reachable, advertised: true),
        StateCase(state: .stale, advertised: true),
        StateCase(state: .delay, advertised: true),
        StateCase(state: .probe, advertised: true),
        StateCase(state: .permanent, advertised: true),
        StateCase(state: .noARP, advertised: true),
        StateCase(state: .failed, advertised: false),
        StateCase(state: .incomplete, advertised: false),
        StateCase(state: [], advertised: false),
    ]

    @Test(arguments: states, [IPLab.ip4, IPLab.ip6])
    func nudStateDecides(_ c: StateCase, ip: IPAddress) {
        var rig = Rig()
        rig.learn(Self.m, port: Lab.port(100))
        rig.kernel.operatorAddNeighbour(KernelNeighbourEntry(ip: ip, mac: Self.m, ifindex: IPLab.svi, state: c.state))
        rig.flush()
        #expect((IPLab.advertisedIPs(rig)[ip] != nil) == c.advertised)
        #expect(IPLab.macOnlyRoutes(rig) == [Self.m], "the MAC-only route stays beside the MAC+IP route")
    }

    @Test func reachableThenStaleThenFailedThenDeleted() {
        var rig = Rig()
        rig.learn(Self.m, port: Lab.port(100))
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig)[IPLab.ip4]?.mac == Self.m)
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi, state: .stale)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig)[IPLab.ip4]?.mac == Self.m, "STALE is still a local host")
        rig.kernel.fail(IPLab.ip4, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty, "FAILED withdraws the MAC+IP route")
        #expect(IPLab.macOnlyRoutes(rig) == [Self.m], "but not the MAC's")
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig)[IPLab.ip4] != nil)
        rig.kernel.operatorDeleteNeighbour(IPLab.ip4, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty, "RTM_DELNEIGH withdraws it")
    }

    @Test func notLocalWithoutItsMACThenAdvertisedOnceTheMACIsLearned() {
        var rig = Rig()
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty, "FRR's inactive neighbour: its MAC is not local yet")
        rig.learn(Self.m, port: Lab.port(100))
        #expect(IPLab.advertisedIPs(rig)[IPLab.ip4]?.mac == Self.m)
        rig.kernel.age(Self.m, bridge: Lab.bridge(100))
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty, "the MAC aged out: its MAC+IP goes with it")
    }

    @Test func externLearnAndOtherDevicesAreNotLocal() {
        var rig = Rig()
        rig.learn(Self.m, port: Lab.port(100))
        rig.kernel.operatorAddNeighbour(KernelNeighbourEntry(ip: IPLab.ip4, mac: Self.m, ifindex: IPLab.svi, state: .noARP,
                                                             flags: [.extLearned]))
        rig.kernel.operatorAddNeighbour(KernelNeighbourEntry(ip: IPLab.other, mac: Self.m, ifindex: Lab.port(100)))
        rig.kernel.operatorAddNeighbour(KernelNeighbourEntry(ip: IPLab.ip6, mac: Self.m, ifindex: 99))
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty)
    }

    /// The SVI's own multicast groups (IGMP's 224.0.0.22, MLD's ff02::16) sit in its table as NOARP rows.
    @Test(arguments: [(IPAddress("224.0.0.22")!, MACAddress("01:00:5e:00:00:16")!), (IPAddress("ff02::16")!, MACAddress("33:33:00:00:00:16")!),
                      (IPAddress("255.255.255.255")!, MACAddress("ff:ff:ff:ff:ff:ff")!), (IPAddress("10.1.0.77")!, MACAddress("01:00:5e:00:00:01")!)])
    func multicastAndBroadcastAreNotHosts(ip: IPAddress, mac: MACAddress) {
        var rig = Rig()
        rig.learn(mac, port: Lab.port(100))
        rig.kernel.operatorAddNeighbour(KernelNeighbourEntry(ip: ip, mac: mac, ifindex: IPLab.svi, state: .noARP))
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty)
        #expect(rig.vtep.arpCacheReport().isEmpty)
    }

    @Test func neighboursInTheDumpAtStartAreLearned() {
        var rig = Rig(rows: [KernelFDBEntry(mac: Self.m, ifindex: Lab.port(100), master: Lab.bridge(100))],
                      neighbours: [KernelNeighbourEntry(ip: IPLab.ip4, mac: Self.m, ifindex: IPLab.svi, state: .stale),
                                   KernelNeighbourEntry(ip: IPLab.ip6, mac: Self.m, ifindex: IPLab.svi)])
        rig.flush()
        #expect(Set(IPLab.advertisedIPs(rig).keys) == [IPLab.ip4, IPLab.ip6])
    }

    @Test func theMACIPRouteCarriesTheMACsSequence() {
        var rig = Rig()
        rig.announce(Lab.remoteMAC(Self.m, vtep: Lab.vtep2, sequence: 3))
        rig.learn(Self.m, port: Lab.port(100))  // moved here: the MAC's sequence is 4
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi)
        rig.flush()
        #expect(rig.advertisedSequence(Self.m)?.sequence == 4)
        #expect(IPLab.advertisedIPs(rig)[IPLab.ip4]?.sequence == 4)
    }

    @Test func anIPMovingToAnotherLocalMACWithdrawsTheOldRoute() {
        var rig = Rig()
        let n = Lab.mac(0x22)
        rig.learn(Self.m, port: Lab.port(100))
        rig.learn(n, port: Lab.port(100, 1))
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi)
        rig.flush()
        rig.kernel.resolve(IPLab.ip4, to: n, on: IPLab.svi)
        rig.flush()
        let routes = rig.originated.values.compactMap { route -> MACAddress? in
            guard case .macIP(let r) = route.route, r.ip == IPLab.ip4 else { return nil }
            return r.mac
        }
        #expect(routes == [n])
    }
}

@Suite struct MACIPRemoteTests {
    static let m = Lab.mac(0x31)

    @Test(arguments: [IPLab.ip4, IPLab.ip6])
    func remoteMACIPBecomesANeighbourAndGoesWithTheRoute(ip: IPAddress) {
        var rig = Rig()
        let path = IPLab.remoteMACIP(Self.m, ip, vtep: Lab.vtep2)
        rig.announce(path)
        #expect(IPLab.installed(rig) == [ip: Self.m])
        let row = rig.kernel.neighbours[NeighbourKey(ifindex: IPLab.svi, ip: ip)]
        #expect(row?.state == .noARP && row?.flags == [.extLearned], "nud noarp extern_learn, as zebra installs it")
        #expect(rig.remoteRows()[Self.m] == Lab.vtep2, "the MAC half still makes the FDB rows")
        rig.withdraw(path.route)
        #expect(IPLab.installed(rig).isEmpty)
        #expect(rig.remoteRows().isEmpty)
    }

    @Test func anotherVNIsRouteIsNotImported() {
        var rig = Rig()
        rig.announce(IPLab.remoteMACIP(Self.m, IPLab.ip4, vni: 200, vtep: Lab.vtep2))
        #expect(IPLab.installed(rig).isEmpty)
    }

    @Test func theHighestSequenceWinsThenTheLowestVTEP() {
        var rig = Rig()
        let n = Lab.mac(0x32)
        rig.announce(IPLab.remoteMACIP(Self.m, IPLab.ip4, vtep: Lab.vtep3))
        rig.announce(IPLab.remoteMACIP(Self.m, IPLab.ip4, vtep: Lab.vtep2))
        #expect(IPLab.installed(rig) == [IPLab.ip4: Self.m])
        rig.announce(IPLab.remoteMACIP(n, IPLab.ip4, vtep: Lab.vtep9, sequence: 2))
        #expect(IPLab.installed(rig) == [IPLab.ip4: n], "the IP moved to another MAC with a higher sequence: replaced")
        #expect(rig.neighbourBatches.flatMap { $0 }.contains { if case .replace = $0 { return true } else { return false } })
    }

    @Test func aDynamicLocalRowIsTakenOverWhenTheMACMovedAway() {
        var rig = Rig()
        rig.learn(Self.m, port: Lab.port(100))
        rig.kernel.resolve(IPLab.ip4, to: Self.m, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig)[IPLab.ip4] != nil)
        rig.announce(IPLab.remoteMACIP(Self.m, IPLab.ip4, vtep: Lab.vtep2, sequence: 5))
        #expect(IPLab.advertisedIPs(rig).isEmpty, "the MAC moved to VTEP 2: the local MAC+IP route is withdrawn")
        #expect(IPLab.installed(rig) == [IPLab.ip4: Self.m], "and the kernel's learned row replaced by the remote one")
    }

    @Test func adoptedAcrossARestartWithoutOperations() {
        let path = IPLab.remoteMACIP(Self.m, IPLab.ip4, vtep: Lab.vtep2)
        var first = Rig()
        first.announce(path)
        // A new process: the kernel as the old one left it, the route selected before the dumps are read.
        var rig = Rig(rows: first.kernel.dump(), neighbours: first.kernel.neighbourDump(), rib: [EVPNRouteKey(path.route): path])
        #expect(rig.neighbourBatches.isEmpty && rig.batches.isEmpty, "the row is evpnd's and as wanted: adopted, not reinstalled")
        #expect(IPLab.installed(rig) == [IPLab.ip4: Self.m])
    }

    @Test func healedWhenDeletedAndOnADump() {
        var rig = Rig()
        rig.announce(IPLab.remoteMACIP(Self.m, IPLab.ip4, vtep: Lab.vtep2))
        rig.kernel.operatorDeleteNeighbour(IPLab.ip4, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.installed(rig) == [IPLab.ip4: Self.m], "the event puts it back")
        rig.kernel.muted = true
        rig.kernel.operatorDeleteNeighbour(IPLab.ip4, on: IPLab.svi)
        rig.kernel.muted = false
        rig.flush()
        #expect(IPLab.installed(rig).isEmpty, "a lost event: nothing known yet")
        rig.send(.neighbourDump(rig.kernel.neighbourDump()))
        #expect(IPLab.installed(rig) == [IPLab.ip4: Self.m], "the next dump heals it")
    }

    @Test func neverTouchesWhatIsNotEvpnds() {
        let permanent = KernelNeighbourEntry(ip: IPLab.ip4, mac: Lab.mac(0x77), ifindex: IPLab.svi, state: .permanent)
        let otherDevice = KernelNeighbourEntry(ip: IPLab.other, mac: Lab.mac(0x78), ifindex: 99, state: .noARP, flags: [.extLearned])
        let stale = KernelNeighbourEntry(ip: IPLab.ip6, mac: Lab.mac(0x79), ifindex: IPLab.svi, state: .noARP, flags: [.extLearned])
        var rig = Rig(neighbours: [permanent, otherDevice, stale])
        rig.announce(IPLab.remoteMACIP(Self.m, IPLab.ip4, vtep: Lab.vtep2))
        #expect(rig.kernel.neighbours[NeighbourKey(ifindex: IPLab.svi, ip: IPLab.ip4)] == permanent, "an operator's permanent row stays")
        #expect(rig.vtep.counters.neighbourConflicts == 1)
        #expect(rig.kernel.neighbours[NeighbourKey(ifindex: 99, ip: IPLab.other)] == otherDevice, "another device's row stays")
        #expect(rig.kernel.neighbours[NeighbourKey(ifindex: IPLab.svi, ip: IPLab.ip6)] == nil,
                "an extern_learn row on the SVI nobody wants is evpnd's leftover: deleted")
    }
}

/// The reconciler's neighbour table on its own (the whole comparison, and graceful-restart retention).
@Suite struct NeighbourReconcilerTests {
    static let svi: Int32 = 10
    static let want = NeighbourIntent(ip: IPLab.ip4, mac: Lab.mac(1), svi: svi)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var desired: [NeighbourIntent]
        var actual: [KernelNeighbourEntry]
        var expected: [NeighbourOperation]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty kernel: add", desired: [want], actual: [], expected: [.add(want.entry)]),
        Case(name: "already there: nothing", desired: [want], actual: [want.entry], expected: []),
        Case(name: "ours with another MAC: replace",
             desired: [want], actual: [KernelNeighbourEntry(ip: IPLab.ip4, mac: Lab.mac(2), ifindex: svi, state: .noARP, flags: [.extLearned])],
             expected: [.replace(want.entry)]),
        Case(name: "learned row: taken over",
             desired: [want], actual: [KernelNeighbourEntry(ip: IPLab.ip4, mac: Lab.mac(2), ifindex: svi, state: .stale)],
             expected: [.replace(want.entry)]),
        Case(name: "operator's noarp row: left alone",
             desired: [want], actual: [KernelNeighbourEntry(ip: IPLab.ip4, mac: Lab.mac(2), ifindex: svi, state: .noARP)],
             expected: []),
        Case(name: "ours, unwanted: delete", desired: [], actual: [want.entry], expected: [.delete(want.entry)]),
        Case(name: "a host's row, unwanted: kept", desired: [],
             actual: [KernelNeighbourEntry(ip: IPLab.ip4, mac: Lab.mac(2), ifindex: svi)], expected: []),
        Case(name: "extern_learn on an unmanaged device: kept", desired: [],
             actual: [KernelNeighbourEntry(ip: IPLab.ip4, mac: Lab.mac(2), ifindex: 77, state: .noARP, flags: [.extLearned])],
             expected: []),
    ]

    @Test(arguments: cases)
    func reconcile(_ c: Case) {
        #expect(NeighbourReconciler.reconcile(desired: Set(c.desired), actual: c.actual, svis: [Self.svi]) == c.expected)
    }

    @Test func retainedThroughGracefulRestartThenRemoved() {
        var r = NeighbourReconciler()
        r.setManaged(svis: [Self.svi])
        r.setRetainsStale(true)
        r.replaceActual(with: [Self.want.entry])
        #expect(r.plan().operations.isEmpty, "kept while the routes come back")
        #expect(r.retainedCount == 1)
        r.setRetainsStale(false)
        #expect(r.plan().operations == [.delete(Self.want.entry)], "retention over: what did not return goes")
    }

    @Test func failuresParkAndEEXISTReplaces() {
        var r = NeighbourReconciler()
        r.setManaged(svis: [Self.svi])
        r.replaceActual(with: [])
        r.setDesired(Self.want, at: Self.want.key)
        let first = r.plan().operations
        #expect(first == [.add(Self.want.entry)])
        _ = r.fold(first, [.failed(errno: KernelOperationResult.EEXIST)])
        #expect(r.plan().operations == [.replace(Self.want.entry)])
        let failures = r.fold([.replace(Self.want.entry)], [.failed(errno: 22)])
        #expect(failures.count == 1)
        #expect(r.plan().operations.isEmpty, "parked until the next dump or change")
    }
}

@Suite struct ArpCacheTests {
    @Test func localAndRemoteHostsAreListedAsZebraListsThem() throws {
        var rig = Rig()
        let local = Lab.mac(0x41), remote = Lab.mac(0x42), waiting = Lab.mac(0x43)
        rig.learn(local, port: Lab.port(100))
        rig.kernel.resolve(IPLab.ip4, to: local, on: IPLab.svi)
        rig.kernel.resolve(IPLab.ip6, to: waiting, on: IPLab.svi)  // its MAC is not local: inactive
        rig.flush()
        rig.announce(IPLab.remoteMACIP(remote, IPLab.other, vtep: Lab.vtep2, sequence: 2))
        let report = rig.vtep.arpCacheReport(vni: 100)
        #expect(report.count == 3)
        #expect(report.first { $0.ip == IPLab.ip4 } == NeighbourReport(vni: 100, ip: IPLab.ip4, mac: local, kind: .local, isActive: true,
                                                                         localSequence: 0, remoteSequence: 0))
        #expect(report.first { $0.ip == IPLab.ip6 }?.isActive == false)
        #expect(report.first { $0.ip == IPLab.other } == NeighbourReport(vni: 100, ip: IPLab.other, mac: remote, kind: .remote(vtep: Lab.vtep2),
                                                                           isActive: true, localSequence: 0, remoteSequence: 2))
        #expect(rig.vtep.vniReport().first?.numArpNd == 3)
        #expect(rig.vtep.arpCacheReport(vni: 200).isEmpty)
    }
}
