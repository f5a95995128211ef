// The datapath filters of EVPN multihoming on a Linux bridge (RFC 7432 section 8.5, RFC 8365 section 8.3.1),
// as the nftables ruleset evpnd wants: pure, from a plain input the DF election fills in.
//
// - Non-DF: on a VNI where this switch is not the DF for an ES, overlay BUM traffic (a frame that came in
//   from the VNI's VXLAN port with the group bit set in its destination MAC: broadcast or multicast) never
//   leaves through the ES port. Rule in `table bridge evpnd`, chain `forward`:
//     iifname VXLAN oifname PORT ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 drop
// - Local bias split horizon: BUM traffic that came over VXLAN from another switch attached to the same ES
//   never leaves through that ES port (that switch delivered it into the ES itself). The bridge sees only
//   the inner frame, so the outer source address is carried across the decapsulation in skb->mark: a
//   prerouting chain in `table inet evpnd` marks VXLAN packets (UDP to the VXLAN port) from each ES peer
//   with the peer's number in evpnd's mark field (bits 16-23, the rest of the mark kept), the mark
//   survives the decapsulation in the same namespace (checked on this kernel, docs/DECISIONS.md), and
//     meta mark & 0x00ff0000 == PEER << 16 oifname PORT ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 drop
//   drops it at the bridge's forward hook.
// - Unknown unicast: the bridge forwards a flooded unicast frame exactly like a known one, so no rule can
//   tell them apart; unicast frames are never dropped (known unicast from a peer over VXLAN must reach the
//   ES: it is the redirect of a peer whose own ES link is down). docs/MULTIHOMING.md says what that leaves.
//
// Both tables are evpnd's own; the script replaces them in one nft transaction (declare, delete, define).

import BGPWire

public struct DatapathFilterInput: Hashable, Sendable {
    /// One local Ethernet Segment as the datapath needs it.
    public struct Segment: Hashable, Sendable {
        /// The ES's bridge port (`interface IFNAME`).
        public var port: String
        /// The underlay addresses of the other switches attached to this ES (their type-4 originators).
        public var peers: Set<IPAddress>
        /// Per VNI on the ES: its VXLAN device and whether this switch is the DF for it.
        public var vnis: [VNI]

        public init(port: String, peers: Set<IPAddress>, vnis: [VNI]) {
            self.port = port
            self.peers = peers
            self.vnis = vnis
        }
    }

    public struct VNI: Hashable, Sendable {
        public var vni: UInt32
        public var vxlanDevice: String
        public var designatedForwarder: Bool

        public init(vni: UInt32, vxlanDevice: String, designatedForwarder: Bool) {
            self.vni = vni
            self.vxlanDevice = vxlanDevice
            self.designatedForwarder = designatedForwarder
        }
    }

    public var segments: [Segment]
    /// The UDP destination port of the VXLAN devices (4789 unless configured otherwise).
    public var vxlanUDPPorts: Set<UInt16>

    public init(segments: [Segment], vxlanUDPPorts: Set<UInt16> = [4789]) {
        self.segments = segments
        self.vxlanUDPPorts = vxlanUDPPorts
    }
}

public struct DatapathFilterPlan: Hashable, Sendable {
    public static let bridgeTable = "evpnd"
    public static let inetTable = "evpnd"
    /// evpnd's part of skb->mark: the number of the ES peer a VXLAN packet came from.
    public static let markMask: UInt32 = 0x00ff_0000
    public static let markShift: UInt32 = 16
    public static let maximumPeers = 255

    public enum Rule: Hashable, Sendable {
        /// Overlay BUM from `vxlanDevice` is not sent out of `port` (this switch is not the DF for `vni`).
        case nonDF(port: String, vni: UInt32, vxlanDevice: String)
        /// BUM that came from ES peer number `peer` is not sent out of `port` (local bias).
        case splitHorizon(port: String, peer: Int, address: IPAddress)
    }

    public struct PlanError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The ES peers and their numbers (1...255), in address order so the numbering is stable.
    public private(set) var peerNumbers: [IPAddress: Int] = [:]
    public private(set) var rules: [Rule] = []
    public let vxlanUDPPorts: [UInt16]

