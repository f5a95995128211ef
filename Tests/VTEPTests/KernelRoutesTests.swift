// Kernel routes, I/O-free: the route reconciler against a simulated main table (ownership, adoption,
// healing, graceful restart), the next-hop resolver's longest-prefix match, and the refusals and
// next-hop tracking of KernelRoutesState.

import BGPWire
import Testing
@testable import VTEP

private func prefix(_ text: String) -> IPPrefix {
    let parts = text.split(separator: "/")
    return IPPrefix(address: IPAddress(String(parts[0]))!, length: UInt8(parts[1])!)
}

private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

private func bgpRow(_ p: String, via: String, metric: UInt32 = 20, protocol proto: UInt8 = KernelRouteProtocol.bgp) -> KernelRouteEntry {
    KernelRouteEntry(prefix: prefix(p), metric: metric, protocol: proto, nextHops: [KernelNextHop(gateway: ip(via), ifindex: 5)])
}

private func connected(_ p: String, dev: Int32 = 5) -> KernelRouteEntry {
    KernelRouteEntry(prefix: prefix(p), metric: 0, protocol: KernelRouteProtocol.kernel, nextHops: [KernelNextHop(gateway: nil, ifindex: dev)])
}

/// Runs rounds against the simulated table until nothing is left to do, feeding its events back.
private func settle(_ state: inout KernelRoutesState, _ kernel: inout SimulatedRouteTable) -> [KernelRouteOperation] {
    var all: [KernelRouteOperation] = []
    for _ in 0..<5 {
        let round = state.round()
        all += round.operations
        let results = kernel.apply(round.operations)
        _ = state.reconciler.fold(round.operations, results)
        let events = kernel.takeEvents()
        if round.operations.isEmpty && events.isEmpty { break }
        for event in events {
            if event.added { state.kernelAdded(event.row) } else { state.kernelRemoved(event.row) }
        }
    }
    return all
}

@Suite("Kernel routes: reconciler") struct KernelRouteReconcilerTests {
    @Test func installsAsZebraAndLeavesOtherProtocolsAlone() {
        var kernel = SimulatedRouteTable(rows: [
            connected("10.10.0.0/24"),
            bgpRow("10.0.9.9/32", via: "10.10.0.9", metric: 20, protocol: KernelRouteProtocol.boot),  // an operator's
            bgpRow("10.0.8.8/32", via: "10.10.0.9", metric: 100, protocol: KernelRouteProtocol.bgp),  // another metric
            bgpRow("10.0.7.7/32", via: "10.10.0.9"),  // evpnd's, from before a restart, not wanted now
        ])
        var state = KernelRoutesState()
        state.kernelDump(kernel.dump())
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.2")])
        state.setBGP(prefix("10.0.9.9/32"), nextHops: [ip("10.10.0.2")])
        let round = state.round()
        #expect(round.operations.map(\.description) == [
            "add 10.0.2.2/32 via 10.10.0.2 proto bgp metric 20",
            "delete 10.0.7.7/32 via 10.10.0.9 dev 5 proto bgp metric 20",
        ])
        #expect(round.conflicts.count == 1)
        #expect(round.conflicts.first?.contains("10.0.9.9/32") == true)
        _ = kernel.apply(round.operations)
        #expect(kernel.rows[KernelRouteKey(prefix: prefix("10.0.9.9/32"))]?.protocol == KernelRouteProtocol.boot)
        #expect(kernel.rows[KernelRouteKey(prefix: prefix("10.0.8.8/32"), metric: 100)] != nil)
    }

    /// Adoption: the previous process's rows that are still wanted are kept as they are (no operation).
    @Test func adoptsItsOwnRowsAfterARestart() {
        var kernel = SimulatedRouteTable(rows: [connected("10.10.0.0/24"), bgpRow("10.0.2.2/32", via: "10.10.0.2")])
        var state = KernelRoutesState()
        state.kernelDump(kernel.dump())
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.2")])
        #expect(settle(&state, &kernel).isEmpty)
    }

    /// An operator deleting evpnd's route: put back. Replacing it with another next hop: replaced back.
    @Test func healsDeletionAndChange() {
        var kernel = SimulatedRouteTable(rows: [connected("10.10.0.0/24")])
        var state = KernelRoutesState()
        state.kernelDump(kernel.dump())
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.2")])
        _ = settle(&state, &kernel)
        let row = kernel.rows[KernelRouteKey(prefix: prefix("10.0.2.2/32"))]!
        kernel.remove(row)
        for e in kernel.takeEvents() { state.kernelRemoved(e.row) }
        #expect(settle(&state, &kernel).map(\.description) == ["add 10.0.2.2/32 via 10.10.0.2 proto bgp metric 20"])
        kernel.put(bgpRow("10.0.2.2/32", via: "10.10.0.7"))
        for e in kernel.takeEvents() { state.kernelAdded(e.row) }
        #expect(settle(&state, &kernel).map(\.description) == ["replace 10.0.2.2/32 via 10.10.0.2 proto bgp metric 20"])
        #expect(state.reconciler.drift.repaired >= 1)
    }

    /// Graceful restart: own rows nobody asks for yet are kept while retention is on, deleted when it ends.
    @Test func keepsStaleRowsThroughGracefulRestart() {
        var kernel = SimulatedRouteTable(rows: [connected("10.10.0.0/24"), bgpRow("10.0.7.7/32", via: "10.10.0.9")])
        var state = KernelRoutesState()
        state.setRetainsStale(true)
        state.kernelDump(kernel.dump())
        #expect(settle(&state, &kernel).isEmpty)
        #expect(state.reconciler.retainedCount == 1)
        state.setRetainsStale(false)
        #expect(settle(&state, &kernel).map(\.description) == ["delete 10.0.7.7/32 via 10.10.0.9 dev 5 proto bgp metric 20"])
        #expect(kernel.rows[KernelRouteKey(prefix: prefix("10.0.7.7/32"))] == nil)
    }

    /// An ECMP intent is one row with every next hop; the kernel's row in another order satisfies it.
    @Test func ecmpIsOneRow() {
        var kernel = SimulatedRouteTable(rows: [connected("10.10.0.0/24")])
        var state = KernelRoutesState()
        state.kernelDump(kernel.dump())
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.3"), ip("10.10.0.2")])
        let ops = settle(&state, &kernel)
        #expect(ops.map(\.description) == ["add 10.0.2.2/32 proto bgp metric 20 nexthop via 10.10.0.2 nexthop via 10.10.0.3"])
        let intent = KernelRouteIntent(KernelRouteEntry(prefix: prefix("10.0.2.2/32"), nextHops: [
            KernelNextHop(gateway: ip("10.10.0.3")), KernelNextHop(gateway: ip("10.10.0.2"))]))
        #expect(intent.isSatisfied(by: KernelRouteEntry(prefix: prefix("10.0.2.2/32"), nextHops: [
            KernelNextHop(gateway: ip("10.10.0.2"), ifindex: 5), KernelNextHop(gateway: ip("10.10.0.3"), ifindex: 5)])))
    }
}

