// The typed form of the `router bgp` part of an FRR configuration: what was written, per neighbor and per
// peer group, and (in `resolvedNeighbors`/`resolvedListenRanges`) what applies once FRR's inheritance and
// defaults are worked out. Kept free of engine types so this module stays a leaf; Daemon converts.

import BGPWire

public enum RemoteAS: Hashable, Sendable, CustomStringConvertible {
    case number(UInt32)
    /// Same AS as ours (`remote-as internal`).
    case `internal`
    /// Any AS but ours (`remote-as external`).
    case external

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .internal: return "internal"
        case .external: return "external"
        }
    }
}

/// FRR's `frr defaults` profiles; they change the timer defaults (bgpd/bgp_vty.c, FRR_CFG_DEFAULT_*).
public enum DefaultsProfile: String, Hashable, Sendable {
    case traditional
    case datacenter

    public var keepalive: UInt16 { self == .datacenter ? 3 : 60 }
    public var holdTime: UInt16 { self == .datacenter ? 9 : 180 }
    public var connectRetry: UInt16 { self == .datacenter ? 10 : 120 }
    public var ebgpRequiresPolicy: Bool { self == .traditional }
}

/// Settings a neighbor or a peer group can carry. nil means "not written here": inherit.
public struct NeighborSettings: Hashable, Sendable {
    public var remoteAS: RemoteAS?
    public var updateSource: IPAddress?
    public var extendedNextHop: Bool?
    public var keepalive: UInt16?
    public var holdTime: UInt16?
    public var connectRetry: UInt16?
    public var shutdown: Bool?
    public var description: String?
    public var port: UInt16?
    public var passive: Bool?
    public var password: String?
    /// `neighbor X ttl-security hops N` (GTSM, RFC 5082): 1...254.
    public var ttlSecurityHops: UInt8?
    /// Per address family: `neighbor X maximum-prefix N [restart M|warning-only]` (SessionLimits.swift).
    public var maximumPrefix: [AddressFamily: MaximumPrefixConfig] = [:]
    /// `neighbor X graceful-restart[-helper|-disable]` (GracefulRestartConfig.swift).
    public var gracefulRestart: NeighborGracefulRestart?
    /// `neighbor X bfd ...` (BFDConfig.swift).
    public var bfd: NeighborBFDConfig?
    /// Per address family: `neighbor X activate` / `no neighbor X activate`.
    public var activated: [AddressFamily: Bool] = [:]
    public var routeReflectorClient: [AddressFamily: Bool] = [:]
    /// Per unicast family: `neighbor X next-hop-self [force]`.
    public var nextHopSelf: [AddressFamily: NextHopSelfMode] = [:]
    /// Per address family: `neighbor X allowas-in [N|origin]` (EBGPConfig.swift).
    public var allowAsIn: [AddressFamily: AllowASInMode] = [:]
    /// `neighbor X ebgp-multihop [N]`: the TTL of an eBGP session (EBGPConfig.swift).
    public var ebgpMultihop: UInt8?
    /// `neighbor X disable-connected-check`.
    public var disableConnectedCheck: Bool?

    public init() {}
}

/// `neighbor X next-hop-self` (routes learned over eBGP get our next hop) or `... force` (reflected ones too).
public enum NextHopSelfMode: Hashable, Sendable {
    case on, force
}

public struct NeighborConfig: Hashable, Sendable {
    public var address: IPAddress
    public var peerGroup: String?
    public var settings: NeighborSettings
    /// Where the neighbor was first written, for later diagnostics.
    public var location: SourceLocation
}

public struct PeerGroupConfig: Hashable, Sendable {
    public var name: String
    public var settings: NeighborSettings
    public var location: SourceLocation
}

public struct ListenRangeConfig: Hashable, Sendable {
    public var prefix: IPPrefix
    public var peerGroup: String
    public var location: SourceLocation
}

