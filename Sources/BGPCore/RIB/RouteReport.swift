// The Loc-RIB as `show bgp l2vpn evpn route` reports it: every route with every path, the best one
// marked with the reason it won. The control protocol (ControlProtocol.EVPNRouteReport) turns this
// into FRR's JSON; the Loc-RIB change feed tells the VTEP side which routes to look at again.

import BGPWire

public struct RouteReportEntry: Hashable, Sendable {
    public struct PathReport: Hashable, Sendable {
        /// The NLRI as this path carries it (labels and ESI may differ between paths).
        public var route: EVPNRoute
        public var best: Bool
        /// FRR's `selectionReason`, on the best path only.
        public var selectionReason: String?
        /// nil for a route this speaker originates.
        public var peer: PeerID?
        /// The peer's BGP Identifier, ours for local routes.
        public var peerRouterID: IPv4Address
        public var hostname: String?
        /// FRR's `pathFrom`: "internal" for iBGP paths, "external" otherwise (FRR shows local routes so).
        public var pathFrom: String
        public var nextHop: IPAddress?
        public var origin: Origin
        public var asPath: ASPath
        /// As received; nil when absent (FRR then shows no "locPrf").
        public var localPref: UInt32?
        public var med: UInt32?
        public var extendedCommunities: [ExtendedCommunity]
        public var originatorID: IPv4Address?
        public var clusterList: [IPv4Address]
        /// Every attribute as held, for anything the fields above leave out.
        public var attributes: [PathAttribute]
        /// Held for a peer in a graceful restart (RFC 4724, RIB/Stale.swift).
        public var stale = false
        /// On a path that is not the best: the decision step at which it loses to the best path (BestPath.swift).
        /// Worked out only when the report is made, never by the decision itself.
        public var lostReason: SelectionReason?
        /// Why the route is not used although it is selected (no VNI imports it: DropCounters.swift); set by the
        /// part that decides it (the daemon, from the VTEP) before the report is shown.
        public var notUsedReason: DropReason? = nil

        /// For tests and tools that stand in for a RIB (the VTEP reads paths through a closure).
        public init(route: EVPNRoute, best: Bool = true, selectionReason: String? = nil, peer: PeerID?,
                    peerRouterID: IPv4Address, hostname: String? = nil, pathFrom: String = "internal", nextHop: IPAddress?,
                    origin: Origin = .igp, asPath: ASPath = .empty, localPref: UInt32? = 100, med: UInt32? = nil,
                    extendedCommunities: [ExtendedCommunity], originatorID: IPv4Address? = nil,
                    clusterList: [IPv4Address] = [], attributes: [PathAttribute] = []) {
            self.route = route
            self.best = best
            self.selectionReason = selectionReason
            self.peer = peer
            self.peerRouterID = peerRouterID
            self.hostname = hostname
            self.pathFrom = pathFrom
            self.nextHop = nextHop
            self.origin = origin
            self.asPath = asPath
            self.localPref = localPref
            self.med = med
            self.extendedCommunities = extendedCommunities
            self.originatorID = originatorID
            self.clusterList = clusterList
            self.attributes = attributes
        }
    }

    public var key: EVPNRouteKey
    public var paths: [PathReport]
}

extension RIB {
    func report(routeType: UInt8? = nil) -> [RouteReportEntry] {
        var entries: [RouteReportEntry] = []
        for id in table.liveIDs where table[id].route.family == .l2vpnEVPN && (routeType == nil || table[id].route.routeType == routeType) {
            if let entry = entry(id) { entries.append(entry) }
        }
        entries.sort { ($0.key.rd, $0.key.prefixString) < ($1.key.rd, $1.key.prefixString) }
        return entries
    }

    /// The best path of `key` alone, as `report` lists it first: the VTEP reads one per Loc-RIB change,
    /// and building every path's report and sorting them was a fifth of its install time.
    func bestPathReport(for key: EVPNRouteKey) -> RouteReportEntry.PathReport? {
        guard let id = table.find(.evpn(key)) else { return nil }
        let destination = table[id]
        let best = Int(destination.best)
        guard destination.paths.indices.contains(best) else { return nil }
        return pathReport(id, destination, best)
    }

    private func entry(_ id: RouteID) -> RouteReportEntry? {
        let destination = table[id]
        guard !destination.paths.isEmpty, case .evpn(let route) = destination.route else { return nil }
        var paths = destination.paths.indices.compactMap { pathReport(id, destination, $0) }
        let best = Int(destination.best)
        if destination.paths.indices.contains(best) {
            // Why each other path lost: one comparison with the best, here only (the decision keeps one reason).
            let isMACIP = destination.route.routeType == MACIPAdvertisementRoute.routeType
            let winner = candidate(destination, best)
            for i in paths.indices where i != best {
                paths[i].lostReason = BestPath.lossReason(candidate(destination, i), against: winner, isMACIP: isMACIP)
            }
        }
        // The best path first, as FRR lists it.
        paths.sort { $0.best && !$1.best }
        return RouteReportEntry(key: EVPNRouteKey(route), paths: paths)
    }

    private func candidate(_ destination: Destination, _ i: Int) -> Candidate {
        let path = destination.paths[i]
        return Candidate(attributes: path.attributes, origin: sources[Int(path.source)]?.origin
                            ?? PathOrigin(kind: .ibgp, routerID: IPv4Address(rawValue: 0), address: nil),
                         selected: i == Int(destination.best))
    }

    /// nil for a destination that is not EVPN (report and bestPathReport look up EVPN keys alone).
    private func pathReport(_ id: RouteID, _ destination: Destination, _ i: Int) -> RouteReportEntry.PathReport? {
        let path = destination.paths[i]
        guard case .evpn(let route) = destination.nlri(of: path) else { return nil }
        let source = sources[Int(path.source)]
        let a = path.attributes
        let best = i == Int(destination.best)
        var report = RouteReportEntry.PathReport(
            route: route, best: best, selectionReason: best ? destination.reason.rawValue : nil,
            peer: source?.peer, peerRouterID: source?.origin.routerID ?? routerID, hostname: source?.hostname,
            pathFrom: source?.origin.kind == .ibgp ? "internal" : "external",
            nextHop: a.nextHopAddress, origin: a.origin, asPath: a.asPath, localPref: a.localPref, med: a.med,
            extendedCommunities: a.extendedCommunities, originatorID: a.originatorID, clusterList: a.clusterList,
            attributes: a.attributes)
        report.stale = isStale(id, slot: path.source)
        return report
    }
}
