// The VTEP side of evpnd, as a reducer the Daemon drives next to the BGP engine: kernel links and
// FDB rows and Loc-RIB changes in; routes to originate or withdraw, FDB operations and log lines
// out. No sockets, clocks or Netlink here (FRR's zebra and the EVPN half of bgpd, I/O-free).
//
// Contract with the runtime:
// - At start: `.configure`, then `.links` (a full link dump), then `.fdbDump` (a full `bridge fdb`
//   dump, every family-AF_BRIDGE neighbour), then events as they come: `.linkChanged` (RTM_NEWLINK),
//   `.linkRemoved` (RTM_DELLINK), `.fdbAdded` (RTM_NEWNEIGH), `.fdbRemoved` (RTM_DELNEIGH). The SVI
//   neighbours go the same way: `.neighbourDump` (every AF_INET and AF_INET6 neighbour) after `.fdbDump`,
//   then `.neighbourAdded`/`.neighbourRemoved`. After a netlink overrun (ENOBUFS), dump again and send
//   `.links`, `.fdbDump` and `.neighbourDump`: the reconcilers heal whatever was missed. Map Netlink values with `KernelLink`/`KernelFDBEntry`'s documented fields.
//   The events of one read may go in as one `.batch([...])`: one round for all of them (the kernel's
//   echoes of a large install would otherwise cost a round each).
// - The engine must have `tracksLocRIBChanges = true`. After every engine input, pass
//   `engine.takeLocRIBChanges()` as `.locRIBChanged`; the VTEP reads each key's best path through
//   the `bestPath` closure (`engine.bestPath`). `drive(_:now:engine:)` does this loop for you:
//   it feeds `.engine` outputs to the engine and the engine's Loc-RIB changes back to the VTEP until
//   both are quiet, and returns the engine's outputs for the runtime to perform.
// - `.fdb(batch)` outputs are netlink batches, in order; perform each (NLM_F_ACK) and hand the
//   per-operation answers back with `.fdbResults(batch, results)`. Operations are assumed applied
//   when issued; the kernel's echo events of them are expected and harmless.
// - `.neighbours(batch)` outputs are netlink batches of SVI neighbour operations, performed and
//   answered (`.neighbourResults`) as the FDB's are.
// - `.armTimer(after)` asks for one `.timerFired` after that long (a frozen duplicate MAC's
//   recovery); arming again replaces the previous request.

import BGPCore
import BGPWire

public enum VTEPInput: Sendable {
    case configure(VTEPConfig)
    /// A full link dump: replaces every link known.
    case links([KernelLink])
    case linkChanged(KernelLink)
    case linkRemoved(index: Int32)
    /// A full FDB dump: replaces the model of the kernel's FDB (start, and after an overrun).
    case fdbDump([KernelFDBEntry])
    case fdbAdded(KernelFDBEntry)
    case fdbRemoved(KernelFDBEntry)
    /// Routes whose best path changed (`Engine.takeLocRIBChanges()`).
    /// A full dump of the IPv4 and IPv6 neighbours (every device: rows of other devices are ignored).
    case neighbourDump([KernelNeighbourEntry])
    case neighbourAdded(KernelNeighbourEntry)
    case neighbourRemoved(KernelNeighbourEntry)
    /// The kernel's FDB nexthops and groups (a dump), and their events (VTEPState+RemoteES.swift).
    case nexthopDump([KernelNexthop])
    case nexthopAdded(KernelNexthop)
    case nexthopRemoved(KernelNexthop)
    case nexthopResults([NexthopOperation], [KernelOperationResult])
    /// The kernel's answers to one `.neighbours` batch, in order.
    case neighbourResults([NeighbourOperation], [KernelOperationResult])
    case locRIBChanged([EVPNRouteKey])
    /// The kernel's answers to one `.fdb` batch, in order.
    case fdbResults([FDBOperation], [FDBOperationResult])
    case timerFired
    /// An AF_BRIDGE link message: a port's `neigh_suppress` as the kernel now has it (`bridge link set`).
    case bridgePortChanged(index: Int32, neighSuppress: Bool)
    /// An ARP a local host sent, read from the SVI (VTEPState+Announcements.swift).
    case arpObserved(ObservedARP)
    /// A DF Wait timer asked for by `.armDFTimer` (VTEPState+Multihoming.swift).
    case dfTimerFired(DFTimerToken)
    /// `clear evpn dup-addr vni N|all [mac M]`: nil is all.
    case clearDuplicates(vni: UInt32?, mac: MACAddress?)
    /// `clear evpn dup-addr vni N|all ip A` (VTEPState+DuplicateIP.swift): nil is all.
    case clearDuplicateIPs(vni: UInt32?, ip: IPAddress?)
    /// Several inputs taken as one round (e.g. every event of one netlink read): each is applied in
    /// order, then learning, mobility and the reconciler run once over everything they touched.
    /// The end state is the same as feeding them one by one (the reconciler is level-triggered).
    indirect case batch([VTEPInput])
}

