// RFC 4271 section 8.2.2, one row per (state, event) pair the daemon can meet, driven through the
// engine's public surface on an outbound session: the state after, what was sent, what was closed.

import BGPCore
import BGPWire
import Testing

enum Event: CustomStringConvertible, Sendable {
    case connectRetryExpires, holdExpires, keepaliveExpires
    case tcpCRAcked, tcpFails, tcpClosed, inboundAccepted
    case open(OpenMessage), keepalive, update, notification, routeRefresh
    case badMarker, badLength, badType

    var description: String {
        switch self {
        case .connectRetryExpires: return "ConnectRetryTimer_Expires"
        case .holdExpires: return "HoldTimer_Expires"
        case .keepaliveExpires: return "KeepaliveTimer_Expires"
        case .tcpCRAcked: return "Tcp_CR_Acked"
        case .tcpFails: return "TcpConnectionFails"
        case .tcpClosed: return "TcpConnectionClosed"
        case .inboundAccepted: return "TcpConnectionConfirmed"
        case .open(let o): return "BGPOpen(as \(o.asNumber), hold \(o.holdTime), id \(o.identifier), v\(o.version))"
        case .keepalive: return "KeepAliveMsg"
        case .update: return "UpdateMsg"
        case .notification: return "NotifMsg"
        case .routeRefresh: return "RouteRefreshMsg"
        case .badMarker: return "BGPHeaderErr(marker)"
        case .badLength: return "BGPHeaderErr(length)"
        case .badType: return "BGPHeaderErr(type)"
        }
    }
}

struct Row: CustomStringConvertible, Sendable {
    var state: SessionState
    var event: Event
    var next: SessionState
    var sends: [BGPMessageType] = []
    /// Code/subcode of the NOTIFICATION sent, if one is.
    var notification: (UInt8, UInt8)? = nil
    var closes = false
    /// FRR's lastResetDueTo afterwards, when the row records one.
    var reset: String? = nil
    var description: String { "\(state.rawValue) + \(event) -> \(next.rawValue)" }
}

let fsmTable: [Row] = [
    // Connect
    Row(state: .connect, event: .connectRetryExpires, next: .connect, closes: true),
    Row(state: .connect, event: .tcpCRAcked, next: .openSent, sends: [.open]),
    Row(state: .connect, event: .tcpFails, next: .active, closes: true),
    Row(state: .connect, event: .inboundAccepted, next: .openSent),
    Row(state: .connect, event: .holdExpires, next: .connect),
    // Active
    Row(state: .active, event: .connectRetryExpires, next: .connect),
    Row(state: .active, event: .inboundAccepted, next: .openSent),
    Row(state: .active, event: .keepaliveExpires, next: .active),
    // OpenSent
    Row(state: .openSent, event: .open(Fixture.open()), next: .openConfirm, sends: [.keepalive]),
    Row(state: .openSent, event: .open(Fixture.open(asn: 65099)), next: .idle, sends: [.notification], notification: (2, 2), closes: true, reset: "BGP Notification send"),
    Row(state: .openSent, event: .open(Fixture.open(holdTime: 1)), next: .idle, sends: [.notification], notification: (2, 6), closes: true),
    Row(state: .openSent, event: .open(Fixture.open(holdTime: 2)), next: .idle, sends: [.notification], notification: (2, 6), closes: true),
    Row(state: .openSent, event: .open(Fixture.open(holdTime: 0)), next: .openConfirm, sends: [.keepalive]),
    Row(state: .openSent, event: .open(Fixture.open(version: 3)), next: .idle, sends: [.notification], notification: (2, 1), closes: true),
    Row(state: .openSent, event: .open(Fixture.open(identifier: IPv4Address(rawValue: 0))), next: .idle, sends: [.notification], notification: (2, 3), closes: true),
    Row(state: .openSent, event: .open(Fixture.open(extra: [.unknown(type: 9, value: [1])])), next: .idle, sends: [.notification], notification: (2, 4), closes: true),
    Row(state: .openSent, event: .keepalive, next: .idle, sends: [.notification], notification: (5, 1), closes: true),
    Row(state: .openSent, event: .update, next: .idle, sends: [.notification], notification: (5, 1), closes: true),
    Row(state: .openSent, event: .routeRefresh, next: .idle, sends: [.notification], notification: (5, 1), closes: true),
    Row(state: .openSent, event: .notification, next: .idle, closes: true, reset: "BGP Notification received"),
    Row(state: .openSent, event: .holdExpires, next: .idle, sends: [.notification], notification: (4, 0), closes: true, reset: "BGP Notification send"),
    Row(state: .openSent, event: .tcpClosed, next: .active, closes: true, reset: "Peer closed the session"),
    Row(state: .openSent, event: .badMarker, next: .idle, sends: [.notification], notification: (1, 1), closes: true),
    Row(state: .openSent, event: .badLength, next: .idle, sends: [.notification], notification: (1, 2), closes: true),
    Row(state: .openSent, event: .badType, next: .idle, sends: [.notification], notification: (1, 3), closes: true),
    Row(state: .openSent, event: .connectRetryExpires, next: .openSent),
    // OpenConfirm
    Row(state: .openConfirm, event: .keepalive, next: .established),
    Row(state: .openConfirm, event: .keepaliveExpires, next: .openConfirm, sends: [.keepalive]),
    Row(state: .openConfirm, event: .holdExpires, next: .idle, sends: [.notification], notification: (4, 0), closes: true, reset: "BGP Notification send"),
    Row(state: .openConfirm, event: .open(Fixture.open()), next: .idle, sends: [.notification], notification: (5, 2), closes: true),
    Row(state: .openConfirm, event: .update, next: .idle, sends: [.notification], notification: (5, 2), closes: true),
    Row(state: .openConfirm, event: .routeRefresh, next: .idle, sends: [.notification], notification: (5, 2), closes: true),
    Row(state: .openConfirm, event: .notification, next: .idle, closes: true, reset: "BGP Notification received"),
    Row(state: .openConfirm, event: .tcpClosed, next: .idle, closes: true, reset: "Peer closed the session"),
    Row(state: .openConfirm, event: .badMarker, next: .idle, sends: [.notification], notification: (1, 1), closes: true),
    // Established
    Row(state: .established, event: .keepalive, next: .established),
    Row(state: .established, event: .update, next: .established),
    Row(state: .established, event: .routeRefresh, next: .established),
    Row(state: .established, event: .keepaliveExpires, next: .established, sends: [.keepalive]),
    Row(state: .established, event: .holdExpires, next: .idle, sends: [.notification], notification: (4, 0), closes: true, reset: "BGP Notification send"),
    Row(state: .established, event: .open(Fixture.open()), next: .idle, sends: [.notification], notification: (5, 3), closes: true),
    Row(state: .established, event: .notification, next: .idle, closes: true, reset: "BGP Notification received"),
    Row(state: .established, event: .tcpClosed, next: .idle, closes: true, reset: "Peer closed the session"),
    Row(state: .established, event: .badLength, next: .idle, sends: [.notification], notification: (1, 2), closes: true),
    Row(state: .established, event: .badMarker, next: .idle, sends: [.notification], notification: (1, 1), closes: true),
]

