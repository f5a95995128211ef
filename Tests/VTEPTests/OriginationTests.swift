// The routes a VTEP originates, byte for byte as BGPWire encodes them (RFC 7432 sections 7.2, 7.3,
// 7.7; RFC 6514 section 5; RFC 9012 section 4.1), and when they come and go.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct OriginationTests {
    static func vni100() -> VNIInstance {
        var allocator = RDIndexAllocator()
        let ports = VNIDiscovery.discover(Lab.links()).ports
        return VNIInstance.resolve(ports, config: Lab.config(), allocator: &allocator)[100]!
    }

    static func nlriBytes(_ route: EVPNRoute) -> [UInt8] {
        var writer = WireWriter()
        route.encode(into: &writer)
        return writer.bytes
    }

    static func communities(_ route: LocalRoute) -> [UInt8] {
        var writer = WireWriter()
        for attribute in route.attributes {
            if case .extendedCommunities(let list) = attribute.value { ExtendedCommunity.encodeList(list, into: &writer) }
        }
        return writer.bytes
    }

    static let rd: [UInt8] = [0x00, 0x01, 10, 0, 0, 1, 0x00, 0x02]           // 10.0.0.1:2, type 1
    static let et8: [UInt8] = [0x03, 0x0c, 0, 0, 0, 0, 0x00, 0x08]           // encapsulation VXLAN
    static let rt100: [UInt8] = [0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100]       // RT 65000:100

    struct MACCase: CustomTestStringConvertible, Sendable {
        var sequence: UInt32
        var sticky: Bool
        var mobility: [UInt8]
        var testDescription: String { "sequence \(sequence) sticky \(sticky)" }
    }

    @Test(arguments: [
        MACCase(sequence: 0, sticky: false, mobility: []),
        MACCase(sequence: 1, sticky: false, mobility: [0x06, 0x00, 0x00, 0x00, 0, 0, 0, 1]),
        MACCase(sequence: 0, sticky: true, mobility: [0x06, 0x00, 0x01, 0x00, 0, 0, 0, 0]),
        MACCase(sequence: 0x01020304, sticky: true, mobility: [0x06, 0x00, 0x01, 0x00, 1, 2, 3, 4]),
    ])
    func macRoute(_ c: MACCase) {
        let route = Origination.macRoute(Self.vni100(), mac: Lab.mac(0xaa), sequence: c.sequence, sticky: c.sticky)
        // Type 2, length 33: RD(8) ESI(10) ETag(4) MAC len(1) MAC(6) IP len(1) Label1(3).
        let expected: [UInt8] = [0x02, 33] + Self.rd + Array(repeating: 0, count: 10) + [0, 0, 0, 0] + [48]
            + [0x02, 0, 0, 0, 0, 0xaa] + [0] + [0x00, 0x00, 100]
        #expect(Self.nlriBytes(route.route) == expected)
        #expect(Self.communities(route) == Self.et8 + Self.rt100 + c.mobility)
        #expect(route.nextHop == Lab.vtep1)
    }

    @Test func imetRoute() {
        let route = Origination.imetRoute(Self.vni100())
        // Type 3, length 17: RD(8) ETag(4) IP len(1) originator(4).
        #expect(Self.nlriBytes(route.route) == [0x03, 17] + Self.rd + [0, 0, 0, 0] + [32, 10, 0, 0, 1])
        #expect(Self.communities(route) == Self.et8 + Self.rt100)
        var pmsi: [UInt8] = []
        for attribute in route.attributes {
            if case .pmsiTunnel(let tunnel) = attribute.value {
                var writer = WireWriter()
                tunnel.encode(into: &writer)
                pmsi = writer.bytes
            }
        }
        // Flags 0, Ingress Replication (6), label = VNI 100, endpoint 10.0.0.1.
        #expect(pmsi == [0x00, 0x06, 0x00, 0x00, 100, 10, 0, 0, 1])
        #expect(route.nextHop == Lab.vtep1)
    }

    @Test func routesFollowTheKernel() {
        var rig = Rig()
        #expect(rig.originated.keys.map(\.routeType) == [3])
        rig.learn(Lab.mac(1), port: Lab.port(100))
        #expect(rig.originated.count == 2)
        #expect(rig.advertisedSequence(Lab.mac(1))! == (0, false))
        // Ages out: withdrawn.
        rig.kernel.age(Lab.mac(1), bridge: Lab.bridge(100))
        rig.flush()
        #expect(rig.advertisedSequence(Lab.mac(1)) == nil)
        // Learned again, then its port goes down: withdrawn (whether or not the bridge flushes first).
        rig.learn(Lab.mac(1), port: Lab.port(100))
        rig.kernel.muted = true
        rig.kernel.setLink(Lab.port(100), up: false)
        rig.kernel.muted = false
        var down = Lab.links()[2]
        down.isUp = false
        rig.send(.linkChanged(down))
        #expect(rig.advertisedSequence(Lab.mac(1)) == nil)
        // The VXLAN device goes down: the IMET route goes too.
        var vxlanDown = Lab.links()[1]
        vxlanDown.isUp = false
        rig.send(.linkChanged(vxlanDown))
        #expect(rig.originated.isEmpty)
    }
}
