// The session state machine of RFC 5880 section 6.2 as written in section 6.8.6, one engine fed by hand.
import BFD
import Testing

/// One engine with one session to 10.99.0.2, and a hand-held peer that talks to it.
struct HandFed {
    var engine = BFDEngine(random: SplitMix64(seed: 7))
    let key = BFDSessionKey(peer: addressB, local: addressA)
    let peerDiscriminator: UInt32 = 0xabcd
    var now: Microseconds = 0
    var outputs: [BFDOutput] = []

    init(_ parameters: BFDSessionParameters = BFDSessionParameters()) {
        outputs = engine.handle(.configure(key, parameters), now: 0)
    }

    var local: BFDSessionStatus { engine.status(key)! }

    mutating func receive(_ state: BFDState, your: UInt32? = nil, poll: Bool = false, final: Bool = false,
                          c: Bool = false, demand: Bool = false, ttl: UInt8 = 255,
                          tx: UInt32 = 300_000, rx: UInt32 = 300_000, multiplier: UInt8 = 3) {
        now += 10 * ms
        let packet = BFDControlPacket(state: state, poll: poll, final: final, controlPlaneIndependent: c, demand: demand,
                                      detectMultiplier: multiplier, myDiscriminator: peerDiscriminator,
                                      yourDiscriminator: your ?? (state == .down || state == .adminDown ? 0 : local.localDiscriminator),
                                      desiredMinTxInterval: tx, requiredMinRxInterval: rx)
        receive(bytes: packet.serialize(), ttl: ttl)
    }

    mutating func receive(bytes: [UInt8], source: BFDAddress = addressB, ttl: UInt8 = 255, multihop: Bool = false) {
        outputs = engine.handle(.received(BFDReceivedPacket(bytes: bytes, source: source, destination: addressA,
                                                            ttl: ttl, multihop: multihop)), now: now)
    }

    /// Brings the local session to `state` through the peer's packets (AdminDown by configuration).
    mutating func reach(_ state: BFDState) {
        switch state {
        case .down: break
        case .initializing: receive(.down)
        case .up: receive(.down); receive(.initializing)
        case .adminDown: outputs = engine.handle(.configure(key, BFDSessionParameters(adminDown: true)), now: now)
        }
    }

    var changes: [BFDStateChange] { outputs.compactMap { if case .stateChanged(let c) = $0 { c } else { nil } } }
    var sent: [BFDControlPacket] {
        outputs.compactMap { if case .send(_, let bytes) = $0 { try? BFDControlPacket(wireBytes: bytes) } else { nil } }
    }
}

@Suite("BFD state machine")
struct StateMachineTests {
    struct Transition: CustomTestStringConvertible, Sendable {
        var local: BFDState
        var received: BFDState
        var next: BFDState
        var diagnostic: BFDDiagnostic?
        var isFailure = false
        var testDescription: String { "\(local) + received \(received) -> \(next)" }
    }

    /// RFC 5880 section 6.8.6, the state table; diagnostic only where a change sets one.
    static let table: [Transition] = [
        Transition(local: .down, received: .adminDown, next: .down),
        Transition(local: .down, received: .down, next: .initializing),
        Transition(local: .down, received: .initializing, next: .up, diagnostic: BFDDiagnostic.none),
        Transition(local: .down, received: .up, next: .down),
        Transition(local: .initializing, received: .adminDown, next: .down, diagnostic: .neighborSignaledSessionDown),
        Transition(local: .initializing, received: .down, next: .initializing),
        Transition(local: .initializing, received: .initializing, next: .up, diagnostic: BFDDiagnostic.none),
        Transition(local: .initializing, received: .up, next: .up, diagnostic: BFDDiagnostic.none),
        // RFC 5882 section 3.2: the peer's AdminDown is not a failure; its Down is.
        Transition(local: .up, received: .adminDown, next: .down, diagnostic: .neighborSignaledSessionDown),
        Transition(local: .up, received: .down, next: .down, diagnostic: .neighborSignaledSessionDown, isFailure: true),
        Transition(local: .up, received: .initializing, next: .up),
        Transition(local: .up, received: .up, next: .up),
        Transition(local: .adminDown, received: .adminDown, next: .adminDown),
        Transition(local: .adminDown, received: .down, next: .adminDown),
        Transition(local: .adminDown, received: .initializing, next: .adminDown),
        Transition(local: .adminDown, received: .up, next: .adminDown),
    ]

