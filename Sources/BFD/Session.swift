// One BFD session's state variables and rules (RFC 5880 sections 6.2, 6.5, 6.8), without I/O: the engine
// (Engine.swift) finds the session for a packet or timer and carries the outputs collected here.
//
// The variables are those of section 6.8.1 under their RFC names (bfd.SessionState is `state`...), plus what
// the Poll Sequence needs: the intervals *advertised* in our packets change at once, the intervals *in effect*
// for our transmit rate and our Detection Time follow the rules of section 6.8.3:
// - a larger DesiredMinTxInterval is used only once the Poll Sequence ends (a smaller one at once);
// - a smaller RequiredMinRxInterval is used for the Detection Time only once the Poll Sequence ends (a larger
//   one at once).
// A second change during a Poll Sequence keeps the more conservative of the values in effect (the larger
// Detection Time, the shorter transmit interval) until a Final arrives.

/// The configured parameters of a session (FRR's `bfd` stanza; defaults are FRR 8.4 bfdd's).
public struct BFDSessionParameters: Hashable, Sendable {
    /// bfd.DesiredMinTxInterval once Up (FRR `transmit-interval`, 300 ms).
    public var desiredMinTxInterval: Microseconds
    /// bfd.RequiredMinRxInterval (FRR `receive-interval`, 300 ms).
    public var requiredMinRxInterval: Microseconds
    /// bfd.DetectMult (FRR `detect-multiplier`, 3).
    public var detectMultiplier: UInt8
    /// Passive role (section 6.1): nothing is sent until the peer has been heard (FRR `passive-mode`).
    public var passive: Bool
    /// Multihop only: packets arriving with a lower TTL are dropped (FRR `minimum-ttl`, 254: bfdd.h
    /// BFD_DEF_MHOP_TTL). Single-hop sessions always require 255 (RFC 5881 section 5).
    public var minimumTTL: UInt8
    /// FRR `shutdown`: the session is held in AdminDown.
    public var adminDown: Bool

    public init(desiredMinTxInterval: Microseconds = 300_000, requiredMinRxInterval: Microseconds = 300_000,
                detectMultiplier: UInt8 = 3, passive: Bool = false, minimumTTL: UInt8 = 254, adminDown: Bool = false) {
        self.desiredMinTxInterval = desiredMinTxInterval
        self.requiredMinRxInterval = requiredMinRxInterval
        self.detectMultiplier = detectMultiplier
        self.passive = passive
        self.minimumTTL = minimumTTL
        self.adminDown = adminDown
    }
}

/// A session's timers: the engine names them, the runtime keeps one per name (arming one replaces it).
public struct BFDTimer: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable { case transmit, detection }
    public var discriminator: UInt32
    public var kind: Kind
    public init(discriminator: UInt32, kind: Kind) {
        self.discriminator = discriminator
        self.kind = kind
    }
    public var description: String { "\(kind == .transmit ? "transmit" : "detection") timer of session \(discriminator)" }
}

/// A change of the local session state, as clients of BFD (BGP) see it.
public struct BFDStateChange: Hashable, Sendable {
    public var key: BFDSessionKey
    public var from: BFDState
    public var to: BFDState
    /// bfd.LocalDiag after the change: why it happened.
    public var diagnostic: BFDDiagnostic
    /// The C bit last received: the peer's forwarding survives its control plane (RFC 5882 section 4.3).
    public var remoteControlPlaneIndependent: Bool
    /// An Up session lost: detection time expired or the peer said Down. Not a failure (RFC 5882 section 3.2):
    /// the peer going AdminDown, our own shutdown, removal, or a session that never was Up.
    public var isFailure: Bool
}

public enum BFDOutput: Hashable, Sendable {
    /// Send these bytes to `key.peer` (from `key.local` when set) on UDP port `key.port`, TTL 255.
    case send(BFDSessionKey, [UInt8])
    /// Fire `.timerExpired(timer)` at or after this time (replacing the timer of that name).
    case armTimer(BFDTimer, at: Microseconds)
    case cancelTimer(BFDTimer)
    case stateChanged(BFDStateChange)
}

/// Per-session counters (plain values, for show and metrics).
public struct BFDSessionCounters: Hashable, Sendable {
    public var controlPacketsReceived: UInt64 = 0
    public var controlPacketsSent: UInt64 = 0
    public var upCount: UInt64 = 0
    public var downCount: UInt64 = 0
}

struct BFDSession {
    let key: BFDSessionKey
    let localDiscriminator: UInt32
    var parameters: BFDSessionParameters

    // RFC 5880 section 6.8.1.
    var state: BFDState = .down
    var remoteState: BFDState = .down
    var remoteDiscriminator: UInt32 = 0
    var localDiagnostic: BFDDiagnostic = .none
    /// bfd.RemoteMinRxInterval: "initialized to 1" (microsecond), so the first packets may be sent.
    var remoteMinRxInterval: Microseconds = 1
    var remoteDemandMode = false

    // What the peer said last, for the Detection Time (6.8.4) and for show.
    var remoteDesiredMinTxInterval: Microseconds = 0
    var remoteDetectMultiplier: UInt8 = 0
    var remoteDiagnostic: BFDDiagnostic = .none
    var remoteControlPlaneIndependent = false

    // Intervals advertised in our packets and in effect (see the comment at the top of the file).
    var advertisedMinTx: Microseconds
    var advertisedMinRx: Microseconds
    var effectiveMinTx: Microseconds
    var effectiveMinRx: Microseconds
    var pollActive = false

    var transmitDeadline: Microseconds?
    var detectionDeadline: Microseconds?
    /// While AdminDown, AdminDown packets go out until then (section 6.8.16: for at least a Detection Time).
    var adminDownUntil: Microseconds?
    var lastStateChange: Microseconds
    var counters = BFDSessionCounters()

