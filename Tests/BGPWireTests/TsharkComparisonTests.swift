// `evpnctl decode --json` against tshark, on the captures in Tests/Fixtures: for every message of
// every captured stream, the routes and attributes evpnd decodes must be the ones tshark's BGP
// dissector shows, field by field. tshark is the independent oracle here (Wireshark's dissector
// shares no code with FRR, GoBGP or evpnd).
//
// Without tshark the test fails under CI=true and prints a SKIP line elsewhere.
import Foundation
import Testing

@Suite struct TsharkComparisonTests {
    static var tshark: String? {
        ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var evpnctl: URL {
        // Tests/BGPWireTests/<this file> -> package root -> .build/debug/evpnctl
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/evpnctl")
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    /// One message as tshark shows it, reduced to comparable facts.
    struct Facts: Equatable, CustomStringConvertible {
        var type: Int
        var length: Int
        var attributes: [String] = []
        var routes: [String] = []
        var withdrawn: [String] = []
        var description: String { "type \(type) length \(length)\n  attributes \(attributes)\n  routes \(routes)\n  withdrawn \(withdrawn)" }
    }

    // MARK: tshark's side

    static func tsharkMessages(pcap: URL, tshark: String) throws -> [String: [Facts]] {
        let (status, data) = try run(tshark, ["-r", pcap.path, "-o", "tcp.desegment_tcp_streams:TRUE", "-Y", "bgp",
                                              "-T", "json", "--no-duplicate-keys"])
        guard status == 0, let packets = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw TestFailure("tshark could not read \(pcap.lastPathComponent)")
        }
        var byDirection: [String: [Facts]] = [:]
        for packet in packets {
            guard let layers = (packet["_source"] as? [String: Any])?["layers"] as? [String: Any],
                  let ip = layers["ip"] as? [String: Any], let tcp = layers["tcp"] as? [String: Any] else { continue }
            if let analysis = tcp["tcp.analysis"] as? [String: Any], analysis["tcp.analysis.flags_tree"] != nil,
               String(describing: analysis).contains("retransmission") { continue }
            let direction = "\(ip["ip.src"] ?? "?"):\(tcp["tcp.srcport"] ?? "?")>\(ip["ip.dst"] ?? "?"):\(tcp["tcp.dstport"] ?? "?")"
            for message in list(layers["bgp"]) {
                guard let m = message as? [String: Any] else { continue }
                byDirection[direction, default: []].append(facts(tsharkMessage: m))
            }
        }
        return byDirection
    }

    static func list(_ value: Any?) -> [Any] {
        if let array = value as? [Any] { return array }
        if let value { return [value] }
        return []
    }

    static func string(_ value: Any?) -> String { value.map { "\($0)" } ?? "-" }

    static func facts(tsharkMessage m: [String: Any]) -> Facts {
        var f = Facts(type: Int(string(m["bgp.type"])) ?? -1, length: Int(string(m["bgp.length"])) ?? -1)
        guard f.type == 2 else { return f }
        let attributes = list((m["bgp.update.path_attributes"] as? [String: Any])?["bgp.update.path_attribute"])
        for case let a as [String: Any] in attributes {
            let code = Int(string(a["bgp.update.path_attribute.type_code"])) ?? -1
            switch code {
            case 1: f.attributes.append("origin=\(string(a["bgp.update.path_attribute.origin"]))")
            case 5: f.attributes.append("localpref=\(string(a["bgp.update.path_attribute.local_pref"]))")
            case 4: f.attributes.append("med=\(string(a["bgp.update.path_attribute.multi_exit_disc"]))")
            case 9: f.attributes.append("originator=\(string(a["bgp.update.path_attribute.originator_id"]))")
            case 10:
                let ids = list((a["bgp.path_attribute.cluster_list"] as? [String: Any])?["bgp.path_attribute.cluster_id"])
                f.attributes.append("clusterlist=" + ids.map { string($0) }.joined(separator: ","))
            case 16:
                let communities = list((a["bgp.ext_communities"] as? [String: Any])?["bgp.ext_community"])
                f.attributes.append("extcommunities=" + communities.compactMap { ($0 as? [String: Any]).map(extCommunity) }.joined(separator: ","))
            case 22:
                let id = (a["bgp.update.path_attribute.pmsi.tunnel.id"] as? [String: Any])?["bgp.update.path_attribute.pmsi.ingress_rep_ip"]
                    ?? (a["bgp.update.path_attribute.pmsi.tunnel.id"] as? [String: Any])?["bgp.update.path_attribute.pmsi.ingress_rep_ip6"]
                f.attributes.append("pmsi=type \(string(a["bgp.update.path_attribute.pmsi.tunnel.type"])) id \(string(id))")
            case 14:
                let nextHop = (a["bgp.update.path_attribute.mp_reach_nlri.next_hop_tree"] as? [String: Any]).map {
                    string($0["bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4"] ?? $0["bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6"])
                } ?? "-"
                f.attributes.append("mpreach=\(string(a["bgp.update.path_attribute.mp_reach_nlri.afi"]))/\(string(a["bgp.update.path_attribute.mp_reach_nlri.safi"])) nh \(nextHop)")
                f.routes = list((a["bgp.update.path_attribute.mp_reach_nlri"] as? [String: Any])?["bgp.evpn.nlri"]).compactMap { ($0 as? [String: Any]).map(route(tshark:)) }
            case 15:
                f.attributes.append("mpunreach=\(string(a["bgp.update.path_attribute.mp_unreach_nlri.afi"]))/\(string(a["bgp.update.path_attribute.mp_unreach_nlri.safi"]))")
                f.withdrawn = list((a["bgp.update.path_attribute.mp_unreach_nlri"] as? [String: Any])?["bgp.evpn.nlri"]).compactMap { ($0 as? [String: Any]).map(route(tshark:)) }
            default:
                f.attributes.append("attr\(code)")
            }
        }
        return f
    }

    static func extCommunity(_ c: [String: Any]) -> String {
        let type = string(c["bgp.ext_com.type"])
        if let sub = c["bgp.ext_com.stype_tr_as2"] { return "\(type)/\(string(sub)) rt \(string(c["bgp.ext_com.value_as2"])):\(string(c["bgp.ext_com.value_an4"]))" }
        if let sub = c["bgp.ext_com.stype_tr_as4"] { return "\(type)/\(string(sub)) rt \(string(c["bgp.ext_com.value_as4"])):\(string(c["bgp.ext_com.value_an2"]))" }
        if let sub = c["bgp.ext_com.stype_tr_IP4"] { return "\(type)/\(string(sub)) rt \(string(c["bgp.ext_com.value_IP4"])):\(string(c["bgp.ext_com.value_an2"]))" }
        if c["bgp.ext_com.tunnel_type"] != nil { return "encap \(string(c["bgp.ext_com.tunnel_type"]))" }
        if c["bgp.ext_com_evpn.mmac.seq"] != nil {
            let sticky = ((c["bgp.ext_com_evpn.mmac.flags_tree"] as? [String: Any])?["bgp.ext_com_evpn.mmac.flags.sticky"]).map(string) ?? "0"
            return "mm \(string(c["bgp.ext_com_evpn.mmac.seq"])) sticky \(sticky)"
        }
        if c["bgp.ext_com_evpn.esi.router_mac"] != nil { return "rmac \(string(c["bgp.ext_com_evpn.esi.router_mac"]))" }
        if c["bgp.ext_com_l2.esi_label_flag"] != nil {
            return "esilabel \(string(c["bgp.ext_com_l2.esi_label_flag"])) \(string(c["bgp.update.path_attribute.mpls_label_value"]))"
        }
        return "\(type)/other"
    }

    static func route(tshark r: [String: Any]) -> String {
        // tshark shows the label field as a VNI when it has already seen a VXLAN encapsulation
        // community in the UPDATE, else as an MPLS label (the high 20 bits); compare the latter.
        // Type 5's label is shown whole (24 bits) under another name.
        let label: String
        if let vni = r["bgp.evpn.nlri.vni"].flatMap({ Int(string($0)) }) {
            label = String(vni >> 4)
        } else if let whole = (r["bgp.update.path_attribute.mpls_label"] as? [String: Any])?["bgp.update.path_attribute.mpls_label_value"]
                    .flatMap({ Int(string($0)) }) {
            label = String(whole >> 4)
        } else {
            label = string(r["bgp.evpn.nlri.mpls_ls1"])
        }
        let ip = r["bgp.evpn.nlri.ip.addr"] ?? r["bgp.evpn.nlri.ipv6.addr"]
        let gateway = r["bgp.evpn.nlri.ipv4.gtw_addr"] ?? r["bgp.evpn.nlri.ipv6.gtw_addr"]
        return ["rt \(string(r["bgp.evpn.nlri.rt"]))", "rd \(string(r["bgp.evpn.nlri.rd"]))",
                "esi \(string(r["bgp.evpn.nlri.esi"]))", "etag \(string(r["bgp.evpn.nlri.etag"]))",
                "mac \(string(r["bgp.evpn.nlri.mac_addr"]))", "ip \(string(ip))", "plen \(string(r["bgp.evpn.nlri.prefix_len"]))",
                "gw \(string(gateway))", "label \(label)", "label2 \(string(r["bgp.evpn.nlri.mpls_ls2"]))"].joined(separator: " ")
    }

    // MARK: evpnctl's side

    static func evpnctlMessages(bin: URL) throws -> [Facts] {
        let (status, data) = try run(evpnctl.path, ["decode", "--json", bin.path])
        guard status == 0 else { throw TestFailure("evpnctl decode exited \(status) on \(bin.lastPathComponent)") }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            guard let m = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TestFailure("not a JSON object: \(line)")
            }
            return facts(evpnctlMessage: m)
        }
    }

    static let types = ["OPEN": 1, "UPDATE": 2, "NOTIFICATION": 3, "KEEPALIVE": 4, "ROUTE-REFRESH": 5]

    static func facts(evpnctlMessage m: [String: Any]) -> Facts {
        var f = Facts(type: types[string(m["type"])] ?? -1, length: (m["length"] as? Int) ?? -1)
        guard f.type == 2 else { return f }
        for case let a as [String: Any] in list(m["attributes"]) {
            let code = (a["type"] as? Int) ?? -1
            switch code {
            case 1: f.attributes.append("origin=\(["IGP": 0, "EGP": 1, "incomplete": 2][string(a["value"])].map(String.init) ?? "?")")
            case 5: f.attributes.append("localpref=\(string(a["value"]))")
            case 4: f.attributes.append("med=\(string(a["value"]))")
            case 9: f.attributes.append("originator=\(string(a["value"]))")
            case 10: f.attributes.append("clusterlist=" + list(a["value"]).map { string($0) }.joined(separator: ","))
            case 16: f.attributes.append("extcommunities=" + list(a["raw"]).map { extCommunity(hex: string($0)) }.joined(separator: ","))
            case 22:
                let value = a["value"] as? [String: Any]
                f.attributes.append("pmsi=type \(string(value?["tunnelType"])) id \(string(value?["tunnelId"]))")
            case 14: f.attributes.append("mpreach=\(string(a["afi"]))/\(string(a["safi"])) nh \(string(a["nexthop"]))")
            case 15: f.attributes.append("mpunreach=\(string(a["afi"]))/\(string(a["safi"]))")
            default: f.attributes.append("attr\(code)")
            }
        }
        f.routes = list(m["routes"]).compactMap { ($0 as? [String: Any]).map(route(evpnctl:)) }
        f.withdrawn = list(m["withdrawnRoutes"]).compactMap { ($0 as? [String: Any]).map(route(evpnctl:)) }
        return f
    }

    /// The extended community's 8 octets, rendered with tshark's field choices.
    static func extCommunity(hex: String) -> String {
        let b = stride(from: 0, to: hex.count, by: 2).compactMap { i -> UInt8? in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
        }
        guard b.count == 8 else { return "bad" }
        let type = String(format: "0x%02x", b[0])
        let sub = String(format: "0x%02x", b[1])
        func u16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        func u32(_ i: Int) -> Int { u16(i) << 16 | u16(i + 2) }
        switch (b[0], b[1]) {
        case (0x00, 0x02): return "\(type)/\(sub) rt \(u16(2)):\(u32(4))"
        case (0x02, 0x02): return "\(type)/\(sub) rt \(u32(2)):\(u16(6))"
        case (0x01, 0x02): return "\(type)/\(sub) rt \(b[2]).\(b[3]).\(b[4]).\(b[5]):\(u16(6))"
        case (0x03, 0x0c): return "encap \(u16(6))"
        case (0x06, 0x00): return "mm \(u32(4)) sticky \(b[2] & 1)"
        case (0x06, 0x03): return "rmac " + b[2...].map { String(format: "%02x", $0) }.joined(separator: ":")
        case (0x06, 0x01): return "esilabel \(b[2] & 1) \(Int(b[5]) << 16 | u16(6))"
        default: return "\(type)/other"
        }
    }

    static func route(evpnctl r: [String: Any]) -> String {
        // tshark prints the RD as its 8 octets; evpnctl as FRR does. Rebuild the octets.
        let rdBytes = rdOctets(string(r["rd"]))
        let hasESI = [1, 2, 4, 5].contains((r["routeType"] as? Int) ?? 0)
        let hasTag = [1, 2, 3, 5].contains((r["routeType"] as? Int) ?? 0)
        var ip = string(r["ip"] ?? r["originatorIp"])
        var prefixLength = "-"
        if let prefix = r["ipPrefix"] {
            let parts = string(prefix).split(separator: "/")
            ip = parts.first.map(String.init) ?? "-"
            prefixLength = parts.count == 2 ? String(parts[1]) : "-"
        }
        let label = (r["label"] as? Int).map { String($0 >> 4) } ?? "-"
        let label2 = (r["label2"] as? Int).map { String($0 >> 4) } ?? "-"
        return ["rt \(string(r["routeType"]))", "rd \(rdBytes)", "esi \(hasESI ? string(r["esi"]) : "-")",
                "etag \(hasTag ? string(r["ethTag"]) : "-")", "mac \(string(r["mac"]))", "ip \(ip)", "plen \(prefixLength)",
                "gw \(string(r["gatewayIp"]))", "label \(label)", "label2 \(label2)"].joined(separator: " ")
    }

    /// FRR's RD text back to the 8 octets tshark prints: "IP:N" is type 1, "AS:N" type 0 when
    /// the AS fits 2 octets, else type 2 (a type 2 RD with a small AS would read as type 0; the
    /// captures have none).
    static func rdOctets(_ text: String) -> String {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let number = UInt64(parts[1]) else { return "?" }
        func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
            (0..<count).map { UInt8((value >> UInt64(8 * (count - 1 - $0))) & 0xff) }
        }
        let octets: [UInt8]
        if parts[0].contains(".") {
            octets = [0, 1] + parts[0].split(separator: ".").compactMap { UInt8($0) } + bigEndian(number, 2)
        } else if let asn = UInt64(parts[0]), asn <= 0xffff {
            octets = [0, 0] + bigEndian(asn, 2) + bigEndian(number, 4)
        } else if let asn = UInt64(parts[0]) {
            octets = [0, 2] + bigEndian(asn, 4) + bigEndian(number, 2)
        } else {
            return "?"
        }
        return octets.map { String(format: "%02x", $0) }.joined(separator: ":")
    }

    // MARK: the comparison

    @Test func decodeAgreesWithTsharkOnEveryCapture() throws {
        guard let tshark = Self.tshark else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("tshark is not installed (apt-get install tshark); CI must run this test")
            } else {
                print("SKIP TsharkComparisonTests: tshark is not installed")
            }
            return
        }
        guard FileManager.default.isExecutableFile(atPath: Self.evpnctl.path) else {
            Issue.record("\(Self.evpnctl.path) is missing: run `swift build --build-tests` first")
            return
        }
        let pcaps = Fixtures.streamNames.compactMap { name in name.split(separator: ".").first.map(String.init) }
        let captures = Set(pcaps).sorted()
        #expect(!captures.isEmpty, "no captures in Tests/Fixtures")
        var compared = 0
        for capture in captures {
            let pcap = Fixtures.directory.appendingPathComponent(capture + ".pcap")
            let directions = try Self.tsharkMessages(pcap: pcap, tshark: tshark)
            for bin in Fixtures.streamNames where bin.hasPrefix(capture + ".") {
                let ours = try Self.evpnctlMessages(bin: Fixtures.directory.appendingPathComponent(bin))
                // The direction whose message types and lengths are the stream's.
                let shape = ours.map { [$0.type, $0.length] }
                guard let theirs = directions.values.first(where: { $0.map { [$0.type, $0.length] } == shape }) else {
                    Issue.record("\(bin): no direction in \(capture).pcap has the same \(ours.count) messages")
                    continue
                }
                for (index, (a, b)) in zip(ours, theirs).enumerated() {
                    #expect(a == b, "\(bin) message \(index)")
                }
                compared += ours.count
            }
        }
        print("TsharkComparisonTests: \(compared) messages of \(captures.count) captures agree with tshark")
        #expect(compared > 0)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