    @Test(arguments: table)
    func transition(_ row: Transition) {
        var session = HandFed()
        session.reach(row.local)
        #expect(session.local.state == row.local)
        session.receive(row.received)
        #expect(session.local.state == row.next)
        let changes = session.changes
        if row.next == row.local {
            #expect(changes.isEmpty)
        } else {
            #expect(changes.count == 1)
            #expect(changes.first?.from == row.local && changes.first?.to == row.next)
            #expect(changes.first?.isFailure == row.isFailure)
            if let diagnostic = row.diagnostic { #expect(changes.first?.diagnostic == diagnostic) }
            // A state change is told to the peer at once, not at the next slow-start interval.
            #expect(session.sent.last?.state == row.next)
        }
        if row.local == .adminDown {
            #expect(session.engine.drops[.sessionAdminDown] == 1)
        }
    }

    @Test func remoteControlPlaneIndependenceIsReported() {
        var session = HandFed()
        session.receive(.down, c: true)
        session.receive(.initializing, c: true)
        #expect(session.changes.first?.to == .up)
        #expect(session.changes.first?.remoteControlPlaneIndependent == true)
        #expect(session.local.remoteControlPlaneIndependent)
        session.receive(.down, your: session.local.localDiscriminator, c: false)
        #expect(session.changes.first?.remoteControlPlaneIndependent == false)
    }

    /// Section 6.8.7: a Poll is answered at once with Final set and Poll clear.
    @Test func pollIsAnsweredWithFinal() {
        var session = HandFed()
        session.reach(.up)
        session.receive(.up, poll: true, tx: 100_000)
        #expect(session.sent.count == 1)
        #expect(session.sent.first?.final == true)
        #expect(session.sent.first?.poll == false)
        #expect(session.local.remoteDesiredMinTxInterval == 100_000)
    }

    /// Section 6.6 / 6.8.6: a peer in Demand mode gets no periodic packets while both are Up.
    @Test func peerDemandModeStopsPeriodicPackets() throws {
        var session = HandFed()
        session.reach(.up)
        session.receive(.up, demand: true)
        let timer = BFDTimer(discriminator: session.local.localDiscriminator, kind: .transmit)
        #expect(session.outputs.contains(.cancelTimer(timer)))
        session.receive(.up, demand: false)
        #expect(session.outputs.contains { if case .armTimer(timer, _) = $0 { true } else { false } })
    }

    /// Your Discriminator zero: the most specific configured session for the addresses and interface is chosen.
    @Test func sessionLookupByKey() {
        var engine = BFDEngine(random: SplitMix64(seed: 3))
        let any = BFDSessionKey(peer: addressB)
        let onEth1 = BFDSessionKey(peer: addressB, interface: "eth1")
        let multihop = BFDSessionKey(peer: addressB, local: addressA, multihop: true)
        for key in [any, onEth1, multihop] { _ = engine.handle(.configure(key, BFDSessionParameters()), now: 0) }
        let down = BFDControlPacket(state: .down, myDiscriminator: 99).serialize()
        func deliver(interface: String?, multihop: Bool) -> BFDSessionKey? {
            let out = engine.handle(.received(BFDReceivedPacket(bytes: down, source: addressB, destination: addressA,
                                                                interface: interface, ttl: 255, multihop: multihop)), now: 1)
            return out.compactMap { if case .stateChanged(let c) = $0 { c.key } else { nil } }.first
        }
        #expect(deliver(interface: "eth1", multihop: false) == onEth1)
        #expect(deliver(interface: "eth2", multihop: false) == any)
        #expect(deliver(interface: nil, multihop: true) == multihop)
        #expect(engine.statuses.count == 3)
    }

    @Test func discriminatorsAreUniqueAndNonzero() {
        var engine = BFDEngine(random: SplitMix64(seed: 11))
        for i in 0..<2000 {
            _ = engine.handle(.configure(BFDSessionKey(peer: .v4(0x0a00_0000 + UInt32(i))), BFDSessionParameters()), now: 0)
        }
        let discriminators = engine.statuses.map(\.localDiscriminator)
        #expect(Set(discriminators).count == 2000)
        #expect(!discriminators.contains(0))
    }

    /// Removing a session tells the peer AdminDown (not a failure for it) and cancels both timers.
    @Test func removalSendsAdminDown() {
        var session = HandFed()
        session.reach(.up)
        let discriminator = session.local.localDiscriminator
        let out = session.engine.handle(.remove(session.key), now: session.now)
        let sent = out.compactMap { if case .send(_, let b) = $0 { try? BFDControlPacket(wireBytes: b) } else { nil } }
        #expect(sent.map(\.state) == [.adminDown])
        #expect(sent.first?.diagnostic == .administrativelyDown)
        #expect(out.contains(.cancelTimer(BFDTimer(discriminator: discriminator, kind: .transmit))))
        #expect(out.contains(.cancelTimer(BFDTimer(discriminator: discriminator, kind: .detection))))
        #expect(session.engine.sessionCount == 0)
        // A late timer of the removed session does nothing.
        #expect(session.engine.handle(.timerExpired(BFDTimer(discriminator: discriminator, kind: .transmit)), now: 10 * second).isEmpty)
    }
}
