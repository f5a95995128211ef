// One TCP connection's share of a peer's state machine. A peer can have two at once, one it opened
// and one the peer opened, until collision detection (RFC 4271 section 6.8) keeps one. Each has
// its own framer, codec context, OPENs and deadlines; the peer turns the deadlines into timers.

import BGPWire

struct Session {
    let id: ConnectionID
    let direction: ConnectionDirection
    /// `.connect` while an outbound TCP connect is pending (or DelayOpen runs on it), `.active` while
    /// DelayOpen runs on an inbound one, then OpenSent, OpenConfirm, Established.
    var state: SessionState
    var framer = MessageFramer(context: .initial)
    var sendContext = CodecContext.initial
    var ourOpen: OpenMessage?
    /// The peer's OPEN, once accepted (its capabilities for `show bgp neighbors`).
    var theirOpen: OpenMessage?
    var negotiated: NegotiatedSession?
    /// Our end of the connection, when the runtime said: the next hop of unicast routes set to self.
    var localAddress: IPAddress?

    var holdDeadline: Instant?
    var keepaliveDeadline: Instant?
    var delayOpenDeadline: Instant?

    /// Whether the runtime said the socket can take more since our last `.send` on it.
    var writable = false
    /// UPDATE-path work besides routes, turned into bytes only on `.writable` (pull-based sending).
    /// Each item waits until the RIB has no dirty route left for the peer, so End-of-RIB follows
    /// the initial table and End of Route Refresh follows the re-advertisement.
    var pendingWork: [OutboundWork] = []

    init(id: ConnectionID, direction: ConnectionDirection, state: SessionState) {
        self.id = id
        self.direction = direction
        self.state = state
    }

    /// Whether our OPEN went out, so that a NOTIFICATION is meaningful to the peer.
    var hasSentOpen: Bool { ourOpen != nil }
}

/// Work for the UPDATE path of one session.
enum OutboundWork: Hashable {
    /// RFC 4724 section 2: the End-of-RIB marker after the initial table of a family.
    case endOfRIB(AddressFamily)
    /// RFC 7313: the Beginning and End of Route Refresh around a re-advertisement the peer asked for.
    case beginRouteRefresh(AddressFamily)
    case endRouteRefresh(AddressFamily)
    /// RFC 2918: advertise the Adj-RIB-Out of the family again (no message of its own).
    case resend(AddressFamily)

    var message: BGPMessage? {
        switch self {
        case .resend: return nil
        case .endOfRIB(let family): return .update(.endOfRIB(family))
        case .beginRouteRefresh(let family): return .routeRefresh(RouteRefreshMessage(family: family, subtype: .beginningOfRouteRefresh))
        case .endRouteRefresh(let family): return .routeRefresh(RouteRefreshMessage(family: family, subtype: .endOfRouteRefresh))
        }
    }
}
