// The RIB of every family evpnd carries (l2vpn evpn, IPv4 and IPv6 unicast, RIBRoute.swift): what each peer sent (Adj-RIB-In, post RFC 7606), the best path
// per route (Loc-RIB), what each update group advertises (Adj-RIB-Out), and per peer which routes
// still have to be told (dirty) and which were told (sent). Changes mark routes dirty; UPDATEs are
// built from the dirty set only when the peer's socket can take them (UpdatePacking.swift), so a
// route that changed three times before the socket drained goes out once, in its last state.

import BGPWire

/// A route the speaker itself originates (the VTEP's MACs and VNIs).
public struct LocalRoute: Hashable, Sendable {
    public var route: EVPNRoute
    public var nextHop: IPAddress
    /// Extended communities (route targets, encapsulation, MAC mobility), PMSI_TUNNEL and so on.
    /// ORIGIN (IGP) and an empty AS_PATH are added when absent.
    public var attributes: [PathAttribute]

    public init(route: EVPNRoute, nextHop: IPAddress, attributes: [PathAttribute] = []) {
        self.route = route
        self.nextHop = nextHop
        self.attributes = attributes
    }
}

/// Where paths come from: a peer while its session is Established, or the speaker itself.
struct Source {
    var peer: PeerID?
    var origin: PathOrigin
    var isClient: Bool
    var hostname: String?
    /// Paths held from this source (pfxRcd).
    var paths = 0
    /// The same by route type (RouteCounters.swift).
    var pathsByType = RouteTypeCounts()
    /// The same by family.
    var pathsByFamily = FamilyCounts()
    /// The families negotiated with the peer: routes of others it sends are ignored, as FRR does.
    var families: Set<AddressFamily> = []
    /// `neighbor X allowas-in` per family (AllowASIn.swift).
    var allowAsIn: [AddressFamily: AllowASIn] = [:]
}

struct UpdateGroup {
    var kind: GroupKind
    var context: CodecContext
    /// The families its peers negotiated (those the RIB carries): routes of others are not theirs.
    var families: Set<AddressFamily>
    /// Our address on its peers' sessions, for a unicast next hop set to self; nil for an EVPN-only
    /// group (EVPN next hops are never changed), so such groups do not split by local address.
    var selfAddress: IPAddress?
    var nextHopSelf: [AddressFamily: NextHopSelf]
    var members: [PeerID] = []
    /// Adj-RIB-Out: by RouteID, the attributes the group's peers are given (nil: not advertised).
    var advertised: [AttributeSet?] = []
    /// The last export worked out, since consecutive routes mostly share their attributes.
    var lastExport: (input: AttributeSet, source: SourceSlot, family: AddressFamily, output: AttributeSet?)?

    init(kind: GroupKind, context: CodecContext, families: Set<AddressFamily>, selfAddress: IPAddress?, nextHopSelf: [AddressFamily: NextHopSelf]) {
        self.kind = kind
        self.context = context
        self.families = families
        self.selfAddress = selfAddress
        self.nextHopSelf = nextHopSelf
    }

    func sameOutbound(_ other: UpdateGroup) -> Bool {
        kind == other.kind && context == other.context && families == other.families && selfAddress == other.selfAddress
            && nextHopSelf == other.nextHopSelf
    }

    func state(_ id: RouteID) -> AttributeSet? { Int(id) < advertised.count ? advertised[Int(id)] : nil }

    mutating func set(_ id: RouteID, _ value: AttributeSet?) {
        if Int(id) >= advertised.count {
            guard value != nil else { return }
            advertised += Array(repeating: nil, count: Int(id) + 1 - advertised.count)
        }
        advertised[Int(id)] = value
    }
}

/// One Established peer's outbound state.
struct OutPeer {
    var slot: SourceSlot
    var routerID: IPv4Address
    var group: Int
    var dirty = RouteBitset()
    var sent = RouteBitset()
    /// How many of `sent` are of each route type (RouteCounters.swift).
    var sentByType = RouteTypeCounts()
    /// How many of `sent` are of each family (pfxSnt per family).
    var sentByFamily = FamilyCounts()
    /// The initial table dump is done (End-of-RIB may follow).
    var families: Set<AddressFamily>
}

