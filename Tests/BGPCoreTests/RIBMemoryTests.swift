// What a route costs: 100,000 type-2 routes from 10 reflector clients and non-clients (10,000 each,
// one attribute set per peer, as VTEPs send them), held in the Adj-RIB-In, the Loc-RIB and the
// Adj-RIB-Out of two update groups. The figure is printed (resident memory before and after, from
// /proc/self/statm: Swift's Glibc module does not export mallinfo2), not asserted against a time;
// the assertion is only a generous ceiling. It slightly overcounts (the test's own UPDATEs are in it),
// and a lot when other tests run beside it: read it from `swift test --filter RIBMemory` (about 235).

@testable import BGPCore
import BGPWire
import Glibc
import Testing

@Suite struct RIBMemoryTests {
    static func negotiated(_ id: IPv4Address) -> NegotiatedSession {
        NegotiatedSession(peerAS: 65000, peerIdentifier: id, holdTime: 9, keepaliveInterval: 3, families: [.l2vpnEVPN],
                          fourOctetAS: true, extendedMessages: false, addPathReceive: [], addPathSend: [], routeRefresh: true,
                          enhancedRouteRefresh: false, peerGracefulRestart: nil, extendedNextHop: [], peerHostname: nil, peerDomain: nil)
    }

    /// Resident octets of this process (the second field of /proc/self/statm, in pages).
    static func resident() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, 256, file) != nil else { return 0 }
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test func bytesPerRoute() {
        let peers = 10, perPeer = 10_000
        let before = Self.resident()
        var rib = RIB(localAS: 65000, routerID: IPv4Address(10, 0, 0, 1), clusterID: IPv4Address(10, 0, 0, 1))
        for p in 0..<peers {
            let address = IPv4Address(10, 0, 1, UInt8(p + 1))
            let id = PeerID(.v4(address))
            rib.peerUp(id, negotiated: Self.negotiated(address),
                       config: PeerConfig(address: .v4(address), remoteAS: .internal, routeReflectorClient: p % 2 == 0), localAS: 65000)
            let rd = RouteDistinguisher.ipv4(address, 100)
            var nlri: [EVPNNLRI] = []
            for m in 0..<perPeer {
                let mac = MACAddress(rawValue: 0x02_00_00_00_00_00 | UInt64(p) << 24 | UInt64(m))
                nlri.append(EVPNNLRI(route: .macIP(MACIPAdvertisementRoute(rd: rd, mac: mac, label1: MPLSLabelField(vni: 100)))))
            }
            let attributes = [PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty)), PathAttribute(.localPref(100)),
                              PathAttribute(.extendedCommunities([.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)])),
                              PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: nlri, nextHop: .v4(address))))]
            _ = rib.receive(UpdateMessage(attributes: attributes), from: id)
        }
        let after = Self.resident()
        let routes = peers * perPeer
        let perRoute = Double(after - before) / Double(routes)
        print("RIB memory: \(routes) routes from \(peers) peers, \(rib.interner.count) attribute sets, "
              + "\(Int(perRoute)) bytes/route (Adj-RIB-In + Loc-RIB + 2 update groups' Adj-RIB-Out + dirty sets)")
        #expect(rib.table.count == routes)
        #expect(rib.received(from: PeerID(.v4(IPv4Address(10, 0, 1, 1)))) == perPeer)
        #expect(rib.groups.filter { !$0.members.isEmpty }.count == 2)
        #expect(perRoute < 600)
        withExtendedLifetime(rib) {}
    }
}
