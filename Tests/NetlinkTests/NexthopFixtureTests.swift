// Nexthop objects (FDB nexthops per remote VTEP, FDB groups per remote ES, gateway nexthops and a weighted group
// for unicast ECMP) and FDB rows pointing at a group, against the bytes iproute2 and the kernel exchanged
// (Tests/Fixtures/netlink/nh-*, `CAPTURE_ONLY=nh- scripts/lab/capture-netlink`). veth0p is ifindex 5 and
// vxlan100 ifindex 3 in that namespace.

import Testing
@testable import Netlink

@Suite("Fixtures: nexthop objects") struct NexthopFixtureTests {
    static let vtep2 = InetAddress("10.0.2.2")!
    static let vtep3 = InetAddress("10.0.3.3")!

    static func nexthops(_ capture: String) throws -> [Nexthop] {
        try NetlinkFixtures.messages(capture, sent: false).compactMap { m in
            guard m.header.type == .newNexthop, case .nexthop(let n) = m.payload else { return nil }
            return try Nexthop(n)
        }
    }

    /// The requests `ip nexthop` sent, and the same requests built by this module: identical bytes, same flags.
    @Test(arguments: [
        ("nh-add-fdb4", NetlinkRequest.addNexthop(.fdbVTEP(id: 1, vtep: Self.vtep2))),
        ("nh-add-fdb6", NetlinkRequest.addNexthop(.fdbVTEP(id: 2, vtep: InetAddress("fd00::2:2")!))),
        ("nh-add-group-fdb", NetlinkRequest.addNexthop(.fdbGroup(id: 10, members: [1, 3]))),
        ("nh-add-group-fdb6", NetlinkRequest.addNexthop(.fdbGroup(id: 11, members: [2]))),
        ("nh-add-exists", NetlinkRequest.addNexthop(.fdbVTEP(id: 1, vtep: Self.vtep2))),
        ("nh-add-gateway", NetlinkRequest.addNexthop(Nexthop(id: 20, target: .gateway(InetAddress("10.9.0.2")!, device: 5)))),
        ("nh-add-group-weighted", NetlinkRequest.addNexthop(Nexthop(
            id: 30, target: .group([NexthopGroupMember(id: 20), NexthopGroupMember(id: 21, weight: 2)], type: .multipath)))),
        ("nh-add-blackhole", NetlinkRequest.addNexthop(Nexthop(id: 40, target: .blackhole))),
        ("nh-replace-group", NetlinkRequest.replaceNexthop(.fdbGroup(id: 10, members: [1]))),
        ("nh-del", NetlinkRequest.deleteNexthop(id: 40)),
        ("nh-del-missing", NetlinkRequest.deleteNexthop(id: 40)),
    ])
    func requestMatchesIproute2(capture: String, ours: NetlinkRequest) throws {
        let (theirs, raw) = try NetlinkFixtures.request(capture, type: ours.type)
        #expect(theirs.header.flags == ours.flags.union([.request, .ack]))
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw, "\(capture)")
        // And iproute2's request reads back as the nexthop we meant (a delete carries only the id).
        if case .nexthop(let theirMessage) = theirs.payload, case .nexthop(let ourMessage) = ours.body, ours.type == .newNexthop {
            #expect(try Nexthop(theirMessage) == (try Nexthop(ourMessage)))
        }
    }

    /// `ip nexthop get id 10` asks with the id alone (and no NLM_F_ACK; evpnd's `nexthop(id:)` asks for one as
    /// every transaction does) and gets the group as replaced (1 member) back.
    @Test func getOneGroup() throws {
        let (theirs, raw) = try NetlinkFixtures.request("nh-get", type: .getNexthop)
        let ours = NetlinkRequest(type: .getNexthop, body: .nexthop(NexthopMessage(attributes: [NexthopAttribute.id(10).raw])))
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, extraFlags: [.request], into: &bytes)
        #expect(bytes == raw)
        #expect(try Self.nexthops("nh-get") == [.fdbGroup(id: 10, members: [1])])
    }

    /// The dump holds every object as the kernel keeps it: FDB nexthops of both families with link scope, FDB
    /// groups, a gateway on its device, the weighted group with its weights, the blackhole; the kernel's
    /// NHA_OP_FLAGS (6.12+) read and kept.
    @Test func dump() throws {
        let all = try Self.nexthops("nh-show")
        let byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byID.keys) == [1, 2, 3, 10, 11, 20, 21, 30, 40])
        #expect(byID[1]?.target == .gateway(Self.vtep2, device: nil) && byID[1]?.isFDB == true && byID[1]?.scope == 253)
        #expect(byID[2]?.gateway == InetAddress("fd00::2:2") && byID[2]?.isFDB == true)
        #expect(byID[10]?.members == [NexthopGroupMember(id: 1)] && byID[10]?.isFDB == true)
        #expect(byID[11]?.members == [NexthopGroupMember(id: 2)])
        #expect(byID[20]?.target == .gateway(InetAddress("10.9.0.2")!, device: 5) && byID[20]?.isFDB == false)
        #expect(byID[30]?.members == [NexthopGroupMember(id: 20), NexthopGroupMember(id: 21, weight: 2)])
        #expect(byID[30]?.isFDB == false)
        #expect(byID[40]?.target == .blackhole)
        let groupMessage = try #require(try NetlinkFixtures.messages("nh-show", sent: false).compactMap { m -> NexthopMessage? in
            guard case .nexthop(let n) = m.payload, try Nexthop(n).id == 10 else { return nil }
            return n
        }.first)
        #expect(try groupMessage.typedAttributes().contains { if case .opFlags = $0 { return true } else { return false } })
    }

    @Test(arguments: [("nh-add-exists", NetlinkErrno.EEXIST, NetlinkMessageType.newNexthop),
                      ("nh-del-missing", NetlinkErrno.ENOENT, NetlinkMessageType.delNexthop)])
    func errorReplies(capture: String, expected: NetlinkErrno, type: NetlinkMessageType) throws {
        let (request, _) = try NetlinkFixtures.request(capture, type: type)
        let reply = try #require(
            try NetlinkFixtures.messages(capture, sent: false).first { $0.header.sequence == request.header.sequence })
        guard case .error(let e) = reply.payload else { Issue.record("not NLMSG_ERROR"); return }
        #expect(e.errno == expected)
    }

    /// `bridge fdb replace MAC dev vxlan100 nhid 10 self extern_learn`: NDA_NH_ID and no NDA_DST; ours is the
    /// same bytes, and the dump of vxlan100 reports the row with its group, through both event decoders alike.
    @Test func fdbRowOnAGroup() throws {
        let mac = EthernetAddress("02:00:00:00:01:02")!
        let ours = NetlinkRequest.replaceFDB(FDBEntry(mac: mac, ifindex: 3, flags: [.self, .extLearned],
                                                      state: [.noARP, .permanent], nexthopID: 10))
        let (theirs, raw) = try NetlinkFixtures.request("nh-fdb-replace", type: .newNeighbour)
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw)
        // The typed message path (FDBEntry.message) writes the same attributes as the batch path.
        guard case .neighbour(let n) = theirs.payload, case .fdb(let entry) = ours.body else { Issue.record("not FDB"); return }
        #expect(entry.message.attributes == n.attributes)
        let row = try #require(try NetlinkFixtures.fdb("nh-fdb-show").first { $0.mac == mac })
        #expect(row.nexthopID == 10 && row.destination == nil && row.flags.contains(.extLearned))
        for file in NetlinkFixtures.capture("nh-fdb-show") where file.hasSuffix(".recv.bin") {
            let datagram = NetlinkFixtures.bytes(file)
            let typed = try NetlinkMessage.decodeAll(datagram).filter { $0.header.type == .newNeighbour }.map(NetlinkEvent.init)
            #expect(NetlinkEvent.decodeDatagram(datagram).filter { if case .newFDB = $0 { true } else { false } }
                    == typed.filter { if case .newFDB = $0 { true } else { false } })
        }
    }

    /// `ip monitor nexthop`: the VTEP nexthop and the group arrive, deleting the member reports it gone and the
    /// group anew without it (one event, however many FDB rows point at the group), then the group goes.
    @Test func monitorEvents() throws {
        var events: [NetlinkEvent] = []
        for file in NetlinkFixtures.capture("nh-monitor") where file.hasSuffix(".recv.bin") {
            events += NetlinkEvent.decodeDatagram(NetlinkFixtures.bytes(file))
        }
        let nexthopEvents = events.filter {
            switch $0 { case .newNexthop, .deletedNexthop: true; default: false }
        }
        let vtep5 = Nexthop(id: 50, target: .gateway(InetAddress("10.0.5.5")!, device: nil), isFDB: true, scope: 253)
        #expect(nexthopEvents == [
            .newNexthop(vtep5),
            .newNexthop(.fdbGroup(id: 51, members: [1, 50])),
            .deletedNexthop(vtep5),
            .newNexthop(.fdbGroup(id: 51, members: [1])),
            .deletedNexthop(.fdbGroup(id: 51, members: [1])),
        ])
    }
}