    /// The plan for `input`. Throws on an interface name nft could not take or more than 255 ES peers.
    public init(_ input: DatapathFilterInput) throws {
        vxlanUDPPorts = input.vxlanUDPPorts.sorted()
        let peers = Set(input.segments.flatMap(\.peers)).sorted()
        guard peers.count <= Self.maximumPeers else {
            throw PlanError(description: "\(peers.count) ES peers: the mark field numbers at most \(Self.maximumPeers)")
        }
        for (index, peer) in peers.enumerated() { peerNumbers[peer] = index + 1 }
        for segment in input.segments.sorted(by: { $0.port < $1.port }) {
            try Self.check(interface: segment.port)
            for vni in segment.vnis.sorted(by: { $0.vni < $1.vni }) where !vni.designatedForwarder {
                try Self.check(interface: vni.vxlanDevice)
                rules.append(.nonDF(port: segment.port, vni: vni.vni, vxlanDevice: vni.vxlanDevice))
            }
            for peer in segment.peers.sorted() {
                guard let number = peerNumbers[peer] else { continue }
                rules.append(.splitHorizon(port: segment.port, peer: number, address: peer))
            }
        }
    }

    /// No filter at all: evpnd's tables are removed rather than left empty.
    public var isEmpty: Bool { rules.isEmpty }

    /// A Linux interface name (IFNAMSIZ: 15 bytes, no '/', no whitespace), and nothing that could end a
    /// quoted nft string.
    static func check(interface name: String) throws {
        let bad = name.isEmpty || name.utf8.count > 15 || name == "." || name == ".."
            || name.unicodeScalars.contains { $0 == "/" || $0 == "\"" || $0 == "\\" || $0.properties.isWhitespace || $0.value < 0x20 }
        if bad { throw PlanError(description: "interface name \"\(name)\" cannot be used in an nft rule") }
    }

    static let groupBit = "ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00"

    static func mark(peer: Int) -> String { "0x" + String(UInt32(peer) << markShift, radix: 16) }

    /// The rule lines of the bridge table's forward chain.
    public var bridgeRules: [String] {
        rules.map { rule in
            switch rule {
            case .nonDF(let port, let vni, let vxlan):
                return "iifname \"\(vxlan)\" oifname \"\(port)\" \(Self.groupBit) counter drop comment \"non-DF vni \(vni)\""
            case .splitHorizon(let port, let peer, let address):
                return "meta mark & 0x\(String(Self.markMask, radix: 16)) == \(Self.mark(peer: peer)) oifname \"\(port)\" "
                    + "\(Self.groupBit) counter drop comment \"local bias \(address)\""
            }
        }
    }

    /// The rule lines of the inet table's prerouting chain: mark VXLAN packets from each ES peer.
    public var markRules: [String] {
        let ports = vxlanUDPPorts.count == 1 ? "\(vxlanUDPPorts[0])" : "{ " + vxlanUDPPorts.map(String.init).joined(separator: ", ") + " }"
        return peerNumbers.sorted { $0.value < $1.value }.map { peer, number in
            let family = if case .v4 = peer { "ip" } else { "ip6" }
            let keep = String(~Self.markMask, radix: 16)
            return "\(family) saddr \(peer) udp dport \(ports) meta mark set meta mark & 0x\(keep) | \(Self.mark(peer: number))"
        }
    }

    /// One nft transaction that makes evpnd's tables exactly this plan (or removes them when it is empty):
    /// each table is declared (a no-op when it exists), deleted and, unless empty, defined anew.
    public var nftScript: String {
        var lines = Self.removalLines
        guard !isEmpty else { return lines.joined(separator: "\n") + "\n" }
        lines.append("table bridge \(Self.bridgeTable) {")
        lines.append("\tchain forward {")
        lines.append("\t\ttype filter hook forward priority filter; policy accept;")
        lines += bridgeRules.map { "\t\t" + $0 }
        lines.append("\t}")
        lines.append("}")
        if !markRules.isEmpty {
            lines.append("table inet \(Self.inetTable) {")
            lines.append("\tchain underlay {")
            lines.append("\t\ttype filter hook prerouting priority raw; policy accept;")
            lines += markRules.map { "\t\t" + $0 }
            lines.append("\t}")
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Removes evpnd's tables (and nothing else), whether they exist or not.
    public static var removalScript: String { removalLines.joined(separator: "\n") + "\n" }

    static var removalLines: [String] {
        ["table bridge \(bridgeTable)", "delete table bridge \(bridgeTable)",
         "table inet \(inetTable)", "delete table inet \(inetTable)"]
    }
}
