// Nexthop objects against the running kernel, through the Netlink module only: FDB nexthops and a group, a
// batch of MACs pointing at the group, a member leaving the group in one replace (the MAC rows unchanged),
// the events of RTNLGRP_NEXTHOP, deletes. Root and a namespace of the test's own (LabNamespace).
import Testing
@testable import Netlink

@Suite("Live kernel: nexthop objects", .serialized)
struct NexthopLiveKernelTests {
    @Test func fdbGroupsAndMassWithdraw() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let events = try NetlinkSocket(networkNamespace: lab.path, options: NetlinkSocketOptions(groups: [.nexthop], nonBlocking: true))
        let device = try #require(try socket.link(named: "vxlan100")).index
        let vtep2 = InetAddress("10.0.2.2")!, vtep3 = InetAddress("10.0.3.3")!
        let base: UInt32 = 0xE000_0000, group: UInt32 = 0xE100_0000

        let outcomes = try socket.perform([
            .addNexthop(.fdbVTEP(id: base, vtep: vtep2)), .addNexthop(.fdbVTEP(id: base + 1, vtep: vtep3)),
            .addNexthop(.fdbGroup(id: group, members: [base, base + 1])),
        ])
        #expect(outcomes.allSatisfy { $0.isOK }, "\(outcomes)")
        // 500 MACs behind the ES's group.
        let macs = (0..<500).map { EthernetAddress(value: 0x0200_0300_0000 + UInt64($0)) }
        let rows = try socket.perform(macs.map {
            .replaceFDB(FDBEntry(mac: $0, ifindex: device, flags: [.self, .extLearned], state: .reachable, nexthopID: group))
        })
        #expect(rows.allSatisfy { $0.isOK }, "\(rows.filter { !$0.isOK }.prefix(3))")
        let before = try socket.dumpFDB(device: device).filter { $0.nexthopID == group }
        #expect(before.count == 500)
        #expect(before.allSatisfy { $0.destination == nil && $0.flags.contains(.extLearned) })

        let dumped = try socket.dumpNexthops(fdbOnly: true)
        #expect(Set(dumped.map(\.id)) == [base, base + 1, group])
        #expect(dumped.first { $0.id == group }?.members?.map(\.id) == [base, base + 1])
        #expect(try socket.nexthop(id: base + 1)?.gateway == vtep3)
        #expect(try socket.nexthop(id: 12345) == nil)

        // vtep3 leaves the ES: one replace of the group; every MAC row stays as it was.
        _ = try events.readEvents()
        try socket.replaceNexthop(.fdbGroup(id: group, members: [base]))
        #expect(try socket.nexthop(id: group)?.members?.map(\.id) == [base])
        #expect(try socket.dumpFDB(device: device).filter { $0.nexthopID == group }.count == 500)
        var seen: [NetlinkEvent] = []
        for _ in 0..<50 where !seen.contains(where: { if case .newNexthop(let n) = $0 { n.id == group } else { false } }) {
            if case .events(let e) = try events.readEvents() { seen += e }
            _ = try? events.waitReadable(milliseconds: 20)
        }
        #expect(seen.contains(.newNexthop(Nexthop(id: group, target: .group([NexthopGroupMember(id: base)], type: .multipath),
                                                  isFDB: true))))

        // A MAC cannot point at a single nexthop (the kernel insists on a group), said as the kernel's refusal.
        let single = try socket.perform([.replaceFDB(FDBEntry(mac: macs[0], ifindex: device, flags: [.self, .extLearned],
                                                              state: .reachable, nexthopID: base))])
        if case .failed = single[0] {} else { Issue.record("a MAC on a non-group nexthop was accepted: \(single)") }

        // Deleting the group takes the MAC rows that name it with it; then the nexthops go; a second delete is ENOENT.
        try socket.deleteNexthop(id: group)
        #expect(try socket.dumpFDB(device: device).filter { $0.nexthopID == group }.isEmpty)
        try socket.deleteNexthop(id: base)
        try socket.deleteNexthop(id: base + 1)
        #expect(try socket.dumpNexthops().isEmpty)
        do {
            try socket.deleteNexthop(id: base)
            Issue.record("deleting a missing nexthop succeeded")
        } catch {
            guard case .request(let f) = error else { Issue.record("\(error)"); return }
            #expect(f.errno == .ENOENT)
        }
    }
}
