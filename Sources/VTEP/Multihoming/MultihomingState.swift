// The local side of multihoming as one reducer: which local Ethernet Segments are up, the routes they need
// (MultihomingOrigination), and their DF election (DFStateMachine), from the configuration, the bridge ports'
// carrier, the VNIs and the type-4 routes of the other switches.
//
// Runtime contract: inputs in order; `handle` does no I/O. `.advertise(key, route)` asks the engine to
// originate `route` under `key` (nil: withdraw it), `.armTimer` asks for one `.timerFired` after that long
// (stale ones are ignored, never cancelled), `.roles` says on which VNIs this switch is now DF for an ES.
//
// An ES is up when it is configured, its bridge port has carrier and a VXLAN device gives the VTEP address
// (the type-4 route's originator). Route distinguishers of the type-4 and EAD per ES routes are `router-id:N`
// with N counted down from 65535, skipping the VNIs' automatic indexes (which count up from 2), so no ES route
// shares an RD with a VNI. FRR draws both from one index space; when this is wired into VTEPState the two
// should share its RDIndexAllocator.

import BGPCore
import BGPWire

public struct MultihomingSettings: Hashable, Sendable {
    public var segments: [LocalEthernetSegment]
    public var routerID: IPv4Address
    /// `ead-es-frag evi-limit`.
    public var eviLimit: Int
    /// Not `disable-ead-evi-tx`.
    public var sendEADPerEVI: Bool
    public var dfWait: Duration

    public init(segments: [LocalEthernetSegment], routerID: IPv4Address, eviLimit: Int = 128, sendEADPerEVI: Bool = true,
                dfWait: Duration = DFStateMachine.defaultWait) {
        self.segments = segments
        self.routerID = routerID
        self.eviLimit = eviLimit
        self.sendEADPerEVI = sendEADPerEVI
        self.dfWait = dfWait
    }
}

public enum MultihomingInput: Sendable {
    case configure(MultihomingSettings)
    /// The bridge ports that have carrier now, by name.
    case portsUp(Set<String>)
    case vnis([VNIInstance])
    /// A type-4 path of the Loc-RIB (another switch's ES route, or ours reflected back: ignored).
    case esPath(RouteReportEntry.PathReport)
    /// The type-4 route under this key is gone.
    case esPathWithdrawn(EVPNRouteKey)
    case timerFired(DFTimerToken)
}

public enum MultihomingOutput: Sendable, Equatable {
    case advertise(EVPNRouteKey, LocalRoute?)
    case armTimer(DFTimerToken, after: Duration)
    case roles(EthernetSegmentIdentifier, designatedForwarder: Set<UInt32>)
}

public struct MultihomingState: Sendable {
    public private(set) var settings: MultihomingSettings?
    public private(set) var portsUp: Set<String> = []
    public private(set) var vnis: [VNIInstance] = []
    public private(set) var election = DFStateMachine()
    /// What is originated now.
    public private(set) var advertised: [EVPNRouteKey: LocalRoute] = [:]
    /// Remote type-4 routes by key: which ES and switch each is.
    private var remote: [EVPNRouteKey: (esi: EthernetSegmentIdentifier, candidate: ESCandidate)] = [:]
    private var upSegments: Set<EthernetSegmentIdentifier> = []
    /// The RD index of each allocation key.
    private var rdIndexes: [UInt32: UInt16] = [:]
    /// The allocator key of each ES's RDs: the ES route takes `base`, fragment i `base + 1 + i`.
    private var rdBase: [EthernetSegmentIdentifier: UInt32] = [:]
    private var nextRDBase: UInt32 = Self.firstRDKey

    /// Allocation keys: 4096 per ES, so at most 4095 fragments, i.e. 4095 x evi-limit EVIs.
    static let firstRDKey: UInt32 = 0
    static let keysPerSegment: UInt32 = 4096

    public init() {}

    /// The VTEP address: every VXLAN device of this switch has the same local address.
    public var vtep: IPAddress? { vnis.first?.port.vtep }

