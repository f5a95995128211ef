// A VTEP with a fake kernel (SimulatedKernel) and a fake Loc-RIB (paths set by hand), run until
// quiet after every input: FDB batches go to the kernel, its answers and events come back.

import BGPCore
import BGPWire
import Testing
import VTEP

enum Lab {
    static let asn: UInt32 = 65000
    static let vtep1 = IPAddress("10.0.0.1")!
    static let vtep2 = IPAddress("10.0.0.2")!
    static let vtep3 = IPAddress("10.0.0.3")!
    static let vtep9 = IPAddress("10.0.0.9")!

    static func mac(_ n: UInt64) -> MACAddress { MACAddress(rawValue: 0x02_00_00_00_00_00 | n) }

    /// Per VNI `100 * k`: bridge `10k`, vxlan `10k + 1`, ports `10k + 2` and `10k + 3`.
    static func bridge(_ vni: UInt32) -> Int32 { Int32(vni / 10) }
    static func vxlan(_ vni: UInt32) -> Int32 { Int32(vni / 10) + 1 }
    static func port(_ vni: UInt32, _ n: Int32 = 0) -> Int32 { Int32(vni / 10) + 2 + n }

    static func links(vtep: IPAddress = vtep1, vnis: [UInt32] = [100], learning: Bool = false) -> [KernelLink] {
        vnis.flatMap { vni -> [KernelLink] in
            [KernelLink(index: bridge(vni), name: "br\(vni)", kind: .bridge),
             KernelLink(index: vxlan(vni), name: "vxlan\(vni)", kind: .vxlan(.init(vni: vni, local: vtep, learning: learning)),
                        masterIndex: bridge(vni)),
             KernelLink(index: port(vni), name: "veth\(vni)a", masterIndex: bridge(vni)),
             KernelLink(index: port(vni, 1), name: "veth\(vni)b", masterIndex: bridge(vni))]
        }
    }

    static func config(routerID: IPv4Address = IPv4Address(10, 0, 0, 1), freeze: DuplicateDetection.Freeze = .permanent) -> VTEPConfig {
        VTEPConfig(localAS: asn, routerID: routerID, duplicateDetection: DuplicateDetection(freeze: freeze))
    }

    static func rt(_ vni: UInt32) -> ExtendedCommunity { .routeTarget(asn: 65000, value: vni) }

    /// A remote type-2 path as a reflector would deliver it.
    static func remoteMAC(_ mac: MACAddress, vni: UInt32 = 100, vtep: IPAddress, sequence: UInt32 = 0, sticky: Bool = false)
        -> RouteReportEntry.PathReport {
        guard case .v4(let id) = vtep else { preconditionFailure("IPv4 VTEPs in tests") }
        var communities: [ExtendedCommunity] = [.encapsulation(.vxlan), rt(vni)]
        if sequence > 0 || sticky { communities.append(.macMobility(sequence: sequence, sticky: sticky)) }
        let route = EVPNRoute.macIP(MACIPAdvertisementRoute(rd: .ipv4(id, 2), mac: mac, label1: MPLSLabelField(vni: vni)))
        return RouteReportEntry.PathReport(route: route, peer: PeerID(.v4(IPv4Address(10, 0, 0, 100))), peerRouterID: id,
                                           nextHop: vtep, extendedCommunities: communities)
    }

    static func remoteIMET(vni: UInt32 = 100, vtep: IPAddress) -> RouteReportEntry.PathReport {
        guard case .v4(let id) = vtep else { preconditionFailure("IPv4 VTEPs in tests") }
        let route = EVPNRoute.inclusiveMulticast(IMETRoute(rd: .ipv4(id, 2), originatorIP: vtep))
        return RouteReportEntry.PathReport(route: route, peer: PeerID(.v4(IPv4Address(10, 0, 0, 100))), peerRouterID: id,
                                           nextHop: vtep, extendedCommunities: [.encapsulation(.vxlan), rt(vni)],
                                           attributes: [PathAttribute(.pmsiTunnel(.ingressReplication(endpoint: vtep, vni: vni)))])
    }
}

struct Rig {
    var vtep: VTEPState
    var kernel: SimulatedKernel
    var rib: [EVPNRouteKey: RouteReportEntry.PathReport] = [:]
    var now = Instant.zero
    /// What the VTEP currently originates (engine inputs applied).
    var originated: [EVPNRouteKey: LocalRoute] = [:]
    var logs: [LogEvent] = []
    var batches: [[FDBOperation]] = []
    var neighbourBatches: [[NeighbourOperation]] = []
    var nexthopBatches: [[NexthopOperation]] = []
    var timer: Duration?
    /// `.setNeighSuppress` outputs, in order.
    var suppressionRequests: [(port: Int32, on: Bool)] = []
    /// `.announce` outputs, in order.
    var announcements: [NeighbourAnnouncement] = []
    /// DF Wait timers asked for, in order (fire them with `send(.dfTimerFired(token))`).
    var dfTimers: [DFTimerToken] = []

