// BFD (RFC 5880, asynchronous mode; RFC 5881 single hop; RFC 5883 multihop) as an I/O-free reducer.
//
// Runtime contract (what a shell around `BFDEngine` must do):
// - Call `handle(_:now:)` for every input, with `now` from one monotonic clock in microseconds, never going
//   back. Inputs: `.configure` (add a session or change its parameters; `adminDown` is FRR's `shutdown`),
//   `.remove`, `.received` (a UDP payload from port 3784 or 4784 with its source and destination addresses,
//   receiving interface and the IP TTL / hop limit read with IP_RECVTTL / IPV6_RECVHOPLIMIT), and
//   `.timerExpired`.
// - Carry out the outputs in order:
//   `.send(key, bytes)`: one UDP datagram to `key.peer`, port `key.port` (3784 single hop, 4784 multihop), from
//   `key.local` when set and out of `key.interface` when set, source port in 49152...65535, TTL / hop limit 255
//   (RFC 5881 section 4, RFC 5883 section 2). A send that fails is dropped: BFD's timers deal with loss.
//   `.armTimer(timer, at:)`: deliver `.timerExpired(timer)` at or after that time; arming a timer of the same
//   name replaces it. `.cancelTimer(timer)`: forget it. A late or stale expiry is harmless (the engine checks
//   its own deadline), an early one is ignored.
//   `.stateChanged(change)`: tell the clients (BGP: RFC 5882 section 4.3 says what a down means); log it.
// - Time is only what `now` says; the engine never reads a clock, sleeps, or does I/O. Jitter (section 6.8.7)
//   and discriminators come from the random number generator given to `init`, so a seeded generator makes a
//   run repeatable.
// - Received packets that fail a check of RFC 5880 section 6.8.6 (or the TTL rules of RFC 5881/5883) are
//   dropped and counted in `drops` by reason; they change nothing else.
//
// Not implemented (as in FRR 8.4's bfdd unless said): authentication (section 6.7; a packet with the A bit is
// dropped), Demand mode of our own (a peer's Demand mode is honoured: we stop periodic packets while both are
// Up, section 6.6), the Echo function (we advertise Required Min Echo RX 0).

public enum BFDInput: Hashable, Sendable {
    case configure(BFDSessionKey, BFDSessionParameters)
    case remove(BFDSessionKey)
    case received(BFDReceivedPacket)
    case timerExpired(BFDTimer)
}

/// A UDP payload as the socket delivered it.
public struct BFDReceivedPacket: Hashable, Sendable {
    public var bytes: [UInt8]
    public var source: BFDAddress
    public var destination: BFDAddress
    /// The receiving interface's name, when the socket reported it.
    public var interface: String?
    /// IPv4 TTL or IPv6 hop limit.
    public var ttl: UInt8
    /// Arrived on the multihop port (4784).
    public var multihop: Bool

    public init(bytes: [UInt8], source: BFDAddress, destination: BFDAddress, interface: String? = nil, ttl: UInt8,
                multihop: Bool) {
        self.bytes = bytes
        self.source = source
        self.destination = destination
        self.interface = interface
        self.ttl = ttl
        self.multihop = multihop
    }
}

/// A session as `show bfd peers` shows it (FRR's fields; intervals in microseconds here).
public struct BFDSessionStatus: Hashable, Sendable {
    public var key: BFDSessionKey
    public var parameters: BFDSessionParameters
    public var localDiscriminator: UInt32
    public var remoteDiscriminator: UInt32
    public var state: BFDState
    public var remoteState: BFDState
    public var diagnostic: BFDDiagnostic
    public var remoteDiagnostic: BFDDiagnostic
    /// What we advertise now.
    public var desiredMinTxInterval: Microseconds
    public var requiredMinRxInterval: Microseconds
    /// What the peer advertised last.
    public var remoteDesiredMinTxInterval: Microseconds
    public var remoteRequiredMinRxInterval: Microseconds
    public var remoteDetectMultiplier: UInt8
    public var remoteControlPlaneIndependent: Bool
    /// The negotiated transmit interval (before jitter) and Detection Time.
    public var transmitInterval: Microseconds
    public var detectionTime: Microseconds
    public var pollActive: Bool
    /// When the state last changed (the engine's clock): FRR's uptime / downtime.
    public var lastStateChange: Microseconds
    public var counters: BFDSessionCounters
}

