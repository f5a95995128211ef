// What the config layer hands the engine: one `PeerConfig` per `neighbor`, listen ranges for
// dynamic peers, and the speaker's own identity. Defaults are FRR's (bgpd/bgpd.h).

import BGPWire

/// `neighbor A remote-as N|internal|external`.
public enum RemoteAS: Hashable, Sendable, CustomStringConvertible {
    case number(UInt32)
    /// The peer must be in our AS.
    case `internal`
    /// The peer must be in any AS but ours.
    case external

    /// Whether an OPEN from `peerAS` is acceptable when we are `localAS` (RFC 4271 section 6.2, Bad Peer AS).
    func accepts(_ peerAS: UInt32, localAS: UInt32) -> Bool {
        switch self {
        case .number(let n): return n == peerAS
        case .internal: return peerAS == localAS
        case .external: return peerAS != localAS
        }
    }

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .internal: return "internal"
        case .external: return "external"
        }
    }
}

public struct PeerConfig: Hashable, Sendable {
    public var address: IPAddress
    public var remoteAS: RemoteAS
    public var updateSource: IPAddress?
    public var port: UInt16
    /// Seconds; FRR's defaults are 60/180, `frr defaults datacenter` 3/9.
    public var keepalive: UInt16
    public var holdTime: UInt16
    /// Seconds between outbound connection attempts; also the cap of the IdleHold back-off.
    public var connectRetry: UInt16
    public var passive: Bool
    public var shutdown: Bool
    public var extendedNextHop: Bool
    public var families: Set<AddressFamily>
    public var description: String?
    /// Created from a listen range rather than configured; it goes when its session does.
    public var isDynamic: Bool
    public var routeReflectorClient: Bool
    /// The peer group it came from, for the summary (FRR shows it for dynamic peers).
    public var peerGroup: String?
    /// RFC 4271 section 8.1.1 DelayOpen: wait this many seconds for the peer's OPEN before sending ours (0 = off).
    public var delayOpen: UInt16
    /// `neighbor X maximum-prefix` for L2VPN EVPN (MaximumPrefix.swift); nil: no limit.
    public var maximumPrefix: MaximumPrefix? = nil
    /// RFC 4724 role with this peer (`bgp graceful-restart` and `neighbor X graceful-restart*`, GracefulRestart.swift).
    public var gracefulRestart: GracefulRestartMode = .helper
    /// `neighbor X next-hop-self [force]` (unicast families; EVPN next hops are never changed).
    public var nextHopSelf: [AddressFamily: NextHopSelf] = [:]
    /// `neighbor X allowas-in [N|origin]` per family (AllowASIn.swift).
    public var allowAsIn: [AddressFamily: AllowASIn] = [:]
    /// `neighbor X ebgp-multihop [N]`: the TTL of an eBGP session; nil: single-hop (TTL 1).
    public var ebgpMultihop: UInt8? = nil
    /// `neighbor X disable-connected-check`.
    public var disableConnectedCheck = false

    public init(address: IPAddress, remoteAS: RemoteAS, updateSource: IPAddress? = nil, port: UInt16 = 179,
                keepalive: UInt16 = 60, holdTime: UInt16 = 180, connectRetry: UInt16 = 120,
                passive: Bool = false, shutdown: Bool = false, extendedNextHop: Bool = false,
                families: Set<AddressFamily> = [.l2vpnEVPN], description: String? = nil,
                isDynamic: Bool = false, routeReflectorClient: Bool = false, peerGroup: String? = nil,
                delayOpen: UInt16 = 0) {
        self.address = address
        self.remoteAS = remoteAS
        self.updateSource = updateSource
        self.port = port
        self.keepalive = keepalive
        self.holdTime = holdTime
        self.connectRetry = connectRetry
        self.passive = passive
        self.shutdown = shutdown
        self.extendedNextHop = extendedNextHop
        self.families = families
        self.description = description
        self.isDynamic = isDynamic
        self.routeReflectorClient = routeReflectorClient
        self.peerGroup = peerGroup
        self.delayOpen = delayOpen
    }
}

/// `neighbor X next-hop-self [force]` per unicast family: FRR's rules for the next hop of unicast routes towards iBGP peers.
public enum NextHopSelf: Hashable, Sendable {
    /// The next hop is kept (set to ours only for our own routes).
    case off
    /// Set to ours for routes learned over eBGP, not for reflected ones.
    case on
    /// Set to ours for reflected routes too.
    case force
}

/// `bgp listen range PREFIX peer-group G`: connections from inside `prefix` become dynamic peers
/// configured as `template` (whose address is ignored).
public struct ListenRange: Hashable, Sendable {
    public var prefix: IPPrefix
    public var template: PeerConfig
    public init(prefix: IPPrefix, template: PeerConfig) {
        self.prefix = prefix
        self.template = template
    }

    public func contains(_ address: IPAddress) -> Bool { prefix.contains(address) }
}

public struct EngineConfig: Hashable, Sendable {
    public var localAS: UInt32
    public var routerID: IPv4Address
    public var hostname: String
    public var peers: [PeerConfig]
    public var listenRanges: [ListenRange]
    /// `bgp listen limit`: most dynamic peers at once (FRR's default is 100).
    public var listenLimit: Int
    /// Graceful restart time advertised in our OPEN (RFC 4724); FRR's default is 120 s.
    public var gracefulRestartTime: UInt16
    /// `bgp cluster-id` (RFC 4456 section 7); nil means the router id, as in FRR.
    public var clusterID: IPv4Address?
    /// `bgp graceful-restart stalepath-time` and `select-defer-time` (GracefulRestart.swift).
    public var gracefulRestartTimers = GracefulRestartTimers()
    /// `[no] bgp enforce-first-as`: on (FRR's default), an external peer's routes whose AS_PATH does not
    /// start with its AS are treated as withdrawn (UpdateErrorHandling.swift); off for route servers.
    public var enforceFirstAS = true
    /// `network PREFIX` of `address-family ipv4 unicast` and `ipv6 unicast`: prefixes we originate.
    public var networks: [IPPrefix] = []
    /// `maximum-paths [ibgp] N` per unicast family (Multipath.swift); absent: FRR's default.
    public var maximumPaths: [AddressFamily: MaximumPaths] = [:]
    /// `bgp bestpath as-path multipath-relax`.
    public var multipathRelax = false
    /// `redistribute connected`: the subnets of this machine's interfaces the runtime found (Redistribute.swift).
    public var redistributedConnected: [IPPrefix] = []

    public init(localAS: UInt32, routerID: IPv4Address, hostname: String, peers: [PeerConfig] = [],
                listenRanges: [ListenRange] = [], listenLimit: Int = 100, gracefulRestartTime: UInt16 = 120,
                clusterID: IPv4Address? = nil) {
        self.localAS = localAS
        self.routerID = routerID
        self.hostname = hostname
        self.peers = peers
        self.listenRanges = listenRanges
        self.listenLimit = listenLimit
        self.gracefulRestartTime = gracefulRestartTime
        self.clusterID = clusterID
    }

    /// The cluster id in force: the configured one, else the router id.
    public var effectiveClusterID: IPv4Address { clusterID ?? routerID }
}

extension IPPrefix {
    /// Whether `address` lies inside this prefix; addresses of the other family never do.
    public func contains(_ other: IPAddress) -> Bool {
        let mine = address.bytes
        let theirs = other.bytes
        guard mine.count == theirs.count, Int(length) <= mine.count * 8 else { return false }
        var bits = Int(length)
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if mine[i] & mask != theirs[i] & mask { return false }
            bits -= 8
            i += 1
        }
        return true
    }
}