public struct RouterBGPConfig: Hashable, Sendable {
    public var asn: UInt32
    public var routerID: IPv4Address?
    public var clusterID: IPv4Address?
    public var defaultIPv4Unicast: Bool = true
    public var ebgpRequiresPolicy: Bool?
    /// Where `bgp ebgp-requires-policy` was written, for the warning that evpnd does not apply it (EBGPConfig.swift).
    public var ebgpRequiresPolicyLocation: SourceLocation?
    /// `[no] bgp enforce-first-as`; on by default, as in FRR.
    public var enforceFirstAS: Bool = true
    public var keepalive: UInt16?
    public var holdTime: UInt16?
    public var listenLimit: Int?
    public var listenRanges: [ListenRangeConfig] = []
    public var peerGroups: [PeerGroupConfig] = []
    public var neighbors: [NeighborConfig] = []
    public var advertiseAllVNI: Bool = false
    /// `network PREFIX` of `address-family ipv4 unicast` and `ipv6 unicast` (the family follows from the
    /// address), in the order written.
    public var networks: [IPPrefix] = []
    /// `vni N` blocks and `dup-addr-detection` of `address-family l2vpn evpn` (EVPNConfig.swift).
    public var vnis: [EVPNVNIStanza] = []
    public var duplicateAddressDetection: DupAddrDetectionConfig?
    /// `autort rfc8365-compatible` in `address-family l2vpn evpn`.
    public var autortRFC8365 = false
    /// `maximum-paths [ibgp] N` per unicast family (EBGPConfig.swift).
    public var maximumPaths: [AddressFamily: MaximumPathsConfig] = [:]
    /// `bgp bestpath as-path multipath-relax`.
    public var multipathRelax = false
    /// The unicast families with `redistribute connected` (RedistributeConfig.swift).
    public var redistributeConnected: [AddressFamily] = []
    /// `bgp graceful-restart ...` (GracefulRestartConfig.swift).
    public var gracefulRestart = GracefulRestartConfig()
    /// `disable-ead-evi-rx|tx`, `ead-es-frag evi-limit` (EVPNMultihomingConfig.swift).
    public var evpnMultihoming = EVPNMultihomingBGPConfig()
    public var location: SourceLocation

    public init(asn: UInt32, location: SourceLocation) {
        self.asn = asn
        self.location = location
    }

    public func peerGroup(named name: String) -> PeerGroupConfig? { peerGroups.first { $0.name == name } }
}

public struct BGPConfig: Hashable, Sendable {
    public var hostname: String?
    public var profile: DefaultsProfile = .traditional
    public var router: RouterBGPConfig
    /// The Prometheus endpoint, an evpnd extension (MetricsEndpointConfig.swift); nil: off.
    public var metrics: MetricsEndpointConfig? = nil
    /// bfdd's `bfd` stanza (BFDConfig.swift).
    public var bfd = BFDConfig()
    /// zebra's `evpn mh` globals and interfaces (EVPNMultihomingConfig.swift).
    public var multihoming = EVPNMultihomingConfig()
}

/// A neighbor (or a listen range's template) with inheritance and defaults applied: what the engine runs.
public struct ResolvedNeighbor: Hashable, Sendable {
    public var address: IPAddress
    public var remoteAS: RemoteAS
    public var updateSource: IPAddress?
    public var port: UInt16
    public var keepalive: UInt16
    public var holdTime: UInt16
    public var connectRetry: UInt16
    public var passive: Bool
    public var shutdown: Bool
    public var extendedNextHop: Bool
    public var families: Set<AddressFamily>
    public var description: String?
    public var peerGroup: String?
    public var routeReflectorClient: Bool
    public var password: String?
    public var ttlSecurityHops: UInt8? = nil
    /// For the L2VPN EVPN family, the only one whose routes evpnd keeps.
    public var maximumPrefix: MaximumPrefixConfig? = nil
    public var gracefulRestart: NeighborGracefulRestart = .helper
    /// `neighbor X bfd ...`, own or the group's; nil: no BFD for this session.
    public var bfd: NeighborBFDConfig? = nil
    public var nextHopSelf: [AddressFamily: NextHopSelfMode] = [:]
    public var allowAsIn: [AddressFamily: AllowASInMode] = [:]
    public var ebgpMultihop: UInt8? = nil
    public var disableConnectedCheck = false
}