@Suite("Nexthop codec") struct NexthopCodecTests {
    /// Weights above 256 use the kernel's weight_high octet (6.12+); every weight survives a round trip.
    @Test(arguments: [1, 2, 255, 256, 257, 300, 65536] as [UInt32])
    func groupWeights(weight: UInt32) throws {
        let nexthop = Nexthop(id: 7, target: .group([NexthopGroupMember(id: 3, weight: weight)], type: .resilient))
        var bytes: [UInt8] = []
        nexthop.message.encode(into: &bytes)
        var reader = NetlinkReader(bytes)
        #expect(try Nexthop(NexthopMessage.decode(&reader)) == nexthop)
    }

    @Test(arguments: [
        // NHA_GROUP of 7 bytes
        ([RawAttribute(type: 1, payload: [1, 0, 0, 0]), RawAttribute(type: 2, payload: [1, 0, 0, 0, 0, 0, 0])], NetlinkDecodeError.Code.badAttributeValue),
        // no NHA_ID
        ([RawAttribute(type: 6, payload: [10, 0, 2, 2]), RawAttribute(type: 11, payload: [])], .missingAttribute),
        // an id and nothing to forward to
        ([RawAttribute(type: 1, payload: [1, 0, 0, 0])], .missingAttribute),
        // NHA_FDB flag with a payload
        ([RawAttribute(type: 1, payload: [1, 0, 0, 0]), RawAttribute(type: 11, payload: [1, 0, 0, 0])], .badAttributeValue),
        // NHA_GATEWAY of 5 bytes
        ([RawAttribute(type: 1, payload: [1, 0, 0, 0]), RawAttribute(type: 6, payload: [10, 0, 2, 2, 9])], .badAttributeValue),
        // NHA_ID of 2 bytes
        ([RawAttribute(type: 1, payload: [1, 0])], .badAttributeValue),
    ])
    func malformed(attributes: [RawAttribute], code: NetlinkDecodeError.Code) {
        #expect(throws: NetlinkDecodeError.self) { try Nexthop(NexthopMessage(attributes: attributes)) }
        do {
            _ = try Nexthop(NexthopMessage(attributes: attributes))
        } catch {
            #expect(error.code == code)
        }
    }

    /// A notification cut anywhere is an error value for the event reader (never a trap), never a nexthop.
    @Test func truncatedNotifications() throws {
        let datagram = NetlinkFixtures.meaningful(NetlinkFixtures.bytes("nh-get.02.recv.bin"))
        #expect(!datagram.isEmpty)
        for cut in 1..<datagram.count {
            let events = NetlinkEvent.decodeDatagram(Array(datagram[0..<cut]))
            #expect(events.count == 1, "cut at \(cut)")
            if case .malformed = events.first {} else { Issue.record("cut at \(cut): \(events)") }
        }
        #expect(NetlinkEvent.decodeDatagram(datagram) == [.newNexthop(.fdbGroup(id: 10, members: [1]))])
    }
}
