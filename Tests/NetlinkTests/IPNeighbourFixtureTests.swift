// IPv4/IPv6 neighbours on the SVI (br100, ifindex 2, 10.1.0.1/24 and fd00:1::1/64), against the bytes
// iproute2 and the kernel exchanged (Tests/Fixtures/netlink/neigh-*, scripts/lab/capture-netlink).

import Testing
@testable import Netlink

@Suite("Fixtures: SVI neighbours") struct IPNeighbourFixtureTests {
    static let remote = EthernetAddress("02:00:00:00:03:01")!

    /// The requests iproute2 sent, decoded, and the same requests built by this module: identical bytes.
    @Test(arguments: [
        ("neigh-replace-svi4", NetlinkRequest.replaceNeighbour(IPNeighbour(
            address: InetAddress("10.1.0.21")!, mac: Self.remote, ifindex: 2, state: .noARP, flags: [.extLearned]))),
        ("neigh-replace-svi6", NetlinkRequest.replaceNeighbour(IPNeighbour(
            address: InetAddress("fd00:1::21")!, mac: remote, ifindex: 2, state: .noARP, flags: [.extLearned, .router]))),
        ("neigh-add-exists", NetlinkRequest.addNeighbour(IPNeighbour(
            address: InetAddress("10.1.0.21")!, mac: Self.remote, ifindex: 2, state: .noARP, flags: [.extLearned]))),
    ])
    func requestMatchesIproute2(capture: String, ours: NetlinkRequest) throws {
        let (theirs, raw) = try NetlinkFixtures.request(capture, type: .newNeighbour)
        guard case .neighbour(let n) = theirs.payload, case .neighbour(let expected) = ours.body else {
            Issue.record("not a neighbour message")
            return
        }
        let decoded = try IPNeighbour(n)
        #expect(decoded == (try IPNeighbour(expected)))
        #expect(theirs.header.flags == ours.flags.union([.request, .ack]))
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw)
    }

    /// `ip neigh del` sends the address alone (no link-layer address, NUD_PERMANENT, no flags); ours too, whatever
    /// the row held.
    @Test func deleteMatchesIproute2() throws {
        let (theirs, raw) = try NetlinkFixtures.request("neigh-del-svi4", type: .delNeighbour)
        let ours = NetlinkRequest.deleteNeighbour(IPNeighbour(address: InetAddress("10.1.0.21")!, mac: Self.remote, ifindex: 2,
                                                               state: .noARP, flags: [.extLearned]))
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw)
    }

    @Test(arguments: [("neigh-add-exists", NetlinkErrno.EEXIST), ("neigh-del-missing", NetlinkErrno.ENOENT)])
    func errorReplies(capture: String, expected: NetlinkErrno) throws {
        let type: NetlinkMessageType = capture == "neigh-del-missing" ? .delNeighbour : .newNeighbour
        let (request, _) = try NetlinkFixtures.request(capture, type: type)
        let reply = try #require(
            try NetlinkFixtures.messages(capture, sent: false).first { $0.header.sequence == request.header.sequence })
        guard case .error(let e) = reply.payload else { Issue.record("not NLMSG_ERROR"); return }
        #expect(e.errno == expected)
    }

    /// The dump of br100 holds the remote rows as installed (noarp extern_learn, router for the IPv6 one) and the
    /// local host's row (stale, no flags).
    @Test func dumpOfTheSVI() throws {
        let rows = try NetlinkFixtures.messages("neigh-show-br100", sent: false).compactMap { m -> IPNeighbour? in
            guard m.header.type == .newNeighbour, case .neighbour(let n) = m.payload, n.family == .inet || n.family == .inet6 else {
                return nil
            }
            return try IPNeighbour(n)
        }
        let byAddress = Dictionary(rows.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let v4 = try #require(byAddress[InetAddress("10.1.0.21")!])
        #expect(v4.mac == Self.remote && v4.ifindex == 2 && v4.state == .noARP && v4.flags == [.extLearned])
        let v6 = try #require(byAddress[InetAddress("fd00:1::21")!])
        #expect(v6.state == .noARP && v6.flags == [.extLearned, .router])
        let local = try #require(byAddress[InetAddress("10.1.0.22")!])
        #expect(local.mac == EthernetAddress("02:00:00:00:03:02") && local.state == .stale && local.flags.isEmpty)
        #expect(local.cacheInfo != nil, "the kernel reports NDA_CACHEINFO")
    }

    /// `ip monitor neigh`: the add and the delete of 10.1.0.23 arrive as IP neighbour events, through the
    /// event reader's datagram decoder (which reads FDB rows on its fast path and these through the typed one).
    /// The kernel reports a delete as two messages: the row going FAILED (no link-layer address, no flags),
    /// then RTM_DELNEIGH.
    @Test func monitorEvents() throws {
        var events: [NetlinkEvent] = []
        for file in NetlinkFixtures.capture("neigh-monitor") where file.hasSuffix(".recv.bin") {
            events += NetlinkEvent.decodeDatagram(NetlinkFixtures.bytes(file))
        }
        let relevant = events.filter {
            switch $0 {
            case .newIPNeighbour(let n), .deletedIPNeighbour(let n): return n.address == InetAddress("10.1.0.23")
            default: return false
            }
        }
        guard relevant.count == 3, case .newIPNeighbour(let added) = relevant[0], case .newIPNeighbour(let failed) = relevant[1],
              case .deletedIPNeighbour(let removed) = relevant[2] else {
            Issue.record("expected an add, a FAILED update and a delete of 10.1.0.23, got \(relevant)")
            return
        }
        #expect(added.mac == EthernetAddress("02:00:00:00:03:03") && added.flags == [.extLearned] && added.state == .noARP)
        #expect(failed.mac == nil && failed.state == .failed && failed.flags.isEmpty)
        #expect(removed.ifindex == 2 && removed.state == .failed)
    }

    @Test func malformedNeighboursAreClearErrors() {
        // NDA_DST missing.
        #expect(throws: NetlinkDecodeError.self) { try IPNeighbour(NeighbourMessage(family: .inet, ifindex: 2)) }
        // An IPv6 address in an AF_INET message.
        let v6 = NeighbourAttribute.dst(InetAddress("fd00:1::21")!).raw
        #expect(throws: NetlinkDecodeError.self) { try IPNeighbour(NeighbourMessage(family: .inet, ifindex: 2, attributes: [v6])) }
        // Not an IP family.
        #expect(throws: NetlinkDecodeError.self) { try IPNeighbour(NeighbourMessage(family: .bridge, ifindex: 2, attributes: [v6])) }
        // A link-layer address that is not Ethernet (a tunnel's): no MAC, not an error.
        let v4 = NeighbourAttribute.dst(InetAddress("10.1.0.9")!).raw
        let shortLL = NeighbourAttribute.lladdr([10, 0, 0, 1]).raw
        #expect((try? IPNeighbour(NeighbourMessage(family: .inet, ifindex: 2, attributes: [v4, shortLL])))?.mac == nil)
    }
}
