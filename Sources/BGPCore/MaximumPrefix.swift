// `neighbor X maximum-prefix N [restart MINUTES|warning-only]`: a peer that sends more than N routes of the L2VPN
// EVPN family (counted as the RIB counts pfxRcd) loses its session, so one peer cannot fill the RIB.
//
// - The N+1th route ends the session with NOTIFICATION Cease / Maximum Number of Prefixes Reached (RFC 4486
//   section 4), whose data is AFI (2), SAFI (1) and the limit (4), as FRR sends it (bgpd/bgp_route.c,
//   bgp_maximum_prefix_overflow). The routes go with the session.
// - With `restart M` the peer stays Idle, refusing its connections, for M minutes and then starts again; without
//   it the peer stays Idle until `clear bgp` or a configuration change (FRR shows "Idle (PfxCt)").
// - `warning-only`: the overflow is logged once per session and the session stays.
// - A threshold percentage logs a warning once per session when the count reaches it.
// A dynamic peer (listen range) is deleted with its session, so nothing holds it down: it may reconnect at once
// and is cut again at the N+1th route.

import BGPWire

public struct MaximumPrefix: Hashable, Sendable {
    public var limit: Int
    public var thresholdPercent: Int
    /// How long the peer stays down after an overflow; nil: until cleared.
    public var restart: Duration?
    public var warningOnly: Bool

    public init(limit: Int, thresholdPercent: Int = 75, restart: Duration? = nil, warningOnly: Bool = false) {
        self.limit = limit
        self.thresholdPercent = thresholdPercent
        self.restart = restart
        self.warningOnly = warningOnly
    }

    /// The NOTIFICATION data of RFC 4486 section 4: AFI, SAFI, upper bound.
    func notificationData(_ family: AddressFamily) -> [UInt8] {
        let bound = UInt32(clamping: limit)
        return [UInt8(family.afi.rawValue >> 8), UInt8(family.afi.rawValue & 0xff), family.safi.rawValue,
                UInt8(bound >> 24), UInt8((bound >> 16) & 0xff), UInt8((bound >> 8) & 0xff), UInt8(bound & 0xff)]
    }
}

/// What the limit left on a peer: warnings given this session, and a hold after an overflow.
struct MaximumPrefixState: Hashable, Sendable {
    var warnedThreshold = false
    var warnedOverflow = false
    /// Set after an overflow: the peer refuses connections until then (nil inside: until cleared).
    var heldUntil: Instant??

    func holds(at now: Instant) -> Bool {
        guard let heldUntil else { return false }
        guard let until = heldUntil else { return true }
        return now < until
    }
}

extension Peer {
    /// Called after each UPDATE reached the RIB, with the routes the RIB now holds from this peer.
    mutating func checkMaximumPrefix(received count: Int, family: AddressFamily, _ fx: inout Effects) {
        guard let limit = config.maximumPrefix, let session = established else { return }
        if !maximumPrefixState.warnedThreshold, count * 100 >= limit.limit * limit.thresholdPercent, count <= limit.limit {
            maximumPrefixState.warnedThreshold = true
            fx.log(.warning, "\(count) routes received, \(limit.thresholdPercent)% of the maximum-prefix limit \(limit.limit)", peer: id)
        }
        guard count > limit.limit else { return }
        if limit.warningOnly {
            if !maximumPrefixState.warnedOverflow {
                maximumPrefixState.warnedOverflow = true
                fx.log(.warning, "\(count) routes received, over the maximum-prefix limit \(limit.limit) (warning-only)", peer: id)
            }
            return
        }
        let notification = NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.maximumPrefixesReached,
                                               data: limit.notificationData(family))
        fx.log(.warning, "\(count) routes received, over the maximum-prefix limit \(limit.limit): session closed"
               + (limit.restart.map { ", restart in \($0.components.seconds) s" } ?? " until cleared"), peer: id)
        // Any other connection in progress (a collision) goes first, so nothing below is undone by its teardown.
        for pending in sessions where pending.id != session.id {
            tearDown(pending.id, reason: nil, &fx)
        }
        send(batch: [.notification(notification)], on: session.id, &fx)
        tearDown(session.id, reason: .sent(notification), &fx)
        // Idle for the restart interval, or for good; connections are refused meanwhile (`maximumPrefixRefusal`).
        maximumPrefixState.heldUntil = .some(limit.restart.map { fx.now + $0 })
        connectRetryDeadline = nil
        idleHoldDeadline = limit.restart.map { fx.now + $0 }
        if limit.restart == nil { started = false }
    }

    /// Why an inbound connection is refused while the limit holds the peer down.
    func maximumPrefixRefusal(at now: Instant) -> String? {
        guard maximumPrefixState.holds(at: now) else { return nil }
        return "neighbor \(config.address) is held down after exceeding its maximum-prefix limit"
    }

    /// A new session, a clear or a restart after the hold: the count starts again.
    mutating func resetMaximumPrefix() {
        maximumPrefixState = MaximumPrefixState()
    }
}

extension Engine {
    /// The hook after each UPDATE the RIB took (Engine+RIB.swift).
    mutating func enforceMaximumPrefix(_ id: PeerID, _ fx: inout Effects) {
        guard let peer = peers[id], peer.config.maximumPrefix != nil, peer.established != nil else { return }
        let count = rib.received(from: id)
        update(id, &fx) { peer, fx in peer.checkMaximumPrefix(received: count, family: .l2vpnEVPN, &fx) }
    }
}