public struct BFDEngine {
    private var sessions: [UInt32: BFDSession] = [:]
    private var discriminators: [BFDSessionKey: UInt32] = [:]
    private var random: any RandomNumberGenerator
    /// Every dropped packet, by reason.
    public private(set) var drops = BFDDropCounters()

    public init(random: some RandomNumberGenerator) {
        self.random = random
    }

    public var sessionCount: Int { sessions.count }

    public func status(_ key: BFDSessionKey) -> BFDSessionStatus? {
        discriminators[key].flatMap { sessions[$0] }.map(Self.status)
    }

    /// Every session, ordered by key description (stable output for show).
    public var statuses: [BFDSessionStatus] {
        sessions.values.map(Self.status).sorted { $0.key.description < $1.key.description }
    }

    public mutating func handle(_ input: BFDInput, now: Microseconds) -> [BFDOutput] {
        var out: [BFDOutput] = []
        switch input {
        case .configure(let key, let parameters): configure(key, parameters, now: now, into: &out)
        case .remove(let key): remove(key, now: now, into: &out)
        case .received(let packet): receive(packet, now: now, into: &out)
        case .timerExpired(let timer): expire(timer, now: now, into: &out)
        }
        return out
    }

    // MARK: configuration

    private mutating func configure(_ key: BFDSessionKey, _ parameters: BFDSessionParameters, now: Microseconds,
                                    into out: inout [BFDOutput]) {
        guard let discriminator = discriminators[key], var session = sessions[discriminator] else {
            let discriminator = allocateDiscriminator()
            var session = BFDSession(key: key, localDiscriminator: discriminator, parameters: parameters, now: now)
            if parameters.adminDown {
                session.state = .adminDown
                session.localDiagnostic = .administrativelyDown
            }
            discriminators[key] = discriminator
            if session.transmitsPeriodically && session.state != .adminDown { session.send(final: false, into: &out) }
            schedule(&session, now: now, into: &out)
            sessions[discriminator] = session
            return
        }
        let wasAdminDown = session.parameters.adminDown
        session.parameters = parameters
        var sendNow = false
        if parameters.adminDown && !wasAdminDown {
            // Section 6.8.16: AdminDown, diagnostic 7, said to the peer for at least a Detection Time.
            session.change(to: .adminDown, diagnostic: .administrativelyDown, isFailure: false, now: now, into: &out)
            session.cancelDetection(into: &out)
            session.pollActive = false
            session.adminDownUntil = now + max(UInt64(parameters.detectMultiplier) * session.transmitInterval, 1_000_000)
            sendNow = true
        } else if !parameters.adminDown && wasAdminDown {
            session.adminDownUntil = nil
            session.remoteDiscriminator = 0
            session.remoteState = .down
            session.change(to: .down, diagnostic: .administrativelyDown, isFailure: false, now: now, into: &out)
            sendNow = session.transmitsPeriodically
        }
        if session.updateIntervals() { sendNow = true }
        if sendNow { session.send(final: false, into: &out) }
        schedule(&session, now: now, into: &out)
        sessions[discriminator] = session
    }

    private mutating func remove(_ key: BFDSessionKey, now: Microseconds, into out: inout [BFDOutput]) {
        guard let discriminator = discriminators.removeValue(forKey: key),
              var session = sessions.removeValue(forKey: discriminator) else { return }
        // One AdminDown packet, so the peer does not count the removal as a failure (RFC 5882 section 3.2).
        if session.state != .adminDown {
            session.change(to: .adminDown, diagnostic: .administrativelyDown, isFailure: false, now: now, into: &out)
            session.send(final: false, into: &out)
        }
        out.append(.cancelTimer(session.transmitTimer))
        out.append(.cancelTimer(session.detectionTimer))
    }

    /// Section 6.8.1: bfd.LocalDiscr "MUST be unique across all BFD sessions on this system, and nonzero. It
    /// SHOULD be set to a random (but still unique) value".
    private mutating func allocateDiscriminator() -> UInt32 {
        while true {
            let candidate = UInt32(truncatingIfNeeded: random.next())
            if candidate != 0 && sessions[candidate] == nil { return candidate }
        }
    }