public enum VTEPOutput: Sendable, Equatable {
    /// Feed to the engine (`.originate`, `.withdrawLocal`).
    case engine(EngineInput)
    /// One netlink batch.
    case fdb([FDBOperation])
    /// One netlink batch of SVI neighbour operations.
    case neighbours([NeighbourOperation])
    /// One batch of nexthop operations, in order with the FDB batches around it.
    case nexthops([NexthopOperation])
    case log(LogEvent)
    case armTimer(after: Duration)
    /// `ip link set dev PORT type bridge_slave neigh_suppress on|off` (VTEPState+Suppression.swift).
    case setNeighSuppress(port: Int32, name: String, on: Bool)
    /// Send this gratuitous ARP or unsolicited NA on the SVI (NeighbourAnnouncement.swift).
    case announce(NeighbourAnnouncement)
    /// One `.dfTimerFired(token)` after that long; never cancelled (a stale one is ignored).
    case armDFTimer(DFTimerToken, after: Duration)

    public static func == (a: VTEPOutput, b: VTEPOutput) -> Bool {
        switch (a, b) {
        case (.fdb(let x), .fdb(let y)): return x == y
        case (.neighbours(let x), .neighbours(let y)): return x == y
        case (.nexthops(let x), .nexthops(let y)): return x == y
        case (.log(let x), .log(let y)): return x == y
        case (.armTimer(let x), .armTimer(let y)): return x == y
        case (.setNeighSuppress(let p, let n, let o), .setNeighSuppress(let q, let m, let r)): return p == q && n == m && o == r
        case (.announce(let x), .announce(let y)): return x == y
        case (.armDFTimer(let x, let a), .armDFTimer(let y, let b)): return x == y && a == b
        case (.engine(.originate(let x)), .engine(.originate(let y))): return x == y
        case (.engine(.withdrawLocal(let x)), .engine(.withdrawLocal(let y))): return x == y
        default: return false
        }
    }
}

/// Totals since start, for `show evpn` and tests.
public struct VTEPCounters: Hashable, Sendable {
    public var duplicatesDetected = 0
    public var movesToLocal = 0
    public var movesToRemote = 0
    public var fdbOperations = 0
    public var fdbFailures = 0
    public var fdbConflicts = 0
    public var neighbourOperations = 0
    public var neighbourFailures = 0
    public var neighbourConflicts = 0
    /// Gratuitous ARPs / unsolicited NAs for moved addresses, sent and left out by the rate limit.
    public var announcementsSent = 0
    public var announcementsDropped = 0
    /// The moves and duplicates above, per VNI (the metrics endpoint's `vni` label).
    public var byVNI: [UInt32: VNIEventCounts] = [:]
}

