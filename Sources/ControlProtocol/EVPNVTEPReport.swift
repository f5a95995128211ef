// `show evpn vni [json]` and `show evpn mac vni all|N [json]` in FRR 8.4's layout (zebra/zebra_vxlan.c
// `zebra_evpn_print_hash`, zebra/zebra_evpn_mac.c `zebra_evpn_print_mac_hash`), checked against FRR
// 8.4.4's zebra on this machine:
//
//   show evpn vni json:
//     { "100": { "vni": 100, "type": "L2", "vxlanIf": "vxlan100", "numMacs": 1, "numArpNd": 0,
//                "numRemoteVteps": 1, "tenantVrf": "default", "remoteVteps": ["10.0.0.2"] }, ... }
//     ("remoteVteps" only when there is one)
//   show evpn mac vni all json:
//     { "100": { "numMacs": 2, "macs": {
//         "aa:bb:cc:00:00:01": { "type": "local", "intf": "veth1", "vlan": 10, "localSequence": 0,
//                                "remoteSequence": 0, "detectionCount": 0, "isDuplicate": false },
//         "aa:bb:cc:00:00:02": { "type": "remote", "remoteVtep": "10.0.0.2", "localSequence": 0,
//                                "remoteSequence": 1, "detectionCount": 0, "isDuplicate": false } } } }
//     ("vlan" only when not 0); `show evpn mac vni 100 json` is the inner object alone.

// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct EVPNVNIList: Codable, Hashable, Sendable {
    public struct VNI: Codable, Hashable, Sendable {
        public var vni: UInt32
        public var type: String
        public var vxlanIf: String
        public var numMacs: Int
        public var numArpNd: Int
        public var numRemoteVteps: Int
        public var tenantVrf: String
        public var remoteVteps: [String]?

        public init(vni: UInt32, vxlanIf: String, numMacs: Int, numArpNd: Int = 0, remoteVteps: [String]) {
            self.vni = vni
            type = "L2"
            self.vxlanIf = vxlanIf
            self.numMacs = numMacs
            self.numArpNd = numArpNd
            numRemoteVteps = remoteVteps.count
            tenantVrf = "default"
            self.remoteVteps = remoteVteps.isEmpty ? nil : remoteVteps
        }
    }

    public var vnis: [VNI]

    public init(vnis: [VNI]) { self.vnis = vnis.sorted { $0.vni < $1.vni } }

    public func encode(to encoder: any Encoder) throws { try encodeByVNI(vnis, number: \.vni, to: encoder) }

    public init(from decoder: any Decoder) throws { vnis = try decodeByVNI(from: decoder, number: \.vni) }

    public func jsonText() throws -> String { try vtepJSON(self) }

    /// vtysh's `show evpn vni` table.
    public func tableText() -> String {
        var lines = [vtepPad("VNI", 10) + " " + vtepPad("Type", 4) + " " + vtepPad("VxLAN IF", 21) + " " + vtepPad("# MACs", 8) + " "
                     + vtepPad("# ARPs", 8) + " " + vtepPad("# Remote VTEPs", 15) + " Tenant VRF"]
        for v in vnis {
            lines.append(vtepPad(String(v.vni), 10) + " " + vtepPad(v.type, 4) + " " + vtepPad(v.vxlanIf, 21) + " " + vtepPad(String(v.numMacs), 8)
                         + " " + vtepPad(String(v.numArpNd), 8) + " " + vtepPad(String(v.numRemoteVteps), 15) + " " + v.tenantVrf)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

public struct EVPNMACTable: Codable, Hashable, Sendable {
    public struct MAC: Codable, Hashable, Sendable {
        public var mac: String
        public var type: String
        public var intf: String?
        public var vlan: UInt16?
        public var remoteVtep: String?
        /// A remote MAC behind an Ethernet Segment: its ESI, in place of `remoteVtep` (zebra_evpn_mac.c).
        public var remoteEs: String? = nil
        public var localSequence: UInt32
        public var remoteSequence: UInt32
        public var detectionCount: Int
        public var isDuplicate: Bool

        public static func local(_ mac: String, intf: String, vlan: UInt16?, localSequence: UInt32, remoteSequence: UInt32,
                                 detectionCount: Int, isDuplicate: Bool) -> MAC {
            MAC(mac: mac, type: "local", intf: intf, vlan: vlan == 0 ? nil : vlan, remoteVtep: nil, localSequence: localSequence,
                remoteSequence: remoteSequence, detectionCount: detectionCount, isDuplicate: isDuplicate)
        }

        public static func remote(_ mac: String, vtep: String, localSequence: UInt32, remoteSequence: UInt32,
                                  detectionCount: Int, isDuplicate: Bool) -> MAC {
            MAC(mac: mac, type: "remote", intf: nil, vlan: nil, remoteVtep: vtep, localSequence: localSequence,
                remoteSequence: remoteSequence, detectionCount: detectionCount, isDuplicate: isDuplicate)
        }

        enum CodingKeys: String, CodingKey {
            case type, intf, vlan, remoteVtep, remoteEs, localSequence, remoteSequence, detectionCount, isDuplicate
        }

        public init(mac: String, type: String, intf: String?, vlan: UInt16?, remoteVtep: String?, localSequence: UInt32,
                    remoteSequence: UInt32, detectionCount: Int, isDuplicate: Bool) {
            self.mac = mac
            self.type = type
            self.intf = intf
            self.vlan = vlan
            self.remoteVtep = remoteVtep
            self.localSequence = localSequence
            self.remoteSequence = remoteSequence
            self.detectionCount = detectionCount
            self.isDuplicate = isDuplicate
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            mac = decoder.codingPath.last?.stringValue ?? ""
            type = try c.decode(String.self, forKey: .type)
            intf = try c.decodeIfPresent(String.self, forKey: .intf)
            vlan = try c.decodeIfPresent(UInt16.self, forKey: .vlan)
            remoteVtep = try c.decodeIfPresent(String.self, forKey: .remoteVtep)
            remoteEs = try c.decodeIfPresent(String.self, forKey: .remoteEs)
            localSequence = try c.decode(UInt32.self, forKey: .localSequence)
            remoteSequence = try c.decode(UInt32.self, forKey: .remoteSequence)
            detectionCount = try c.decode(Int.self, forKey: .detectionCount)
            isDuplicate = try c.decode(Bool.self, forKey: .isDuplicate)
        }
    }

    /// One VNI's table: `{"numMacs": N, "macs": {MAC: {...}}}`.
    public struct VNI: Codable, Hashable, Sendable {
        public var vni: UInt32
        public var macs: [MAC]

        public init(vni: UInt32, macs: [MAC]) {
            self.vni = vni
            self.macs = macs
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: VTEPReportKey.self)
            try container.encode(macs.count, forKey: VTEPReportKey("numMacs"))
            var inner = container.nestedContainer(keyedBy: VTEPReportKey.self, forKey: VTEPReportKey("macs"))
            for mac in macs { try inner.encode(mac, forKey: VTEPReportKey(mac.mac)) }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: VTEPReportKey.self)
            vni = decoder.codingPath.last.flatMap { UInt32($0.stringValue) } ?? 0
            let inner = try container.nestedContainer(keyedBy: VTEPReportKey.self, forKey: VTEPReportKey("macs"))
            macs = try inner.allKeys.map { try inner.decode(MAC.self, forKey: $0) }.sorted { $0.mac < $1.mac }
        }
    }

    public var vnis: [VNI]

    public init(vnis: [VNI]) { self.vnis = vnis.sorted { $0.vni < $1.vni } }

    public func encode(to encoder: any Encoder) throws { try encodeByVNI(vnis, number: \.vni, to: encoder) }

    public init(from decoder: any Decoder) throws { vnis = try decodeByVNI(from: decoder, number: \.vni) }

    /// `show evpn mac vni all json`.
    public func jsonText() throws -> String { try vtepJSON(self) }

    /// `show evpn mac vni N json`: the one VNI's object alone (an empty object when it is unknown).
    public func jsonText(vni: UInt32) throws -> String {
        try vniJSON(vnis, vni, number: \.vni)
    }

    /// vtysh's `show evpn mac vni all` table.
    public func tableText() -> String {
        var out = ""
        for v in vnis {
            out += "\nVNI \(v.vni) #MACs (local and remote) \(v.macs.count)\n\n"
            out += "Flags: N=sync-neighs, I=local-inactive, P=peer-active, X=peer-proxy\n"
            out += vtepPad("MAC", 17) + " " + vtepPad("Type", 6) + " " + vtepPad("Flags", 5) + " " + vtepPad("Intf/Remote ES/VTEP", 30) + " "
                + vtepPad("VLAN", 5) + " Seq #'s\n"
            for m in v.macs {
                out += vtepPad(m.mac, 17) + " " + vtepPad(m.type, 6) + " " + vtepPad("", 5) + " " + vtepPad(m.intf ?? m.remoteVtep ?? m.remoteEs.map { "ES: " + $0 } ?? "-", 30) + " "
                    + vtepPad(m.vlan.map(String.init) ?? "", 5) + " \(m.localSequence)/\(m.remoteSequence)\n"
            }
        }
        return out
    }
}

struct VTEPReportKey: CodingKey {
    var stringValue: String
    init(_ string: String) { stringValue = string }
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

func vtepPad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

/// Pretty-printed JSON, as vtysh prints it (key order is whatever Foundation gives: JSON objects are unordered).
/// zebra's per-VNI reports (`show evpn vni|mac|arp-cache ... json`) are one object keyed by each VNI's number.
func encodeByVNI<V: Encodable>(_ vnis: [V], number: (V) -> UInt32, to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: VTEPReportKey.self)
    for vni in vnis { try container.encode(vni, forKey: VTEPReportKey(String(number(vni)))) }
}

func decodeByVNI<V: Decodable>(from decoder: any Decoder, number: (V) -> UInt32) throws -> [V] {
    let container = try decoder.container(keyedBy: VTEPReportKey.self)
    return try container.allKeys.map { try container.decode(V.self, forKey: $0) }.sorted { number($0) < number($1) }
}

/// `... vni N json`: the one VNI's object alone (an empty object when it is unknown).
func vniJSON<V: Encodable>(_ vnis: [V], _ vni: UInt32, number: (V) -> UInt32) throws -> String {
    guard let one = vnis.first(where: { number($0) == vni }) else { return "{\n}" }
    return try vtepJSON(one)
}

func vtepJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
