// The frames evpnd sends when an address moves to another MAC (a gratuitous ARP, RFC 5227 section 3 / RFC 826; an
// unsolicited Neighbor Advertisement, RFC 4861 section 7.2.6), and the one it reads: an ARP from a local host on
// the SVI. Pure bytes; the daemon's packet socket sends and receives them (Daemon/NeighbourPackets.swift).
//
// Why: with `neigh_suppress` on, the bridge floods neither a host's own gratuitous ARP nor its unsolicited NA to
// the VXLAN port (FRR issue #5154), so hosts behind other switches keep the old MAC until their cache entry ages.
// Each switch that sees an address's MAC change through a remote MAC+IP route announces the new MAC on its own
// ports instead. The frame's Ethernet source is the host's MAC, as the host's own announcement would be.
//
// Gratuitous ARP (42 bytes):
//   Ethernet: dst ff:ff:ff:ff:ff:ff (6) | src MAC (6) | type 0x0806 (2)
//   ARP:      htype 1 (2) | ptype 0x0800 (2) | hlen 6 (1) | plen 4 (1) | oper 1 request (2)
//             sha MAC (6) | spa IP (4) | tha 00:00:00:00:00:00 (6) | tpa IP (4)
// Unsolicited NA (86 bytes):
//   Ethernet: dst 33:33:00:00:00:01 (6) | src MAC (6) | type 0x86dd (2)
//   IPv6:     version 6, class 0, flow 0 (4) | payload length 32 (2) | next header 58 (1) | hop limit 255 (1)
//             src IP (16) | dst ff02::1 (16)
//   ICMPv6:   type 136 (1) | code 0 (1) | checksum (2) | flags R|S|O (4: R as the route says, S = 0, O = 1)
//             target IP (16) | option 2 target link-layer address: type 2 (1) | length 1 (1) | MAC (6)

import BGPWire

public struct NeighbourAnnouncement: Hashable, Sendable, CustomStringConvertible {
    public var vni: UInt32
    /// The SVI it goes out of.
    public var svi: Int32
    public var ip: IPAddress
    public var mac: MACAddress
    /// An IPv6 router (the NA's R flag).
    public var router: Bool

    public init(vni: UInt32, svi: Int32, ip: IPAddress, mac: MACAddress, router: Bool = false) {
        self.vni = vni
        self.svi = svi
        self.ip = ip
        self.mac = mac
        self.router = router
    }

    public var description: String {
        "\(ip.isV4 ? "gratuitous ARP" : "unsolicited NA") \(ip) is-at \(mac) on SVI \(svi) (VNI \(vni))"
    }

    /// The EtherType the frame carries (the packet socket's protocol when it is sent).
    public var etherType: UInt16 { ip.isV4 ? 0x0806 : 0x86dd }

    /// The Ethernet destination (broadcast, or the all-nodes multicast MAC).
    public var destination: MACAddress {
        ip.isV4 ? MACAddress(rawValue: 0xffff_ffff_ffff) : MACAddress(rawValue: 0x3333_0000_0001)
    }

    /// The whole frame, Ethernet header included.
    public var frame: [UInt8] {
        var out = destination.bytes + mac.bytes
        switch ip {
        case .v4(let address):
            out += [0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]
            out += mac.bytes + address.bytes + [0, 0, 0, 0, 0, 0] + address.bytes
        case .v6(let address):
            let allNodes = IPv6Address(high: 0xff02_0000_0000_0000, low: 1)
            var icmp: [UInt8] = [136, 0, 0, 0, (router ? 0x80 : 0) | 0x20, 0, 0, 0]
            icmp += address.bytes + [2, 1] + mac.bytes
            let sum = Self.checksum(source: address, destination: allNodes, icmp)
            icmp[2] = UInt8(sum >> 8)
            icmp[3] = UInt8(sum & 0xff)
            out += [0x86, 0xdd, 0x60, 0, 0, 0, 0, UInt8(icmp.count), 58, 255]
            out += address.bytes + allNodes.bytes + icmp
        }
        return out
    }

    /// The ICMPv6 checksum over the pseudo-header (RFC 8200 section 8.1) and the message.
    static func checksum(source: IPv6Address, destination: IPv6Address, _ message: [UInt8]) -> UInt16 {
        var words: [UInt8] = source.bytes + destination.bytes
        words += [0, 0, UInt8(message.count >> 8), UInt8(message.count & 0xff), 0, 0, 0, 58]
        words += message
        if words.count % 2 == 1 { words.append(0) }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: words.count, by: 2) { sum += UInt32(words[i]) << 8 | UInt32(words[i + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

/// An ARP packet a local host sent, as the SVI received it: who says it has which address.
public struct ObservedARP: Hashable, Sendable {
    public var svi: Int32
    public var ip: IPAddress
    public var mac: MACAddress

    public init(svi: Int32, ip: IPAddress, mac: MACAddress) {
        self.svi = svi
        self.ip = ip
        self.mac = mac
    }

    /// Reads an ARP payload (after the Ethernet header): Ethernet/IPv4, request or reply, its sender's address
    /// and MAC. nil for anything else, or a sender 0.0.0.0 (a probe, RFC 5227: not a claim).
    public init?(svi: Int32, arp bytes: [UInt8]) {
        guard bytes.count >= 28, bytes[0] == 0, bytes[1] == 1, bytes[2] == 0x08, bytes[3] == 0x00, bytes[4] == 6, bytes[5] == 4,
              bytes[6] == 0, bytes[7] == 1 || bytes[7] == 2,
              let mac = MACAddress(bytes: Array(bytes[8..<14])) else { return nil }
        let raw = bytes[14..<18].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard raw != 0 else { return nil }
        self.init(svi: svi, ip: .v4(IPv4Address(rawValue: raw)), mac: mac)
    }
}

extension IPAddress {
    var isV4: Bool {
        if case .v4 = self { return true }
        return false
    }
}
