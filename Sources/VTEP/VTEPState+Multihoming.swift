// Local Ethernet Segments in the VTEP: `MultihomingState` (the reducer of ES up/down, ES routes and the DF
// election) driven by what the VTEP already has. After every input, the configuration's ESs (with the
// router-id), the carrier of their bridge ports (the link table) and the VNIs in service go in when they
// changed; type-4 paths of the Loc-RIB go in as they change (`importES`, from `importRemote`); the DF Wait
// timers go out as `.armDFTimer` and come back as `.dfTimerFired`. The reducer's routes (type 4, EAD per ES,
// EAD per EVI) are originated and withdrawn through the same `advertise` path as type-2 and type-3 routes.
//
// A local MAC learned on an ES port is advertised with the ES's ESI. A MAC that the other switch of our ES
// advertises with our ESI while we learned it locally too is ours as well (FRR's "sync" MAC): no move is
// counted, the sequence follows the peer's, and both switches advertise it.

import BGPCore
import BGPWire

extension VTEPState {
    /// Feeds the reducer whatever of its inputs changed since the last round. Nothing when no ES was ever configured.
    mutating func refreshMultihoming(_ fx: inout VTEPEffects) {
        let wanted = config.multihoming
        guard !wanted.segments.isEmpty || multihoming.settings != nil else { return }
        let settings = MultihomingSettings(segments: wanted.segments, routerID: config.routerID, eviLimit: wanted.eviLimit,
                                           sendEADPerEVI: wanted.sendsEADPerEVI, dfWait: wanted.dfWait)
        if multihoming.settings != settings {
            let before = esPorts
            esPorts = Dictionary(settings.segments.map { ($0.port, $0.esi) }, uniquingKeysWith: { first, _ in first })
            // MACs on a port that became, or stopped being, an ES (or changed ESI) are advertised again.
            let changed = Set(before.keys).union(esPorts.keys).filter { before[$0] != esPorts[$0] }
            if !changed.isEmpty {
                for (key, record) in macs where record.local.map({ changed.contains($0.portName) }) ?? false { dirtyMACs.insert(key) }
            }
            multihomingInput(.configure(settings), &fx)
        }
        let up = Set(links.values.filter { $0.isUp && esPorts[$0.name] != nil }.map(\.name))
        if up != multihoming.portsUp { multihomingInput(.portsUp(up), &fx) }
        let list = vnis.values.sorted { $0.vni < $1.vni }
        if list != multihoming.vnis { multihomingInput(.vnis(list), &fx) }
    }

    /// A type-4 key: its best path (or its withdrawal) into the DF election; true. Other types: false.
    mutating func importES(_ key: EVPNRouteKey, bestPath: (EVPNRouteKey) -> RouteReportEntry.PathReport?,
                           _ fx: inout VTEPEffects) -> Bool {
        guard key.routeType == 4 else { return false }
        if let path = bestPath(key), path.peer != nil {
            multihomingInput(.esPath(path), &fx)
        } else {
            multihomingInput(.esPathWithdrawn(key), &fx)
        }
        return true
    }

    mutating func multihomingInput(_ input: MultihomingInput, _ fx: inout VTEPEffects) {
        for output in multihoming.handle(input) {
            switch output {
            case .advertise(let key, let route):
                fx.advertise(key, route)
            case .armTimer(let token, let after):
                fx.outputs.append(.armDFTimer(token, after: after))
            case .roles(let esi, let df):
                let vnis = df.isEmpty ? "no VNI" : "VNI " + df.sorted().map(String.init).joined(separator: ",")
                fx.log(.notice, "ES \(esi): designated forwarder for \(vnis)")
            }
        }
    }

    /// The ESI of the ES whose port a local MAC was learned on.
    func localESI(_ local: LocalMAC?) -> EthernetSegmentIdentifier? {
        guard !esPorts.isEmpty, let local else { return nil }
        return esPorts[local.portName]
    }

    func advertisedESI(_ key: MACKey) -> EthernetSegmentIdentifier? {
        advertisedESIs.isEmpty ? nil : advertisedESIs[key]
    }

    mutating func setAdvertisedESI(_ key: MACKey, _ esi: EthernetSegmentIdentifier?) {
        if let esi { advertisedESIs[key] = esi } else if !advertisedESIs.isEmpty { advertisedESIs[key] = nil }
    }

    /// Local, when the MAC was learned on a local ES port and the best remote path carries that ES's ESI (the
    /// other switch of the ES learned it too); nil: the usual mobility rules decide.
    func sharedESOwner(_ local: LocalMAC?, _ best: RemoteMACPath?) -> (MACOwner, reason: String)? {
        guard let esi = localESI(local), let best, best.esi == esi else { return nil }
        return (.local, "learned on ES \(esi) here and by \(best.vtep)")
    }

    /// The names of the links that are up among `names` (the ES port hold's uplinks).
    public func linksUp(among names: Set<String>) -> Set<String> {
        guard !names.isEmpty else { return [] }
        return Set(links.values.filter { $0.isUp && names.contains($0.name) }.map(\.name))
    }

    /// Every link name known (the port hold's `allPorts`).
    public var linkNames: Set<String> { Set(links.values.map(\.name)) }

    /// The local ESs as this VTEP sees them (for `show evpn es`).
    public var localSegments: [LocalSegmentReport] {
        (multihoming.settings?.segments ?? []).map { es in
            let elected = multihoming.election.segments[es.esi]
            let peers = elected?.remotes.values.map { $0 } ?? multihoming.election.remoteOnly[es.esi]?.values.map { $0 } ?? []
            return LocalSegmentReport(segment: es, isUp: elected != nil, waiting: elected?.phase == .wait,
                                      designatedForwarder: elected?.designatedForwarder ?? [],
                                      vnis: multihoming.vnis.map(\.vni), vtep: multihoming.vtep,
                                      peers: peers.sorted { DFElection.numericallyLower($0.originator, $1.originator) })
        }
    }
}

/// One local ES: its configuration, whether it is up, the DF election's state and the other switches on it.
public struct LocalSegmentReport: Hashable, Sendable {
    public var segment: LocalEthernetSegment
    public var isUp: Bool
    /// In the DF Wait period (not DF anywhere meanwhile).
    public var waiting: Bool
    public var designatedForwarder: Set<UInt32>
    public var vnis: [UInt32]
    public var vtep: IPAddress?
    /// The other switches' type-4 candidates (address, algorithm, preference).
    public var peers: [ESCandidate]

    public init(segment: LocalEthernetSegment, isUp: Bool, waiting: Bool, designatedForwarder: Set<UInt32>, vnis: [UInt32],
                vtep: IPAddress?, peers: [ESCandidate]) {
        self.segment = segment
        self.isUp = isUp
        self.waiting = waiting
        self.designatedForwarder = designatedForwarder
        self.vnis = vnis
        self.vtep = vtep
        self.peers = peers
    }
}