struct RIB {
    var policy: ExportPolicy
    var routerID: IPv4Address
    var interner = AttributeInterner()
    var table = RouteTable()
    var sources: [Source?]
    private var freeSlots: [SourceSlot] = []
    var slots: [PeerID: SourceSlot] = [:]
    var groups: [UpdateGroup] = []
    var outPeers: [PeerID: OutPeer] = [:]
    /// Peers with dirty routes since the engine last pumped.
    var needsPump: Set<PeerID> = []
    /// Routes dropped on receipt because they looped (our cluster id or router id), per peer.
    var loopsDropped: [PeerID: Int] = [:]
    /// EVPN routes kept only when they carry one of these route targets (RIB+Retain.swift); nil keeps all.
    var retainedTargets: Set<RouteTarget>?
    /// EVPN routes not kept because they carry none of `retainedTargets`, per peer.
    var notRetained: [PeerID: Int] = [:]
    /// Routes not used, by reason, per peer since it was configured (DropCounters.swift).
    var drops: [PeerID: DropCounters] = [:]
    /// Loc-RIB change feed, kept only while someone reads it.
    var trackChanges = false
    /// The changed routes in the order they changed (deterministic: the order UPDATEs and their
    /// routes came in), each once; `changedKeySet` tells whether a key is listed.
    /// EVPN routes only: the VTEP side reads them (unicast routes reach no kernel yet).
    var changedKeys: [EVPNRouteKey] = []
    var changedKeySet: Set<EVPNRouteKey> = []
    /// The same feed for unicast prefixes, kept only while the kernel routes read it (Engine+KernelRoutes.swift).
    var trackPrefixChanges = false
    var changedPrefixes: [IPPrefix] = []
    var changedPrefixSet: Set<IPPrefix> = []
    /// Paths held stale for peers in a graceful restart (Stale.swift).
    var stale = StaleRoutes()
    /// While `receive` runs: routes whose best path changed, to be marked dirty for every group member
    /// once at its end (one dictionary access per member per UPDATE rather than per route: per route,
    /// that was about a tenth of a reflector's cold start). nil outside `receive`: changes mark at once.
    private var deferredDirty: [RouteID]?

    static let localSlot: SourceSlot = 0

    init(localAS: UInt32, routerID: IPv4Address, clusterID: IPv4Address) {
        policy = ExportPolicy(localAS: localAS, clusterID: clusterID)
        self.routerID = routerID
        sources = [Source(peer: nil, origin: PathOrigin(kind: .local, routerID: routerID, address: nil), isClient: false)]
    }

    mutating func reconfigure(localAS: UInt32, routerID: IPv4Address, clusterID: IPv4Address) {
        policy = ExportPolicy(localAS: localAS, clusterID: clusterID)
        self.routerID = routerID
        sources[0]?.origin.routerID = routerID
        for i in groups.indices { groups[i].lastExport = nil }
    }

    // MARK: sessions

    /// The families the RIB carries.
    static let families: Set<AddressFamily> = [.l2vpnEVPN, .ipv4Unicast, .ipv6Unicast]

