// Why a session went down, twice: FRR's short cause (bgpd's `peer_down_str`, shown as
// `lastResetDueTo` in `show bgp summary json`, which operators' scripts match on) and a precise
// sentence for logs and `sessionDown` (which NOTIFICATION, which code, what the peer said).

import BGPWire

public struct DownReason: Hashable, Sendable, CustomStringConvertible {
    /// FRR's wording for the cause, e.g. "BGP Notification send".
    public var dueTo: String
    /// What exactly happened, e.g. "NOTIFICATION sent: OPEN Message Error/Bad Peer AS".
    public var detail: String

    public init(dueTo: String, detail: String) {
        self.dueTo = dueTo
        self.detail = detail
    }

    public var description: String { detail }

    // FRR's causes (bgpd/bgpd.c, peer_down_str).
    static let userReset = "User reset"
    static let adminShutdown = "Admin. shutdown"
    static let notificationReceived = "BGP Notification received"
    static let notificationSent = "BGP Notification send"
    static let peerClosed = "Peer closed the session"
    static let neighborDeleted = "Neighbor deleted"
    static let routerIDChanged = "Router ID changed"
    static let remoteASChanged = "Remote AS changed"
    static let localASChanged = "Local AS change"
    static let updateSourceChanged = "Update source change"
    static let passiveChanged = "Passive config change"
    static let capabilityChanged = "Capability changed"
    static let rrClientChanged = "RR client config change"
    static let addressFamilyActivated = "Address family activated"
    /// FRR 9's wording (RFC 9687); the runtime's close reason starts with `sendHoldExpiredPrefix`.
    static let sendHoldExpired = "Send hold timer expired"
    static let bfdDown = "BFD down received"
    public static let sendHoldExpiredPrefix = "send hold timer expired"

    static func sent(_ notification: NotificationMessage) -> DownReason {
        // A hold timer expiry is what operators look for; say it first, as FRR's log line does.
        if notification.code == .holdTimerExpired {
            return DownReason(dueTo: notificationSent, detail: "Hold Timer Expired")
        }
        return DownReason(dueTo: notificationSent, detail: "NOTIFICATION sent: \(words(notification))")
    }

    static func received(_ notification: NotificationMessage) -> DownReason {
        DownReason(dueTo: notificationReceived, detail: "NOTIFICATION received: \(words(notification))")
    }

    /// Code and subcode in words, with the peer's shutdown message (RFC 9003) but not raw data.
    private static func words(_ notification: NotificationMessage) -> String {
        var text = "\(notification.codeName)/\(notification.subcodeName)"
        if let message = notification.shutdownCommunication { text += " \"\(message)\"" }
        return text
    }

    static func closed(_ why: String) -> DownReason {
        // The runtime closed it itself: the peer stopped reading (RFC 9687, Daemon/StreamChannel+SendHold.swift).
        if why.hasPrefix(sendHoldExpiredPrefix) { return DownReason(dueTo: sendHoldExpired, detail: why) }
        return DownReason(dueTo: peerClosed, detail: why.isEmpty ? "Connection closed by peer" : "Connection closed by peer: \(why)")
    }
}
