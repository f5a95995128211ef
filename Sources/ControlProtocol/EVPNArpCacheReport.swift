// `show evpn arp-cache vni all|N [json]` in FRR 8.4's layout (zebra/zebra_evpn_neigh.c
// `zebra_evpn_print_neigh_hash`, zebra_vxlan.c `zebra_vxlan_print_neigh_all_vni`), checked against FRR 8.4.4's
// zebra on this machine (Tests/Fixtures/frr-json/vtep1-arp-cache.json):
//
//   show evpn arp-cache vni all json:
//     { "100": { "numArpNd": 2,
//                "10.1.0.11": { "type": "local", "state": "active", "mac": "...",
//                               "localSequence": 0, "remoteSequence": 0, "detectionCount": 0, "isDuplicate": false },
//                "10.1.0.12": { "type": "remote", "state": "active", "mac": "...", "remoteVtep": "10.0.9.2", ... } } }
//   show evpn arp-cache vni 100 json: the inner object alone.
//   "defaultGateway": true appears only for a gateway's address (`advertise-default-gw`), never as false.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct EVPNArpCache: Codable, Hashable, Sendable {
    public struct Neighbour: Codable, Hashable, Sendable {
        public var ip: String
        public var type: String
        public var state: String
        public var mac: String
        public var remoteVtep: String?
        public var defaultGateway: Bool
        public var localSequence: UInt32
        public var remoteSequence: UInt32
        public var detectionCount: Int
        public var isDuplicate: Bool

        enum CodingKeys: String, CodingKey {
            case type, state, mac, remoteVtep, defaultGateway, localSequence, remoteSequence, detectionCount, isDuplicate
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encode(state, forKey: .state)
            try c.encode(mac, forKey: .mac)
            try c.encodeIfPresent(remoteVtep, forKey: .remoteVtep)
            if defaultGateway { try c.encode(true, forKey: .defaultGateway) }
            try c.encode(localSequence, forKey: .localSequence)
            try c.encode(remoteSequence, forKey: .remoteSequence)
            try c.encode(detectionCount, forKey: .detectionCount)
            try c.encode(isDuplicate, forKey: .isDuplicate)
        }

        public init(ip: String, type: String, state: String, mac: String, remoteVtep: String?, defaultGateway: Bool,
                    localSequence: UInt32, remoteSequence: UInt32, detectionCount: Int, isDuplicate: Bool) {
            self.ip = ip
            self.type = type
            self.state = state
            self.mac = mac
            self.remoteVtep = remoteVtep
            self.defaultGateway = defaultGateway
            self.localSequence = localSequence
            self.remoteSequence = remoteSequence
            self.detectionCount = detectionCount
            self.isDuplicate = isDuplicate
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ip = decoder.codingPath.last?.stringValue ?? ""
            type = try c.decode(String.self, forKey: .type)
            state = try c.decode(String.self, forKey: .state)
            mac = try c.decode(String.self, forKey: .mac)
            remoteVtep = try c.decodeIfPresent(String.self, forKey: .remoteVtep)
            defaultGateway = try c.decodeIfPresent(Bool.self, forKey: .defaultGateway) ?? false
            localSequence = try c.decode(UInt32.self, forKey: .localSequence)
            remoteSequence = try c.decode(UInt32.self, forKey: .remoteSequence)
            detectionCount = try c.decode(Int.self, forKey: .detectionCount)
            isDuplicate = try c.decode(Bool.self, forKey: .isDuplicate)
        }
    }

    /// One VNI's table: `{"numArpNd": N, IP: {...}, ...}`.
    public struct VNI: Codable, Hashable, Sendable {
        public var vni: UInt32
        public var neighbours: [Neighbour]

        public init(vni: UInt32, neighbours: [Neighbour]) {
            self.vni = vni
            self.neighbours = neighbours
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: VTEPReportKey.self)
            try container.encode(neighbours.count, forKey: VTEPReportKey("numArpNd"))
            for n in neighbours { try container.encode(n, forKey: VTEPReportKey(n.ip)) }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: VTEPReportKey.self)
            vni = decoder.codingPath.last.flatMap { UInt32($0.stringValue) } ?? 0
            neighbours = try container.allKeys.filter { $0.stringValue != "numArpNd" }
                .map { try container.decode(Neighbour.self, forKey: $0) }.sorted { $0.ip < $1.ip }
        }
    }

    public var vnis: [VNI]

    public init(vnis: [VNI]) { self.vnis = vnis.sorted { $0.vni < $1.vni } }

    public func encode(to encoder: any Encoder) throws { try encodeByVNI(vnis, number: \.vni, to: encoder) }

    public init(from decoder: any Decoder) throws { vnis = try decodeByVNI(from: decoder, number: \.vni) }

    /// `show evpn arp-cache vni all json`.
    public func jsonText() throws -> String { try vtepJSON(self) }

    /// `show evpn arp-cache vni N json`: the one VNI's object alone (an empty object when it is unknown).
    public func jsonText(vni: UInt32) throws -> String {
        try vniJSON(vnis, vni, number: \.vni)
    }

    /// vtysh's `show evpn arp-cache vni all` table.
    public func tableText() -> String {
        vnis.map { "\nVNI \($0.vni) #ARP (IPv4 and IPv6, local and remote) \($0.neighbours.count)\n\n" + Self.rows($0) }.joined()
    }

    /// vtysh's `show evpn arp-cache vni N` table.
    public func tableText(vni: UInt32) -> String {
        guard let one = vnis.first(where: { $0.vni == vni }) else { return "" }
        return "Number of ARPs (local and remote) known for this VNI: \(one.neighbours.count)\n" + Self.rows(one)
    }

    /// zebra's columns (`zebra_evpn_print_neigh_hdr`): the address column as wide as the longest address, at
    /// least 15; no flags shown (no multihoming).
    private static func rows(_ vni: VNI) -> String {
        let width = max(15, vni.neighbours.map(\.ip.count).max() ?? 0)
        var out = "Flags: I=local-inactive, P=peer-active, X=peer-proxy\n"
        out += vtepPad("Neighbor", width) + " " + vtepPad("Type", 6) + " " + vtepPad("Flags", 5) + " " + vtepPad("State", 8) + " "
            + vtepPad("MAC", 17) + " " + vtepPad("Remote ES/VTEP", 30) + " Seq #'s\n"
        for n in vni.neighbours {
            out += vtepPad(n.ip, width) + " " + vtepPad(n.type, 6) + " " + vtepPad("", 5) + " " + vtepPad(n.state, 8) + " "
                + vtepPad(n.mac, 17) + " " + vtepPad(n.remoteVtep ?? "", 30) + " \(n.localSequence)/\(n.remoteSequence)\n"
        }
        return out
    }
}
