// Whether the local ES ports must be held down (FRR's protodown of ES members, zebra_evpn_mh.c): during
// `evpn mh startup-delay` after evpnd starts (the switch has not learned the fabric's routes yet, and a
// server hashing flows to it would lose them), and while every `evpn mh uplink` interface is down (the
// switch cannot reach the fabric; the server's LAG then sends everything to the other switch). Released as
// soon as neither holds. No uplink configured: uplink state never holds a port. Pure: time is passed in.

public enum ESPortHoldReason: String, Hashable, Sendable, Comparable, CaseIterable {
    case startupDelay = "startup-delay"
    case uplinkDown = "uplink-down"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

public struct ESPortHoldInput: Hashable, Sendable {
    /// The local ES ports (the `interface` stanzas with `evpn mh es-id`).
    public var ports: Set<String>
    /// The `evpn mh uplink` interfaces.
    public var uplinks: Set<String>
    /// The uplinks that are operationally up now.
    public var uplinksUp: Set<String>
    /// Time since evpnd started.
    public var sinceStart: Duration
    /// `evpn mh startup-delay` (FRR's default 180 s).
    public var startupDelay: Duration

    public init(ports: Set<String>, uplinks: Set<String>, uplinksUp: Set<String>, sinceStart: Duration, startupDelay: Duration) {
        self.ports = ports
        self.uplinks = uplinks
        self.uplinksUp = uplinksUp
        self.sinceStart = sinceStart
        self.startupDelay = startupDelay
    }
}

public struct ESPortHold: Hashable, Sendable {
    /// Why the ES ports are held down; empty: they may forward.
    public var reasons: Set<ESPortHoldReason>
    /// The ports to hold down (every ES port, or none: the reasons are the switch's, not a port's).
    public var heldPorts: Set<String>
    /// When to decide again even if no input changes (the end of the startup delay); nil: only on a change.
    public var decideAgainAfter: Duration?

    public init(_ input: ESPortHoldInput) {
        var reasons: Set<ESPortHoldReason> = []
        decideAgainAfter = nil
        if input.sinceStart < input.startupDelay {
            reasons.insert(.startupDelay)
            decideAgainAfter = input.startupDelay - input.sinceStart
        }
        if !input.uplinks.isEmpty && input.uplinks.isDisjoint(with: input.uplinksUp) {
            reasons.insert(.uplinkDown)
        }
        self.reasons = reasons
        heldPorts = reasons.isEmpty ? [] : input.ports
    }

    /// The reasons for a log line or `show`: "startup-delay, uplink-down", or "none".
    public var reasonText: String { reasons.isEmpty ? "none" : reasons.sorted().map(\.rawValue).joined(separator: ", ") }
}