/// Mobility events of one VNI since start.
public struct VNIEventCounts: Hashable, Sendable {
    public var movesToLocal = 0
    public var movesToRemote = 0
    public var duplicatesDetected = 0

    public init() {}
}

/// A remote type-2 or type-3 route as the VTEP uses it.
struct RemoteRoute: Hashable {
    enum Kind: Hashable {
        /// A type-2 route: the MAC's path, and the IP of a MAC+IP route.
        case mac(MACAddress, RemoteMACPath, ip: IPAddress?)
        case imet(IPAddress)
    }
    var kind: Kind
    /// The path's extended communities, as the RIB holds them (shared storage: no copy, no set of route
    /// targets built per route); `carries` looks a target up in them.
    var communities: [ExtendedCommunity]
    /// The VNIs it was imported into.
    var imports: [UInt32] = []
    /// The peer its best path came from (for the drop counts, RouteTargetImport.swift).
    var peer: PeerID? = nil

    func carries(_ target: RouteTarget) -> Bool {
        communities.contains { community in
            if case .routeTarget(let t, _) = community.kind { return t == target }
            return false
        }
    }
}

/// What one input produced, collected on the way.
struct VTEPEffects {
    var now: Instant
    var outputs: [VTEPOutput] = []
    var operations: [FDBOperation] = []
    var neighbourOperations: [NeighbourOperation] = []
    var nexthopsBeforeFDB: [NexthopOperation] = []
    var nexthopsAfterFDB: [NexthopOperation] = []
    /// Routes to advertise (non-nil) or withdraw (nil), last word per key; in first-touched order.
    var adverts: [EVPNRouteKey: LocalRoute?] = [:]
    var advertOrder: [EVPNRouteKey] = []

    /// `vni`, `mac`: what the line concerns, when it is one VNI or one MAC (they become `vni=`/`mac=` fields).
    mutating func log(_ level: LogEvent.Level, _ message: String, vni: UInt32? = nil, mac: MACAddress? = nil) {
        outputs.append(.log(LogEvent(level: level, message: message, vni: vni, mac: mac)))
    }

    mutating func advertise(_ key: EVPNRouteKey, _ route: LocalRoute?) {
        if adverts[key] == nil { advertOrder.append(key) }
        adverts[key] = .some(route)
    }
}

public struct VTEPState: Sendable {
    public private(set) var config: VTEPConfig
    var links: [Int32: KernelLink] = [:]
    /// Every VXLAN port found, up or not (for `show evpn vni`).
    var ports: [UInt32: VXLANPort] = [:]
    /// The VNIs in service: discovered, up, and `advertise-all-vni` on.
    public internal(set) var vnis: [UInt32: VNIInstance] = [:]
    var allocator = RDIndexAllocator()
    var bridgeVNI: [Int32: UInt32] = [:]
    var macs: [MACKey: MACRecord] = [:]
    var remoteRoutes: [EVPNRouteKey: RemoteRoute] = [:]
    /// Remote IMET routes per VNI: the flood list.
    var flood: [UInt32: [EVPNRouteKey: IPAddress]] = [:]
    var floodInstalled: [UInt32: Set<IPAddress>] = [:]
    var fdb = FDBReconciler()
    /// The SVI neighbours: local hosts' addresses read, remote MAC+IP routes installed.
    var neighbours = NeighbourReconciler()
    /// Next-hop tracking of remote VTEPs (Routes/VTEPState+NextHops.swift).
    public internal(set) var nextHops = VTEPNextHopTracking()
    /// MAC+IP per VNI and IP (VTEPState+Neighbours.swift), the IPs each MAC concerns, and those to decide.
    var ips: [IPKey: IPRecord] = [:]
    var ipsOfMAC: [MACKey: Set<IPAddress>] = [:]
    var dirtyIPs: Set<IPKey> = []
    /// What evpnd originates, by key.
    var advertised: [EVPNRouteKey: LocalRoute] = [:]
    var dirtyMACs: Set<MACKey> = []
    var reportedProblems: Set<String> = []
    var frozen: Set<MACKey> = []
    /// `neigh_suppress` values asked of ports and not yet seen in the kernel (VTEPState+Suppression.swift).
    var suppressionRequested: [Int32: Bool] = [:]
    var announcer = AnnouncementLimiter()
    public internal(set) var counters = VTEPCounters()
    /// Remote ESs (VTEPState+RemoteES.swift): their VTEPs, the kernel nexthops, the imported type-1
    /// routes, the installed remote MACs that carry an ESI, and whether type-1 routes changed.
    var remoteES = RemoteESGroups()
    var nexthops = NexthopReconciler()
    var importedEADs: [EVPNRouteKey: ImportedEAD] = [:]
    var esMACs: [MACKey: EthernetSegmentIdentifier] = [:]
    var remoteESChanged = false
    var nexthopsAdopted = false
    /// Local ESs (VTEPState+Multihoming.swift): the reducer, each ES port's ESI, the ESI each local MAC's
    /// type-2 route carries.
    public internal(set) var multihoming = MultihomingState()
    var esPorts: [String: EthernetSegmentIdentifier] = [:]
    var advertisedESIs: [MACKey: EthernetSegmentIdentifier] = [:]

