// One peer as `show bgp neighbors` reports it (FRR 8.4's bgp_show_peer): the summary row plus timers
// configured and negotiated, both OPENs' capabilities, when the peer last read, wrote and sent an UPDATE,
// and when the session last reset. Plain values; the daemon renders FRR's JSON keys and text from them
// (Daemon/NeighborReport.swift) and adds what only the socket knows (addresses and ports).

import BGPWire

/// When a peer last did something, for FRR's bgpTimerLastRead/Write, bgpInUpdateElapsedTimeMsecs and
/// lastResetTimerMsecs. Set where the peer already counts messages, so it costs one store per batch.
public struct PeerActivity: Hashable, Sendable {
    /// Bytes last arrived from the peer.
    public var lastRead: Instant?
    /// Bytes last went to the peer.
    public var lastWrite: Instant?
    /// The last UPDATE arrived (FRR's `update_time`).
    public var lastUpdateReceived: Instant?
    /// A session last went down or failed with a recorded reason (FRR's `resettime`).
    public var lastReset: Instant?

    public init() {}
}

public struct PeerDetail: Hashable, Sendable {
    public var summary: PeerSummary
    public var localRouterID: IPv4Address
    /// The peer's BGP Identifier, from its OPEN on the most advanced session.
    public var remoteRouterID: IPv4Address?
    /// Seconds, as configured (`timers KEEPALIVE HOLD`).
    public var configuredKeepalive: UInt16
    public var configuredHoldTime: UInt16
    public var connectRetry: UInt16
    public var routeReflectorClient: Bool
    /// `activate`d families, in AFI/SAFI order.
    public var configuredFamilies: [AddressFamily]
    /// What both OPENs settled, once OpenConfirm or Established.
    public var negotiated: NegotiatedSession?
    /// Our OPEN's capabilities and the peer's, on the most advanced session (empty before the OPENs).
    public var advertisedCapabilities: [Capability]
    public var receivedCapabilities: [Capability]
    /// The hostname our FQDN capability carries.
    public var localHostname: String
    /// Time since each activity, nil if it never happened.
    public var sinceLastRead: Duration?
    public var sinceLastWrite: Duration?
    public var sinceLastUpdateReceived: Duration?
    public var sinceLastReset: Duration?
    /// The most advanced session's connection, so the runtime can read its socket's addresses and ports.
    public var connection: ConnectionID?
    /// The configured TCP port of the peer (179 unless a test changes it).
    public var port: UInt16
    public var updateSource: IPAddress?
    public var passive: Bool
    public var shutdown: Bool
    /// Time left until the next outbound connect attempt (ConnectRetry), when one is due.
    public var untilNextConnect: Duration?
}

extension Peer {
    /// The session `show bgp neighbors` describes: the Established one, else the most advanced.
    var reportedSession: Session? { established ?? sessions.max { $0.state < $1.state } }

    func detail(summary: PeerSummary, speaker: LocalSpeaker, now: Instant) -> PeerDetail {
        let session = reportedSession
        func since(_ instant: Instant?) -> Duration? { instant.map { now.duration(since: $0) } }
        let families = config.families.sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }
        return PeerDetail(
            summary: summary, localRouterID: speaker.routerID, remoteRouterID: session?.theirOpen?.identifier,
            configuredKeepalive: config.keepalive, configuredHoldTime: config.holdTime, connectRetry: config.connectRetry,
            routeReflectorClient: config.routeReflectorClient, configuredFamilies: families,
            negotiated: session?.negotiated,
            advertisedCapabilities: session?.ourOpen?.capabilities ?? [],
            receivedCapabilities: session?.theirOpen?.capabilities ?? [],
            localHostname: speaker.hostname,
            sinceLastRead: since(activity.lastRead), sinceLastWrite: since(activity.lastWrite),
            sinceLastUpdateReceived: since(activity.lastUpdateReceived), sinceLastReset: since(activity.lastReset),
            connection: session?.id, port: config.port, updateSource: config.updateSource,
            passive: config.passive, shutdown: config.shutdown,
            untilNextConnect: connectRetryDeadline.map { $0 > now ? $0.duration(since: now) : .zero })
    }
}

extension Engine {
    /// Every peer (or the one at `address`) for `show bgp neighbors`, in address order.
    public func peerDetails(now: Instant, address: IPAddress? = nil) -> [PeerDetail] {
        let speaker = self.speaker
        return summary(now: now).compactMap { row in
            if let address, row.address != address { return nil }
            return peers[PeerID(row.address)]?.detail(summary: row, speaker: speaker, now: now)
        }
    }
}