@Suite("Kernel routes: next-hop resolver") struct NextHopResolverTests {
    static let table: [KernelRouteEntry] = [
        KernelRouteEntry(prefix: prefix("0.0.0.0/0"), metric: 0, protocol: KernelRouteProtocol.boot,
                         nextHops: [KernelNextHop(gateway: ip("10.10.0.1"), ifindex: 5)]),
        connected("10.10.0.0/24"),
        bgpRow("10.0.2.2/32", via: "10.10.0.2"),
        bgpRow("10.0.0.0/16", via: "10.10.0.3"),
        bgpRow("10.0.5.0/24", via: "10.0.5.1"),  // covers its own next hop: never resolves through itself
        bgpRow("10.0.6.6/32", via: "10.0.6.6"),  // its own next hop
        KernelRouteEntry(prefix: prefix("10.0.7.0/24"), metric: 0, protocol: KernelRouteProtocol.boot, type: 6, nextHops: []),  // blackhole
        connected("fd00:10::/64"),
        KernelRouteEntry(prefix: prefix("::/0"), metric: 1024, protocol: KernelRouteProtocol.boot,
                         nextHops: [KernelNextHop(gateway: ip("fd00:10::1"), ifindex: 5)]),
        bgpRow("fd00:2::2/128", via: "fd00:10::2"),
    ]

    @Test(arguments: [
        ("10.10.0.2", "reachable via 10.10.0.0/24"),
        ("10.0.2.2", "reachable via 10.0.2.2/32"),
        ("10.0.2.3", "reachable via 10.0.0.0/16"),
        ("10.0.5.1", "reachable via 10.0.0.0/16"),
        ("10.0.6.6", "reachable via 10.0.0.0/16"),
        ("10.0.7.1", "reachable via 10.0.0.0/16"),
        ("192.0.2.1", "unreachable"),  // only the default route covers it
        ("fd00:2::2", "reachable via fd00:2::2/128"),
        ("fd00:10::9", "reachable via fd00:10::/64"),
        ("fd00:3::3", "unreachable"),
    ])
    func resolves(address: String, expected: String) {
        var resolver = NextHopResolver()
        resolver.replace(with: Self.table)
        #expect(resolver.resolve(ip(address)).description == expected)
    }

    /// A blackhole is not a way there, and once the /16 goes the blackhole does not catch 10.0.7.1 either.
    @Test func blackholeAndRemoval() {
        var resolver = NextHopResolver()
        resolver.replace(with: Self.table)
        resolver.remove(bgpRow("10.0.0.0/16", via: "10.10.0.3"))
        #expect(resolver.resolve(ip("10.0.7.1")) == .unreachable)
        #expect(resolver.resolve(ip("10.0.2.3")) == .unreachable)
        #expect(resolver.resolve(ip("10.0.2.2")) == .reachable(via: prefix("10.0.2.2/32")))
        #expect(resolver.connectedSubnets == [prefix("10.10.0.0/24"), prefix("fd00:10::/64")])
    }
}

