// Kernel routes against the bytes iproute2 and the kernel exchanged (Tests/Fixtures/netlink/route-*,
// scripts/lab/capture-netlink): veth0p is ifindex 5 there and holds 10.2.0.1/24 and fd00:2::1/64.

import Testing
@testable import Netlink

@Suite("Fixtures: kernel routes") struct RouteFixtureTests {
    static func v4(_ s: String) -> InetAddress { InetAddress(s) ?? .v4(0) }

    static let bgp4 = IPRoute(destination: v4("10.9.0.0"), prefixLength: 24,
                              nextHops: [RouteNextHop(gateway: v4("10.2.0.2"), ifindex: 5)])
    static let ecmp4 = IPRoute(destination: v4("10.9.1.0"), prefixLength: 24,
                               nextHops: [RouteNextHop(gateway: v4("10.2.0.2"), ifindex: 5),
                                          RouteNextHop(gateway: v4("10.2.0.3"), ifindex: 5)])
    static let via6 = IPRoute(destination: v4("10.9.2.0"), prefixLength: 24,
                              nextHops: [RouteNextHop(gateway: v4("fe80::2"), isVia: true, ifindex: 5, flags: .onlink)])
    static let bgp6 = IPRoute(destination: v4("fd00:9::"), prefixLength: 64,
                              nextHops: [RouteNextHop(gateway: v4("fd00:2::2"), ifindex: 5)])
    static let static4 = IPRoute(destination: v4("10.9.3.0"), prefixLength: 24, protocol: .static, metric: nil,
                                 nextHops: [RouteNextHop(gateway: v4("10.2.0.2"), ifindex: 0)])

