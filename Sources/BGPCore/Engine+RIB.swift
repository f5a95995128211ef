// Between the peers and the RIB: what sessions report (up, down, UPDATEs) goes into the RIB, and
// what the RIB has for a peer goes out when the peer's socket can take it.

import BGPWire

extension Engine {
    /// Most octets one `.writable` brings: enough for many UPDATEs, little enough that other peers
    /// get their turn on the engine queue.
    static let batchBudget = 64 * 1024

    /// Drains the RIB work the peers raised, then sends what became ready. Also runs when only the
    /// RIB has news (`.originate`, `.withdrawLocal` raise no peer event): a peer whose socket is idle
    /// and writable gets no `.writable` to wait for, so it is pumped now.
    mutating func runRIB(_ fx: inout Effects) {
        var pumps: [PeerID] = []
        while !fx.ribEvents.isEmpty || !rib.needsPump.isEmpty {
            let events = fx.ribEvents
            fx.ribEvents = []
            for event in events {
                switch event {
                case .established(let id):
                    guard let peer = peers[id], let negotiated = peer.established?.negotiated else { continue }
                    loopLogged.remove(id)
                    rib.peerUp(id, negotiated: negotiated, config: peer.config, localAS: config.localAS,
                               localAddress: peer.established?.localAddress)
                case .down(let id):
                    rib.peerDown(id)
                case .downRetainingStale(let id):
                    rib.retainStale(id)
                case .purgeStale(let id):
                    rib.purgeStale(id)
                case .update(let id, let update):
                    countAnnounced(update, from: id)
                    let receipt = rib.receive(update, from: id)
                    enforceMaximumPrefix(id, &fx)
                    if let loop = receipt.loops.first, !loopLogged.contains(id) {
                        loopLogged.insert(id)
                        fx.log(.info, "route loop: \(loop); dropped (further loops from this peer are only counted)", peer: id)
                    }
                case .pump(let id):
                    if !pumps.contains(id) { pumps.append(id) }
                }
            }
            for id in pumps { pump(id, &fx) }
            pumps = []
            for id in rib.needsPump.sorted() { pump(id, &fx) }
            rib.needsPump = []
        }
    }

    /// One batch for a peer whose socket is writable: dirty routes first, then the waiting markers
    /// (End-of-RIB, route refresh), each only once no route is dirty.
    mutating func pump(_ id: PeerID, _ fx: inout Effects) {
        guard var peer = peers[id], let i = peer.sessions.firstIndex(where: { $0.state == .established }),
              peer.sessions[i].writable else { return }
        let context = peer.sessions[i].sendContext
        var messages: [BGPMessage] = []
        var budget = Engine.batchBudget
        while budget > 0 {
            if rib.hasDirty(id) {
                for update in rib.nextBatch(for: id, context: context, budget: budget) {
                    messages.append(.update(update))
                    budget -= context.maxMessageLength / 2
                }
                continue
            }
            guard !peer.sessions[i].pendingWork.isEmpty, !holdsBack(peer.sessions[i].pendingWork.first) else { break }
            let work = peer.sessions[i].pendingWork.removeFirst()
            if case .resend = work {
                rib.resend(to: id)
            } else if let message = work.message {
                messages.append(message)
            }
        }
        peer.send(batch: messages, on: peer.sessions[i].id, &fx)
        peers[id] = peer
    }

    // MARK: queries

    /// The Loc-RIB with every path, as `show bgp l2vpn evpn route [type N]` lists it.
    public func routes(type: UInt8? = nil) -> [RouteReportEntry] { rib.report(routeType: type) }

    /// EVPN routes in the Loc-RIB (FRR's "RIB entries" in the l2vpn evpn summary).
    public var routeCount: Int { rib.table.countByFamily.l2vpnEVPN }

    /// The best path of one route, if there is one.
    public func bestPath(_ key: EVPNRouteKey) -> RouteReportEntry.PathReport? {
        rib.bestPathReport(for: key)
    }

    /// `bestPath` as a function value, for a caller that looks up many keys in one go (the VTEP): it
    /// holds the RIB as it is now, so let it go before changing the engine (or the RIB is copied).
    /// A closure over the engine itself made the compiler copy the whole Engine for every key.
    public var bestPathLookup: (EVPNRouteKey) -> RouteReportEntry.PathReport? {
        let rib = self.rib
        return { rib.bestPathReport(for: $0) }
    }

    /// Routes dropped on receipt as loops (our cluster id in CLUSTER_LIST, our router id as
    /// ORIGINATOR_ID, our AS in an eBGP AS_PATH), per peer since it was configured.
    public func loopsDropped(from peer: PeerID) -> Int { rib.loopsDropped[peer] ?? 0 }

    /// Distinct attribute sets held (interning at work: few VTEPs, few sets).
    public var attributeSetCount: Int { rib.interner.count }

    /// Loc-RIB change feed for the VTEP side: once on, every route whose best path changed (or went)
    /// is collected until taken.
    public var tracksLocRIBChanges: Bool {
        get { rib.trackChanges }
        set {
            rib.trackChanges = newValue
            if !newValue {
                rib.changedKeys = []
                rib.changedKeySet = []
            }
        }
    }

    /// The routes whose best path changed since the last call, in the order they changed (which
    /// follows the order of the UPDATEs and their routes, so it is deterministic); look each up with
    /// `bestPath`.
    public mutating func takeLocRIBChanges() -> [EVPNRouteKey] {
        // Not sorted: sorting the keys of every UPDATE read was 8.5% of a VTEP's instructions installing
        // and removing 10,000 remote MACs (callgrind, scripts/bench.d/vtep); the order only has to be
        // deterministic. The set keeps its size (grown from empty on every read, it rehashed each key).
        let keys = rib.changedKeys
        rib.changedKeys = []
        rib.changedKeys.reserveCapacity(keys.count)
        rib.changedKeySet.removeAll(keepingCapacity: true)
        return keys
    }
}
