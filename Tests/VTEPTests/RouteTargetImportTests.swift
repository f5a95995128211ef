import BGPCore
import BGPWire
import Testing
import VTEP

/// Which remote routes VNI 100 of a VTEP in AS 65000 imports (RouteTargetImport.swift): the automatic target
/// from any AS (FRR's masked comparison), configured targets exactly, `*:N` from any AS, RFC 8365's format.
@Suite struct RouteTargetImportTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var config: VTEPConfig
        var target: RouteTarget
        var imported: Bool
        var testDescription: String { name }
    }

    static func config(_ vni: VNIConfig? = nil, rfc8365: Bool = false) -> VTEPConfig {
        var config = VTEPConfig(localAS: 65000, routerID: IPv4Address(10, 0, 0, 1), vnis: vni.map { [$0] } ?? [])
        config.autoRouteTargetRFC8365 = rfc8365
        return config
    }

    static let rfc8365Number: UInt32 = 0x1000_0000 | 100

    static let cases: [Case] = [
        Case(name: "automatic: our own AS", config: config(), target: .as2(asn: 65000, number: 100), imported: true),
        Case(name: "automatic: another 2-octet AS", config: config(), target: .as2(asn: 65001, number: 100), imported: true),
        Case(name: "automatic: a 4-octet AS (type 2)", config: config(), target: .as4(asn: 4_200_000_001, number: 100), imported: true),
        Case(name: "automatic: an address administrator", config: config(), target: .ipv4(IPv4Address(10, 9, 9, 9), number: 100), imported: true),
        Case(name: "automatic: another VNI's number", config: config(), target: .as2(asn: 65001, number: 200), imported: false),
        Case(name: "configured: exact only, same AS", config: config(VNIConfig(vni: 100, importRouteTargets: [.as2(asn: 65000, number: 1100)])),
             target: .as2(asn: 65000, number: 1100), imported: true),
        Case(name: "configured: exact only, another AS", config: config(VNIConfig(vni: 100, importRouteTargets: [.as2(asn: 65000, number: 1100)])),
             target: .as2(asn: 65001, number: 1100), imported: false),
        Case(name: "configured: replaces the automatic target", config: config(VNIConfig(vni: 100, importRouteTargets: [.as2(asn: 65000, number: 1100)])),
             target: .as2(asn: 65001, number: 100), imported: false),
        Case(name: "*:N from any AS", config: config(VNIConfig(vni: 100, importAnyAS: [1100])),
             target: .as2(asn: 65009, number: 1100), imported: true),
        Case(name: "*:N replaces the automatic target", config: config(VNIConfig(vni: 100, importAnyAS: [1100])),
             target: .as2(asn: 65000, number: 100), imported: false),
        Case(name: "rfc8365: its format from another AS", config: config(rfc8365: true),
             target: .as2(asn: 65001, number: rfc8365Number), imported: true),
        Case(name: "rfc8365: the plain AS:VNI is not it", config: config(rfc8365: true),
             target: .as2(asn: 65001, number: 100), imported: false),
        Case(name: "plain: rfc8365's format is not AS:VNI", config: config(),
             target: .as2(asn: 65001, number: rfc8365Number), imported: false),
    ]

    @Test(arguments: cases)
    func importDecision(_ c: Case) {
        var rig = Rig(config: c.config)
        var path = Lab.remoteMAC(Lab.mac(7), vtep: Lab.vtep2)
        path.extendedCommunities = [.encapsulation(.vxlan), .routeTarget(c.target)]
        rig.announce(path)
        #expect((rig.remoteRows()[Lab.mac(7)] == Lab.vtep2) == c.imported, "\(rig.remoteRows())")
        // A route no VNI imports is named, with its peer, for the drop reason `routeTargetNotImported`.
        #expect(rig.vtep.routesNotImported == (c.imported ? [:] : [EVPNRouteKey(path.route): PeerID(.v4(IPv4Address(10, 0, 0, 100)))]))
    }

    @Test func rfc8365ExportTarget() {
        // RFC 8365 section 5.1.2.1: A = 0, TYPE = 1 (VXLAN), D-ID = 0, then the VNI; after the low 16 bits of the AS.
        #expect(VNIDiscovery.autoRouteTarget(localAS: 4_200_000_001, vni: 100, rfc8365: true)
                == .as2(asn: UInt16(4_200_000_001 & 0xffff), number: 0x1000_0064))
        #expect(VNIDiscovery.autoRouteTarget(localAS: 65000, vni: 100) == .as2(asn: 65000, number: 100))
    }
}
