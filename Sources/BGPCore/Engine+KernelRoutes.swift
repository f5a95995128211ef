// The Loc-RIB's IPv4/IPv6 unicast best paths as the kernel routes want them: a change feed of prefixes
// (like the EVPN one the VTEP reads) and, per prefix, the next hops to forward by. The kernel side
// (VTEP/Routes) decides what is installed; this only says what BGP selected.

import BGPWire

/// What BGP selected for one prefix, for forwarding.
public struct UnicastForwarding: Hashable, Sendable {
    /// The next hops to install: the best path's first, then those of its multipath set (ECMP).
    public var nextHops: [IPAddress]
    /// The best path is our own (`network`, `redistribute`): it is in the kernel already, never installed.
    public var isLocal: Bool

    public init(nextHops: [IPAddress], isLocal: Bool) {
        self.nextHops = nextHops
        self.isLocal = isLocal
    }
}

extension Engine {
    /// Unicast change feed: once on, every prefix decided again (its best path or its multipath set may have
    /// changed, or it went) is collected until taken.
    public var tracksUnicastChanges: Bool {
        get { rib.trackPrefixChanges }
        set {
            rib.trackPrefixChanges = newValue
            if !newValue {
                rib.changedPrefixes = []
                rib.changedPrefixSet = []
            }
        }
    }

    /// The prefixes decided again since the last call, in the order they were.
    public mutating func takeUnicastChanges() -> [IPPrefix] {
        let prefixes = rib.changedPrefixes
        rib.changedPrefixes = []
        rib.changedPrefixSet.removeAll(keepingCapacity: true)
        return prefixes
    }

    /// Every unicast prefix with a best path (start, and a full look after a resync).
    public var unicastPrefixes: [IPPrefix] {
        rib.table.liveIDs.compactMap { id in
            let destination = rib.table[id]
            guard case .prefix(let prefix) = destination.route, destination.paths.indices.contains(Int(destination.best)) else {
                return nil
            }
            return prefix
        }
    }

    /// What the best path of `prefix` forwards by; nil when there is none.
    public func unicastForwarding(_ prefix: IPPrefix) -> UnicastForwarding? {
        guard let id = rib.table.find(.prefix(prefix.masked)) else { return nil }
        let destination = rib.table[id]
        let best = Int(destination.best)
        guard destination.paths.indices.contains(best) else { return nil }
        let path = destination.paths[best]
        let isLocal = rib.sources[Int(path.source)]?.peer == nil
        // The best path's next hop first, then those of the rest of its multipath set (`maximum-paths`,
        // Multipath.swift): one kernel route with every next hop (ECMP).
        var nextHops: [IPAddress] = []
        let set = isLocal ? [best] : rib.multipath(id, maximum: maximumPaths(RIBRoute.prefix(prefix.masked).family),
                                                   relax: config.multipathRelax)
        for i in set where destination.paths.indices.contains(i) {
            if let address = destination.paths[i].attributes.nextHopAddress, !nextHops.contains(address) {
                nextHops.append(address)
            }
        }
        return UnicastForwarding(nextHops: nextHops, isLocal: isLocal)
    }
}
