// One row of `show bgp l2vpn evpn summary`, with what FRR's JSON reports per peer (`remoteAs`,
// `localAs`, `state`, `peerUptimeMsec`, `pfxRcd`, `pfxSnt`, `msgRcvd`, `msgSent`,
// `connectionsEstablished`, `connectionsDropped`, `lastResetDueTo`); the control protocol maps the
// fields to those keys.

import BGPWire

public struct PeerSummary: Hashable, Sendable {
    public var address: IPAddress
    /// The peer's AS as its OPEN gave it, else the configured number (our AS for `internal`, 0 for `external`).
    public var remoteAS: UInt32
    public var configuredRemoteAS: RemoteAS
    public var localAS: UInt32
    public var state: SessionState
    /// Milliseconds since the session came up (Established) or went down; 0 if it never came up.
    public var uptimeMilliseconds: UInt64
    public var prefixesReceived: Int
    public var prefixesSent: Int
    /// Messages of each type, both ways (MessageCounters.swift).
    public var messages: MessageCounters
    public var messagesReceived: UInt64 { messages.received.total }
    public var messagesSent: UInt64 { messages.sent.total }
    public var connectionsEstablished: UInt64
    public var connectionsDropped: UInt64
    /// FRR's cause of the last reset ("BGP Notification send", "Peer closed the session", ...).
    public var lastResetDueTo: String?
    /// The precise reason ("Hold Timer Expired", "NOTIFICATION received: Cease/Administrative Shutdown", ...).
    public var lastResetReason: String?
    /// From the peer's FQDN capability.
    public var hostname: String?
    public var peerGroup: String?
    public var description: String?
    public var isDynamic: Bool
    /// Families negotiated on the Established session, in AFI/SAFI order; empty otherwise.
    public var families: [AddressFamily]
    /// RFC 7606: what malformed messages from this peer made evpnd do (UpdateErrorHandling.swift).
    public var updateErrors = UpdateErrorCounters()
    /// Routes from this peer not used, by reason (DropCounters.swift).
    public var drops = DropCounters()

    /// FRR's word for the state ("Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established").
    public var stateName: String { state.rawValue }
}

extension Peer {
    func summary(localAS: UInt32, now: Instant, received: Int, sent: Int) -> PeerSummary {
        let negotiated = established?.negotiated
        let configured: UInt32
        switch config.remoteAS {
        case .number(let n): configured = n
        case .internal: configured = localAS
        case .external: configured = 0
        }
        let uptime = lastChange.map { UInt64(now.duration(since: $0).components.seconds) * 1000
            + UInt64(now.duration(since: $0).components.attoseconds / 1_000_000_000_000_000) } ?? 0
        var row = PeerSummary(
            address: config.address, remoteAS: negotiated?.peerAS ?? configured, configuredRemoteAS: config.remoteAS,
            localAS: localAS, state: state, uptimeMilliseconds: uptime,
            prefixesReceived: received, prefixesSent: sent,
            messages: messages,
            connectionsEstablished: connectionsEstablished, connectionsDropped: connectionsDropped,
            lastResetDueTo: lastReset?.dueTo, lastResetReason: lastReset?.detail,
            hostname: negotiated?.peerHostname, peerGroup: config.peerGroup, description: config.description,
            isDynamic: config.isDynamic,
            families: (negotiated?.families ?? []).sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) })
        row.updateErrors = updateErrors
        return row
    }
}