@Suite struct StateMachineTableTests {
    static func header(marker: UInt8 = 0xff, length: UInt16 = 19, type: UInt8 = 4) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xff, count: 16)
        bytes[3] = marker
        return bytes + [UInt8(length >> 8), UInt8(length & 0xff), type]
    }

    func apply(_ event: Event, _ h: inout Harness) -> [EngineOutput] {
        let c = Fixture.outbound
        switch event {
        case .connectRetryExpires: return h.fire(.connectRetry) ?? h.step(.timerFired(TimerID(peer: Fixture.peer, kind: .connectRetry)))
        case .holdExpires: return h.fire(.hold) ?? h.step(.timerFired(TimerID(peer: Fixture.peer, kind: .hold)))
        case .keepaliveExpires: return h.fire(.keepalive) ?? h.step(.timerFired(TimerID(peer: Fixture.peer, kind: .keepalive)))
        case .tcpCRAcked: return h.step(.connectionEstablished(c))
        case .tcpFails: return h.step(.connectionFailed(c, reason: "Connection refused"))
        case .tcpClosed: return h.step(.connectionClosed(c, reason: "EOF"))
        case .inboundAccepted:
            return h.step(.connectionAccepted(Fixture.inbound, remote: Fixture.peerAddress, remotePort: 40000, local: .v4(Fixture.routerID)))
        case .open(let open): return h.receive(.open(open), on: c)
        case .keepalive: return h.receive(.keepalive, on: c)
        case .update: return h.receive(.update(.endOfRIB(.l2vpnEVPN)), on: c)
        case .notification:
            return h.receive(.notification(NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.administrativeShutdown)), on: c)
        case .routeRefresh: return h.receive(.routeRefresh(RouteRefreshMessage(family: .l2vpnEVPN)), on: c)
        case .badMarker: return h.step(.received(c, Self.header(marker: 0)))
        case .badLength: return h.step(.received(c, Self.header(length: 18)))
        case .badType: return h.step(.received(c, Self.header(type: 9)))
        }
    }

    @Test("RFC 4271 8.2.2", arguments: fsmTable)
    func row(_ row: Row) {
        var h = Harness()
        h.to(row.state)
        #expect(h.state == row.state, "setup")
        let outputs = apply(row.event, &h)
        #expect(h.state == row.next)
        #expect(sentTypes(outputs, on: Fixture.outbound) == row.sends)
        if let (code, subcode) = row.notification {
            let sent = notifications(outputs, on: Fixture.outbound)
            #expect(sent.map(\.code.rawValue) == [code])
            #expect(sent.map(\.subcode) == [subcode])
        }
        #expect(closed(outputs).contains(Fixture.outbound) == row.closes)
        if let reset = row.reset {
            #expect(h.summary?.lastResetDueTo == reset)
        }
        // Whatever happened, the peer is never left without a way forward: Idle has IdleHold
        // armed, Active has ConnectRetry armed.
        if row.next == .idle {
            #expect(h.armed[TimerID(peer: Fixture.peer, kind: .idleHold)] != nil)
        }
        if row.next == .active {
            #expect(h.armed[TimerID(peer: Fixture.peer, kind: .connectRetry)] != nil)
        }
    }
}
