// The names the engine and its runtime share: connections, peers, timers and time.
//
// Connection IDs come from two ranges so neither side has to ask the other: the runtime numbers the
// connections it accepts below `ConnectionID.engineRangeStart`, the engine numbers the outbound
// connections it asks for from `engineRangeStart` up.

import BGPWire

public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The first ID the engine hands out for its own `.connect` outputs (1 << 32); the runtime's
    /// inbound IDs must stay below it.
    public static let engineRangeStart: UInt64 = 1 << 32

    public var description: String { "conn#\(rawValue)" }
}

/// A peer is named by its address, as FRR's `neighbor A` names it.
public struct PeerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let address: IPAddress
    public init(_ address: IPAddress) { self.address = address }
    public var description: String { address.description }
    public static func < (lhs: PeerID, rhs: PeerID) -> Bool { lhs.address < rhs.address }
}

/// RFC 4271 section 8 timers, plus the IdleHold timer of its optional peer oscillation damping, and
/// RFC 4724's Restart, stale-path and (engine-wide) Selection_Deferral timers (GracefulRestart.swift).
public enum TimerKind: Hashable, Sendable, CaseIterable {
    case connectRetry, hold, keepalive, delayOpen, idleHold
    case gracefulRestart, stalePath, selectionDeferral
}

public struct TimerID: Hashable, Sendable, CustomStringConvertible {
    public let peer: PeerID
    public let kind: TimerKind
    public init(peer: PeerID, kind: TimerKind) {
        self.peer = peer
        self.kind = kind
    }
    public var description: String { "\(peer)/\(kind)" }
}

/// A point on the caller's monotonic clock. The engine never reads a clock; every input carries one.
public struct Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanosecondsClamped)
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    public func duration(since earlier: Instant) -> Duration {
        guard nanoseconds > earlier.nanoseconds else { return .zero }
        return .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds))
    }
}

extension Duration {
    /// Non-negative nanoseconds; negative durations count as zero (a timer armed in the past fires now).
    var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole &+ UInt64(max(attoseconds, 0) / 1_000_000_000)
    }
}

public struct LogEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Level: Int, Hashable, Sendable, Comparable {
        case debug, info, notice, warning, error
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }
    public var level: Level
    public var message: String
    public var peer: PeerID?
    /// The one VNI and MAC the event concerns, if it concerns one: the log line shows `vni=` and `mac=`.
    public var vni: UInt32?
    public var mac: MACAddress?
    public init(level: Level, message: String, peer: PeerID? = nil, vni: UInt32? = nil, mac: MACAddress? = nil) {
        self.level = level
        self.message = message
        self.peer = peer
        self.vni = vni
        self.mac = mac
    }
    public var description: String {
        if let peer { return "[\(level)] \(peer): \(message)" }
        return "[\(level)] \(message)"
    }
}