    public init(config: VTEPConfig) {
        self.config = config
    }

    // MARK: the reducer

    public mutating func handle(_ input: VTEPInput, now: Instant,
                                bestPath: (EVPNRouteKey) -> RouteReportEntry.PathReport?) -> [VTEPOutput] {
        var fx = VTEPEffects(now: now)
        apply(input, bestPath: bestPath, &fx)
        refreshMultihoming(&fx)
        recoverFrozen(&fx)
        recoverFrozenIPs(&fx)
        settle(&fx)
        planSuppression(&fx)
        return finish(&fx)
    }

    /// One input's change to the model, without the settle round that follows it.
    private mutating func apply(_ input: VTEPInput, bestPath: (EVPNRouteKey) -> RouteReportEntry.PathReport?,
                                _ fx: inout VTEPEffects) {
        switch input {
        case .batch(let inputs):
            for next in inputs { apply(next, bestPath: bestPath, &fx) }
        case .configure(let new):
            config = new
            if remoteES.ignoresEADPerEVI != new.ignoresEADPerEVI {
                remoteES.ignoresEADPerEVI = new.ignoresEADPerEVI
                remoteESChanged = true
            }
            refreshVNIs(&fx)
        case .links(let list):
            links = Dictionary(list.map { ($0.index, $0) }, uniquingKeysWith: { _, b in b })
            suppressionRequested = [:]
            refreshVNIs(&fx)
        case .linkChanged(let link):
            let old = links[link.index]
            links[link.index] = link
            observeSuppression(link)
            refreshVNIs(&fx)
            if old?.isUp != link.isUp { portChanged(link.index) }
        case .linkRemoved(let index):
            links[index] = nil
            refreshVNIs(&fx)
            portChanged(index)
        case .fdbDump(let entries):
            fdb.replaceActual(with: entries)
        case .fdbAdded(let entry):
            fdb.observeAdded(entry)
        case .fdbRemoved(let entry):
            fdb.observeRemoved(entry)
        case .nexthopDump(let entries):
            // The first dump's objects of ours are the previous process's: their ids are taken again.
            if !nexthopsAdopted {
                remoteES.adopt(entries)
                nexthopsAdopted = true
            }
            nexthops.replaceActual(with: entries)
        case .nexthopAdded(let entry):
            nexthops.observeAdded(entry)
        case .nexthopRemoved(let entry):
            nexthops.observeRemoved(entry)
        case .nexthopResults(let operations, let results):
            for failure in nexthops.fold(operations, results) { fx.log(.warning, "nexthop " + failure) }
        case .neighbourDump(let entries):
            neighbours.replaceActual(with: entries)
        case .neighbourAdded(let entry):
            neighbours.observeAdded(entry)
        case .neighbourRemoved(let entry):
            neighbours.observeRemoved(entry)
        case .neighbourResults(let operations, let results):
            for failure in neighbours.fold(operations, results) {
                counters.neighbourFailures += 1
                fx.log(.warning, "neighbour " + failure)
            }
        case .locRIBChanged(let keys):
            importRemote(keys, bestPath: bestPath, &fx)
        case .fdbResults(let operations, let results):
            for failure in fdb.fold(operations, results) {
                counters.fdbFailures += 1
                fx.log(.warning, failure)
            }
        case .timerFired:
            break
        case .clearDuplicateIPs(let vni, let ip):
            clearDuplicateIPs(vni: vni, ip: ip, &fx)
        case .arpObserved(let arp):
            observe(arp)
        case .bridgePortChanged(let index, let on):
            guard var link = links[index] else { break }
            link.neighSuppress = on
            links[index] = link
            observeSuppression(link)
        case .dfTimerFired(let token):
            multihomingInput(.timerFired(token), &fx)
        case .clearDuplicates(let vni, let mac):
            for key in frozenOrDuplicate() where (vni == nil || key.vni == vni) && (mac == nil || key.mac == mac) {
                macs[key]?.detector.clear()
                frozen.remove(key)
                dirtyMACs.insert(key)
                fx.log(.notice, "VNI \(key.vni): MAC \(key.mac) duplicate state cleared", vni: key.vni, mac: key.mac)
            }
        }
    }

