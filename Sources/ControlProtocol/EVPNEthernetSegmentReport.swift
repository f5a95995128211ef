// `show evpn es [detail] [json]` in FRR 8.4's layout (zebra/zebra_evpn_mh.c `zebra_evpn_es_show_entry`,
// `zebra_evpn_es_json_vtep_fill`), checked against FRR 8.4.4's zebra on this machine for a remote ES
// (Tests/InteropTests/RemoteESInteropTests.swift):
//
//   [ { "esi": "03:44:38:39:ff:ff:01:00:00:01", "flags": ["remote"],
//       "vteps": [ { "vtep": "10.0.0.98", "nexthopId": 268435458 }, ... ] } ]
//
// "accessPort" and the "local"/"nonDF" flags are a local ES's; a VTEP's "dfAlgorithm"/"dfPreference" appear
// only when its type-4 route was received (a switch of a shared ES), as in FRR.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct EVPNEthernetSegments: Codable, Hashable, Sendable {
    public struct VTEP: Codable, Hashable, Sendable {
        public var vtep: String
        public var dfAlgorithm: String?
        public var dfPreference: UInt16?
        public var nexthopId: UInt32?

        public init(vtep: String, dfAlgorithm: String? = nil, dfPreference: UInt16? = nil, nexthopId: UInt32? = nil) {
            self.vtep = vtep
            self.dfAlgorithm = dfAlgorithm
            self.dfPreference = dfPreference
            self.nexthopId = nexthopId
        }
    }

    public struct Segment: Codable, Hashable, Sendable {
        public var esi: String
        public var accessPort: String?
        public var flags: [String]
        public var vteps: [VTEP]?

        public init(esi: String, accessPort: String? = nil, flags: [String], vteps: [VTEP]) {
            self.esi = esi
            self.accessPort = accessPort
            self.flags = flags
            self.vteps = vteps.isEmpty ? nil : vteps
        }
    }

    public var segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }

    public func jsonText() throws -> String {
        if segments.isEmpty { return "[\n]" }
        return try vtepJSON(segments)
    }

    /// vtysh's table: `Type: B bypass, L local, R remote, N non-DF`, then ESI, type letters, ES-IF and VTEPs.
    public func tableText() -> String {
        var lines = ["Type: B bypass, L local, R remote, N non-DF",
                     pad("ESI", 30) + " " + pad("Type", 4) + " " + pad("ES-IF", 21) + " VTEPs"]
        for s in segments {
            var type = ""
            if s.flags.contains("local") { type += "L" }
            if s.flags.contains("remote") { type += "R" }
            if s.flags.contains("nonDF") { type += "N" }
            let vteps = (s.vteps ?? []).map(\.vtep).joined(separator: ",")
            lines.append(pad(s.esi, 30) + " " + pad(type, 4) + " " + pad(s.accessPort ?? "-", 21) + " " + vteps)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `show evpn es detail`: one block per ES.
    public func detailText() -> String {
        var lines: [String] = []
        for s in segments {
            lines.append("ESI: \(s.esi)")
            lines.append(" Type: " + [s.flags.contains("local") ? "Local" : nil, s.flags.contains("remote") ? "Remote" : nil]
                .compactMap { $0 }.joined(separator: ","))
            lines.append(" Interface: \(s.accessPort ?? "-")")
            if s.flags.contains("local") { lines.append(" DF status: \(s.flags.contains("nonDF") ? "non-df" : "df")") }
            lines.append(" VTEPs:")
            for v in s.vteps ?? [] {
                var line = "     \(v.vtep)"
                if let a = v.dfAlgorithm, let p = v.dfPreference { line += " df_alg: \(a) df_pref: \(p)" }
                if let n = v.nexthopId { line += " nh: \(n)" }
                lines.append(line)
            }
            lines.append("")
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
}
