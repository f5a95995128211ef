// Kernel routes, I/O-free (ARCHITECTURE.md, "kernel routes get a reducer of their own"): what BGP selected
// for IPv4/IPv6 unicast and the config's static routes, checked, resolved and handed to the route
// reconciler (KernelRouteReconciler.swift). The runtime's contract (Daemon/RouteDriver.swift):
//   - it feeds the main table's rows (a dump, then RTM_NEWROUTE/RTM_DELROUTE events), the host's own
//     addresses (the local table's rows), interface names, BGP's changed prefixes and the static routes;
//   - after each feed it calls `round()` and carries out the operations, then folds the answers back.
//
// A route is installed as zebra installs it (metric 20; protocol bgp, or static for `ip route` lines,
// which win over BGP for the same prefix as zebra's administrative distance 1 < 20) unless it is refused,
// with a counted, logged reason:
//   - a next hop that is one of our own addresses;
//   - (BGP) a host route of one of our own addresses (our loopback or VTEP address coming back to us);
//   - (BGP) a prefix equal to or inside a connected subnet (an overlay route covering the underlay);
//   - (BGP) an IPv6 link-local next hop, which needs the session's interface (unnumbered, not done yet);
//   - (BGP) an IPv4-mapped IPv6 next hop (an IPv6 route learned over an IPv4 session): the kernel has no
//     IPv6 route over an IPv4 gateway;
//   - a static route's interface that does not exist;
//   - no next hop resolves (NextHopResolver.swift): the route leaves the kernel and comes back when one does.

import BGPWire

/// One `ip route PREFIX NEXTHOP [IFNAME]` / `ipv6 route ...` line.
public struct StaticRouteConfig: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// nil for a device route (`ip route 10.0.0.0/8 eth0`).
    public var gateway: IPAddress?
    public var interface: String?

    public init(prefix: IPPrefix, gateway: IPAddress?, interface: String?) {
        self.prefix = prefix.masked
        self.gateway = gateway
        self.interface = interface
    }

    public var description: String {
        "\(prefix.address.bitLength == 32 ? "ip" : "ipv6") route \(prefix)" + (gateway.map { " \($0)" } ?? "") + (interface.map { " \($0)" } ?? "")
    }
}

/// Why a route did not reach the kernel.
public enum RouteRefusal: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case nextHopIsOurs = "next hop is ours"
    case ownAddress = "covers our own address"
    case connectedSubnet = "covers a connected subnet"
    case linkLocalNextHop = "link-local next hop without an interface"
    /// An IPv6 route with an IPv4-mapped next hop (learned over an IPv4 session): Linux takes no IPv4 gateway
    /// for an IPv6 route.
    case mappedNextHop = "IPv4-mapped next hop"
    case interfaceMissing = "interface not found"
    case nextHopUnreachable = "next hop unreachable"

    public var description: String { rawValue }
}

public struct KernelRoutesState: Sendable {
    public var reconciler = KernelRouteReconciler()
    public private(set) var resolver = NextHopResolver()
    /// The host's own addresses (the local table).
    public private(set) var localAddresses: Set<IPAddress> = []
    /// What BGP selected, by prefix (our own `network` paths are not here: they are in the kernel already).
    public private(set) var bgp: [IPPrefix: [IPAddress]] = [:]
    public private(set) var statics: [IPPrefix: [StaticRouteConfig]] = [:]
    public private(set) var interfaces: [String: Int32] = [:]
    /// The current reason per refused prefix.
    public private(set) var refused: [IPPrefix: RouteRefusal] = [:]
    /// Refusals since start, by reason (counted when a prefix becomes refused for that reason).
    public private(set) var refusalCounts: [RouteRefusal: Int] = [:]
    /// Next hops in use and whether each resolved when last looked at.
    private var nextHopReachable: [IPAddress: Bool] = [:]
    private var nextHopUsers: [IPAddress: Set<IPPrefix>] = [:]
    private var dirty: Set<IPPrefix> = []
    /// A kernel change since the last round: next hops are resolved again.
    private var kernelChanged = false

    public init() {}

    // MARK: inputs

    public mutating func setBGP(_ prefix: IPPrefix, nextHops: [IPAddress]?) {
        let p = prefix.masked
        if bgp[p] == nextHops { return }
        bgp[p] = nextHops
        dirty.insert(p)
    }

