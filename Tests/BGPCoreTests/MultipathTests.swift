// Multipath for IPv4 unicast (Multipath.swift): which paths share forwarding with the best one, as FRR's
// `paths_eq` decides, under `maximum-paths [ibgp] N` and `bgp bestpath as-path multipath-relax`.

import BGPCore
import BGPWire
import Testing

@Suite struct MultipathTests {
    typealias H = ReflectorHarness
    typealias U = UnicastRIBTests

    static func peer(_ name: String, _ n: UInt8, asn: UInt32) -> ScriptedPeer {
        var p = ScriptedPeer(name: name, address: IPv4Address(10, 0, 0, n), asn: asn, client: false, connection: ConnectionID(UInt64(n)))
        p.families = [.ipv4Unicast]
        return p
    }

    static let a = peer("a", 41, asn: 65099)
    static let b = peer("b", 42, asn: 65099)
    static let c = peer("c", 43, asn: 65098)
    static let i = peer("i", 44, asn: H.localAS)

    struct Offer: Sendable {
        var from: ScriptedPeer
        var asPath: [UInt32]
        var med: UInt32? = nil
        var nextHop: UInt8
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var offers: [Offer]
        var maximum = MaximumPaths()
        var relax = false
        /// Next hops (last octet of 10.9.9.X) the prefix is forwarded over, the best first.
        var expected: [UInt8]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "two eBGP paths, same AS_PATH", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: b, asPath: [65099], nextHop: 2)],
             expected: [1, 2]),
        Case(name: "maximum-paths 1", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: b, asPath: [65099], nextHop: 2)],
             maximum: MaximumPaths(ebgp: 1), expected: [1]),
        Case(name: "different neighbor AS, not relaxed", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: c, asPath: [65098], nextHop: 3)],
             expected: [1]),
        Case(name: "different neighbor AS, multipath-relax", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: c, asPath: [65098], nextHop: 3)],
             relax: true, expected: [1, 3]),
        Case(name: "longer AS_PATH is not equal", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: b, asPath: [65099, 65200], nextHop: 2)],
             expected: [1]),
        Case(name: "different MED from one AS", offers: [Offer(from: a, asPath: [65099], med: 5, nextHop: 1), Offer(from: b, asPath: [65099], med: 10, nextHop: 2)],
             expected: [1]),
        Case(name: "eBGP over iBGP, never together", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: i, asPath: [65099], nextHop: 4)],
             relax: true, expected: [1]),
        Case(name: "the same next hop twice counts once", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: b, asPath: [65099], nextHop: 1)],
             expected: [1]),
        Case(name: "three paths, maximum-paths 2", offers: [Offer(from: a, asPath: [65099], nextHop: 1), Offer(from: b, asPath: [65099], nextHop: 2),
                                                           Offer(from: c, asPath: [65098], nextHop: 3)],
             maximum: MaximumPaths(ebgp: 2), relax: true, expected: [1, 2]),
    ]

    @Test(arguments: cases)
    func multipathSet(_ t: Case) throws {
        var h = H(peers: [Self.a, Self.b, Self.c, Self.i])
        var config = h.engine.config
        config.maximumPaths[.ipv4Unicast] = t.maximum
        config.multipathRelax = t.relax
        h.input(.configure(config))
        for offer in t.offers {
            var attributes = U.attributes(asPath: offer.asPath, localPref: offer.from.asn == H.localAS ? 100 : nil)
            if let med = offer.med { attributes.append(PathAttribute(.multiExitDisc(med))) }
            h.send(U.announceV4(["10.99.0.0/24"], nextHop: IPv4Address(10, 9, 9, offer.nextHop), attributes: attributes), from: offer.from)
        }
        h.drain()
        let prefix = U.prefix("10.99.0.0/24")
        let paths = h.engine.forwardingPaths(prefix)
        #expect(paths.compactMap { $0.nextHop?.bytes.last } == t.expected)
        #expect(paths.first?.best == true)
        // What the kernel route installer gets: one route with the same next hops, the best one first.
        let forwarding = try #require(h.engine.unicastForwarding(prefix))
        #expect(forwarding.nextHops.compactMap { $0.bytes.last } == t.expected)
        // The report marks the set as FRR does (`multipath` on each member, the best one too) only when it has two.
        let entry = try #require(h.engine.unicastRoutes(.ipv4Unicast).first { $0.prefix == prefix })
        #expect(entry.paths.filter(\.multipath).count == (t.expected.count > 1 ? t.expected.count : 0))
        #expect(entry.paths.count == t.offers.count)
    }

    /// A second equal path leaves the best path as it was but widens the set: the change feed still names the
    /// prefix, so the kernel route gets its second next hop (and loses it when the path goes).
    @Test func aSecondEqualPathIsAChangeForTheKernel() throws {
        var h = H(peers: [Self.a, Self.b])
        h.engine.tracksUnicastChanges = true
        let prefix = U.prefix("10.99.0.0/24")
        h.send(U.announceV4(["10.99.0.0/24"], nextHop: IPv4Address(10, 9, 9, 1), attributes: U.attributes(asPath: [65099], localPref: nil)), from: Self.a)
        h.drain()
        #expect(h.engine.takeUnicastChanges() == [prefix])
        #expect(h.engine.unicastForwarding(prefix)?.nextHops.compactMap { $0.bytes.last } == [1])
        h.send(U.announceV4(["10.99.0.0/24"], nextHop: IPv4Address(10, 9, 9, 2), attributes: U.attributes(asPath: [65099], localPref: nil)), from: Self.b)
        h.drain()
        #expect(h.engine.takeUnicastChanges() == [prefix])
        #expect(h.engine.unicastForwarding(prefix)?.nextHops.compactMap { $0.bytes.last } == [1, 2])
        h.send(U.withdrawV4(["10.99.0.0/24"]), from: Self.b)
        h.drain()
        #expect(h.engine.takeUnicastChanges() == [prefix])
        #expect(h.engine.unicastForwarding(prefix)?.nextHops.compactMap { $0.bytes.last } == [1])
    }

    @Test func noPathNoForwarding() {
        let h = H(peers: [Self.a])
        #expect(h.engine.forwardingPaths(U.prefix("10.99.0.0/24")).isEmpty)
    }
}

/// `redistribute connected` in the engine (Redistribute.swift): the subnets the runtime hands over are originated
/// with ORIGIN incomplete, and go when they leave.
@Suite struct RedistributeConnectedTests {
    typealias H = ReflectorHarness
    typealias U = UnicastRIBTests

    @Test func originatedIncompleteAndWithdrawn() throws {
        var a = ScriptedPeer(name: "a", address: IPv4Address(10, 0, 0, 41), asn: 65099, client: false, connection: ConnectionID(41))
        a.families = [.ipv4Unicast]
        var h = H(peers: [a])
        var config = h.engine.config
        config.redistributedConnected = [U.prefix("10.0.0.1/32"), U.prefix("10.0.1.0/30")]
        h.input(.configure(config))
        h.drain()
        let routes = h.engine.unicastRoutes(.ipv4Unicast)
        #expect(routes.map(\.prefix.description) == ["10.0.0.1/32", "10.0.1.0/30"])
        #expect(routes.allSatisfy { $0.paths.first?.origin == .incomplete && $0.paths.first?.peer == nil })
        #expect(h.engine.state(of: a.id) == .established)  // a change of subnets resets no session

        config.redistributedConnected = [U.prefix("10.0.0.1/32")]
        h.input(.configure(config))
        h.drain()
        #expect(h.engine.unicastRoutes(.ipv4Unicast).map(\.prefix.description) == ["10.0.0.1/32"])
    }
}
