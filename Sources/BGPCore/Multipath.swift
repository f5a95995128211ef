// Multipath (ECMP) for IPv4/IPv6 unicast: besides the best path, the paths a prefix can be forwarded over at
// the same time, as FRR's `bgp_path_info_cmp` (its `paths_eq`) and `bgp_path_info_mpath_update` choose them
// (bgpd/bgp_route.c, bgp_mpath.c). A path joins the best one's set when the decision process (BestPath.swift)
// cannot tell them apart up to the IGP-cost step:
//   same LOCAL_PREF, neither locally originated, same AS_PATH length, same ORIGIN, same MED (where MEDs are
//   compared), the same kind of peer (both eBGP or both iBGP: eBGP always wins over iBGP first), and for eBGP
//   paths the same AS_PATH, or with `bgp bestpath as-path multipath-relax` any AS_PATH of that length.
// At most `maximum-paths N` paths (`maximum-paths ibgp N` when the best path is iBGP) are in the set, the best
// first, the others in ascending peer address order; a path whose next hop is already in the set adds nothing
// (the kernel cannot use one next hop twice) and is left out. FRR's default is 64 for both (its YANG model),
// so multipath is on unless `maximum-paths 1`. The set is worked out when asked (reports, and the kernel route
// installer through `Engine.forwardingPaths`), from the paths the destination holds: one RIB design for all
// families, nothing stored per prefix.

import BGPWire

/// `maximum-paths N` and `maximum-paths ibgp N` of one unicast family.
public struct MaximumPaths: Hashable, Sendable {
    public var ebgp: Int
    public var ibgp: Int
    /// FRR's default for both.
    public static let frrDefault = 64

    public init(ebgp: Int = MaximumPaths.frrDefault, ibgp: Int = MaximumPaths.frrDefault) {
        self.ebgp = ebgp
        self.ibgp = ibgp
    }
}

extension BestPath {
    /// Whether `a` may share forwarding with `best`: FRR's `paths_eq`.
    static func multipathEqual(_ a: Candidate, _ best: Candidate, relax: Bool) -> Bool {
        guard a.origin.kind == best.origin.kind, a.origin.kind != .local else { return false }
        guard localPref(a) == localPref(best) else { return false }
        let (x, y) = (a.attributes, best.attributes)
        guard x.asPath.pathLength == y.asPath.pathLength, x.origin == y.origin else { return false }
        let bothInternal = x.asPath.pathLength == 0 && y.asPath.pathLength == 0
        if bothInternal || (x.neighborAS != nil && x.neighborAS == y.neighborAS) {
            guard (x.med ?? 0) == (y.med ?? 0) else { return false }
        }
        if a.origin.kind == .ebgp && !relax { return x.asPath == y.asPath }
        return true
    }
}

extension RIB {
    /// The multipath set of a destination: indexes into its paths, the best first; just the best when no other
    /// path qualifies, empty when there is no best path.
    func multipath(_ id: RouteID, maximum: MaximumPaths, relax: Bool) -> [Int] {
        let destination = table[id]
        guard destination.best >= 0 else { return [] }
        let bestIndex = Int(destination.best)
        let candidates = destination.paths.indices.map { i in
            Candidate(attributes: destination.paths[i].attributes,
                      origin: sources[Int(destination.paths[i].source)]?.origin
                        ?? PathOrigin(kind: .ibgp, routerID: IPv4Address(rawValue: 0), address: nil),
                      selected: i == bestIndex)
        }
        let best = candidates[bestIndex]
        let limit = best.origin.kind == .ebgp ? maximum.ebgp : maximum.ibgp
        guard limit > 1, destination.paths.count > 1 else { return [bestIndex] }
        var set = [bestIndex]
        var nextHops: Set<[UInt8]> = [best.attributes.nextHop]
        let others = candidates.indices.filter { $0 != bestIndex && BestPath.multipathEqual(candidates[$0], best, relax: relax) }
            .sorted { (candidates[$0].origin.address?.bytes ?? []).lexicographicallyPrecedes(candidates[$1].origin.address?.bytes ?? []) }
        for i in others where set.count < limit {
            guard nextHops.insert(candidates[i].attributes.nextHop).inserted else { continue }
            set.append(i)
        }
        return set
    }
}

extension Engine {
    /// The multipath settings of a unicast family.
    func maximumPaths(_ family: AddressFamily) -> MaximumPaths { config.maximumPaths[family] ?? MaximumPaths() }

    /// The paths `prefix` is forwarded over: the best first, then the rest of its multipath set (at most
    /// `maximum-paths`, each with its own next hop); empty when the prefix has no path. For the kernel route
    /// installer: one route with these next hops.
    public func forwardingPaths(_ prefix: IPPrefix) -> [UnicastRouteEntry.Path] {
        let prefix = prefix.masked
        guard let id = rib.table.find(.prefix(prefix)) else { return [] }
        let family = RIBRoute.prefix(prefix).family
        let set = rib.multipath(id, maximum: maximumPaths(family), relax: config.multipathRelax)
        let report = rib.unicastPaths(id, multipath: set)
        return set.compactMap { i in report.first { $0.index == i }?.path }
    }
}