    /// `localAddress`: our end of the session, the next hop a unicast route gets when set to self.
    mutating func peerUp(_ peer: PeerID, negotiated: NegotiatedSession, config: PeerConfig, localAS: UInt32,
                         localAddress: IPAddress? = nil) {
        // A peer back from a graceful restart keeps its slot and its (stale) paths.
        let kept = stale.isRetaining(slots[peer]) ? slots[peer] : nil
        if kept == nil { peerDown(peer) } else { removeOutbound(peer) }
        let external = negotiated.peerAS != localAS
        let families = negotiated.families.intersection(RIB.families)
        var source = Source(peer: peer, origin: PathOrigin(kind: external ? .ebgp : .ibgp, routerID: negotiated.peerIdentifier,
                                                           address: peer.address),
                            isClient: config.routeReflectorClient && !external, hostname: negotiated.peerHostname)
        source.families = families
        source.allowAsIn = config.allowAsIn
        let slot: SourceSlot
        if let kept {
            slot = kept
            var source = source
            source.paths = sources[Int(kept)]?.paths ?? 0
            source.pathsByType = sources[Int(kept)]?.pathsByType ?? RouteTypeCounts()
            source.pathsByFamily = sources[Int(kept)]?.pathsByFamily ?? FamilyCounts()
            sources[Int(kept)] = source
        } else if let reused = freeSlots.popLast() {
            slot = reused
            sources[Int(slot)] = source
        } else {
            slot = SourceSlot(sources.count)
            sources.append(source)
        }
        slots[peer] = slot
        guard !families.isEmpty else { return }
        let kind: GroupKind = external ? .external : (source.isClient ? .client : .nonClient)
        let unicast = families.contains(.ipv4Unicast) || families.contains(.ipv6Unicast)
        let group = groupIndex(UpdateGroup(kind: kind, context: negotiated.sendContext, families: families,
                                           selfAddress: unicast ? (localAddress ?? config.updateSource ?? .v4(routerID)) : nil,
                                           nextHopSelf: unicast ? config.nextHopSelf : [:]))
        groups[group].members.append(peer)
        var out = OutPeer(slot: slot, routerID: negotiated.peerIdentifier, group: group, families: families)
        // The initial table: everything the group advertises.
        for (i, state) in groups[group].advertised.enumerated() where state != nil { out.dirty.insert(RouteID(i)) }
        outPeers[peer] = out
        if !out.dirty.isEmpty { needsPump.insert(peer) }
    }

    mutating func peerDown(_ peer: PeerID) {
        removeOutbound(peer)
        guard let slot = slots.removeValue(forKey: peer) else { return }
        stale.forget(slot)
        if sources[Int(slot)]?.paths ?? 0 > 0 {
            for id in table.liveIDs where table[id].paths.contains(where: { $0.source == slot }) {
                let before = snapshot(id)
                while let i = table[id].paths.firstIndex(where: { $0.source == slot }) { removePath(id, at: i) }
                decide(id, before: before)
                table.removeIfUnused(id)
            }
        }
        sources[Int(slot)] = nil
        freeSlots.append(slot)
    }

    /// The peer's outbound half: its update group membership and what it was told.
    mutating func removeOutbound(_ peer: PeerID) {
        if let out = outPeers.removeValue(forKey: peer) {
            groups[out.group].members.removeAll { $0 == peer }
            if groups[out.group].members.isEmpty {
                groups[out.group].advertised = []
                groups[out.group].lastExport = nil
            }
            for id in out.sent.members() {
                table[id].advertisedTo -= 1
                table.removeIfUnused(id)
            }
        }
        needsPump.remove(peer)
    }

    private mutating func groupIndex(_ wanted: UpdateGroup) -> Int {
        if let i = groups.firstIndex(where: { $0.sameOutbound(wanted) }) {
            if groups[i].members.isEmpty { fill(i) }
            return i
        }
        if let i = groups.firstIndex(where: { $0.members.isEmpty }) {
            groups[i] = wanted
            fill(i)
            return i
        }
        groups.append(wanted)
        fill(groups.count - 1)
        return groups.count - 1
    }

    /// A group that had no members works out its Adj-RIB-Out from the Loc-RIB.
    private mutating func fill(_ g: Int) {
        groups[g].advertised = []
        groups[g].lastExport = nil
        for id in table.liveIDs {
            groups[g].set(id, exported(id, group: g))
        }
    }

    // MARK: receiving

    /// Counts of what one UPDATE did, for the log.
    struct Receipt {
        var loops: [String] = []
    }