    public mutating func handle(_ input: MultihomingInput) -> [MultihomingOutput] {
        var outputs: [MultihomingOutput] = []
        switch input {
        case .configure(let new):
            if new.dfWait != election.wait { election.wait = new.dfWait }
            settings = new
        case .portsUp(let ports):
            portsUp = ports
        case .vnis(let list):
            vnis = list.sorted { $0.vni < $1.vni }
            outputs += election.handle(.vnis(Set(vnis.map(\.vni)))).map(Self.map)
        case .esPath(let path):
            guard case .ethernetSegment(let route) = path.route, path.peer != nil, route.originatorIP != vtep else { return [] }
            let candidate = ESCandidate(originator: route.originatorIP, communities: path.extendedCommunities)
            remote[path.route.key] = (route.esi, candidate)
            return election.handle(.remoteESRoute(route.esi, candidate)).map(Self.map)
        case .esPathWithdrawn(let key):
            guard let gone = remote.removeValue(forKey: key) else { return [] }
            // The same switch may still have the ES under another RD.
            if let other = remote.values.first(where: { $0.esi == gone.esi && $0.candidate.originator == gone.candidate.originator }) {
                return election.handle(.remoteESRoute(other.esi, other.candidate)).map(Self.map)
            }
            return election.handle(.remoteESWithdrawn(gone.esi, originator: gone.candidate.originator)).map(Self.map)
        case .timerFired(let token):
            return election.handle(.timerFired(token)).map(Self.map)
        }
        reconcile(&outputs)
        return outputs
    }

    /// Brings ES up/down state and the originated routes in line with settings, ports and VNIs.
    private mutating func reconcile(_ outputs: inout [MultihomingOutput]) {
        var desired: [EVPNRouteKey: LocalRoute] = [:]
        var nowUp: [EthernetSegmentIdentifier: LocalEthernetSegment] = [:]
        if let settings, let vtep {
            for es in settings.segments where portsUp.contains(es.port) {
                nowUp[es.esi] = es
                let base = rdKey(es.esi)
                let rd = rdFor(key: base, settings.routerID)
                let routes = MultihomingOrigination.routes(es, evis: vnis, vtep: vtep, esRD: rd, eviLimit: settings.eviLimit,
                                                           sendEADPerEVI: settings.sendEADPerEVI) { index in
                    rdFor(key: base + 1 + UInt32(min(index, Int(Self.keysPerSegment) - 2)), settings.routerID)
                }
                desired.merge(routes) { first, _ in first }
            }
        }
        // ES_DOWN before ES_UP, in ESI order, so outputs are deterministic.
        for esi in upSegments.subtracting(nowUp.keys).sorted() {
            outputs += election.handle(.localESDown(esi)).map(Self.map)
            releaseRDs(esi)
        }
        for esi in nowUp.keys.sorted() {
            guard let es = nowUp[esi], let vtep else { continue }
            outputs += election.handle(.localESUp(esi, es.candidate(vtep: vtep))).map(Self.map)
        }
        upSegments = Set(nowUp.keys)
        for key in advertised.keys.sorted(by: { "\($0)" < "\($1)" }) where desired[key] == nil {
            outputs.append(.advertise(key, nil))
        }
        for (key, route) in desired.sorted(by: { "\($0.key)" < "\($1.key)" }) where advertised[key] != route {
            outputs.append(.advertise(key, route))
        }
        advertised = desired
    }

    private mutating func rdKey(_ esi: EthernetSegmentIdentifier) -> UInt32 {
        if let base = rdBase[esi] { return base }
        let base = nextRDBase
        nextRDBase &+= Self.keysPerSegment
        rdBase[esi] = base
        return base
    }

    private mutating func rdFor(key: UInt32, _ routerID: IPv4Address) -> RouteDistinguisher {
        if let index = rdIndexes[key] { return .ipv4(routerID, index) }
        let used = Set(rdIndexes.values).union(vnis.compactMap(\.rdIndex))
        var candidate = UInt16.max
        while used.contains(candidate) && candidate > 2 { candidate -= 1 }
        rdIndexes[key] = candidate
        return .ipv4(routerID, candidate)
    }

    private mutating func releaseRDs(_ esi: EthernetSegmentIdentifier) {
        guard let base = rdBase[esi] else { return }
        for key in rdIndexes.keys where key >= base && key < base + Self.keysPerSegment { rdIndexes[key] = nil }
    }

    private static func map(_ output: DFOutput) -> MultihomingOutput {
        switch output {
        case .armTimer(let token, let after): return .armTimer(token, after: after)
        case .roles(let esi, let df): return .roles(esi, designatedForwarder: df)
        }
    }
}
