// Which kernel rows are local MACs of VNI 100 (bridge 10, vxlan 11, ports 12 and 13).

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct LocalLearningTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var row: KernelFDBEntry
        var local: Bool
        var sticky = false
        var testDescription: String { name }
    }

    static let m = Lab.mac(0x42)

    static let cases: [Case] = [
        Case(name: "learned on a port", row: KernelFDBEntry(mac: m, ifindex: 12, master: 10), local: true),
        Case(name: "learned on a port, VLAN", row: KernelFDBEntry(mac: m, ifindex: 13, master: 10, vlan: 1), local: true),
        Case(name: "static on a port (FRR advertises it, not sticky)",
             row: KernelFDBEntry(mac: m, ifindex: 12, master: 10, state: .noARP), local: true),
        Case(name: "sticky on a port", row: KernelFDBEntry(mac: m, ifindex: 12, master: 10, flags: [.sticky], state: .noARP),
             local: true, sticky: true),
        Case(name: "a port's own address (permanent)", row: KernelFDBEntry(mac: m, ifindex: 12, master: 10, state: .permanent),
             local: false),
        Case(name: "the bridge's own address", row: KernelFDBEntry(mac: m, ifindex: 10, master: 10, state: .permanent), local: false),
        Case(name: "bridge self row", row: KernelFDBEntry(mac: m, ifindex: 10, flags: [.self], state: .permanent), local: false),
        Case(name: "extern_learn on the VXLAN device (a remote MAC)",
             row: KernelFDBEntry(mac: m, ifindex: 11, master: 10, flags: [.extLearned]), local: false),
        Case(name: "learned by the VXLAN data plane (learning on)", row: KernelFDBEntry(mac: m, ifindex: 11, master: 10), local: false),
        Case(name: "extern_learn on a port", row: KernelFDBEntry(mac: m, ifindex: 12, master: 10, flags: [.extLearned]), local: false),
        Case(name: "VXLAN device self row", row: KernelFDBEntry(mac: m, ifindex: 11, destination: Lab.vtep2, flags: [.self]),
             local: false),
        Case(name: "a bridge evpnd does not manage", row: KernelFDBEntry(mac: m, ifindex: 52, master: 50), local: false),
        Case(name: "a port that is down", row: KernelFDBEntry(mac: m, ifindex: 14, master: 10), local: false),
    ]

    static func links() -> [KernelLink] {
        Lab.links() + [
            KernelLink(index: 14, name: "vethdown", masterIndex: 10, isUp: false),
            KernelLink(index: 50, name: "br-other", kind: .bridge),
            KernelLink(index: 52, name: "veth-other", masterIndex: 50),
        ]
    }

    @Test(arguments: cases)
    func fromDump(_ c: Case) {
        let rig = Rig(links: Self.links(), rows: [c.row])
        let report = rig.mac(Self.m)
        #expect((report != nil) == c.local)
        #expect((rig.advertisedSequence(Self.m) != nil) == c.local)
        if c.local {
            #expect(report?.sticky == c.sticky)
            #expect(rig.advertisedSequence(Self.m)?.sticky == c.sticky)
        }
    }

    @Test(arguments: cases)
    func fromEvents(_ c: Case) {
        var rig = Rig(links: Self.links())
        rig.send(.fdbAdded(c.row))
        #expect((rig.mac(Self.m) != nil) == c.local)
        rig.send(.fdbRemoved(c.row))
        #expect(rig.mac(Self.m) == nil)
        #expect(rig.advertisedSequence(Self.m) == nil)
    }

    @Test func aLocalMoveBetweenPortsKeepsTheRoute() {
        var rig = Rig()
        rig.learn(Self.m, port: 12)
        let before = rig.originated
        rig.learn(Self.m, port: 13)
        #expect(rig.mac(Self.m)?.kind == .local(interface: "veth100b", vlan: nil))
        #expect(rig.originated == before)
    }
}