    mutating func receive(_ update: UpdateMessage, from peer: PeerID) -> Receipt {
        var receipt = Receipt()
        guard let slot = slots[peer], outPeers[peer] != nil || sources[Int(slot)] != nil else { return receipt }
        deferredDirty = []
        defer { markDeferredDirty() }
        let families = sources[Int(slot)]?.families ?? []
        // Withdrawals: IPv4 unicast in the Withdrawn Routes field (RFC 4271 section 4.3), the others in
        // MP_UNREACH_NLRI (RFC 4760 section 4). A family the peer did not negotiate is ignored, as FRR does.
        if families.contains(.ipv4Unicast) {
            for nlri in update.withdrawnRoutes { withdraw(.prefix(nlri.prefix.masked), pathID: nlri.pathID, slot: slot) }
        }
        if let unreach = update.mpUnreach {
            switch unreach.nlri {
            case .evpn(let list) where unreach.family == .l2vpnEVPN:
                for nlri in list { withdraw(.evpn(EVPNRouteKey(nlri.route)), pathID: nlri.pathID, slot: slot) }
            case .prefixes(let list) where unreach.family == .ipv6Unicast && families.contains(.ipv6Unicast):
                for nlri in list { withdraw(.prefix(nlri.prefix.masked), pathID: nlri.pathID, slot: slot) }
            default: break
            }
        }
        // Announcements, each list with its next hop: MP_REACH_NLRI's, or NEXT_HOP for the NLRI field.
        var evpn: [EVPNNLRI] = []
        var prefixes: [(nextHop: [UInt8], list: [PrefixNLRI])] = []
        var evpnNextHop: [UInt8] = []
        if let reach = update.mpReach {
            switch reach.nlri {
            case .evpn(let list) where reach.family == .l2vpnEVPN:
                evpn = list
                evpnNextHop = reach.nextHop
            case .prefixes(let list) where reach.family == .ipv6Unicast && families.contains(.ipv6Unicast) && !list.isEmpty:
                prefixes.append((reach.nextHop, list))
            default: break
            }
        }
        if !update.nlri.isEmpty, families.contains(.ipv4Unicast) {
            // A missing NEXT_HOP made the UPDATE treat-as-withdraw (Update.swift), handled below.
            if case .nextHop(let address)? = update.attribute(.nextHop) {
                prefixes.append((IPAddress.v4(address).bytes, update.nlri))
            } else {
                prefixes.append(([], update.nlri))
            }
        }
        guard !evpn.isEmpty || !prefixes.isEmpty else { return receipt }
        // RFC 7606: a treat-as-withdraw UPDATE withdraws what it announces; it is never reflected.
        if update.treatAsWithdraw {
            let names = evpn.suffix(DropCounters.recentLimit).map { $0.route.description }
                + prefixes.flatMap { $0.list.suffix(DropCounters.recentLimit).map { $0.prefix.masked.description } }
            recordDrops(peer, .malformed, evpn.count + prefixes.reduce(0) { $0 + $1.list.count }, names: names)
            withdrawAll(evpn, prefixes, slot: slot)
            return receipt
        }
        if !evpn.isEmpty {
            let attributes = interner.intern(attributes: update.attributes, nextHop: evpnNextHop)
            if let (reason, loop) = loopReason(attributes, slot: slot, family: .l2vpnEVPN) {
                // The route came back to us: whatever this peer had for these keys is gone too.
                loopsDropped[peer, default: 0] += evpn.count
                recordDrops(peer, reason, evpn.count, names: evpn.suffix(DropCounters.recentLimit).map { $0.route.description })
                receipt.loops.append(loop)
                withdrawAll(evpn, [], slot: slot)
            } else if !retains(attributes) {
                // Not imported by any local VNI (RIB+Retain.swift): not kept, counted.
                notRetained[peer, default: 0] += evpn.count
                recordDrops(peer, .routeTargetNotImported, evpn.count, names: evpn.suffix(DropCounters.recentLimit).map { $0.route.description })
                withdrawAll(evpn, [], slot: slot)
            } else {
                for nlri in evpn { announce(.evpn(nlri.route), pathID: nlri.pathID, attributes: attributes, slot: slot) }
            }
        }
        for (nextHop, list) in prefixes {
            let attributes = interner.intern(attributes: update.attributes, nextHop: nextHop)
            if let (reason, loop) = loopReason(attributes, slot: slot, family: list.first?.prefix.address.isIPv4 == false ? .ipv6Unicast : .ipv4Unicast) {
                loopsDropped[peer, default: 0] += list.count
                recordDrops(peer, reason, list.count, names: list.suffix(DropCounters.recentLimit).map { $0.prefix.masked.description })
                receipt.loops.append(loop)
                withdrawAll([], [(nextHop, list)], slot: slot)
                continue
            }
            for nlri in list { announce(.prefix(nlri.prefix.masked), pathID: nlri.pathID, attributes: attributes, slot: slot) }
        }
        return receipt
    }

