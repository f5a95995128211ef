// The IPv4/IPv6 unicast Loc-RIB as `show bgp ipv4|ipv6 unicast` reports it: every prefix with every
// path, the best one first and marked with the reason it won, and per peer and family the prefixes
// received and sent (the per-family summary). ControlProtocol turns these into FRR's JSON.

import BGPWire

public struct UnicastRouteEntry: Hashable, Sendable {
    public struct Path: Hashable, Sendable {
        public var best: Bool
        /// FRR's `selectionReason`, on the best path only.
        public var selectionReason: String?
        /// nil for a `network` of ours.
        public var peer: PeerID?
        public var peerRouterID: IPv4Address
        public var hostname: String?
        /// FRR's `pathFrom`: "internal" for iBGP paths, "external" otherwise.
        public var pathFrom: String
        /// As received (0.0.0.0 or :: for our own); an IPv6 next hop's link-local half is not shown.
        public var nextHop: IPAddress?
        public var origin: Origin
        public var asPath: ASPath
        public var localPref: UInt32?
        public var med: UInt32?
        public var originatorID: IPv4Address?
        public var clusterList: [IPv4Address]
        public var stale: Bool
        /// In the prefix's multipath set with at least one other path (FRR's `multipath`, Multipath.swift).
        public var multipath = false
    }

    public var prefix: IPPrefix
    public var paths: [Path]
}

/// pfxRcd and pfxSnt of one peer in one family.
public struct PrefixCounts: Hashable, Sendable {
    public var received: Int
    public var sent: Int
    public init(received: Int, sent: Int) {
        self.received = received
        self.sent = sent
    }
}

extension RIB {
    func unicastReport(_ family: AddressFamily, maximum: MaximumPaths = MaximumPaths(), relax: Bool = false) -> [UnicastRouteEntry] {
        var entries: [UnicastRouteEntry] = []
        for id in table.liveIDs {
            let destination = table[id]
            guard case .prefix(let prefix) = destination.route, destination.route.family == family,
                  !destination.paths.isEmpty else { continue }
            var paths = unicastPaths(id, multipath: multipath(id, maximum: maximum, relax: relax)).map(\.path)
            // The best path first, as FRR lists it.
            paths.sort { $0.best && !$1.best }
            entries.append(UnicastRouteEntry(prefix: prefix, paths: paths))
        }
        // FRR lists prefixes in address order, then by length.
        entries.sort { ($0.prefix.address, $0.prefix.length) < ($1.prefix.address, $1.prefix.length) }
        return entries
    }
}

extension RIB {
    /// Every path of a destination as reported, with its index; `multipath`: the destination's multipath set.
    func unicastPaths(_ id: RouteID, multipath set: [Int]) -> [(index: Int, path: UnicastRouteEntry.Path)] {
        let destination = table[id]
        return destination.paths.indices.map { i -> (index: Int, path: UnicastRouteEntry.Path) in
            let path = destination.paths[i]
            let source = sources[Int(path.source)]
            let a = path.attributes
            let best = i == Int(destination.best)
            var report = UnicastRouteEntry.Path(
                best: best, selectionReason: best ? destination.reason.rawValue : nil, peer: source?.peer,
                peerRouterID: source?.origin.routerID ?? routerID, hostname: source?.hostname,
                pathFrom: source?.origin.kind == .ibgp ? "internal" : "external", nextHop: a.nextHopAddress,
                origin: a.origin, asPath: a.asPath, localPref: a.localPref, med: a.med, originatorID: a.originatorID,
                clusterList: a.clusterList, stale: isStale(id, slot: path.source))
            report.multipath = set.count > 1 && set.contains(i)
            return (i, report)
        }
    }
}

extension Engine {
    /// `show bgp ipv4 unicast` / `show bgp ipv6 unicast`: the Loc-RIB of one unicast family.
    public func unicastRoutes(_ family: AddressFamily) -> [UnicastRouteEntry] {
        rib.unicastReport(family, maximum: maximumPaths(family), relax: config.multipathRelax)
    }

    /// Prefixes of one family received from and sent to a peer (its summary line in that family).
    public func prefixCounts(_ peer: PeerID, _ family: AddressFamily) -> PrefixCounts {
        PrefixCounts(received: rib.received(from: peer, family: family), sent: rib.advertised(to: peer, family: family))
    }

    /// Destinations of one family in the Loc-RIB (FRR's "RIB entries" of that family's summary).
    public func routeCount(_ family: AddressFamily) -> Int { rib.table.countByFamily[family] }
}