@Suite("Kernel routes: refusals and next-hop tracking") struct KernelRoutesStateTests {
    static func fresh() -> (KernelRoutesState, SimulatedRouteTable) {
        let kernel = SimulatedRouteTable(rows: [connected("10.10.0.0/24"), connected("fd00:10::/64")])
        var state = KernelRoutesState()
        state.setLocalAddresses([ip("10.0.1.1"), ip("10.10.0.1")])
        state.kernelDump(kernel.dump())
        return (state, kernel)
    }

    @Test(arguments: [
        ("10.0.3.0/24", ["10.10.0.1"], RouteRefusal.nextHopIsOurs),
        ("10.0.1.1/32", ["10.10.0.2"], .ownAddress),
        ("10.10.0.0/24", ["10.10.0.2"], .connectedSubnet),
        ("10.10.0.128/25", ["10.10.0.2"], .connectedSubnet),
        ("10.0.4.0/24", ["fe80::2"], .linkLocalNextHop),
        ("10.0.5.0/24", ["192.0.2.7"], .nextHopUnreachable),
        ("2001:db8:20::/48", ["::ffff:10.10.0.2"], .mappedNextHop),
    ])
    func refused(route: String, nextHops: [String], reason: RouteRefusal) {
        var (state, kernel) = Self.fresh()
        state.setBGP(prefix(route), nextHops: nextHops.map(ip))
        let ops = settle(&state, &kernel)
        #expect(ops.isEmpty)
        #expect(state.refused[prefix(route)] == reason)
        #expect(state.refusalCounts[reason] == 1)
    }

    /// A prefix that covers our loopback but is less specific than it (an aggregate) is a route like any other.
    @Test func aggregateCoveringOurLoopbackIsInstalled() {
        var (state, kernel) = Self.fresh()
        state.setBGP(prefix("10.0.0.0/16"), nextHops: [ip("10.10.0.2")])
        #expect(settle(&state, &kernel).count == 1)
        #expect(state.refused.isEmpty)
    }

    /// A route whose next hop is reachable only through another BGP route leaves when that route goes and
    /// comes back with it.
    @Test func followsItsNextHop() {
        var (state, kernel) = Self.fresh()
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.2")])   // the remote loopback
        state.setBGP(prefix("10.20.0.0/16"), nextHops: [ip("10.0.2.2")])   // a route via that loopback
        _ = settle(&state, &kernel)
        #expect(kernel.rows[KernelRouteKey(prefix: prefix("10.20.0.0/16"))] != nil)
        #expect(state.isReachable(ip("10.0.2.2")))
        state.setBGP(prefix("10.0.2.2/32"), nextHops: nil)
        let gone = settle(&state, &kernel)
        #expect(Set(gone.map(\.description)) == [
            "delete 10.0.2.2/32 via 10.10.0.2 proto bgp metric 20", "delete 10.20.0.0/16 via 10.0.2.2 proto bgp metric 20"])
        #expect(state.refused[prefix("10.20.0.0/16")] == .nextHopUnreachable)
        #expect(!state.isReachable(ip("10.0.2.2")))
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.2")])
        _ = settle(&state, &kernel)
        #expect(kernel.rows[KernelRouteKey(prefix: prefix("10.20.0.0/16"))] != nil)
        #expect(state.refused[prefix("10.20.0.0/16")] == nil)
    }

    /// Of an ECMP set only the members that resolve are installed.
    @Test func ecmpKeepsTheResolvableMembers() {
        var (state, kernel) = Self.fresh()
        state.setBGP(prefix("10.0.2.2/32"), nextHops: [ip("10.10.0.2"), ip("192.0.2.9")])
        #expect(settle(&state, &kernel).map(\.description) == ["add 10.0.2.2/32 via 10.10.0.2 proto bgp metric 20"])
    }

    /// A static route wins over BGP for its prefix (zebra's distance 1 against 20) and goes in as proto static;
    /// its interface is looked up by name, and a missing one is a refusal.
    @Test func staticRoutes() {
        var (state, kernel) = Self.fresh()
        state.setBGP(prefix("10.0.2.0/24"), nextHops: [ip("10.10.0.3")])
        state.setStatics([StaticRouteConfig(prefix: prefix("10.0.2.0/24"), gateway: ip("10.10.0.2"), interface: nil),
                          StaticRouteConfig(prefix: prefix("0.0.0.0/0"), gateway: ip("10.10.0.254"), interface: "eth9")])
        state.setInterfaces(["eth0": 5])
        let ops = settle(&state, &kernel)
        #expect(ops.map(\.description) == ["add 10.0.2.0/24 via 10.10.0.2 proto static metric 20"])
        #expect(state.refused[prefix("0.0.0.0/0")] == .interfaceMissing)
        state.setInterfaces(["eth0": 5, "eth9": 9])
        #expect(settle(&state, &kernel).map(\.description) == ["add 0.0.0.0/0 via 10.10.0.254 dev 9 proto static metric 20"])
        state.setStatics([])
        #expect(Set(settle(&state, &kernel).map(\.description)) == [
            "replace 10.0.2.0/24 via 10.10.0.3 proto bgp metric 20", "delete 0.0.0.0/0 via 10.10.0.254 dev 9 proto static metric 20"])
    }
}
