// Two and three speakers in virtual time: sessions come up (through a connection collision, since
// both sides connect at once), stay up on keepalives, and recover from a cut link.

import BGPCore
import BGPWire
import Simulation
import Testing

@Suite struct SessionSimulationTests {
    static let a = IPAddress.v4(IPv4Address(10, 0, 0, 1))
    static let b = IPAddress.v4(IPv4Address(10, 0, 0, 2))
    static let c = IPAddress.v4(IPv4Address(10, 0, 0, 3))

    static func peer(_ address: IPAddress, _ asn: UInt32) -> PeerConfig {
        PeerConfig(address: address, remoteAS: .number(asn), keepalive: 3, holdTime: 9, connectRetry: 5)
    }

    static func speaker(_ asn: UInt32, _ id: IPv4Address, _ peers: [PeerConfig], ranges: [ListenRange] = []) -> EngineConfig {
        EngineConfig(localAS: asn, routerID: id, hostname: "node\(id)", peers: peers, listenRanges: ranges)
    }

    static func network() -> (Network, Int, Int, Int) {
        var net = Network()
        let range = ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 0, 0, 0)), length: 24),
                                template: PeerConfig(address: .v4(IPv4Address(0, 0, 0, 0)), remoteAS: .external,
                                                     keepalive: 3, holdTime: 9, connectRetry: 5, peerGroup: "VTEPS"))
        let a = net.add(Self.a, speaker(65001, IPv4Address(10, 0, 0, 1), [peer(Self.b, 65002), peer(Self.c, 65003)]))
        let b = net.add(Self.b, speaker(65002, IPv4Address(10, 0, 0, 2), [peer(Self.a, 65001)]))
        // C only listens: A becomes a dynamic peer of it.
        let c = net.add(Self.c, speaker(65003, IPv4Address(10, 0, 0, 3), [], ranges: [range]))
        for node in [a, b, c] { net.deliver(.start, to: node) }
        return (net, a, b, c)
    }

    static func endOfRIBs(_ net: Network, _ node: Int, from peer: IPAddress) -> Int {
        net.nodes[node].received.filter { $0.0 == PeerID(peer) && $0.1.endOfRIBFamily == .l2vpnEVPN }.count
    }

    @Test func sessionsComeUpAndStayUp() {
        var (net, a, b, c) = Self.network()
        net.run(for: .seconds(5))
        #expect(net.summary(a, peer: Self.b)?.state == .established)
        #expect(net.summary(b, peer: Self.a)?.state == .established)
        #expect(net.summary(a, peer: Self.c)?.state == .established)
        #expect(net.summary(c, peer: Self.a)?.state == .established)
        #expect(net.summary(c, peer: Self.a)?.isDynamic == true)
        #expect(Self.endOfRIBs(net, a, from: Self.b) == 1)
        #expect(Self.endOfRIBs(net, b, from: Self.a) == 1)
        #expect(Self.endOfRIBs(net, c, from: Self.a) == 1)

        let before = net.summary(a, peer: Self.b)?.messagesReceived ?? 0
        net.run(for: .seconds(600))
        let after = net.summary(a, peer: Self.b)
        #expect(after?.state == .established)
        #expect(after?.connectionsEstablished == 1)
        #expect(after?.connectionsDropped == 0)
        // A KEEPALIVE every 3 s for 600 s.
        #expect((after?.messagesReceived ?? 0) - before == 200)
        #expect(net.summary(c, peer: Self.a)?.connectionsEstablished == 1)
    }

    @Test func aCutLinkExpiresTheHoldTimerAndTheSessionRecovers() {
        var (net, a, b, _) = Self.network()
        net.run(for: .seconds(5))
        #expect(net.summary(a, peer: Self.b)?.state == .established)

        net.setCut(a, b, true)
        net.run(for: .seconds(12))
        let down = net.summary(a, peer: Self.b)
        #expect(down?.state != .established)
        #expect(down?.lastResetReason == "Hold Timer Expired")
        #expect(down?.lastResetDueTo == "BGP Notification send")
        #expect(net.summary(b, peer: Self.a)?.lastResetReason == "Hold Timer Expired")
        // While the link is down the peer cycles through Idle, Connect and Active, never further.
        net.run(for: .seconds(30))
        #expect([SessionState.idle, .connect, .active].contains(net.summary(a, peer: Self.b)?.state ?? .established))

        net.setCut(a, b, false)
        net.run(for: .seconds(30))
        #expect(net.summary(a, peer: Self.b)?.state == .established)
        #expect(net.summary(b, peer: Self.a)?.state == .established)
        #expect(net.summary(a, peer: Self.b)?.connectionsEstablished == 2)
        #expect(net.summary(a, peer: Self.b)?.connectionsDropped == 1)
        #expect(Self.endOfRIBs(net, a, from: Self.b) == 2)
    }

    @Test func sameRunSameResult() {
        var (first, a1, _, _) = Self.network()
        var (second, a2, _, _) = Self.network()
        first.run(for: .seconds(60))
        second.run(for: .seconds(60))
        #expect(first.nodes[a1].log == second.nodes[a2].log)
    }
}