public struct ResolvedListenRange: Hashable, Sendable {
    public var prefix: IPPrefix
    public var peerGroup: String
    /// The group's settings; `address` is the range's network address (the engine fills in each peer's).
    public var template: ResolvedNeighbor
}

extension BGPConfig {
    /// FRR's default for `bgp listen limit`.
    public static let defaultListenLimit = 100

    public var listenLimit: Int { router.listenLimit ?? Self.defaultListenLimit }

    public var resolvedNeighbors: [ResolvedNeighbor] {
        router.neighbors.map { neighbor in
            resolve(address: neighbor.address, own: neighbor.settings, groupName: neighbor.peerGroup)
        }
    }

    public var resolvedListenRanges: [ResolvedListenRange] {
        router.listenRanges.map { range in
            ResolvedListenRange(prefix: range.prefix, peerGroup: range.peerGroup,
                                template: resolve(address: range.prefix.address, own: NeighborSettings(),
                                                  groupName: range.peerGroup))
        }
    }

    /// A neighbor's own setting wins over its group's, which wins over `router bgp` and profile defaults.
    func resolve(address: IPAddress, own: NeighborSettings, groupName: String?) -> ResolvedNeighbor {
        let group = groupName.flatMap { router.peerGroup(named: $0)?.settings } ?? NeighborSettings()
        func pick<T>(_ path: KeyPath<NeighborSettings, T?>) -> T? { own[keyPath: path] ?? group[keyPath: path] }
        // FRR sets keepalive and hold together: a neighbor's `timers K H` replaces both.
        let keepalive = pick(\.keepalive) ?? router.keepalive ?? profile.keepalive
        let holdTime = pick(\.holdTime) ?? router.holdTime ?? profile.holdTime
        var families: Set<AddressFamily> = []
        for family in [AddressFamily.ipv4Unicast, .ipv6Unicast, .l2vpnEVPN] {
            let defaultOn = family == .ipv4Unicast && router.defaultIPv4Unicast
            if own.activated[family] ?? group.activated[family] ?? defaultOn { families.insert(family) }
        }
        // The engine has one client flag per peer: a client in any activated family is a client (FRR keeps it per
        // family; docs/OPERATIONS.md says so).
        let rrClient = families.contains { own.routeReflectorClient[$0] ?? group.routeReflectorClient[$0] ?? false }
        var nextHopSelf: [AddressFamily: NextHopSelfMode] = [:]
        for family in [AddressFamily.ipv4Unicast, .ipv6Unicast] {
            nextHopSelf[family] = own.nextHopSelf[family] ?? group.nextHopSelf[family]
        }
        var resolved = ResolvedNeighbor(
            address: address,
            remoteAS: pick(\.remoteAS) ?? .internal,
            updateSource: pick(\.updateSource),
            port: pick(\.port) ?? 179,
            keepalive: keepalive,
            holdTime: holdTime,
            connectRetry: pick(\.connectRetry) ?? profile.connectRetry,
            passive: pick(\.passive) ?? false,
            shutdown: pick(\.shutdown) ?? false,
            extendedNextHop: pick(\.extendedNextHop) ?? false,
            families: families,
            description: pick(\.description),
            peerGroup: groupName,
            routeReflectorClient: rrClient,
            password: pick(\.password),
            ttlSecurityHops: pick(\.ttlSecurityHops),
            maximumPrefix: own.maximumPrefix[.l2vpnEVPN] ?? group.maximumPrefix[.l2vpnEVPN])
        resolved.gracefulRestart = pick(\.gracefulRestart) ?? router.gracefulRestart.neighborDefault
        resolved.bfd = pick(\.bfd)
        resolved.nextHopSelf = nextHopSelf
        for family in families {
            resolved.allowAsIn[family] = own.allowAsIn[family] ?? group.allowAsIn[family]
        }
        resolved.ebgpMultihop = pick(\.ebgpMultihop)
        resolved.disableConnectedCheck = pick(\.disableConnectedCheck) ?? false
        return resolved
    }
}
