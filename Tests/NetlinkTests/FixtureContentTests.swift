// What the captured bytes say, decoded: the fields evpnd relies on, against the setup in
// scripts/lab/capture-netlink (br100; vxlan100 VNI 100 local 10.0.1.1 nolearning; vxlan600 local fd00::1:1; veth0).
import Testing
@testable import Netlink

@Suite("Fixtures: decoded fields")
struct FixtureContentTests {
    let vxlanMAC = EthernetAddress("02:00:00:00:00:a1")!
    let remoteMAC = EthernetAddress("02:00:00:00:01:01")!

    @Test func linkDumpListsTheLab() throws {
        let links = try NetlinkFixtures.links("link-show")
        let byName = Dictionary(links.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byName.keys) == ["lo", "br100", "vxlan100", "vxlan600", "veth0", "veth0p"])
        let bridge = try #require(byName["br100"])
        #expect(bridge.kind == .bridge)
        #expect(bridge.address == EthernetAddress("02:00:00:00:00:b1"))
        let vxlan = try #require(byName["vxlan100"])
        #expect(vxlan.masterIndex == UInt32(bridge.index))
        #expect(vxlan.slaveKind == "bridge")
        #expect(vxlan.vxlan?.vni == 100)
        let veth = try #require(byName["veth0"])
        #expect(veth.kind == .other("veth"))
        #expect(veth.masterIndex == UInt32(bridge.index))
        #expect(veth.isUp)
        #expect(byName["veth0p"]?.masterIndex == nil)
        #expect(byName["lo"]?.kind == LinkKind.none)
        #expect(byName["lo"]?.operState == .unknown)
        #expect(veth.operState == .up)
    }

    @Test func vxlanDetails() throws {
        let vxlan = try #require(try NetlinkFixtures.links("link-show-vxlan100").first { $0.name == "vxlan100" })
        #expect(vxlan.address == vxlanMAC)
        #expect(vxlan.mtu == 1500)
        let info = try #require(vxlan.vxlan)
        #expect(info.vni == 100)
        #expect(info.local == InetAddress("10.0.1.1"))
        #expect(info.learning == false)
        #expect(info.port == 4789)
        #expect(info.underlayIndex == nil)
        #expect(info.local?.description == "10.0.1.1")
    }

    @Test func vxlanIPv6Local() throws {
        let vxlan = try #require(try NetlinkFixtures.links("link-show-vxlan600").first { $0.name == "vxlan600" })
        #expect(vxlan.vxlan?.vni == 600)
        #expect(vxlan.vxlan?.local == InetAddress("fd00::1:1"))
        #expect(vxlan.vxlan?.local?.description == "fd00::1:1")
    }

    @Test func linkAddRequestFromIproute2() throws {
        let (request, _) = try NetlinkFixtures.request("link-add-vxlan200", type: .newLink)
        #expect(request.header.flags == [.request, .ack, .create, .exclusive])
        guard case .link(let l) = request.payload else { Issue.record("not a link message"); return }
        let typed = try l.typedAttributes()
        #expect(typed.contains(.name("vxlan200")))
        let info = try #require(typed.compactMap { if case .linkInfo(let i) = $0 { return i } else { return nil } }.first)
        #expect(info.contains(.kind("vxlan")))
        let data = try #require(info.compactMap { if case .vxlanData(let d) = $0 { return d } else { return nil } }.first)
        #expect(data.contains(.id(200)))
        #expect(data.contains(.local(InetAddress("10.0.1.1")!)))
        #expect(data.contains(.learning(false)))
        #expect(data.contains(.port(4789)))
    }

    /// The FDB requests iproute2 sent, decoded, and the same requests built by this module: identical bytes.
    @Test(arguments: [
        ("fdb-add-self", NetlinkRequest.addFDB(FDBEntry(
            mac: EthernetAddress("02:00:00:00:01:01")!, ifindex: 3, destination: InetAddress("10.0.2.2"),
            flags: [.self, .extLearned], state: [.noARP, .permanent]))),
        ("fdb-add-master", NetlinkRequest.addFDB(FDBEntry(
            mac: EthernetAddress("02:00:00:00:01:01")!, ifindex: 3, flags: [.master, .extLearned], state: [.noARP, .permanent]))),
        ("fdb-replace", NetlinkRequest.replaceFDB(FDBEntry(
            mac: EthernetAddress("02:00:00:00:01:01")!, ifindex: 3, destination: InetAddress("10.0.3.3"),
            flags: [.self, .extLearned], state: [.noARP, .permanent]))),
        ("fdb-append-flood-1", NetlinkRequest.appendFDB(FDBEntry(
            mac: .zero, ifindex: 3, destination: InetAddress("10.0.2.2"), flags: [.self], state: [.noARP, .permanent]))),
        ("fdb-append-flood-2", NetlinkRequest.appendFDB(FDBEntry(
            mac: .zero, ifindex: 3, destination: InetAddress("10.0.3.3"), flags: [.self], state: [.noARP, .permanent]))),
        ("fdb-del", NetlinkRequest.deleteFDB(FDBEntry(
            mac: EthernetAddress("02:00:00:00:01:01")!, ifindex: 3, destination: InetAddress("10.0.3.3"),
            flags: [.self], state: [.noARP, .permanent]))),
    ])
    func fdbRequestMatchesIproute2(capture: String, ours: NetlinkRequest) throws {
        let type: NetlinkMessageType = capture == "fdb-del" ? .delNeighbour : .newNeighbour
        let (theirs, raw) = try NetlinkFixtures.request(capture, type: type)
        // Decoded: the fields.
        guard case .neighbour(let n) = theirs.payload else { Issue.record("not a neighbour message"); return }
        let entry = try FDBEntry(n)
        guard case .fdb(let expected) = ours.body else { return }
        #expect(entry.mac == expected.mac)
        #expect(entry.ifindex == expected.ifindex)
        #expect(entry.destination == expected.destination)
        #expect(entry.flags == expected.flags)
        #expect(theirs.header.flags == ours.flags.union([.request, .ack]))
        // Encoded by us with iproute2's sequence number: the same bytes.
        var bytes: [UInt8] = []
        ours.encode(sequence: theirs.header.sequence, portID: theirs.header.portID, into: &bytes)
        #expect(bytes == raw)
    }

    @Test func acknowledgementOfAnAdd() throws {
        let (request, _) = try NetlinkFixtures.request("fdb-add-self", type: .newNeighbour)
        let replies = try NetlinkFixtures.messages("fdb-add-self", sent: false).filter { $0.header.sequence == request.header.sequence }
        let ack = try #require(replies.first)
        guard case .error(let e) = ack.payload else { Issue.record("not NLMSG_ERROR"); return }
        #expect(e.isAck)
        #expect(e.errno == nil)
        #expect(ack.header.flags.contains(.capped))
        #expect(e.originalHeader.sequence == request.header.sequence)
        #expect(e.originalHeader.type == .newNeighbour)
    }

    @Test(arguments: [("fdb-add-exists", NetlinkErrno.EEXIST), ("fdb-del-missing", NetlinkErrno.ENOENT)])
    func errorReplies(capture: String, expected: NetlinkErrno) throws {
        let type: NetlinkMessageType = capture == "fdb-del-missing" ? .delNeighbour : .newNeighbour
        let (request, raw) = try NetlinkFixtures.request(capture, type: type)
        let reply = try #require(
            try NetlinkFixtures.messages(capture, sent: false).first { $0.header.sequence == request.header.sequence })
        guard case .error(let e) = reply.payload else { Issue.record("not NLMSG_ERROR"); return }
        #expect(e.errno == expected)
        #expect(NetlinkRequestFailure(e).errno == expected)
        // iproute2 does not set NETLINK_CAP_ACK: the whole request is echoed back.
        #expect(!reply.header.flags.contains(.capped))
        #expect(e.originalHeader == request.header)
        #expect(e.originalPayload == Array(raw[16...]))
    }

    @Test func fdbDumpHasWhatZebraWouldInstall() throws {
        let entries = try NetlinkFixtures.fdb("fdb-show")
        // The remote MAC after the replace: dst 10.0.3.3, self extern_learn, on vxlan100 (3).
        let remote = entries.filter { $0.mac == remoteMAC && $0.flags.contains(.self) }
        #expect(remote.count == 1)
        #expect(remote.first?.destination == InetAddress("10.0.3.3"))
        #expect(remote.first?.flags == [.self, .extLearned])
        #expect(remote.first?.ifindex == 3)
        // The bridge row: added with NTF_MASTER, reported by the bridge without NTF_SELF and with NDA_MASTER = br100 (2).
        let row = entries.filter { $0.mac == remoteMAC && $0.isBridgeRow }
        #expect(row.count == 1)
        #expect(row.first?.flags.contains(.extLearned) == true)
        #expect(row.first?.master == 2)
        // Two flood entries, one per VTEP, permanent.
        let flood = entries.filter { $0.mac == .zero }
        #expect(Set(flood.compactMap(\.destination)) == [InetAddress("10.0.2.2")!, InetAddress("10.0.3.3")!])
        #expect(flood.allSatisfy { $0.state.contains(.permanent) && $0.flags.contains(.self) })
    }

    @Test func fdbDumpFilteredByBridge() throws {
        let (request, _) = try NetlinkFixtures.request("fdb-show-br100", type: .getNeighbour)
        #expect(request.header.flags == [.request, .dump])
        guard case .neighbour(let n) = request.payload else { Issue.record("not ndmsg"); return }
        #expect(try n.typedAttributes() == [.master(2)])
        // Our dump request for the same filter is the same message.
        var ours: [UInt8] = []
        NetlinkRequest(type: .getNeighbour, body: .neighbour(NeighbourMessage(family: .bridge, attributes: [NeighbourAttribute.master(2).raw])))
            .encode(sequence: request.header.sequence, portID: 0, extraFlags: [.request, .dump], into: &ours)
        #expect(ours == request.encoded())
        let entries = try NetlinkFixtures.fdb("fdb-show-br100")
        #expect(!entries.isEmpty)
        #expect(entries.contains { $0.mac == remoteMAC })
    }

    @Test func monitorSeesAddThenDelete() throws {
        let events = try NetlinkFixtures.messages("fdb-monitor", sent: false)
            .filter { $0.header.sequence == 0 }
            .map(NetlinkEvent.init)
        let mac = EthernetAddress("02:00:00:00:02:02")!
        let relevant = events.filter {
            switch $0 {
            case .newFDB(let e), .deletedFDB(let e): return e.mac == mac
            default: return false
            }
        }
        #expect(relevant.count == 2)
        guard relevant.count == 2, case .newFDB(let added) = relevant[0], case .deletedFDB(let deleted) = relevant[1] else {
            Issue.record("expected an add then a delete: \(relevant)")
            return
        }
        #expect(added.destination == InetAddress("10.0.2.2"))
        #expect(added.flags == [.self, .extLearned])
        #expect(added.cacheInfo != nil)
        #expect(deleted.destination == InetAddress("10.0.2.2"))
    }
}
