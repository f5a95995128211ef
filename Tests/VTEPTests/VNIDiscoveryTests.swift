import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct VNIDiscoveryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var links: [KernelLink]
        /// VNI, VXLAN device, bridge, VTEP.
        var expected: [(UInt32, String, String, String)]
        var problem: String?
        var testDescription: String { name }
    }

    static let v6 = IPAddress("fd00::1")!

    static let cases: [Case] = [
        Case(name: "bridge and vxlan", links: Lab.links(), expected: [(100, "vxlan100", "br100", "10.0.0.1")]),
        Case(name: "vxlan not attached", links: [
            KernelLink(index: 10, name: "br100", kind: .bridge),
            KernelLink(index: 11, name: "vxlan100", kind: .vxlan(.init(vni: 100, local: Lab.vtep1))),
        ], expected: []),
        Case(name: "vxlan under a non-bridge master", links: [
            KernelLink(index: 10, name: "vrf1", kind: .other),
            KernelLink(index: 11, name: "vxlan100", kind: .vxlan(.init(vni: 100, local: Lab.vtep1)), masterIndex: 10),
        ], expected: []),
        Case(name: "learning on", links: Lab.links(learning: true), expected: [(100, "vxlan100", "br100", "10.0.0.1")],
             problem: "learning on"),
        Case(name: "several VNIs", links: Lab.links(vnis: [300, 100, 200]),
             expected: [(100, "vxlan100", "br100", "10.0.0.1"), (200, "vxlan200", "br200", "10.0.0.1"), (300, "vxlan300", "br300", "10.0.0.1")]),
        Case(name: "IPv6 local", links: Lab.links(vtep: v6), expected: [(100, "vxlan100", "br100", "fd00::1")]),
        Case(name: "no local address", links: [
            KernelLink(index: 10, name: "br100", kind: .bridge),
            KernelLink(index: 11, name: "vxlan100", kind: .vxlan(.init(vni: 100, local: nil)), masterIndex: 10),
        ], expected: [], problem: "no local address"),
        Case(name: "same VNI twice", links: Lab.links() + [
            KernelLink(index: 90, name: "vxlan100b", kind: .vxlan(.init(vni: 100, local: Lab.vtep1)), masterIndex: 10),
        ], expected: [(100, "vxlan100", "br100", "10.0.0.1")], problem: "already on vxlan100"),
    ]

    @Test(arguments: cases)
    func discovery(_ c: Case) {
        let (ports, problems) = VNIDiscovery.discover(c.links)
        #expect(ports.map(\.vni) == c.expected.map(\.0))
        #expect(ports.map(\.vxlanName) == c.expected.map(\.1))
        #expect(ports.map(\.bridgeName) == c.expected.map(\.2))
        #expect(ports.map(\.vtep.description) == c.expected.map(\.3))
        if let problem = c.problem {
            #expect(problems.contains { $0.contains(problem) }, "\(problems)")
        } else {
            #expect(problems.isEmpty)
        }
    }

    @Test func automaticRDsAndRTsAreFRRs() {
        // FRR 8.4.4 gave VNIs 100, 200, 300 the RDs 10.0.0.1:2, :3, :4 and RTs 65000:VNI.
        var allocator = RDIndexAllocator()
        let ports = VNIDiscovery.discover(Lab.links(vnis: [100, 200, 300])).ports
        let vnis = VNIInstance.resolve(ports, config: Lab.config(), allocator: &allocator)
        #expect(vnis[100]?.rd.description == "10.0.0.1:2")
        #expect(vnis[200]?.rd.description == "10.0.0.1:3")
        #expect(vnis[300]?.rd.description == "10.0.0.1:4")
        #expect(vnis[200]?.importRouteTargets == [.as2(asn: 65000, number: 200)])
        #expect(vnis[200]?.exportRouteTargets == [.as2(asn: 65000, number: 200)])

        // VNI 200 goes: its index is free for the next VNI; the others keep theirs.
        let without200 = ports.filter { $0.vni != 200 }
        _ = VNIInstance.resolve(without200, config: Lab.config(), allocator: &allocator)
        let with400 = without200 + VNIDiscovery.discover(Lab.links(vnis: [400])).ports
        let again = VNIInstance.resolve(with400, config: Lab.config(), allocator: &allocator)
        #expect(again[100]?.rd.description == "10.0.0.1:2")
        #expect(again[300]?.rd.description == "10.0.0.1:4")
        #expect(again[400]?.rd.description == "10.0.0.1:3")
    }

    @Test func configurationOverridesAndFourByteAS() {
        var config = VTEPConfig(localAS: 4_200_000_001, routerID: IPv4Address(10, 0, 0, 1), vnis: [
            VNIConfig(vni: 100, rd: RouteDistinguisher("65000:7"), importRouteTargets: [.as2(asn: 1, number: 1), .as2(asn: 2, number: 2)],
                      exportRouteTargets: [.as2(asn: 3, number: 3)]),
        ])
        var allocator = RDIndexAllocator()
        let ports = VNIDiscovery.discover(Lab.links(vnis: [100, 200])).ports
        var vnis = VNIInstance.resolve(ports, config: config, allocator: &allocator)
        #expect(vnis[100]?.rd.description == "65000:7")
        #expect(vnis[100]?.rdIndex == nil)
        #expect(vnis[100]?.importRouteTargets == [.as2(asn: 1, number: 1), .as2(asn: 2, number: 2)])
        #expect(vnis[100]?.exportRouteTargets == [.as2(asn: 3, number: 3)])
        // FRR keeps VNI 100's index although its RD is configured: VNI 200 is :3.
        #expect(vnis[200]?.rd.description == "10.0.0.1:3")
        // The automatic RT takes the low 16 bits of a 4-byte AS (FRR's `bgp->as & 0xFFFF`).
        #expect(vnis[200]?.importRouteTargets == [.as2(asn: UInt16(4_200_000_001 & 0xffff), number: 200)])
        config.vnis[100]?.importRouteTargets = []
        vnis = VNIInstance.resolve(ports, config: config, allocator: &allocator)
        #expect(vnis[100]?.importRouteTargets == [.as2(asn: UInt16(4_200_000_001 & 0xffff), number: 100)])
    }

    @Test func aVNIIsInServiceOnlyWhenUpAndAdvertiseAllVNI() {
        var links = Lab.links()
        links[1].isUp = false
        var rig = Rig(links: links)
        #expect(rig.vtep.vnis.isEmpty)
        #expect(rig.vtep.vniReport().map(\.inService) == [false])
        #expect(rig.originated.isEmpty)
        links[1].isUp = true
        rig.send(.linkChanged(links[1]))
        #expect(rig.vtep.vnis.keys.sorted() == [100])
        #expect(rig.originated.keys.map(\.routeType) == [3])

        var off = Lab.config()
        off.advertiseAllVNI = false
        rig.send(.configure(off))
        #expect(rig.vtep.vnis.isEmpty)
        #expect(rig.originated.isEmpty)
    }
}
