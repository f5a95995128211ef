// `show bgp l2vpn evpn summary [json]` in FRR 8.4's layout (bgpd/bgp_vty.c, bgp_show_summary), checked against
// `vtysh -c 'show bgp l2vpn evpn summary json'` of FRR 8.4.4 on this machine. Keys and their order are FRR's, so
// scripts written against vtysh read evpnd unchanged.

// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct BGPSummary: Codable, Hashable, Sendable {
    public struct Peer: Codable, Hashable, Sendable {
        public var remoteAs: UInt32
        public var localAs: UInt32
        public var version: Int = 4
        public var msgRcvd: UInt64
        public var msgSent: UInt64
        public var tableVersion: UInt64 = 0
        public var outq: Int = 0
        public var inq: Int = 0
        /// "never", "HH:MM:SS", "XdYYhZZm" or "XXwYdZZh" (FRR's peer_uptime).
        public var peerUptime: String
        public var peerUptimeMsec: UInt64
        /// Seconds since 1970 when the session came up; only while Established.
        public var peerUptimeEstablishedEpoch: UInt64?
        public var pfxRcd: UInt64
        public var pfxSnt: UInt64
        public var state: String
        public var peerState: String = "OK"
        public var connectionsEstablished: UInt64
        public var connectionsDropped: UInt64
        public var lastResetDueTo: String?
        public var hostname: String?
        public var desc: String?
        public var dynamicPeer: Bool?
        public var idType: String
        /// evpnd only (FRR has no such key): RFC 7606 counts, present once the peer sent something malformed.
        public var updateErrors: UpdateErrors?
        /// evpnd's: the state of the BFD session guarding this neighbor ("up", "down", "init", "admin-down" as
        /// `show bfd peers` says), absent when no BFD session guards it. FRR shows it only in `show bgp neighbors`.
        public var bfdStatus: String?
        /// evpnd only: routes of this peer not used, by reason (BGPSummary+Drops.swift); absent when none.
        public var routesDropped: RoutesDropped?

        public init(remoteAs: UInt32, localAs: UInt32, msgRcvd: UInt64, msgSent: UInt64, peerUptime: String,
                    peerUptimeMsec: UInt64, peerUptimeEstablishedEpoch: UInt64?, pfxRcd: UInt64, pfxSnt: UInt64,
                    state: String, peerState: String = "OK", connectionsEstablished: UInt64, connectionsDropped: UInt64,
                    lastResetDueTo: String?, hostname: String?, desc: String?, dynamicPeer: Bool?, idType: String) {
            self.remoteAs = remoteAs
            self.localAs = localAs
            self.msgRcvd = msgRcvd
            self.msgSent = msgSent
            self.peerUptime = peerUptime
            self.peerUptimeMsec = peerUptimeMsec
            self.peerUptimeEstablishedEpoch = peerUptimeEstablishedEpoch
            self.pfxRcd = pfxRcd
            self.pfxSnt = pfxSnt
            self.state = state
            self.peerState = peerState
            self.connectionsEstablished = connectionsEstablished
            self.connectionsDropped = connectionsDropped
            self.lastResetDueTo = lastResetDueTo
            self.hostname = hostname
            self.desc = desc
            self.dynamicPeer = dynamicPeer
            self.idType = idType
        }
    }

    public var routerId: String
    public var `as`: UInt32
    public var vrfId: Int = 0
    public var vrfName: String = "default"
    public var tableVersion: UInt64 = 0
    public var ribCount: Int = 0
    public var ribMemory: Int = 0
    public var peerCount: Int
    public var peerMemory: Int = 0
    public var peerGroupCount: Int
    public var peerGroupMemory: Int = 0
    public var peers: [String: Peer]
    public var failedPeers: Int
    public var displayedPeers: Int
    public var totalPeers: Int
    public var dynamicPeers: Int
    public var bestPath: BestPath = BestPath()
    /// evpnd only: every peer's dropped routes added up (BGPSummary+Drops.swift); absent when none.
    public var routesDropped: RoutesDropped?

    /// FRR's `bestPath` object (`bgp bestpath as-path multipath-relax` is off).
    public struct BestPath: Codable, Hashable, Sendable {
        public var multiPathRelax: String = "false"
        public init() {}
    }

    public init(routerId: String, as asn: UInt32, peerGroupCount: Int, peers: [String: Peer]) {
        self.routerId = routerId
        self.as = asn
        self.peerGroupCount = peerGroupCount
        self.peers = peers
        peerCount = peers.count
        failedPeers = peers.values.filter { $0.state != "Established" }.count
        displayedPeers = peers.count
        totalPeers = peers.count
        dynamicPeers = peers.values.filter { $0.dynamicPeer == true }.count
    }

    enum CodingKeys: String, CodingKey {
        case routerId, `as`, vrfId, vrfName, tableVersion, ribCount, ribMemory, peerCount, peerMemory, peerGroupCount,
             peerGroupMemory, peers, failedPeers, displayedPeers, totalPeers, dynamicPeers, bestPath, routesDropped
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        routerId = try container.decode(String.self, forKey: .routerId)
        self.as = try container.decode(UInt32.self, forKey: .as)
        vrfId = try container.decodeIfPresent(Int.self, forKey: .vrfId) ?? 0
        vrfName = try container.decodeIfPresent(String.self, forKey: .vrfName) ?? "default"
        tableVersion = try container.decodeIfPresent(UInt64.self, forKey: .tableVersion) ?? 0
        ribCount = try container.decodeIfPresent(Int.self, forKey: .ribCount) ?? 0
        ribMemory = try container.decodeIfPresent(Int.self, forKey: .ribMemory) ?? 0
        peerCount = try container.decode(Int.self, forKey: .peerCount)
        peerMemory = try container.decodeIfPresent(Int.self, forKey: .peerMemory) ?? 0
        peerGroupCount = try container.decodeIfPresent(Int.self, forKey: .peerGroupCount) ?? 0
        peerGroupMemory = try container.decodeIfPresent(Int.self, forKey: .peerGroupMemory) ?? 0
        peers = try container.decode([String: Peer].self, forKey: .peers)
        failedPeers = try container.decodeIfPresent(Int.self, forKey: .failedPeers) ?? 0
        displayedPeers = try container.decodeIfPresent(Int.self, forKey: .displayedPeers) ?? peers.count
        totalPeers = try container.decodeIfPresent(Int.self, forKey: .totalPeers) ?? peers.count
        dynamicPeers = try container.decodeIfPresent(Int.self, forKey: .dynamicPeers) ?? 0
        bestPath = try container.decodeIfPresent(BestPath.self, forKey: .bestPath) ?? BestPath()
        routesDropped = try container.decodeIfPresent(RoutesDropped.self, forKey: .routesDropped)
    }

    struct AddressKey: CodingKey {
        var stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Peers in address order, as FRR lists them, rather than a dictionary's arbitrary order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(routerId, forKey: .routerId)
        try container.encode(self.as, forKey: .as)
        try container.encode(vrfId, forKey: .vrfId)
        try container.encode(vrfName, forKey: .vrfName)
        try container.encode(tableVersion, forKey: .tableVersion)
        try container.encode(ribCount, forKey: .ribCount)
        try container.encode(ribMemory, forKey: .ribMemory)
        try container.encode(peerCount, forKey: .peerCount)
        try container.encode(peerMemory, forKey: .peerMemory)
        // FRR writes the peer group keys only when there are peer groups.
        if peerGroupCount > 0 {
            try container.encode(peerGroupCount, forKey: .peerGroupCount)
            try container.encode(peerGroupMemory, forKey: .peerGroupMemory)
        }
        var peersContainer = container.nestedContainer(keyedBy: AddressKey.self, forKey: .peers)
        for address in sortedAddresses {
            if let peer = peers[address] { try peersContainer.encode(peer, forKey: AddressKey(stringValue: address)) }
        }
        try container.encode(failedPeers, forKey: .failedPeers)
        try container.encode(displayedPeers, forKey: .displayedPeers)
        try container.encode(totalPeers, forKey: .totalPeers)
        try container.encode(dynamicPeers, forKey: .dynamicPeers)
        try container.encode(bestPath, forKey: .bestPath)
        try container.encodeIfPresent(routesDropped, forKey: .routesDropped)
    }

    /// IPv4 before IPv6, each in numeric order.
    public var sortedAddresses: [String] {
        peers.keys.sorted { addressSortKey($0).lexicographicallyPrecedes(addressSortKey($1)) }
    }

    /// FRR's JSON text (pretty-printed, as vtysh prints it).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// vtysh's table.
    public func tableText() -> String {
        var lines: [String] = []
        lines.append("BGP router identifier \(routerId), local AS number \(self.as) vrf-id \(vrfId)")
        lines.append("BGP table version \(tableVersion)")
        lines.append("RIB entries \(ribCount), using \(ribMemory) bytes of memory")
        lines.append("Peers \(peerCount), using \(peerMemory / 1024) KiB of memory")
        if peerGroupCount > 0 { lines.append("Peer groups \(peerGroupCount), using \(peerGroupMemory) bytes of memory") }
        lines.append("")
        lines.append("Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc")
        for address in sortedAddresses {
            guard let p = peers[address] else { continue }
            var name = address
            if p.dynamicPeer == true { name = "*" + name }
            let neighbor = name.count < 16 ? pad(name, 16, left: true) : name + "\n" + String(repeating: " ", count: 16)
            let stateOrPrefixes = p.state == "Established" ? String(p.pfxRcd) : p.state
            lines.append(neighbor + "4" + " " + pad(String(p.remoteAs), 10) + " " + pad(String(p.msgRcvd), 9) + " "
                         + pad(String(p.msgSent), 9) + " " + pad(String(p.tableVersion), 8) + " " + pad(String(p.inq), 4)
                         + " " + pad(String(p.outq), 4) + " " + pad(p.peerUptime, 8) + " " + pad(stateOrPrefixes, 12)
                         + " " + pad(String(p.pfxSnt), 8) + " " + (p.desc.map { String($0.prefix(20)) } ?? "N/A"))
        }
        let guarded = sortedAddresses.compactMap { address in peers[address]?.bfdStatus.map { (address, $0) } }
        if !guarded.isEmpty {
            lines.append("")
            lines.append("BFD: " + guarded.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("Total number of neighbors \(totalPeers)")
        return lines.joined(separator: "\n")
    }
}

func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    guard text.count < width else { return text }
    let spaces = String(repeating: " ", count: width - text.count)
    return left ? text + spaces : spaces + text
}