    public mutating func setStatics(_ routes: [StaticRouteConfig]) {
        let new = Dictionary(grouping: routes, by: \.prefix)
        for p in Set(new.keys).union(statics.keys) where new[p] != statics[p] { dirty.insert(p) }
        statics = new
    }

    public mutating func setInterfaces(_ names: [String: Int32]) {
        guard names != interfaces else { return }
        interfaces = names
        for p in statics.keys { dirty.insert(p) }
    }

    public mutating func setLocalAddresses(_ addresses: Set<IPAddress>) {
        guard addresses != localAddresses else { return }
        localAddresses = addresses
        dirty.formUnion(bgp.keys)
        dirty.formUnion(statics.keys)
    }

    /// The main table, dumped.
    public mutating func kernelDump(_ rows: [KernelRouteEntry]) {
        reconciler.replaceActual(with: rows)
        resolver.replace(with: rows)
        kernelChanged = true
        // Connected subnets may have changed: every BGP route is checked again.
        dirty.formUnion(bgp.keys)
    }

    public mutating func kernelAdded(_ row: KernelRouteEntry) {
        reconciler.observeAdded(row)
        resolver.add(row)
        kernelChanged = true
        if row.protocol == KernelRouteProtocol.kernel { dirty.formUnion(bgp.keys.filter { NextHopResolver.contains(row.prefix, $0.address) }) }
    }

    public mutating func kernelRemoved(_ row: KernelRouteEntry) {
        reconciler.observeRemoved(row)
        resolver.remove(row)
        kernelChanged = true
        if row.protocol == KernelRouteProtocol.kernel { dirty.formUnion(bgp.keys.filter { NextHopResolver.contains(row.prefix, $0.address) }) }
    }

    public mutating func setRetainsStale(_ on: Bool) { reconciler.setRetainsStale(on) }

    // MARK: queries

    /// Whether the kernel can reach `address` (for EVPN next hops, `show` reports).
    public func isReachable(_ address: IPAddress) -> Bool { resolver.resolve(address).isReachable }

    /// The next hops of the routes wanted, and whether each resolved when last looked at (`show ip nht`).
    public var trackedNextHops: [IPAddress: Bool] { nextHopReachable }

    // MARK: the round

    public struct Round: Sendable {
        public var operations: [KernelRouteOperation] = []
        public var conflicts: [String] = []
        /// A sentence per prefix newly refused (or accepted again).
        public var notes: [String] = []
    }

    /// Plans what changed. The operations are applied to the resolver's view of the table at once (their
    /// echoes confirm them later), so a route whose next hop depended on one just removed or added follows
    /// in the same round, not one event later.
    public mutating func round() -> Round {
        var out = Round()
        for _ in 0..<4 {
            resolveAgain(&out)
            if dirty.isEmpty && !reconciler.hasChanges { break }
            evaluateDirty(&out)
            let (operations, conflicts) = reconciler.plan()
            out.operations += operations
            out.conflicts += conflicts
            if operations.isEmpty { break }
            for operation in operations {
                switch operation {
                case .add(let e), .replace(let e), .append(let e): resolver.add(e)
                case .delete(let e): resolver.remove(e)
                }
            }
            kernelChanged = true
        }
        return out
    }

    /// After a kernel change: next hops whose reachability changed mark their routes.
    private mutating func resolveAgain(_ out: inout Round) {
        guard kernelChanged else { return }
        kernelChanged = false
        for (address, was) in nextHopReachable {
            let now = resolver.resolve(address).isReachable
            if now != was {
                nextHopReachable[address] = now
                dirty.formUnion(nextHopUsers[address] ?? [])
                out.notes.append("next hop \(address) \(now ? "reachable again" : "unreachable")")
            }
        }
    }

    private mutating func evaluateDirty(_ out: inout Round) {
        for prefix in dirty.sorted(by: { ($0.address, $0.length) < ($1.address, $1.length) }) {
            let (entry, refusal) = evaluate(prefix)
            reconciler.setDesired(entry.map(KernelRouteIntent.init), at: KernelRouteKey(prefix: prefix))
            if refused[prefix] != refusal {
                if let refusal {
                    refusalCounts[refusal, default: 0] += 1
                    out.notes.append("\(prefix) not installed: \(refusal)")
                } else if refused[prefix] != nil, entry != nil {
                    out.notes.append("\(prefix) installed again")
                }
                refused[prefix] = refusal
            }
        }
        dirty = []
    }