    /// Runs local learning, mobility and the reconciler until nothing more changes.
    mutating func settle(_ fx: inout VTEPEffects) {
        var rounds = 0
        repeat {
            rounds += 1
            let rows = fdb.changedBridgeRows
            fdb.changedBridgeRows = []
            for key in rows.sorted() { learn(from: key, &fx) }
            let pending = dirtyMACs
            dirtyMACs.removeAll(keepingCapacity: true)  // (a set grown anew each round rehashed every key)
            for key in pending.sorted() { decide(key, &fx) }
            if !neighbours.changedLearnedRows.isEmpty {
                let changed = neighbours.changedLearnedRows
                neighbours.changedLearnedRows = []
                for key in changed.sorted() { learnIP(from: key, &fx) }
            }
            if !dirtyIPs.isEmpty {
                let ipsToDecide = dirtyIPs
                dirtyIPs.removeAll(keepingCapacity: true)
                for key in ipsToDecide.sorted() { decideIP(key, &fx) }
            }
            refreshRemoteES()
            planNexthops(&fx)
            let (operations, conflicts) = fdb.plan()
            fx.operations += operations
            for conflict in conflicts {
                counters.fdbConflicts += 1
                fx.log(.warning, "FDB conflict: \(conflict)")
            }
            if neighbours.hasChanges {
                let (planned, clashes) = neighbours.plan()
                fx.neighbourOperations += planned
                for conflict in clashes {
                    counters.neighbourConflicts += 1
                    fx.log(.warning, "neighbour conflict: \(conflict)")
                }
            }
        } while (!fdb.changedBridgeRows.isEmpty || !dirtyMACs.isEmpty || !neighbours.changedLearnedRows.isEmpty
                 || !dirtyIPs.isEmpty) && rounds < 16
        // Devices of VNIs that went are evpnd's only until their rows were deleted above.
        fdb.setManaged(vnis.values.map { ManagedDevice(device: $0.port.vxlanIndex, bridge: $0.port.bridgeIndex) })
        neighbours.setManaged(svis: vnis.values.map(\.port.bridgeIndex))
        if fdb.hasChanges {
            let (operations, _) = fdb.plan()
            fx.operations += operations
        }
        if neighbours.hasChanges {
            let (planned, _) = neighbours.plan()
            fx.neighbourOperations += planned
        }
    }