    /// RFC 5880 section 6.8.3: below one second until Up ("slow start"); FRR's BFD_DEF_SLOWTX.
    static let slowTransmitInterval: Microseconds = 1_000_000

    init(key: BFDSessionKey, localDiscriminator: UInt32, parameters: BFDSessionParameters, now: Microseconds) {
        self.key = key
        self.localDiscriminator = localDiscriminator
        self.parameters = parameters
        let tx = max(parameters.desiredMinTxInterval, Self.slowTransmitInterval)
        advertisedMinTx = tx
        effectiveMinTx = tx
        advertisedMinRx = parameters.requiredMinRxInterval
        effectiveMinRx = parameters.requiredMinRxInterval
        lastStateChange = now
    }

    var transmitTimer: BFDTimer { BFDTimer(discriminator: localDiscriminator, kind: .transmit) }
    var detectionTimer: BFDTimer { BFDTimer(discriminator: localDiscriminator, kind: .detection) }

    /// bfd.DesiredMinTxInterval for the current state (section 6.8.3).
    var targetMinTx: Microseconds {
        state == .up ? parameters.desiredMinTxInterval : max(parameters.desiredMinTxInterval, Self.slowTransmitInterval)
    }

    /// Section 6.8.2/6.8.7: the larger of what we want to send at and what the peer can take.
    var transmitInterval: Microseconds { max(effectiveMinTx, remoteMinRxInterval) }

    /// Section 6.8.4, asynchronous mode: the remote Detect Mult times the agreed interval at which it sends.
    var detectionTime: Microseconds {
        UInt64(remoteDetectMultiplier) * max(effectiveMinRx, remoteDesiredMinTxInterval)
    }

    /// Section 6.8.7's reasons to send no periodic packets.
    var transmitsPeriodically: Bool {
        if state == .adminDown { return adminDownUntil != nil }
        if parameters.passive && remoteDiscriminator == 0 { return false }
        if remoteMinRxInterval == 0 { return false }
        if remoteDemandMode && state == .up && remoteState == .up { return false }
        return true
    }

    func packet(final: Bool) -> BFDControlPacket {
        BFDControlPacket(diagnostic: localDiagnostic, state: state, poll: pollActive && !final, final: final,
                         controlPlaneIndependent: false, demand: false, detectMultiplier: parameters.detectMultiplier,
                         myDiscriminator: localDiscriminator, yourDiscriminator: remoteDiscriminator,
                         desiredMinTxInterval: UInt32(clamping: advertisedMinTx),
                         requiredMinRxInterval: UInt32(clamping: advertisedMinRx),
                         // No Echo function: zero tells the peer not to send Echo packets (section 6.8.9).
                         requiredMinEchoRxInterval: 0)
    }

    mutating func send(final: Bool, into out: inout [BFDOutput]) {
        counters.controlPacketsSent &+= 1
        out.append(.send(key, packet(final: final).serialize()))
    }

    /// Arms (or cancels) the transmit timer for the next periodic packet, `jitter` applied to the interval.
    mutating func scheduleTransmit(now: Microseconds, jitter: (Microseconds, UInt8) -> Microseconds,
                                   into out: inout [BFDOutput]) {
        if let until = adminDownUntil, now >= until { adminDownUntil = nil }
        guard transmitsPeriodically else {
            if transmitDeadline != nil {
                transmitDeadline = nil
                out.append(.cancelTimer(transmitTimer))
            }
            return
        }
        let deadline = now + jitter(transmitInterval, parameters.detectMultiplier)
        transmitDeadline = deadline
        out.append(.armTimer(transmitTimer, at: deadline))
    }

    mutating func armDetection(now: Microseconds, into out: inout [BFDOutput]) {
        guard state != .adminDown, remoteDetectMultiplier != 0 else { return }
        let deadline = now + detectionTime
        detectionDeadline = deadline
        out.append(.armTimer(detectionTimer, at: deadline))
    }

    mutating func cancelDetection(into out: inout [BFDOutput]) {
        guard detectionDeadline != nil else { return }
        detectionDeadline = nil
        out.append(.cancelTimer(detectionTimer))
    }

    /// Brings the advertised intervals to what the state and configuration want; in Up, through a Poll
    /// Sequence (section 6.8.3). Returns true when a Poll Sequence started (the caller sends a packet).
    mutating func updateIntervals() -> Bool {
        let tx = targetMinTx, rx = parameters.requiredMinRxInterval
        guard tx != advertisedMinTx || rx != advertisedMinRx else { return false }
        advertisedMinTx = tx
        advertisedMinRx = rx
        guard state == .up else {
            effectiveMinTx = tx
            effectiveMinRx = rx
            pollActive = false
            return false
        }
        effectiveMinTx = min(effectiveMinTx, tx)
        effectiveMinRx = max(effectiveMinRx, rx)
        let started = !pollActive
        pollActive = true
        return started
    }

    mutating func finishPoll() {
        pollActive = false
        effectiveMinTx = advertisedMinTx
        effectiveMinRx = advertisedMinRx
    }

    mutating func change(to newState: BFDState, diagnostic: BFDDiagnostic, isFailure: Bool, now: Microseconds,
                         into out: inout [BFDOutput]) {
        let old = state
        guard old != newState else { return }
        state = newState
        localDiagnostic = diagnostic
        lastStateChange = now
        if newState == .up { counters.upCount &+= 1 }
        if old == .up { counters.downCount &+= 1 }
        out.append(.stateChanged(BFDStateChange(key: key, from: old, to: newState, diagnostic: diagnostic,
                                                remoteControlPlaneIndependent: remoteControlPlaneIndependent,
                                                isFailure: isFailure)))
    }
}