func addressSortKey(_ address: String) -> [UInt32] {
    if address.contains(":") {
        // IPv6 after every IPv4; groups compared as written (the daemon prints RFC 5952 text).
        return [1] + address.split(separator: ":", omittingEmptySubsequences: false).map { UInt32($0, radix: 16) ?? 0 }
    }
    return [0] + address.split(separator: ".").map { UInt32($0) ?? 0 }
}

/// FRR's peer_uptime text: "never" before the first session, then "HH:MM:SS" under a day,
/// "XdYYhZZm" under a week, "XXwYdZZh" after.
public func frrUptime(milliseconds: UInt64?) -> String {
    guard let milliseconds else { return "never" }
    let seconds = milliseconds / 1000
    let minute: UInt64 = 60, hour = 60 * minute, day = 24 * hour, week = 7 * day
    func two(_ n: UInt64) -> String { n < 10 ? "0\(n)" : "\(n)" }
    if seconds < day {
        return "\(two(seconds / hour)):\(two(seconds % hour / minute)):\(two(seconds % minute))"
    }
    if seconds < week {
        return "\(seconds / day)d\(two(seconds % day / hour))h\(two(seconds % hour / minute))m"
    }
    return "\(two(seconds / week))w\(seconds % week / day)d\(two(seconds % day / hour))h"
}