    private mutating func withdrawAll(_ evpn: [EVPNNLRI], _ prefixes: [(nextHop: [UInt8], list: [PrefixNLRI])], slot: SourceSlot) {
        for nlri in evpn { withdraw(.evpn(EVPNRouteKey(nlri.route)), pathID: nlri.pathID, slot: slot) }
        for (_, list) in prefixes {
            for nlri in list { withdraw(.prefix(nlri.prefix.masked), pathID: nlri.pathID, slot: slot) }
        }
    }

    private mutating func markDeferredDirty() {
        guard let ids = deferredDirty else { return }
        deferredDirty = nil
        guard !ids.isEmpty else { return }
        for g in groups.indices where !groups[g].members.isEmpty {
            for member in groups[g].members {
                guard let index = outPeers.index(forKey: member) else { continue }
                for id in ids { outPeers.values[index].dirty.insert(id) }
                needsPump.insert(member)
            }
        }
    }

    /// RFC 4456 section 8 and RFC 4271 section 9.1.2: why a route is a loop, if it is.
    private func loopReason(_ attributes: AttributeSet, slot: SourceSlot, family: AddressFamily) -> (DropReason, String)? {
        if attributes.clusterList.contains(policy.clusterID) {
            return (.clusterListLoop, "CLUSTER_LIST holds our cluster id \(policy.clusterID)")
        }
        if attributes.originatorID == routerID { return (.originatorIdLoop, "ORIGINATOR_ID is our router id \(routerID)") }
        if let source = sources[Int(slot)], source.origin.kind == .ebgp,
           AllowASIn.loops(attributes.asPath, localAS: policy.localAS, allowing: source.allowAsIn[family]) {
            return (.asPathLoop, "AS_PATH holds our AS \(policy.localAS)")
        }
        return nil
    }

    /// Counts `count` routes dropped on receipt; `names` are the last few of them, kept for display.
    mutating func recordDrops(_ peer: PeerID, _ reason: DropReason, _ count: Int, names: [String]) {
        guard count > 0 else { return }
        drops[peer, default: DropCounters()].count(reason, count - names.count)
        for name in names { drops[peer, default: DropCounters()].drop(name, reason) }
    }

    mutating func announce(_ route: RIBRoute, pathID: UInt32?, attributes: AttributeSet, slot: SourceSlot) {
        let id = table.findOrInsert(route)
        // Only an EVPN NLRI has fields beyond its key (labels, ESI) that may differ between paths.
        var box: NLRIBox?
        if case .evpn(let mine) = route, case .evpn(let held) = table[id].route, mine != held { box = NLRIBox(mine) }
        let path = Path(attributes: attributes, nlri: box, source: slot, pathID: pathID)
        let before = snapshot(id)
        stale.refreshed(id, slot: slot)
        if let i = table[id].paths.firstIndex(where: { $0.source == slot && $0.pathID == pathID }) {
            let old = table[id].paths[i]
            if old.attributes === attributes && table[id].nlri(of: old) == route { return }
            table[id].paths[i] = path
        } else {
            table[id].paths.append(path)
            count(slot, route, +1)
        }
        decide(id, before: before)
    }

    mutating func withdraw(_ key: RouteKey, pathID: UInt32?, slot: SourceSlot) {
        guard let id = table.find(key),
              let i = table[id].paths.firstIndex(where: { $0.source == slot && $0.pathID == pathID }) else { return }
        let before = snapshot(id)
        let route = table[id].route
        removePath(id, at: i)
        count(slot, route, -1)
        decide(id, before: before)
        table.removeIfUnused(id)
    }