    init(links: [KernelLink] = Lab.links(), config: VTEPConfig = Lab.config(), rows: [KernelFDBEntry] = [],
         neighbours: [KernelNeighbourEntry] = [], rib: [EVPNRouteKey: RouteReportEntry.PathReport] = [:]) {
        vtep = VTEPState(config: config)
        self.rib = rib
        kernel = SimulatedKernel(links: links)
        kernel.muted = true
        for row in rows { kernel.operatorAdd(row) }
        for row in neighbours { kernel.operatorAddNeighbour(row) }
        kernel.muted = false
        send(.configure(config))
        send(.links(links))
        if rib.isEmpty {
            send(.fdbDump(kernel.dump()))
            send(.neighbourDump(kernel.neighbourDump()))
        } else {
            // The kernel read in the same round as routes already selected (what graceful-restart retention
            // amounts to for the rows whose routes return, and a resync with routes known).
            send(.batch([.fdbDump(kernel.dump()), .neighbourDump(kernel.neighbourDump()),
                         .locRIBChanged(rib.keys.sorted { $0.description < $1.description })]))
        }
    }

    var operations: [FDBOperation] { batches.flatMap { $0 } }

    mutating func send(_ input: VTEPInput) {
        var queue = [input]
        var steps = 0
        while !queue.isEmpty {
            steps += 1
            precondition(steps < 10_000, "the VTEP and the fake kernel do not settle")
            let next = queue.removeFirst()
            let rib = self.rib
            let outputs = vtep.handle(next, now: now, bestPath: { rib[$0] })
            for output in outputs {
                switch output {
                case .engine(.originate(let routes)):
                    for route in routes { originated[EVPNRouteKey(route.route)] = route }
                case .engine(.withdrawLocal(let keys)):
                    for key in keys { originated[key] = nil }
                case .engine:
                    break
                case .fdb(let batch):
                    batches.append(batch)
                    queue.append(.fdbResults(batch, kernel.apply(batch)))
                case .neighbours(let batch):
                    neighbourBatches.append(batch)
                    queue.append(.neighbourResults(batch, kernel.applyNeighbours(batch)))
                case .nexthops(let batch):
                    nexthopBatches.append(batch)
                    queue.append(.nexthopResults(batch, kernel.applyNexthops(batch)))
                case .log(let event):
                    logs.append(event)
                case .armTimer(let after):
                    timer = after
                case .announce(let announcement):
                    announcements.append(announcement)
                case .setNeighSuppress(let port, _, let on):
                    suppressionRequests.append((port, on))
                    _ = kernel.setNeighSuppress(port: port, on)
                case .armDFTimer(let token, _):
                    dfTimers.append(token)
                }
            }
            queue += kernel.takeEvents()
        }
    }

    /// Kernel events only (the data plane or an operator changed something).
    mutating func flush() {
        for event in kernel.takeEvents() { send(event) }
    }

    mutating func announce(_ path: RouteReportEntry.PathReport) {
        let key = EVPNRouteKey(path.route)
        rib[key] = path
        send(.locRIBChanged([key]))
    }

    mutating func withdraw(_ route: EVPNRoute) {
        let key = EVPNRouteKey(route)
        rib[key] = nil
        send(.locRIBChanged([key]))
    }

    mutating func learn(_ mac: MACAddress, port: Int32) {
        kernel.learn(mac, on: port)
        flush()
    }

    /// The remote rows the kernel holds on a VXLAN device: MAC -> destination.
    func remoteRows(vni: UInt32 = 100) -> [MACAddress: IPAddress] {
        var out: [MACAddress: IPAddress] = [:]
        for row in kernel.dump() where row.ifindex == Lab.vxlan(vni) && !row.isBridgeRow && row.mac != .zero {
            out[row.mac] = row.destination
        }
        return out
    }

    func floodRows(vni: UInt32 = 100) -> Set<IPAddress> {
        Set(kernel.dump().filter { $0.ifindex == Lab.vxlan(vni) && $0.isFloodEntry }.compactMap(\.destination))
    }

    func bridgeRow(_ mac: MACAddress, vni: UInt32 = 100) -> KernelFDBEntry? {
        kernel.rows[FDBKey(table: .bridge(Lab.bridge(vni)), mac: mac)]
    }

    func mac(_ mac: MACAddress, vni: UInt32 = 100) -> MACReport? {
        vtep.macReport(vni: vni).first { $0.mac == mac }
    }

    func advertisedSequence(_ mac: MACAddress) -> (sequence: UInt32, sticky: Bool)? {
        for (key, route) in originated where key.mac == mac {
            for attribute in route.attributes {
                if case .extendedCommunities(let list) = attribute.value {
                    for c in list { if case .macMobility(let s, let sticky) = c.kind { return (s, sticky) } }
                }
            }
            return (0, false)
        }
        return nil
    }
}