    // MARK: reception (RFC 5880 section 6.8.6)

    private mutating func receive(_ received: BFDReceivedPacket, now: Microseconds, into out: inout [BFDOutput]) {
        let packet: BFDControlPacket
        do {
            packet = try BFDControlPacket(wireBytes: received.bytes)
        } catch {
            drops.count(error)
            return
        }
        let discriminator: UInt32
        if packet.yourDiscriminator != 0 {
            guard sessions[packet.yourDiscriminator] != nil else { return drop(.unknownDiscriminator) }
            discriminator = packet.yourDiscriminator
            guard let session = sessions[discriminator], Self.matches(session.key, received) else {
                return drop(.sessionMismatch)
            }
        } else {
            guard let found = lookUp(received) else { return drop(.noMatchingSession) }
            discriminator = found
        }
        guard var session = sessions[discriminator] else { return drop(.unknownDiscriminator) }
        // No session has authentication: "If the A bit is set and no authentication is in use ... discarded".
        guard !packet.authenticationPresent else { return drop(.authenticationNotInUse) }
        if received.multihop {
            guard received.ttl >= session.parameters.minimumTTL else { return drop(.ttlBelowMinimum) }
        } else {
            guard received.ttl == 255 else { return drop(.ttlNot255) }
        }

        let intervalBefore = session.transmitInterval
        let wasTransmitting = session.transmitsPeriodically
        session.remoteDiscriminator = packet.myDiscriminator
        session.remoteState = packet.state
        session.remoteDemandMode = packet.demand
        session.remoteMinRxInterval = Microseconds(packet.requiredMinRxInterval)
        session.remoteDesiredMinTxInterval = Microseconds(packet.desiredMinTxInterval)
        session.remoteDetectMultiplier = packet.detectMultiplier
        session.remoteDiagnostic = packet.diagnostic
        session.remoteControlPlaneIndependent = packet.controlPlaneIndependent
        if packet.final && session.pollActive { session.finishPoll() }

        if session.state == .adminDown {
            // The variables above are updated first, as the RFC orders it; the packet then counts for nothing.
            sessions[discriminator] = session
            return drop(.sessionAdminDown)
        }
        session.counters.controlPacketsReceived &+= 1

        let before = session.state
        switch (session.state, packet.state) {
        case (_, .adminDown):
            // RFC 5882 section 3.2: the peer going AdminDown is not a failure of the path.
            session.change(to: .down, diagnostic: .neighborSignaledSessionDown, isFailure: false, now: now, into: &out)
        case (.down, .down):
            session.change(to: .initializing, diagnostic: session.localDiagnostic, isFailure: false, now: now, into: &out)
        case (.down, .initializing), (.initializing, .initializing), (.initializing, .up):
            session.change(to: .up, diagnostic: .none, isFailure: false, now: now, into: &out)
        case (.up, .down):
            session.change(to: .down, diagnostic: .neighborSignaledSessionDown, isFailure: true, now: now, into: &out)
        default:
            break  // (Down, Up), (Init, Down), (Up, Init), (Up, Up): no change
        }
        let pollStarted = session.updateIntervals()
        let stateChanged = session.state != before
        if stateChanged || pollStarted || packet.poll {
            // "If the Poll (P) bit is set, send a BFD Control packet ... with the Poll (P) bit clear, and the
            // Final (F) bit set" (section 6.8.7: at once, whatever the transmit timer says). A state change goes
            // out at once too, so the three-way handshake does not wait for slow-start intervals.
            session.send(final: packet.poll, into: &out)
        }
        // The periodic timer is left alone unless something it depends on changed: rearming it on every packet
        // would starve our transmissions whenever the peer sends faster than we do.
        if stateChanged || pollStarted || session.transmitInterval != intervalBefore
            || session.transmitsPeriodically != wasTransmitting {
            schedule(&session, now: now, into: &out)
        }
        // "If the packet was not discarded, it has been received for purposes of the Detection Time".
        session.armDetection(now: now, into: &out)
        sessions[discriminator] = session
    }

