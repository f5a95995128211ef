// Messages of each type received from and sent to one peer, over the peer's lifetime (not reset when a
// session drops, as FRR's `show bgp neighbors` message statistics). `show bgp neighbors` and the metrics
// endpoint both read these; the totals `msgRcvd`/`msgSent` of the summary are their sums.

import BGPWire

public struct MessageCounters: Hashable, Sendable {
    /// One direction: a count per RFC 4271 message type, plus types no RFC we speak defines.
    public struct Direction: Hashable, Sendable {
        public var opens: UInt64 = 0
        public var updates: UInt64 = 0
        public var notifications: UInt64 = 0
        public var keepalives: UInt64 = 0
        public var routeRefreshes: UInt64 = 0
        /// Frames of a type evpnd does not know (they end the session, RFC 4271 6.1, but are counted first).
        public var other: UInt64 = 0

        public init() {}

        public var total: UInt64 { opens + updates + notifications + keepalives + routeRefreshes + other }

        mutating func count(_ type: BGPMessageType) {
            switch type {
            case .open: opens += 1
            case .update: updates += 1
            case .notification: notifications += 1
            case .keepalive: keepalives += 1
            case .routeRefresh: routeRefreshes += 1
            default: other += 1
            }
        }
    }

    public var received = Direction()
    public var sent = Direction()

    public init() {}
}
