// What `show evpn vni`, `show evpn mac vni all|N` and `show evpn arp-cache vni all|N` report, as plain values. The control protocol
// (ControlProtocol.EVPNVNIList, EVPNMACTable) turns them into FRR's JSON and tables; the Daemon maps
// one to the other.

import BGPWire

public struct VNIReport: Hashable, Sendable {
    public var vni: UInt32
    public var vxlanInterface: String
    public var bridgeInterface: String
    public var vtep: IPAddress
    /// The VXLAN device and bridge are up.
    public var isUp: Bool
    /// Advertised and installed (up, and `advertise-all-vni`).
    public var inService: Bool
    public var rd: RouteDistinguisher?
    public var importRouteTargets: [RouteTarget]
    public var exportRouteTargets: [RouteTarget]
    /// Local and remote MACs.
    public var numMacs: Int
    /// Local and remote IPs (`show evpn arp-cache`).
    public var numArpNd: Int
    /// Distinct VTEPs of the flood list.
    public var remoteVteps: [IPAddress]
}

public struct MACReport: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case local(interface: String, vlan: UInt16?)
        case remote(vtep: IPAddress)
    }
    public var vni: UInt32
    public var mac: MACAddress
    public var kind: Kind
    public var sticky: Bool
    public var localSequence: UInt32
    public var remoteSequence: UInt32
    public var detectionCount: Int
    public var isDuplicate: Bool
    /// A remote MAC's Ethernet Segment (its type-2 route's ESI), for `remoteEs`.
    public var esi: EthernetSegmentIdentifier? = nil
}

extension VTEPState {
    /// Every VXLAN port found, by VNI.
    public func vniReport() -> [VNIReport] {
        ports.values.sorted { $0.vni < $1.vni }.map { port in
            let instance = vnis[port.vni]
            let count = macs.filter { $0.key.vni == port.vni && $0.value.owner != .none }.count
            let arp = instance == nil ? 0 : arpCacheReport(vni: port.vni).count
            return VNIReport(vni: port.vni, vxlanInterface: port.vxlanName, bridgeInterface: port.bridgeName, vtep: port.vtep,
                             isUp: port.isUp, inService: instance != nil, rd: instance?.rd,
                             importRouteTargets: instance?.importRouteTargets ?? [], exportRouteTargets: instance?.exportRouteTargets ?? [],
                             numMacs: count, numArpNd: arp, remoteVteps: (floodInstalled[port.vni] ?? []).sorted())
        }
    }

    /// The MAC table of one VNI, or of all (nil), by VNI then MAC.
    public func macReport(vni: UInt32? = nil) -> [MACReport] {
        macs.keys.sorted().compactMap { key in
            guard vni == nil || key.vni == vni, let record = macs[key] else { return nil }
            let kind: MACReport.Kind
            var sticky = false
            var esi: EthernetSegmentIdentifier?
            switch record.owner {
            case .none:
                return nil
            case .local:
                guard let local = record.local else { return nil }
                kind = .local(interface: local.portName, vlan: local.vlan)
                sticky = local.sticky
            case .remote(let path):
                kind = .remote(vtep: path.vtep)
                sticky = path.sticky
                esi = path.esi
            }
            return MACReport(vni: key.vni, mac: key.mac, kind: kind, sticky: sticky, localSequence: record.localSequence,
                             remoteSequence: record.remoteSequence, detectionCount: record.detector.count,
                             isDuplicate: record.detector.isDuplicate, esi: esi)
        }
    }

    /// The FDB rows evpnd wants (for `show` and tests).
    public var desiredFDB: [FDBIntent] { fdb.desired.values.sorted { $0.key < $1.key } }

    /// The model of the kernel FDB.
    public var actualFDB: [KernelFDBEntry] { fdb.actual.sorted { $0.key < $1.key }.map(\.value) }

    /// What evpnd originates.
    public var advertisedRoutes: [LocalRouteSummary] {
        advertised.keys.sorted { ($0.rd, $0.prefixString) < ($1.rd, $1.prefixString) }.map { LocalRouteSummary(key: $0) }
    }
}

/// A key evpnd originates (kept small so tests and `show` need not hold whole routes).
public struct LocalRouteSummary: Hashable, Sendable {
    public var key: EVPNRouteKey
}

/// One IP of `show evpn arp-cache vni all|N`: a local host's address (from the SVI's neighbours) or a remote
/// one (from MAC+IP routes), as FRR's zebra lists its per-VNI neighbour table.
public struct NeighbourReport: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case local
        case remote(vtep: IPAddress)
    }
    public var vni: UInt32
    public var ip: IPAddress
    public var mac: MACAddress
    public var kind: Kind
    /// FRR's "active": a local address that is advertised (its MAC is local), or a remote one in use.
    public var isActive: Bool
    public var localSequence: UInt32
    public var remoteSequence: UInt32
    /// Duplicate detection and the default gateway community are not kept for IPs yet: always 0 and false.
    public var detectionCount: Int
    public var isDuplicate: Bool
    public var isDefaultGateway: Bool

    public init(vni: UInt32, ip: IPAddress, mac: MACAddress, kind: Kind, isActive: Bool, localSequence: UInt32,
                remoteSequence: UInt32, detectionCount: Int = 0, isDuplicate: Bool = false, isDefaultGateway: Bool = false) {
        self.vni = vni
        self.ip = ip
        self.mac = mac
        self.kind = kind
        self.isActive = isActive
        self.localSequence = localSequence
        self.remoteSequence = remoteSequence
        self.detectionCount = detectionCount
        self.isDuplicate = isDuplicate
        self.isDefaultGateway = isDefaultGateway
    }
}

extension VTEPState {
    /// The neighbour table of one VNI, or of all (nil), by VNI then IP.
    public func arpCacheReport(vni: UInt32? = nil) -> [NeighbourReport] {
        ips.keys.sorted().compactMap { key in
            guard vni == nil || key.vni == vni, vnis[key.vni] != nil, let record = ips[key] else { return nil }
            let best = record.bestRemote
            if let local = record.local {
                let sequence = record.advertised?.sequence ?? macs[MACKey(vni: key.vni, mac: local.mac)]?.localSequence ?? 0
                return NeighbourReport(vni: key.vni, ip: key.ip, mac: local.mac, kind: .local, isActive: record.advertised != nil,
                                       localSequence: sequence, remoteSequence: best?.sequence ?? 0, detectionCount: 0,
                                       isDuplicate: false, isDefaultGateway: false)
            }
            guard let best else { return nil }
            return NeighbourReport(vni: key.vni, ip: key.ip, mac: best.mac, kind: .remote(vtep: best.vtep),
                                   isActive: record.installed != nil, localSequence: 0, remoteSequence: best.sequence,
                                   detectionCount: 0, isDuplicate: false, isDefaultGateway: false)
        }
    }
}