    private mutating func drop(_ reason: BFDDropReason) {
        drops.count(reason)
    }

    /// The packet came from the session's peer, to its local address and over its interface when those are set,
    /// on its port.
    private static func matches(_ key: BFDSessionKey, _ packet: BFDReceivedPacket) -> Bool {
        key.peer == packet.source && key.multihop == packet.multihop
            && (key.local == nil || key.local == packet.destination)
            && (key.interface == nil || key.interface == packet.interface)
    }

    /// Your Discriminator zero: the most specific configured session matching the packet.
    private func lookUp(_ packet: BFDReceivedPacket) -> UInt32? {
        discriminators.filter { Self.matches($0.key, packet) }
            .max { a, b in
                let specificity = { (key: BFDSessionKey) in (key.local == nil ? 0 : 1) + (key.interface == nil ? 0 : 1) }
                // Equal specificity: the lower discriminator wins, so the choice does not depend on hashing.
                return (specificity(a.key), b.value) < (specificity(b.key), a.value)
            }?.value
    }

    // MARK: timers

    private mutating func expire(_ timer: BFDTimer, now: Microseconds, into out: inout [BFDOutput]) {
        guard var session = sessions[timer.discriminator] else { return }
        switch timer.kind {
        case .transmit:
            guard let deadline = session.transmitDeadline, now >= deadline else { return }
            session.transmitDeadline = nil
            if session.transmitsPeriodically { session.send(final: false, into: &out) }
            schedule(&session, now: now, into: &out)
        case .detection:
            guard let deadline = session.detectionDeadline, now >= deadline else { return }
            session.detectionDeadline = nil
            // Section 6.8.1: bfd.RemoteDiscr "MUST be set to zero if the Detection Time expires"; 6.8.4: an Init or
            // Up session goes Down with diagnostic 1.
            session.remoteDiscriminator = 0
            session.remoteState = .down
            session.remoteDemandMode = false
            if session.state == .up || session.state == .initializing {
                let wasUp = session.state == .up
                session.change(to: .down, diagnostic: .controlDetectionTimeExpired, isFailure: wasUp, now: now, into: &out)
                session.pollActive = false
                _ = session.updateIntervals()
                if session.transmitsPeriodically { session.send(final: false, into: &out) }
            }
            schedule(&session, now: now, into: &out)
        }
        sessions[timer.discriminator] = session
    }

    private mutating func schedule(_ session: inout BFDSession, now: Microseconds, into out: inout [BFDOutput]) {
        session.scheduleTransmit(now: now, jitter: { interval, multiplier in self.jitter(interval, multiplier) }, into: &out)
    }

    /// Section 6.8.7: each interval reduced by a random 0-25% (10-25% when bfd.DetectMult is 1, so that a single
    /// late packet cannot cost the session).
    private mutating func jitter(_ interval: Microseconds, _ detectMultiplier: UInt8) -> Microseconds {
        let low = interval * 75 / 100
        let high = detectMultiplier == 1 ? interval * 90 / 100 : interval
        guard high > low else { return max(interval, 1) }
        return low + random.next() % (high - low + 1)
    }

    private static func status(_ session: BFDSession) -> BFDSessionStatus {
        BFDSessionStatus(key: session.key, parameters: session.parameters, localDiscriminator: session.localDiscriminator,
                         remoteDiscriminator: session.remoteDiscriminator, state: session.state,
                         remoteState: session.remoteState, diagnostic: session.localDiagnostic,
                         remoteDiagnostic: session.remoteDiagnostic, desiredMinTxInterval: session.advertisedMinTx,
                         requiredMinRxInterval: session.advertisedMinRx,
                         remoteDesiredMinTxInterval: session.remoteDesiredMinTxInterval,
                         remoteRequiredMinRxInterval: session.remoteMinRxInterval,
                         remoteDetectMultiplier: session.remoteDetectMultiplier,
                         remoteControlPlaneIndependent: session.remoteControlPlaneIndependent,
                         transmitInterval: session.transmitInterval, detectionTime: session.detectionTime,
                         pollActive: session.pollActive, lastStateChange: session.lastStateChange,
                         counters: session.counters)
    }
}
