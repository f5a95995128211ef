// `show evpn vni json` and `show evpn mac vni all json` with FRR 8.4's keys, from the VTEP's reports
// (the mapping here is the one the Daemon does).

import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Testing
import VTEP

@Suite struct ReportTests {
    static func vniList(_ vtep: VTEPState) -> EVPNVNIList {
        EVPNVNIList(vnis: vtep.vniReport().map {
            .init(vni: $0.vni, vxlanIf: $0.vxlanInterface, numMacs: $0.numMacs, remoteVteps: $0.remoteVteps.map(\.description))
        })
    }

    static func macTable(_ vtep: VTEPState) -> EVPNMACTable {
        let reports = vtep.macReport()
        return EVPNMACTable(vnis: vtep.vniReport().map { vni in
            EVPNMACTable.VNI(vni: vni.vni, macs: reports.filter { $0.vni == vni.vni }.map { m in
                switch m.kind {
                case .local(let interface, let vlan):
                    return .local(m.mac.description, intf: interface, vlan: vlan, localSequence: m.localSequence,
                                  remoteSequence: m.remoteSequence, detectionCount: m.detectionCount, isDuplicate: m.isDuplicate)
                case .remote(let vtep):
                    return .remote(m.mac.description, vtep: vtep.description, localSequence: m.localSequence,
                                   remoteSequence: m.remoteSequence, detectionCount: m.detectionCount, isDuplicate: m.isDuplicate)
                }
            })
        })
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func keysAreFRRs() throws {
        var rig = Rig(links: Lab.links(vnis: [100, 200]))
        rig.learn(Lab.mac(1), port: Lab.port(100))
        rig.announce(Lab.remoteIMET(vtep: Lab.vtep2))
        rig.announce(Lab.remoteMAC(Lab.mac(2), vtep: Lab.vtep2, sequence: 3))

        let vnis = try Self.object(try Self.vniList(rig.vtep).jsonText())
        let v100 = try #require(vnis["100"] as? [String: Any])
        #expect(Set(v100.keys) == ["vni", "type", "vxlanIf", "numMacs", "numArpNd", "numRemoteVteps", "tenantVrf", "remoteVteps"])
        #expect(v100["type"] as? String == "L2")
        #expect(v100["vxlanIf"] as? String == "vxlan100")
        #expect(v100["numMacs"] as? Int == 2)
        #expect(v100["numRemoteVteps"] as? Int == 1)
        #expect(v100["remoteVteps"] as? [String] == ["10.0.0.2"])
        #expect(v100["tenantVrf"] as? String == "default")
        let v200 = try #require(vnis["200"] as? [String: Any])
        // As FRR 8.4.4 printed it here for a VNI with no remote VTEP: no "remoteVteps" key.
        #expect(Set(v200.keys) == ["vni", "type", "vxlanIf", "numMacs", "numArpNd", "numRemoteVteps", "tenantVrf"])

        let table = try Self.object(try Self.macTable(rig.vtep).jsonText())
        let t100 = try #require(table["100"] as? [String: Any])
        #expect(t100["numMacs"] as? Int == 2)
        let macs = try #require(t100["macs"] as? [String: Any])
        let local = try #require(macs["02:00:00:00:00:01"] as? [String: Any])
        #expect(Set(local.keys) == ["type", "intf", "localSequence", "remoteSequence", "detectionCount", "isDuplicate"])
        #expect(local["type"] as? String == "local")
        #expect(local["intf"] as? String == "veth100a")
        let remote = try #require(macs["02:00:00:00:00:02"] as? [String: Any])
        #expect(Set(remote.keys) == ["type", "remoteVtep", "localSequence", "remoteSequence", "detectionCount", "isDuplicate"])
        #expect(remote["remoteVtep"] as? String == "10.0.0.2")
        #expect(remote["remoteSequence"] as? Int == 3)
        #expect(remote["isDuplicate"] as? Bool == false)

        // `show evpn mac vni 100 json` is the inner object alone. (Key order is Foundation's: JSON
        // objects are unordered, and Linux's JSONEncoder does not keep the encoding order.)
        let one = try Self.macTable(rig.vtep).jsonText(vni: 100)
        #expect(try Self.object(one)["numMacs"] as? Int == 2)
        // Round trip.
        let decoded = try JSONDecoder().decode(EVPNMACTable.self, from: Data(try Self.macTable(rig.vtep).jsonText().utf8))
        #expect(decoded == Self.macTable(rig.vtep))
        #expect(Self.vniList(rig.vtep).tableText().contains("vxlan100"))
    }
}
