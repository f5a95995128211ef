// A driver for one engine and one scripted peer: it keeps the virtual time and the armed timers,
// and decodes what the engine sends so tests can speak in messages rather than bytes.

import BGPCore
import BGPWire
import Testing

enum Fixture {
    static let localAS: UInt32 = 65000
    static let routerID = IPv4Address(10, 0, 0, 1)
    static let peerAddress = IPAddress.v4(IPv4Address(10, 0, 0, 2))
    static let peerAS: UInt32 = 65001
    static let peer = PeerID(peerAddress)
    static let inbound = ConnectionID(7)
    static let outbound = ConnectionID(ConnectionID.engineRangeStart)

    static func peerConfig(_ address: IPAddress = peerAddress, remoteAS: RemoteAS = .number(peerAS)) -> PeerConfig {
        PeerConfig(address: address, remoteAS: remoteAS, keepalive: 3, holdTime: 9, connectRetry: 5)
    }

    static func config(peers: [PeerConfig] = [peerConfig()], ranges: [ListenRange] = [], limit: Int = 100) -> EngineConfig {
        EngineConfig(localAS: localAS, routerID: routerID, hostname: "vtep1", peers: peers, listenRanges: ranges, listenLimit: limit)
    }

    static func open(asn: UInt32 = peerAS, holdTime: UInt16 = 9, identifier: IPv4Address = IPv4Address(10, 0, 0, 2),
                     families: [AddressFamily] = [.l2vpnEVPN], version: UInt8 = 4,
                     extra: [OpenMessage.OptionalParameter] = []) -> OpenMessage {
        var caps: [Capability] = families.map { .multiprotocol($0) }
        caps += [.routeRefresh, .fourOctetAS(asn), .fqdn(hostname: "spine1", domain: ""),
                 .gracefulRestart(GracefulRestartCapability(restarting: false, restartTime: 120, families: []))]
        var open = OpenMessage(asn: asn, holdTime: holdTime, identifier: identifier, capabilities: caps)
        open.version = version
        open.optionalParameters += extra
        return open
    }

    static func bytes(_ message: BGPMessage) -> [UInt8] {
        (try? message.encode(context: CodecContext(fourOctetAS: true))) ?? []
    }

    static func imet(_ n: UInt8) -> EVPNNLRI {
        EVPNNLRI(route: .inclusiveMulticast(IMETRoute(rd: .ipv4(IPv4Address(10, 0, 0, 2), 100),
                                                      originatorIP: .v4(IPv4Address(10, 0, 1, n)))))
    }

    static func announce(_ routes: [EVPNNLRI]) -> BGPMessage {
        .update(UpdateMessage(attributes: [
            PathAttribute(.origin(.igp)),
            PathAttribute(.asPath(ASPath(segments: [.init(type: .sequence, asns: [peerAS])]))),
            PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: routes, nextHop: .v4(IPv4Address(10, 0, 1, 2))))),
        ]))
    }

    static func withdraw(_ routes: [EVPNNLRI]) -> BGPMessage {
        .update(UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: .l2vpnEVPN, nlri: .evpn(routes))))]))
    }
}

struct Harness {
    var engine: Engine
    var now = Instant(nanoseconds: 1_000_000_000)
    var armed: [TimerID: Instant] = [:]
    var all: [EngineOutput] = []

    init(_ config: EngineConfig = Fixture.config()) {
        engine = Engine(config: config)
    }

    @discardableResult
    mutating func step(_ input: EngineInput) -> [EngineOutput] {
        let outputs = engine.handle(input, now: now)
        for output in outputs {
            switch output {
            case .armTimer(let id, let after): armed[id] = now + after
            case .cancelTimer(let id): armed[id] = nil
            default: break
            }
        }
        all += outputs
        return outputs
    }

    mutating func advance(by duration: Duration) { now = now + duration }

    /// Moves time to the armed deadline of `kind` and fires it; nil if it was not armed.
    @discardableResult
    mutating func fire(_ kind: TimerKind, peer: PeerID = Fixture.peer) -> [EngineOutput]? {
        let id = TimerID(peer: peer, kind: kind)
        guard let deadline = armed[id] else { return nil }
        if deadline > now { now = deadline }
        armed[id] = nil
        return step(.timerFired(id))
    }

    mutating func receive(_ message: BGPMessage, on connection: ConnectionID) -> [EngineOutput] {
        step(.received(connection, Fixture.bytes(message)))
    }

    var state: SessionState? { engine.state(of: Fixture.peer) }
    var summary: PeerSummary? { engine.summary(now: now).first { $0.address == Fixture.peerAddress } }

    // Driving one outbound session to a state.
    mutating func toConnect() {
        step(.start)
    }
    mutating func toActive() {
        toConnect()
        step(.connectionFailed(Fixture.outbound, reason: "Connection refused"))
    }
    mutating func toOpenSent() {
        toConnect()
        step(.connectionEstablished(Fixture.outbound))
    }
    mutating func toOpenConfirm(_ open: OpenMessage = Fixture.open()) {
        toOpenSent()
        _ = receive(.open(open), on: Fixture.outbound)
    }
    mutating func toEstablished(_ open: OpenMessage = Fixture.open()) {
        toOpenConfirm(open)
        _ = receive(.keepalive, on: Fixture.outbound)
    }
    mutating func to(_ state: SessionState) {
        switch state {
        case .idle: break
        case .connect: toConnect()
        case .active: toActive()
        case .openSent: toOpenSent()
        case .openConfirm: toOpenConfirm()
        case .established: toEstablished()
        }
    }
}

/// The messages sent on a connection, decoded.
func sent(_ outputs: [EngineOutput], on connection: ConnectionID) -> [BGPMessage] {
    outputs.compactMap { output in
        guard case .send(let id, let bytes) = output, id == connection else { return nil }
        return try? BGPMessage.decode(message: bytes, context: CodecContext(fourOctetAS: true))
    }
}

func sentTypes(_ outputs: [EngineOutput], on connection: ConnectionID) -> [BGPMessageType] {
    sent(outputs, on: connection).map(\.type)
}

func notifications(_ outputs: [EngineOutput], on connection: ConnectionID) -> [NotificationMessage] {
    sent(outputs, on: connection).compactMap { if case .notification(let n) = $0 { return n } else { return nil } }
}

func closed(_ outputs: [EngineOutput]) -> [ConnectionID] {
    outputs.compactMap { if case .close(let id) = $0 { return id } else { return nil } }
}

func connects(_ outputs: [EngineOutput]) -> [ConnectionID] {
    outputs.compactMap { if case .connect(let id, _, _, _) = $0 { return id } else { return nil } }
}