    /// pfxRcd bookkeeping: in total, by EVPN route type and by family.
    mutating func count(_ slot: SourceSlot, _ route: RIBRoute, _ delta: Int) {
        guard sources[Int(slot)] != nil else { return }
        sources[Int(slot)]?.paths += delta
        sources[Int(slot)]?.pathsByType[route.routeType] += delta
        sources[Int(slot)]?.pathsByFamily[route.family] += delta
    }

    // MARK: local routes

    mutating func originate(_ route: LocalRoute) {
        var list = route.attributes
        if !list.contains(where: { $0.type == .origin }) { list.append(PathAttribute(.origin(.igp))) }
        if !list.contains(where: { $0.type == .asPath }) { list.append(PathAttribute(.asPath(.empty))) }
        let attributes = interner.intern(attributes: list, nextHop: route.nextHop.bytes)
        announce(.evpn(route.route), pathID: nil, attributes: attributes, slot: RIB.localSlot)
    }

    mutating func withdrawLocal(_ key: EVPNRouteKey) {
        withdraw(.evpn(key), pathID: nil, slot: RIB.localSlot)
    }

    /// `network PREFIX`: ORIGIN IGP, an empty AS_PATH, MED 0 (FRR sets its static routes' IGP metric, 0 without
    /// zebra), and the unspecified address as next hop (FRR shows 0.0.0.0 or :: for its own routes); the next hop
    /// becomes our address on the way out (Export.swift).
    mutating func originate(prefix: IPPrefix) {
        let prefix = prefix.masked
        let attributes = interner.intern(attributes: [PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty)),
                                                      PathAttribute(.multiExitDisc(0))],
                                         nextHop: Array(repeating: 0, count: prefix.address.bytes.count))
        announce(.prefix(prefix), pathID: nil, attributes: attributes, slot: RIB.localSlot)
    }

    mutating func withdrawLocal(prefix: IPPrefix) {
        withdraw(.prefix(prefix.masked), pathID: nil, slot: RIB.localSlot)
    }

    // MARK: decision

    /// The best path as it was before a change, to tell whether the change matters outside.
    struct BestSnapshot {
        var source: SourceSlot
        var attributes: AttributeSet
        var route: RIBRoute
    }

    func snapshot(_ id: RouteID) -> BestSnapshot? {
        table[id].bestPath.map { BestSnapshot(source: $0.source, attributes: $0.attributes, route: table[id].nlri(of: $0)) }
    }

    /// Removes a path, keeping `best` pointing at the same path (or none if it was this one).
    mutating func removePath(_ id: RouteID, at i: Int) {
        table[id].paths.remove(at: i)
        let best = Int(table[id].best)
        if best == i { table[id].best = -1 } else if best > i { table[id].best -= 1 }
    }

    /// Runs the decision for one route and, if the best path changed, updates every group's
    /// Adj-RIB-Out and marks the route dirty for their peers.
    mutating func decide(_ id: RouteID, before: BestSnapshot?) {
        let isMACIP = table[id].route.routeType == MACIPAdvertisementRoute.routeType
        let pathCount = table[id].paths.count
        if pathCount == 1 {
            // What BestPath.select says of one candidate, without building the candidate list.
            table[id].best = 0
            table[id].reason = .first
        } else if let (best, reason) = BestPath.select(table[id].paths.enumerated().map { i, path in
            Candidate(attributes: path.attributes, origin: sources[Int(path.source)]?.origin
                        ?? PathOrigin(kind: .ibgp, routerID: IPv4Address(rawValue: 0), address: nil),
                      selected: i == Int(table[id].best))
        }, isMACIP: isMACIP) {
            table[id].best = Int16(best)
            table[id].reason = reason
        } else {
            table[id].best = -1
            table[id].reason = .none
        }
        let after = snapshot(id)
        let same = before?.source == after?.source && before?.attributes === after?.attributes
            && before?.route == after?.route && (before == nil) == (after == nil)
        // A prefix's multipath set can change while its best path stays (a second equal path came or went):
        // the kernel installer hears of every decision on a prefix, not only of a new best path.
        if trackPrefixChanges, case .prefix(let prefix) = table[id].route, changedPrefixSet.insert(prefix).inserted {
            changedPrefixes.append(prefix)
        }
        if same { return }
        if trackChanges, case .evpn(let route) = table[id].route {
            let key = EVPNRouteKey(route)
            if changedKeySet.insert(key).inserted { changedKeys.append(key) }
        }
        for g in groups.indices where !groups[g].members.isEmpty {
            groups[g].set(id, exported(id, group: g))
            guard deferredDirty == nil else { continue }
            for member in groups[g].members {
                outPeers[member]?.dirty.insert(id)
                needsPump.insert(member)
            }
        }
        deferredDirty?.append(id)
    }

    /// The group's view of the route's best path.
    private mutating func exported(_ id: RouteID, group g: Int) -> AttributeSet? {
        guard let best = table[id].bestPath, let source = sources[Int(best.source)] else { return nil }
        let family = table[id].route.family
        guard groups[g].families.contains(family) else { return nil }
        if let cached = groups[g].lastExport, cached.input === best.attributes, cached.source == best.source,
           cached.family == family {
            return cached.output
        }
        let output = policy.export(best.attributes, source: source, to: groups[g].kind,
                                   selfNextHop: selfNextHop(family, source: source, group: groups[g]))
            .map { interner.intern($0) }
        groups[g].lastExport = (best.attributes, best.source, family, output)
        return output
    }

    /// The next hop a unicast route leaves with when it is set to self, nil when it is left alone: towards
    /// eBGP always, for our own routes always, with `next-hop-self` for routes from eBGP, and with
    /// `next-hop-self force` for reflected ones too (FRR's rules). EVPN next hops are never changed.
    private func selfNextHop(_ family: AddressFamily, source: Source, group: UpdateGroup) -> [UInt8]? {
        guard family != .l2vpnEVPN, let address = group.selfAddress else { return nil }
        let wanted: Bool
        switch (group.kind, source.origin.kind, group.nextHopSelf[family] ?? .off) {
        case (.external, _, _), (_, .local, _), (_, _, .force), (_, .ebgp, .on): wanted = true
        default: wanted = false
        }
        guard wanted else { return nil }
        switch (family, address) {
        case (.ipv4Unicast, .v4(let v4)): return IPAddress.v4(v4).bytes
        // A session over IPv6 with no IPv4 address of ours to hand: the router id, as FRR falls back to.
        case (.ipv4Unicast, .v6): return IPAddress.v4(routerID).bytes
        case (_, .v6(let v6)): return IPAddress.v6(v6).bytes
        // An IPv6 route on a session over IPv4: the IPv4-mapped address (RFC 4291 section 2.5.5.2), as FRR
        // sends when it knows no global IPv6 address of the interface.
        case (_, .v4(let v4)): return Array(repeating: 0, count: 10) + [0xff, 0xff] + IPAddress.v4(v4).bytes
        }
    }

    // MARK: refresh

    /// ROUTE-REFRESH: the peer's whole Adj-RIB-Out goes again.
    mutating func resend(to peer: PeerID) {
        guard var out = outPeers[peer] else { return }
        for (i, state) in groups[out.group].advertised.enumerated() where state != nil { out.dirty.insert(RouteID(i)) }
        for id in out.sent.members() { out.dirty.insert(id) }
        outPeers[peer] = out
        if !out.dirty.isEmpty { needsPump.insert(peer) }
    }

    // MARK: counters

    func received(from peer: PeerID, family: AddressFamily = .l2vpnEVPN) -> Int {
        slots[peer].flatMap { sources[Int($0)]?.pathsByFamily[family] } ?? 0
    }
    func advertised(to peer: PeerID, family: AddressFamily = .l2vpnEVPN) -> Int { outPeers[peer]?.sentByFamily[family] ?? 0 }
    func hasDirty(_ peer: PeerID) -> Bool { !(outPeers[peer]?.dirty.isEmpty ?? true) }
}