    /// The requests iproute2 sent, and the same requests built by this module: identical bytes.
    @Test(arguments: [
        ("route-replace-bgp4", NetlinkRequest.replaceRoute(Self.bgp4)),
        ("route-replace-ecmp4", NetlinkRequest.replaceRoute(Self.ecmp4)),
        ("route-replace-via6", NetlinkRequest.replaceRoute(Self.via6)),
        ("route-replace-bgp6", NetlinkRequest.replaceRoute(Self.bgp6)),
        ("route-replace-static", NetlinkRequest.replaceRoute(Self.static4)),
        ("route-add-exists", NetlinkRequest.addRoute(Self.bgp4)),
    ])
    func requestMatchesIproute2(capture: String, ours: NetlinkRequest) throws {
        let (theirs, raw) = try NetlinkFixtures.request(capture, type: .newRoute)
        guard case .route(let theirMessage) = theirs.payload, case .route(let ourMessage) = ours.body else {
            Issue.record("not a route message")
            return
        }
        #expect(try IPRoute(theirMessage) == (try IPRoute(ourMessage)))
        #expect(theirs.header.flags == ours.flags.union([.request, .ack]))
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw)
    }

    /// `ip route del PREFIX proto bgp metric 20`: key and protocol only, scope NOWHERE; ours is the same
    /// whatever next hops the route had.
    @Test func deleteMatchesIproute2() throws {
        let (theirs, raw) = try NetlinkFixtures.request("route-del-bgp4", type: .delRoute)
        var bytes: [UInt8] = []
        NetlinkRequest.deleteRoute(Self.bgp4).encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw)
    }

    @Test(arguments: [
        ("route-add-exists", NetlinkMessageType.newRoute, NetlinkErrno.EEXIST),
        ("route-del-missing", .delRoute, .ESRCH),
    ])
    func errorReplies(capture: String, type: NetlinkMessageType, expected: NetlinkErrno) throws {
        let (request, _) = try NetlinkFixtures.request(capture, type: type)
        let reply = try #require(
            try NetlinkFixtures.messages(capture, sent: false).first { $0.header.sequence == request.header.sequence && $0.header.type == .error })
        guard case .error(let e) = reply.payload else { Issue.record("not NLMSG_ERROR"); return }
        #expect(e.errno == expected)
    }

    static func routes(_ capture: String) throws -> [IPRoute] {
        try NetlinkFixtures.messages(capture, sent: false).compactMap { m in
            guard m.header.type == .newRoute, case .route(let r) = m.payload else { return nil }
            return try IPRoute(r)
        }
    }

    /// The IPv4 dump holds the two connected routes (proto kernel, scope link, with a preferred source) and
    /// the four installed above, each as it was asked for plus RTA_TABLE and RTA_OIF the kernel adds.
    @Test func ipv4Dump() throws {
        let routes = try Self.routes("route-show")
        #expect(routes.count == 6)
        let connected = routes.filter { $0.protocol == .kernel }
        #expect(connected.map(\.description) == ["10.1.0.0/24 dev 2 proto kernel", "10.2.0.0/24 dev 5 proto kernel"])
        #expect(connected.allSatisfy { $0.scope == .link && $0.preferredSource != nil && $0.metric == nil })
        #expect(routes.contains(Self.bgp4))
        #expect(routes.contains(Self.ecmp4))
        #expect(routes.contains(Self.via6))
        var static4 = Self.static4
        static4.nextHops[0].ifindex = 5  // the kernel resolved the device
        #expect(routes.contains(static4))
        #expect(routes.allSatisfy { $0.table == RouteTable.main })
    }

    @Test func ipv6Dump() throws {
        let routes = try Self.routes("route-show6")
        #expect(routes.contains(Self.bgp6))
        // Connected and link-local routes: metric 256, proto kernel, no gateway.
        let kernel = routes.filter { $0.protocol == .kernel }
        #expect(kernel.count == 6)
        #expect(kernel.allSatisfy { $0.metric == 256 && $0.nextHops.count == 1 && $0.nextHops[0].gateway == nil })
    }

    /// `ip monitor route`: RTM_NEWROUTE then RTM_DELROUTE of 10.9.4.0/24, as events.
    @Test func monitorEvents() throws {
        var events: [NetlinkEvent] = []
        for file in NetlinkFixtures.capture("route-monitor") where file.hasSuffix(".recv.bin") {
            events += NetlinkEvent.decodeDatagram(NetlinkFixtures.bytes(file))
        }
        let route = IPRoute(destination: Self.v4("10.9.4.0"), prefixLength: 24,
                            nextHops: [RouteNextHop(gateway: Self.v4("10.2.0.2"), ifindex: 5)])
        let routeEvents = events.filter {
            switch $0 { case .newRoute, .deletedRoute: return true; default: return false }
        }
        #expect(routeEvents == [.newRoute(route), .deletedRoute(route)])
    }

    /// Every route message of every capture decodes and re-encodes to the same bytes (unknown attributes such
    /// as RTA_CACHEINFO and RTA_PREF kept raw), and a typed route read back from its own message is itself.
    @Test func roundTrips() throws {
        var seen = 0
        for file in NetlinkFixtures.all where file.hasPrefix("route-") {
            let raw = NetlinkFixtures.meaningful(NetlinkFixtures.bytes(file))
            for message in try NetlinkMessage.decodeAll(raw) {
                guard case .route(let r) = message.payload else { continue }
                seen += 1
                var bytes: [UInt8] = []
                r.encode(into: &bytes)
                var reader = NetlinkReader(bytes)
                #expect(try RouteMessage.decode(&reader) == r)
                let typed = try r.typedAttributes()
                #expect(typed.map(\.raw) == r.attributes)
                if r.family == .inet || r.family == .inet6, message.header.type != .delRoute, message.header.type != .getRoute {
                    let route = try IPRoute(r)
                    #expect(try IPRoute(route.message) == route)
                }
            }
        }
        #expect(seen >= 20)
    }
}

