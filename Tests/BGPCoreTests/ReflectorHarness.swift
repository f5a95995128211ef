// A reflector engine with scripted peers: clients c1 and c2, non-clients n1 and n2 (iBGP, AS 65000)
// and e1 (eBGP, AS 65099). Each peer connects in, so the engine opens nothing itself; tests speak in
// UPDATEs and read back, per peer, the UPDATEs the engine sent once the peer's socket drained.

import BGPCore
import BGPWire
import Testing

struct ScriptedPeer: Hashable, Sendable {
    var name: String
    var address: IPv4Address
    var asn: UInt32
    var client: Bool
    var connection: ConnectionID
    var enhancedRefresh = false
    /// What it negotiates (UnicastRIBTests varies it).
    var families: [AddressFamily] = [.l2vpnEVPN]
    var nextHopSelf: [AddressFamily: NextHopSelf] = [:]
    var id: PeerID { PeerID(.v4(address)) }
}

struct ReflectorHarness {
    static let localAS: UInt32 = 65000
    static let routerID = IPv4Address(10, 0, 0, 1)
    static let clusterID = IPv4Address(1, 1, 1, 1)
    static let context = CodecContext(fourOctetAS: true)

    static let c1 = ScriptedPeer(name: "c1", address: IPv4Address(10, 0, 0, 11), asn: 65000, client: true, connection: ConnectionID(1))
    static let c2 = ScriptedPeer(name: "c2", address: IPv4Address(10, 0, 0, 12), asn: 65000, client: true, connection: ConnectionID(2))
    static let n1 = ScriptedPeer(name: "n1", address: IPv4Address(10, 0, 0, 21), asn: 65000, client: false, connection: ConnectionID(3))
    static let n2 = ScriptedPeer(name: "n2", address: IPv4Address(10, 0, 0, 22), asn: 65000, client: false, connection: ConnectionID(4))
    static let e1 = ScriptedPeer(name: "e1", address: IPv4Address(10, 0, 0, 31), asn: 65099, client: false, connection: ConnectionID(5))
    static let all = [c1, c2, n1, n2, e1]

    var engine: Engine
    var now = Instant(nanoseconds: 1_000_000_000)
    var peers: [ScriptedPeer]
    /// UPDATEs (and ROUTE-REFRESH markers) each peer got, in order.
    var got: [String: [BGPMessage]] = [:]

    init(peers: [ScriptedPeer] = ReflectorHarness.all, establish: Bool = true, networks: [IPPrefix] = []) {
        self.peers = peers
        let configs = peers.map { p in
            var config = PeerConfig(address: .v4(p.address), remoteAS: .number(p.asn), keepalive: 3, holdTime: 9, connectRetry: 5,
                                    passive: true, families: Set(p.families), routeReflectorClient: p.client)
            config.nextHopSelf = p.nextHopSelf
            return config
        }
        var config = EngineConfig(localAS: Self.localAS, routerID: Self.routerID, hostname: "rr", peers: configs,
                                  clusterID: Self.clusterID)
        config.networks = networks
        engine = Engine(config: config)
        _ = engine.handle(.start, now: now)
        if establish { for p in peers { self.establish(p) } }
        drain()
        got = [:]
    }

    mutating func establish(_ p: ScriptedPeer) {
        _ = engine.handle(.connectionAccepted(p.connection, remote: .v4(p.address), remotePort: 40000, local: .v4(Self.routerID)), now: now)
        var caps: [Capability] = p.families.map { .multiprotocol($0) } + [.routeRefresh, .fourOctetAS(p.asn)]
        if p.enhancedRefresh { caps.append(.enhancedRouteRefresh) }
        let open = OpenMessage(asn: p.asn, holdTime: 9, identifier: p.address, capabilities: caps)
        record(p, engine.handle(.received(p.connection, Self.bytes(.open(open))), now: now))
        record(p, engine.handle(.received(p.connection, Self.bytes(.keepalive)), now: now))
    }

    static func bytes(_ message: BGPMessage) -> [UInt8] { (try? message.encode(context: context)) ?? [] }

