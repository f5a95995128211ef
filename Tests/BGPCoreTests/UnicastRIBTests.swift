// IPv4 and IPv6 unicast beside l2vpn evpn in the one RIB: what each peer is sent follows the families
// it negotiated; IPv4 in the UPDATE's own fields with NEXT_HOP, IPv6 in MP_REACH/MP_UNREACH; next hop
// to self towards eBGP and for our own `network`s, kept towards iBGP unless `next-hop-self [force]`;
// best path per prefix, withdrawals, AS-path loops, End-of-RIB per family, packing.

import BGPCore
import BGPWire
import Testing

@Suite struct UnicastRIBTests {
    typealias H = ReflectorHarness
    static let all: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast, .l2vpnEVPN]

    static func peer(_ base: ScriptedPeer, _ families: [AddressFamily] = all,
                     nextHopSelf: [AddressFamily: NextHopSelf] = [:]) -> ScriptedPeer {
        var p = base
        p.families = families
        p.nextHopSelf = nextHopSelf
        return p
    }

    static func prefix(_ text: String) -> IPPrefix {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = UInt8(parts[1]) else {
            Issue.record("bad prefix \(text)")
            return IPPrefix(address: .v4(IPv4Address(rawValue: 0)), length: 0)
        }
        return IPPrefix(address: address, length: length)
    }

    static func attributes(asPath: [UInt32] = [], localPref: UInt32? = 100) -> [PathAttribute] {
        var list = [PathAttribute(.origin(.igp)),
                    PathAttribute(.asPath(asPath.isEmpty ? .empty : ASPath(segments: [.init(type: .sequence, asns: asPath)])))]
        if let localPref { list.append(PathAttribute(.localPref(localPref))) }
        return list
    }

    /// An UPDATE announcing IPv4 prefixes in the NLRI field with NEXT_HOP (RFC 4271 section 4.3).
    static func announceV4(_ prefixes: [String], nextHop: IPv4Address, attributes: [PathAttribute] = attributes()) -> BGPMessage {
        .update(UpdateMessage(attributes: attributes + [PathAttribute(.nextHop(nextHop))],
                              nlri: prefixes.map { PrefixNLRI(prefix: prefix($0)) }))
    }

    static func withdrawV4(_ prefixes: [String]) -> BGPMessage {
        .update(UpdateMessage(withdrawnRoutes: prefixes.map { PrefixNLRI(prefix: prefix($0)) }))
    }

    /// IPv6 prefixes in MP_REACH_NLRI (RFC 4760 section 3).
    static func announceV6(_ prefixes: [String], nextHop: String, attributes: [PathAttribute] = attributes()) -> BGPMessage {
        let hop = IPAddress(nextHop)?.bytes ?? []
        let reach = MPReachNLRI(family: .ipv6Unicast, nextHop: hop, nlri: .prefixes(prefixes.map { PrefixNLRI(prefix: prefix($0)) }))
        return .update(UpdateMessage(attributes: [PathAttribute(.mpReachNLRI(reach))] + attributes))
    }

    static func withdrawV6(_ prefixes: [String]) -> BGPMessage {
        let unreach = MPUnreachNLRI(family: .ipv6Unicast, nlri: .prefixes(prefixes.map { PrefixNLRI(prefix: prefix($0)) }))
        return .update(UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(unreach))]))
    }

    /// Prefixes a peer was told, each with its next hop and the UPDATE carrying it, in order.
    static func announced(_ h: H, _ p: ScriptedPeer) -> [(prefix: String, nextHop: String, update: UpdateMessage)] {
        h.updates(p).flatMap { u -> [(String, String, UpdateMessage)] in
            var out: [(String, String, UpdateMessage)] = []
            if case .nextHop(let hop)? = u.attribute(.nextHop) {
                out += u.nlri.map { ("\($0.prefix)", "\(hop)", u) }
            }
            if let reach = u.mpReach, reach.family == .ipv6Unicast, case .prefixes(let list) = reach.nlri {
                let hop = IPAddress(bytes: Array(reach.nextHop.prefix(16))).map { "\($0)" } ?? "?"
                out += list.map { ("\($0.prefix)", hop, u) }
            }
            return out
        }
    }

    static func withdrawn(_ h: H, _ p: ScriptedPeer) -> [String] {
        h.updates(p).flatMap { u -> [String] in
            var out = u.withdrawnRoutes.map { "\($0.prefix)" }
            if let unreach = u.mpUnreach, unreach.family == .ipv6Unicast, case .prefixes(let list) = unreach.nlri {
                out += list.map { "\($0.prefix)" }
            }
            return out
        }
    }

    static func asPath(_ u: UpdateMessage) -> [UInt32] {
        guard case .asPath(let path)? = u.attribute(.asPath) else { return [] }
        return path.segments.flatMap(\.asns)
    }

    // MARK: families decide what a peer gets

    struct FamilyCase: Sendable, CustomStringConvertible {
        var receiver: [AddressFamily]
        var getsV4: Bool
        var getsV6: Bool
        var getsEVPN: Bool
        var description: String { receiver.map(\.description).joined(separator: "+") }
    }

    @Test(arguments: [
        FamilyCase(receiver: [.l2vpnEVPN], getsV4: false, getsV6: false, getsEVPN: true),
        FamilyCase(receiver: [.ipv4Unicast], getsV4: true, getsV6: false, getsEVPN: false),
        FamilyCase(receiver: [.ipv6Unicast], getsV4: false, getsV6: true, getsEVPN: false),
        FamilyCase(receiver: [.ipv4Unicast, .l2vpnEVPN], getsV4: true, getsV6: false, getsEVPN: true),
        FamilyCase(receiver: UnicastRIBTests.all, getsV4: true, getsV6: true, getsEVPN: true),
    ])
    func aPeerIsSentOnlyTheFamiliesItNegotiated(_ c: FamilyCase) {
        let c1 = Self.peer(H.c1)
        let c2 = Self.peer(H.c2, c.receiver)
        var h = H(peers: [c1, c2])
        h.send(Self.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1)), from: c1)
        h.send(Self.announceV6(["2001:db8:1::/48"], nextHop: "2001:db8::11"), from: c1)
        h.send(Routes.announce([Routes.mac(1)]), from: c1)
        h.drain()
        let got = Self.announced(h, c2).map(\.prefix)
        #expect(got.contains("10.1.0.0/24") == c.getsV4)
        #expect(got.contains("2001:db8:1::/48") == c.getsV6)
        #expect(!h.announced(c2).isEmpty == c.getsEVPN)
        // What a family carries never leaks into another's fields.
        for u in h.updates(c2) {
            if let reach = u.mpReach { #expect(c.receiver.contains(reach.family)) }
            if !u.nlri.isEmpty { #expect(c.receiver.contains(.ipv4Unicast)) }
        }
    }

    @Test func unicastFromAPeerThatDidNotNegotiateItIsIgnored() {
        let c1 = Self.peer(H.c1, [.l2vpnEVPN])
        let c2 = Self.peer(H.c2)
        var h = H(peers: [c1, c2])
        h.send(Self.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1)), from: c1)
        h.send(Self.announceV6(["2001:db8:1::/48"], nextHop: "2001:db8::11"), from: c1)
        h.drain()
        #expect(Self.announced(h, c2).isEmpty)
        #expect(h.engine.unicastRoutes(.ipv4Unicast).isEmpty)
        #expect(h.engine.unicastRoutes(.ipv6Unicast).isEmpty)
    }

    // MARK: export rules

    struct ExportCase: Sendable, CustomStringConvertible {
        var name: String
        var from: String
        var to: String
        var nextHopSelf: NextHopSelf = .off
        var nextHop: String
        var asPath: [UInt32]
        var description: String { name }
    }

    /// c1, c2 clients; n1 non-client; e1 eBGP (AS 65099, path [65099]); local address 10.0.0.1.
    @Test(arguments: [
        ExportCase(name: "client to client: reflected, next hop kept", from: "c1", to: "c2", nextHop: "10.0.1.1", asPath: []),
        ExportCase(name: "client to non-client: reflected, next hop kept", from: "c1", to: "n1", nextHop: "10.0.1.1", asPath: []),
        ExportCase(name: "client to eBGP: next hop self, AS prepended", from: "c1", to: "e1", nextHop: "10.0.0.1", asPath: [65000]),
        ExportCase(name: "eBGP to iBGP: next hop kept", from: "e1", to: "c2", nextHop: "10.0.1.1", asPath: [65099]),
        ExportCase(name: "eBGP to iBGP with next-hop-self", from: "e1", to: "c2", nextHopSelf: .on, nextHop: "10.0.0.1", asPath: [65099]),
        ExportCase(name: "reflected with next-hop-self: kept", from: "c1", to: "c2", nextHopSelf: .on, nextHop: "10.0.1.1", asPath: []),
        ExportCase(name: "reflected with next-hop-self force", from: "c1", to: "c2", nextHopSelf: .force, nextHop: "10.0.0.1", asPath: []),
    ])
    func nextHopAndASPathFollowFRRsRules(_ c: ExportCase) throws {
        let peers = [Self.peer(H.c1), Self.peer(H.c2, nextHopSelf: [.ipv4Unicast: c.nextHopSelf]), Self.peer(H.n1), Self.peer(H.e1)]
        var h = H(peers: peers)
        let from = try #require(peers.first { $0.name == c.from })
        let to = try #require(peers.first { $0.name == c.to })
        let path: [UInt32] = from.asn == H.localAS ? [] : [from.asn]
        h.send(Self.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1),
                               attributes: Self.attributes(asPath: path, localPref: from.asn == H.localAS ? 100 : nil)), from: from)
        h.drain()
        let got = try #require(Self.announced(h, to).first)
        #expect(got.prefix == "10.1.0.0/24")
        #expect(got.nextHop == c.nextHop)
        #expect(Self.asPath(got.update) == c.asPath)
        if to.asn != H.localAS {
            #expect(got.update.attribute(.localPref) == nil)
            #expect(got.update.attribute(.originatorID) == nil)
        } else if from.asn == H.localAS {
            #expect(got.update.attribute(.originatorID) == .originatorID(from.address))
            #expect(got.update.attribute(.clusterList) == .clusterList([H.clusterID]))
        }
    }

    @Test func ipv6TowardsEBGPOverAnIPv4SessionGetsTheMappedAddress() throws {
        var h = H(peers: [Self.peer(H.c1), Self.peer(H.c2), Self.peer(H.e1)])
        h.send(Self.announceV6(["2001:db8:1::/48"], nextHop: "2001:db8::11"), from: Self.peer(H.c1))
        h.drain()
        #expect(try #require(Self.announced(h, Self.peer(H.c2)).first).nextHop == "2001:db8::11")
        let ebgp = try #require(Self.announced(h, Self.peer(H.e1)).first)
        #expect(ebgp.nextHop == "::ffff:10.0.0.1")
        #expect(Self.asPath(ebgp.update) == [65000])
    }

    @Test func evpnNextHopStaysUnchangedTowardsEBGP() throws {
        var h = H(peers: [Self.peer(H.c1), Self.peer(H.e1)])
        h.send(Routes.announce([Routes.mac(1)], nextHop: IPv4Address(10, 0, 1, 1)), from: Self.peer(H.c1))
        h.drain()
        let update = try #require(h.announced(Self.peer(H.e1)).first?.1)
        #expect(update.mpReach?.nextHop == [10, 0, 1, 1])
        #expect(update.attribute(.nextHop) == nil)
    }

    // MARK: best path, withdrawals, loops

    @Test func bestPathPerPrefixAndFallbackOnWithdraw() throws {
        let c1 = Self.peer(H.c1), c2 = Self.peer(H.c2), n1 = Self.peer(H.n1)
        var h = H(peers: [c1, c2, n1])
        h.send(Self.announceV4(["10.1.0.0/24", "10.2.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1),
                               attributes: Self.attributes(localPref: 100)), from: c1)
        h.send(Self.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 2, 2), attributes: Self.attributes(localPref: 200)), from: n1)
        h.drain()
        let routes = h.engine.unicastRoutes(.ipv4Unicast)
        #expect(routes.map(\.prefix.description) == ["10.1.0.0/24", "10.2.0.0/24"])
        let first = try #require(routes.first)
        #expect(first.paths.count == 2)
        #expect(first.paths.first { $0.best }?.nextHop == .v4(IPv4Address(10, 0, 2, 2)))
        #expect(Self.announced(h, c2).last { $0.prefix == "10.1.0.0/24" }?.nextHop == "10.0.2.2")
        h.got = [:]
        h.send(Self.withdrawV4(["10.1.0.0/24"]), from: n1)
        h.drain()
        // The other path takes over: announced again with its next hop, nothing withdrawn.
        #expect(Self.announced(h, c2).map(\.nextHop) == ["10.0.1.1"])
        #expect(Self.withdrawn(h, c2).isEmpty)
        h.got = [:]
        h.send(Self.withdrawV4(["10.1.0.0/24", "10.2.0.0/24"]), from: c1)
        h.send(Self.withdrawV6(["2001:db8::/32"]), from: c1)  // never announced: nothing happens
        h.drain()
        #expect(Set(Self.withdrawn(h, c2)) == ["10.1.0.0/24", "10.2.0.0/24"])
        #expect(h.engine.unicastRoutes(.ipv4Unicast).isEmpty)
    }

    @Test func ipv6WithdrawGoesInMPUnreach() {
        let c1 = Self.peer(H.c1), c2 = Self.peer(H.c2)
        var h = H(peers: [c1, c2])
        h.send(Self.announceV6(["2001:db8:1::/48", "2001:db8:2::/48"], nextHop: "2001:db8::11"), from: c1)
        h.drain()
        h.got = [:]
        h.send(Self.withdrawV6(["2001:db8:1::/48"]), from: c1)
        h.drain()
        #expect(Self.withdrawn(h, c2) == ["2001:db8:1::/48"])
        #expect(h.updates(c2).allSatisfy { $0.mpUnreach?.family == .ipv6Unicast && $0.withdrawnRoutes.isEmpty })
        #expect(h.engine.unicastRoutes(.ipv6Unicast).map(\.prefix.description) == ["2001:db8:2::/48"])
    }

    @Test func hostBitsDoNotMakeADifferentDestination() {
        let c1 = Self.peer(H.c1), c2 = Self.peer(H.c2)
        var h = H(peers: [c1, c2])
        h.send(Self.announceV4(["10.1.0.7/24"], nextHop: IPv4Address(10, 0, 1, 1)), from: c1)
        h.send(Self.withdrawV4(["10.1.0.0/24"]), from: c1)
        h.drain()
        #expect(h.engine.unicastRoutes(.ipv4Unicast).isEmpty)
    }

    @Test func anEBGPPathHoldingOurASIsALoop() {
        let e1 = Self.peer(H.e1), c1 = Self.peer(H.c1)
        var h = H(peers: [e1, c1])
        h.send(Self.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1), attributes: Self.attributes(asPath: [65099, 65000], localPref: nil)),
               from: e1)
        h.send(Self.announceV6(["2001:db8:1::/48"], nextHop: "2001:db8::31", attributes: Self.attributes(asPath: [65099, 65000], localPref: nil)),
               from: e1)
        h.drain()
        #expect(Self.announced(h, c1).isEmpty)
        #expect(h.engine.unicastRoutes(.ipv4Unicast).isEmpty)
        #expect(h.engine.loopsDropped(from: e1.id) == 2)
    }

    @Test func aReflectedRouteBackFromAnotherReflectorIsALoop() {
        let c1 = Self.peer(H.c1), n1 = Self.peer(H.n1)
        var h = H(peers: [c1, n1])
        h.send(Self.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1),
                               attributes: Self.attributes() + [PathAttribute(.clusterList([H.clusterID]))]), from: n1)
        h.drain()
        #expect(Self.announced(h, c1).isEmpty)
        #expect(h.engine.loopsDropped(from: n1.id) == 1)
    }

    // MARK: our own networks

    @Test func networksLeaveWithOurNextHop() throws {
        let c1 = Self.peer(H.c1), e1 = Self.peer(H.e1), evpnOnly = Self.peer(H.c2, [.l2vpnEVPN])
        // The peers come up after the networks are in the table: they get them as their initial table.
        var h = H(peers: [c1, e1, evpnOnly], establish: false, networks: [Self.prefix("10.9.0.0/16"), Self.prefix("2001:db8:9::/48")])
        for p in [c1, e1, evpnOnly] { h.establish(p) }
        h.drain()
        let ibgp = Self.announced(h, c1)
        #expect(ibgp.map(\.prefix) == ["10.9.0.0/16", "2001:db8:9::/48"])
        #expect(ibgp.map(\.nextHop) == ["10.0.0.1", "::ffff:10.0.0.1"])
        #expect(ibgp.allSatisfy { $0.update.attribute(.localPref) == .localPref(100) && Self.asPath($0.update).isEmpty })
        let ebgp = Self.announced(h, e1)
        #expect(ebgp.map(\.nextHop) == ["10.0.0.1", "::ffff:10.0.0.1"])
        #expect(ebgp.allSatisfy { Self.asPath($0.update) == [65000] && $0.update.attribute(.localPref) == nil })
        #expect(Self.announced(h, evpnOnly).isEmpty)
        let local = try #require(h.engine.unicastRoutes(.ipv4Unicast).first?.paths.first)
        #expect(local.peer == nil)
        #expect(local.nextHop == .v4(IPv4Address(rawValue: 0)))
    }

    @Test func aNetworkRemovedFromTheConfigurationIsWithdrawn() {
        let c1 = Self.peer(H.c1)
        var h = H(peers: [c1], establish: false, networks: [Self.prefix("10.9.0.0/16")])
        h.establish(c1)
        h.drain()
        #expect(Self.announced(h, c1).map(\.prefix) == ["10.9.0.0/16"])
        h.got = [:]
        var config = EngineConfig(localAS: H.localAS, routerID: H.routerID, hostname: "rr",
                                  peers: [PeerConfig(address: .v4(c1.address), remoteAS: .number(c1.asn), keepalive: 3, holdTime: 9,
                                                     connectRetry: 5, passive: true, families: Set(c1.families), routeReflectorClient: true)],
                                  clusterID: H.clusterID)
        config.networks = []
        h.input(.configure(config))
        h.drain()
        #expect(Self.withdrawn(h, c1) == ["10.9.0.0/16"])
    }

    // MARK: End-of-RIB and packing

    @Test(arguments: [[AddressFamily.l2vpnEVPN], [.ipv4Unicast], [.ipv6Unicast, .l2vpnEVPN], UnicastRIBTests.all])
    func endOfRIBForEveryNegotiatedFamily(_ families: [AddressFamily]) {
        let c1 = Self.peer(H.c1, families)
        var h = H(peers: [c1], establish: false)
        h.establish(c1)
        h.drain()
        let markers = h.updates(c1).compactMap(\.endOfRIBFamily)
        #expect(Set(markers) == Set(families))
        #expect(markers.count == families.count)
    }

    @Test(arguments: [1, 700, 3000])
    func prefixesSharingAttributesArePackedUnder4096(_ n: Int) {
        let c1 = Self.peer(H.c1), c2 = Self.peer(H.c2)
        var h = H(peers: [c1, c2])
        h.makeBusy(c2)
        let v4 = (0..<n).map { "10.\($0 / 256).\($0 % 256).0/24" }
        // Spelled as the prefixes print (RFC 5952: 2001:db8::/48, not 2001:db8:0::/48).
        let v6 = (0..<n).map { $0 == 0 ? "2001:db8::/48" : "2001:db8:\(String($0, radix: 16))::/48" }
        for start in stride(from: 0, to: n, by: 200) {
            h.send(Self.announceV4(Array(v4[start..<min(start + 200, n)]), nextHop: IPv4Address(10, 0, 1, 1)), from: c1)
            h.send(Self.announceV6(Array(v6[start..<min(start + 200, n)]), nextHop: "2001:db8::11"), from: c1)
        }
        h.drain()
        let got = Self.announced(h, c2).map(\.prefix)
        #expect(got.count == 2 * n)
        #expect(Set(got) == Set(v4 + v6))
        #expect(h.updates(c2).allSatisfy { AdvertisementTests.size($0) <= 4096 })
        // 4 octets per /24 and 7 per /48: full messages, not one per prefix.
        #expect(h.updates(c2).count <= 2 * ((n * 7) / 3900 + 1) + 2)
        h.got = [:]
        h.makeBusy(c2)
        for start in stride(from: 0, to: n, by: 200) {
            h.send(Self.withdrawV4(Array(v4[start..<min(start + 200, n)])), from: c1)
            h.send(Self.withdrawV6(Array(v6[start..<min(start + 200, n)])), from: c1)
        }
        h.drain()
        #expect(Set(Self.withdrawn(h, c2)) == Set(v4 + v6))
        #expect(h.updates(c2).allSatisfy { AdvertisementTests.size($0) <= 4096 })
    }

    @Test func mixedFamiliesCountPerFamily() {
        let c1 = Self.peer(H.c1), c2 = Self.peer(H.c2)
        var h = H(peers: [c1, c2])
        h.send(Self.announceV4(["10.1.0.0/24", "10.2.0.0/24"], nextHop: IPv4Address(10, 0, 1, 1)), from: c1)
        h.send(Self.announceV6(["2001:db8:1::/48"], nextHop: "2001:db8::11"), from: c1)
        h.send(Routes.announce([Routes.mac(1), Routes.mac(2), Routes.mac(3)]), from: c1)
        h.drain()
        let summary = h.engine.summary(now: h.now)
        let c1Summary = summary.first { $0.address == .v4(c1.address) }
        let c2Summary = summary.first { $0.address == .v4(c2.address) }
        // The EVPN summary counts EVPN only; the per-family counts the rest.
        #expect(c1Summary?.prefixesReceived == 3)
        #expect(c2Summary?.prefixesSent == 3)
        #expect(h.engine.prefixCounts(c1.id, .ipv4Unicast) == PrefixCounts(received: 2, sent: 0))
        #expect(h.engine.prefixCounts(c2.id, .ipv6Unicast) == PrefixCounts(received: 0, sent: 1))
        #expect(h.engine.prefixCounts(c2.id, .l2vpnEVPN) == PrefixCounts(received: 0, sent: 3))
    }
}