@Suite("Route codec: malformed input") struct RouteMalformedTests {
    /// One rtmsg with its attributes, as bytes: family AF_INET, /24, table main, proto bgp, unicast.
    static func body(family: UInt8 = 2, dstLength: UInt8 = 24, _ attributes: [[UInt8]]) -> [UInt8] {
        var b: [UInt8] = [family, dstLength, 0, 0, 254, 186, 0, 1, 0, 0, 0, 0]
        for a in attributes { b += a }
        return b
    }

    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = 4 + payload.count
        var b: [UInt8] = [UInt8(length & 0xff), UInt8(length >> 8), UInt8(type & 0xff), UInt8(type >> 8)] + payload
        while b.count % 4 != 0 { b.append(0) }
        return b
    }

    static let cases: [(String, [UInt8], NetlinkDecodeError.Code)] = [
        ("short rtmsg", [2, 24, 0, 0, 254], .truncated),
        ("RTA_DST of 3 bytes", body([attribute(1, [10, 9, 0])]), .badAttributeValue),
        ("RTA_DST of 16 bytes in AF_INET", body([attribute(1, [UInt8](repeating: 0, count: 16))]), .badAttributeValue),
        ("RTA_GATEWAY of 5 bytes", body([attribute(5, [10, 2, 0, 2, 0])]), .badAttributeValue),
        ("RTA_OIF of 2 bytes", body([attribute(4, [5, 0])]), .badAttributeValue),
        ("RTA_PRIORITY of 8 bytes", body([attribute(6, [20, 0, 0, 0, 0, 0, 0, 0])]), .badAttributeValue),
        ("RTA_VIA without an address", body([attribute(18, [10, 0])]), .badAttributeValue),
        ("RTA_VIA family 2 with 16 bytes", body([attribute(18, [2, 0] + [UInt8](repeating: 0, count: 16))]), .badAttributeValue),
        ("RTA_VIA of 1 byte", body([attribute(18, [10])]), .badAttributeValue),
        ("attribute longer than the message", body([[20, 0, 1, 0, 10, 9, 0, 0]]), .badAttributeLength),
        ("attribute length 2", body([[2, 0, 1, 0]]), .badAttributeLength),
        ("rtnexthop shorter than its header", body([attribute(9, [4, 0, 0, 0, 5, 0, 0, 0])]), .badAttributeLength),
        ("rtnexthop longer than RTA_MULTIPATH", body([attribute(9, [32, 0, 0, 0, 5, 0, 0, 0])]), .badAttributeLength),
        ("rtnexthop with a truncated header", body([attribute(9, [16, 0, 0])]), .badAttributeLength),
        ("rtnexthop gateway of 3 bytes", body([attribute(9, [15, 0, 0, 0, 5, 0, 0, 0, 7, 0, 5, 0, 10, 2, 0, 0])]), .badAttributeValue),
        ("prefix length 33 in AF_INET", body(dstLength: 33, []), .badAttributeValue),
        ("prefix length 129 in AF_INET6", body(family: 10, dstLength: 129, []), .badAttributeValue),
    ]

    /// Each malformed body is a NetlinkDecodeError with the expected code, from the message decoder or the
    /// typed route; never a trap.
    @Test(arguments: cases)
    func rejected(name: String, bytes: [UInt8], code: NetlinkDecodeError.Code) {
        do throws(NetlinkDecodeError) {
            var reader = NetlinkReader(bytes)
            let message = try RouteMessage.decode(&reader)
            _ = try IPRoute(message)
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.code == code, "\(name): \(error)")
        }
    }

    /// Every prefix of every captured route datagram decodes or fails with an error; none traps, and a
    /// typed read of whatever decodes does not either.
    @Test func truncationsNeverTrap() throws {
        var errors = 0
        for file in NetlinkFixtures.all where file.hasPrefix("route-show") && file.hasSuffix(".recv.bin") {
            let raw = NetlinkFixtures.bytes(file)
            for cut in 0..<raw.count {
                var bytes = Array(raw[0..<cut])
                // Keep the first length field honest so the message decoder reaches the route body.
                if bytes.count >= 4 { bytes.setNetlink(UInt32(bytes.count), at: 0) }
                do {
                    for message in try NetlinkMessage.decodeAll(bytes) {
                        if case .route(let r) = message.payload { _ = try IPRoute(r) }
                    }
                } catch {
                    errors += 1
                }
            }
        }
        #expect(errors > 100)
    }
}