    mutating func record(_ outputs: [EngineOutput]) {
        for output in outputs {
            guard case .send(let connection, let bytes) = output, let p = peers.first(where: { $0.connection == connection }) else { continue }
            var framer = MessageFramer(context: Self.context)
            framer.append(bytes)
            while let frame = try? framer.next() {
                guard let message = try? BGPMessage.decode(type: frame.type, body: frame.body, context: Self.context) else {
                    Issue.record("undecodable \(frame.type) to \(p.name)")
                    continue
                }
                switch message {
                case .update, .routeRefresh: got[p.name, default: []].append(message)
                default: break
                }
            }
            #expect(framer.bufferedCount == 0)
        }
    }

    private mutating func record(_ p: ScriptedPeer, _ outputs: [EngineOutput]) { record(outputs) }

    /// Sends a message from a peer (the socket towards it stays as it is).
    mutating func send(_ message: BGPMessage, from p: ScriptedPeer) {
        record(engine.handle(.received(p.connection, Self.bytes(message)), now: now))
    }

    /// Any other engine input (`.originate`, `.withdrawLocal`), its sends recorded.
    mutating func input(_ input: EngineInput) {
        record(engine.handle(input, now: now))
    }

    /// Drains every socket until nothing more is sent.
    mutating func drain() {
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            var sent = false
            for p in peers {
                let outputs = engine.handle(.writable(p.connection), now: now)
                if outputs.contains(where: { if case .send = $0 { return true } else { return false } }) { sent = true }
                record(outputs)
            }
            if !sent { return }
        }
    }

    /// Makes a peer's socket busy: something is sent to it and not yet drained.
    mutating func makeBusy(_ p: ScriptedPeer) {
        // A keepalive timer firing sends a KEEPALIVE, which marks the socket as not writable.
        now = now + .seconds(3)
        record(engine.handle(.timerFired(TimerID(peer: p.id, kind: .keepalive)), now: now))
    }

    func updates(_ p: ScriptedPeer) -> [UpdateMessage] {
        (got[p.name] ?? []).compactMap { if case .update(let u) = $0 { return u } else { return nil } }
    }

    /// Routes announced to a peer, with the UPDATE that carried them.
    func announced(_ p: ScriptedPeer) -> [(EVPNRoute, UpdateMessage)] {
        updates(p).flatMap { u -> [(EVPNRoute, UpdateMessage)] in
            guard let reach = u.mpReach, case .evpn(let list) = reach.nlri else { return [] }
            return list.map { ($0.route, u) }
        }
    }

    func withdrawn(_ p: ScriptedPeer) -> [EVPNRoute] {
        updates(p).flatMap { u -> [EVPNRoute] in
            guard let unreach = u.mpUnreach, case .evpn(let list) = unreach.nlri else { return [] }
            return list.map(\.route)
        }
    }
}

enum Routes {
    static func mac(_ n: UInt32, rd: RouteDistinguisher = .ipv4(IPv4Address(10, 0, 1, 1), 100),
                    esi: EthernetSegmentIdentifier = .zero, label: UInt32 = 100) -> EVPNRoute {
        .macIP(MACIPAdvertisementRoute(rd: rd, esi: esi, mac: MACAddress(rawValue: 0x02_00_00_00_00_00 + UInt64(n)),
                                       ip: .v4(IPv4Address(rawValue: 0x0a64_0000 + n)), label1: MPLSLabelField(vni: label)))
    }

    static let communities = PathAttribute(.extendedCommunities([.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)]))

    static func attributes(asPath: [UInt32] = [], extra: [PathAttribute] = [], localPref: UInt32? = 100) -> [PathAttribute] {
        var list = [PathAttribute(.origin(.igp)),
                    PathAttribute(.asPath(asPath.isEmpty ? .empty : ASPath(segments: [.init(type: .sequence, asns: asPath)]))),
                    communities]
        if let localPref { list.append(PathAttribute(.localPref(localPref))) }
        for attribute in extra {
            list.removeAll { $0.type == attribute.type }
            list.append(attribute)
        }
        return list
    }

    static func announce(_ routes: [EVPNRoute], nextHop: IPv4Address = IPv4Address(10, 0, 1, 1),
                         attributes: [PathAttribute] = Routes.attributes()) -> BGPMessage {
        .update(UpdateMessage(attributes: [PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: routes.map { EVPNNLRI(route: $0) },
                                                                                   nextHop: .v4(nextHop))))] + attributes))
    }

    static func withdraw(_ routes: [EVPNRoute]) -> BGPMessage {
        .update(UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: .l2vpnEVPN,
                                                                                      nlri: .evpn(routes.map { EVPNNLRI(route: $0) }))))]))
    }
}