/// Graceful restart covers l2vpn evpn only: a helper keeps a restarting peer's EVPN routes stale, and drops its
/// unicast routes at once.
@Suite struct UnicastGracefulRestartTests {
    @Test func unicastPathsGoAtOnceWhileEVPNIsHeldStale() {
        var peer = Fixture.peerConfig()
        peer.families = [.l2vpnEVPN, .ipv4Unicast]
        var h = Harness(Fixture.config(peers: [peer]))
        let caps: [Capability] = [.multiprotocol(.l2vpnEVPN), .multiprotocol(.ipv4Unicast), .routeRefresh, .fourOctetAS(Fixture.peerAS),
                                  .gracefulRestart(GracefulRestartCapability(restarting: false, restartTime: 120,
                                                                             families: [GracefulRestartTests.evpnF]))]
        h.toEstablished(OpenMessage(asn: Fixture.peerAS, holdTime: 9, identifier: IPv4Address(10, 0, 0, 2), capabilities: caps))
        _ = h.receive(Fixture.announce([Fixture.imet(1)]), on: Fixture.outbound)
        _ = h.receive(UnicastRIBTests.announceV4(["10.1.0.0/24"], nextHop: IPv4Address(10, 0, 0, 2),
                                                 attributes: UnicastRIBTests.attributes(asPath: [Fixture.peerAS], localPref: nil)),
                      on: Fixture.outbound)
        #expect(h.engine.unicastRoutes(.ipv4Unicast).count == 1)
        h.step(.connectionClosed(Fixture.outbound, reason: "Connection reset by peer"))
        #expect(h.engine.isHelpingRestart(Fixture.peer))
        #expect(GracefulRestartTests.has(h, 1))
        #expect(h.engine.staleRouteCount(from: Fixture.peer) == 1)
        #expect(h.engine.unicastRoutes(.ipv4Unicast).isEmpty)
    }
}