    /// What to install for `prefix`, or why nothing.
    private mutating func evaluate(_ prefix: IPPrefix) -> (KernelRouteEntry?, RouteRefusal?) {
        if let lines = statics[prefix], !lines.isEmpty {
            var hops: [KernelNextHop] = []
            for line in lines {
                var ifindex: Int32 = 0
                if let name = line.interface {
                    guard let index = interfaces[name] else { return (nil, .interfaceMissing) }
                    ifindex = index
                }
                hops.append(KernelNextHop(gateway: line.gateway, ifindex: ifindex,
                                          onlink: line.gateway.map { $0.bitLength != prefix.address.bitLength || Self.isLinkLocal($0) } ?? false))
            }
            return finish(prefix, hops, protocol: KernelRouteProtocol.static)
        }
        guard let nextHops = bgp[prefix], !nextHops.isEmpty else {
            track(prefix, [])
            return (nil, nil)
        }
        if localAddresses.contains(where: { NextHopResolver.contains(prefix, $0) && Int(prefix.length) == $0.bitLength }) {
            track(prefix, [])
            return (nil, .ownAddress)
        }
        if resolver.connectedSubnets.contains(where: { $0.length <= prefix.length && NextHopResolver.contains($0, prefix.address) }) {
            track(prefix, [])
            return (nil, .connectedSubnet)
        }
        if nextHops.contains(where: Self.isLinkLocal) {
            track(prefix, [])
            return (nil, .linkLocalNextHop)
        }
        if nextHops.contains(where: Self.isIPv4Mapped) {
            track(prefix, [])
            return (nil, .mappedNextHop)
        }
        return finish(prefix, nextHops.map { KernelNextHop(gateway: $0) }, protocol: KernelRouteProtocol.bgp)
    }

    /// The common checks: next hops of our own, then resolution.
    private mutating func finish(_ prefix: IPPrefix, _ hops: [KernelNextHop], protocol: UInt8) -> (KernelRouteEntry?, RouteRefusal?) {
        let gateways = hops.compactMap(\.gateway)
        track(prefix, gateways)
        if gateways.contains(where: { localAddresses.contains($0) }) { return (nil, .nextHopIsOurs) }
        let usable = hops.filter { hop in
            guard let gateway = hop.gateway, !hop.onlink else { return true }
            return nextHopReachable[gateway] ?? false
        }
        guard !usable.isEmpty else { return (nil, .nextHopUnreachable) }
        return (KernelRouteEntry(prefix: prefix, protocol: `protocol`, nextHops: usable), nil)
    }

    /// Records which next hops `prefix` uses, resolving the new ones.
    private mutating func track(_ prefix: IPPrefix, _ gateways: [IPAddress]) {
        for gateway in gateways where nextHopUsers[gateway]?.contains(prefix) != true {
            nextHopUsers[gateway, default: []].insert(prefix)
            if nextHopReachable[gateway] == nil { nextHopReachable[gateway] = resolver.resolve(gateway).isReachable }
        }
        // Forget next hops this prefix no longer uses (cheap: few next hops). In place: a copy of a next hop's
        // user set per withdrawn prefix made a withdrawal of 100,000 routes quadratic.
        let stale = nextHopUsers.keys.filter { !gateways.contains($0) && nextHopUsers[$0]?.contains(prefix) == true }
        for gateway in stale {
            nextHopUsers[gateway]?.remove(prefix)
            if nextHopUsers[gateway]?.isEmpty == true {
                nextHopUsers[gateway] = nil
                nextHopReachable[gateway] = nil
            }
        }
    }

    /// ::ffff:0:0/96.
    static func isIPv4Mapped(_ address: IPAddress) -> Bool {
        guard case .v6 = address else { return false }
        let b = address.bytes
        return b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xff && b[11] == 0xff
    }

    static func isLinkLocal(_ address: IPAddress) -> Bool {
        guard case .v6 = address else { return false }
        let b = address.bytes
        return b[0] == 0xfe && b[1] & 0xc0 == 0x80
    }
}