    private mutating func finish(_ fx: inout VTEPEffects) -> [VTEPOutput] {
        var withdrawn: [EVPNRouteKey] = []
        var originated: [LocalRoute] = []
        for key in fx.advertOrder {
            guard let wanted = fx.adverts[key] else { continue }
            if let route = wanted {
                if advertised[key] != route {
                    advertised[key] = route
                    originated.append(route)
                }
            } else if advertised.removeValue(forKey: key) != nil {
                withdrawn.append(key)
            }
        }
        var outputs: [VTEPOutput] = []
        if !withdrawn.isEmpty { outputs.append(.engine(.withdrawLocal(withdrawn))) }
        if !originated.isEmpty { outputs.append(.engine(.originate(originated))) }
        if !fx.nexthopsBeforeFDB.isEmpty { outputs.append(.nexthops(fx.nexthopsBeforeFDB)) }
        // Each MAC's two rows side by side in one batch: the writer sends them as one request.
        for batch in FDBCombining.batches(fx.operations, maxBatch: config.maxBatch) { outputs.append(.fdb(batch)) }
        if !fx.nexthopsAfterFDB.isEmpty { outputs.append(.nexthops(fx.nexthopsAfterFDB)) }
        counters.fdbOperations += fx.operations.count
        for batch in stride(from: 0, to: fx.neighbourOperations.count, by: max(1, config.maxBatch)) {
            outputs.append(.neighbours(Array(fx.neighbourOperations[batch..<min(batch + max(1, config.maxBatch), fx.neighbourOperations.count)])))
        }
        counters.neighbourOperations += fx.neighbourOperations.count
        outputs += fx.outputs
        if let after = nextRecovery(fx.now) { outputs.append(.armTimer(after: after)) }
        return outputs
    }

    // MARK: with the engine

    /// `handle`, with the engine in the loop: `.engine` outputs go into `engine`, its Loc-RIB
    /// changes come back as `.locRIBChanged`, until neither has more. Returns the engine's outputs
    /// (for the runtime: sends, logs) and the VTEP's other outputs (FDB batches, logs, timer).
    public mutating func drive(_ input: VTEPInput, now: Instant, engine: inout Engine) -> (engine: [EngineOutput], vtep: [VTEPOutput]) {
        engine.tracksLocRIBChanges = true
        var engineOutputs: [EngineOutput] = []
        var vtepOutputs: [VTEPOutput] = []
        var restart = VTEPEffects(now: now)
        _ = followRestart(engine, &restart)
        vtepOutputs += restart.outputs
        var pending: [VTEPInput] = [input]
        var rounds = 0
        while !pending.isEmpty && rounds < 64 {
            rounds += 1
            let next = pending.removeFirst()
            // (The lookup holds the RIB until the end of this statement, before the engine changes.)
            let outputs = handle(next, now: now, bestPath: engine.bestPathLookup)
            for output in outputs {
                if case .engine(let engineInput) = output {
                    engineOutputs += engine.handle(engineInput, now: now)
                } else {
                    vtepOutputs.append(output)
                }
            }
            let changed = engine.takeLocRIBChanges()
            if !changed.isEmpty { pending.append(.locRIBChanged(changed)) }
        }
        return (engineOutputs, vtepOutputs)
    }

    /// After the runtime fed the engine anything (bytes from a peer, a session going down): the
    /// Loc-RIB changes it made, through the VTEP.
    public mutating func afterEngineInput(now: Instant, engine: inout Engine) -> (engine: [EngineOutput], vtep: [VTEPOutput]) {
        engine.tracksLocRIBChanges = true
        let changed = engine.takeLocRIBChanges()
        if changed.isEmpty && engine.isDeferringSelection == fdb.retainsStale && engine.isDeferringSelection == neighbours.retainsStale {
            return ([], [])
        }
        return drive(.locRIBChanged(changed), now: now, engine: &engine)
    }
}
