// The TTL of eBGP sessions and FRR's connected check (bgpd/bgp_fsm.c `bgp_start`, bgp_network.c):
//   - an eBGP session is single-hop unless `neighbor X ebgp-multihop [N]`: its packets leave with TTL 1, so a
//     peer behind a router never sees them; with ebgp-multihop they leave with N (255 when no N is given);
//   - a single-hop eBGP peer must be on a subnet of one of our interfaces, unless `neighbor X
//     disable-connected-check` (a directly connected router's loopback: TTL 1 still reaches it, since a packet
//     delivered locally is not forwarded). Otherwise evpnd does not connect, as FRR does not, and says why;
//   - `ttl-security hops` (GTSM, SessionSecurity.swift) sends with 255 and wins over both.
// iBGP sessions keep the kernel's default TTL.

import BGPWire
import Config
import Glibc

extension ResolvedNeighbor {
    /// Whether this neighbor is eBGP for a speaker in `localAS`.
    func isExternal(localAS: UInt32) -> Bool {
        switch remoteAS {
        case .external: return true
        case .internal: return false
        case .number(let n): return n != localAS
        }
    }

    /// The outgoing TTL of its session: nil for iBGP and GTSM (which sets its own), else 1 or `ebgp-multihop`.
    func ebgpTTL(localAS: UInt32) -> Int32? {
        guard isExternal(localAS: localAS), ttlSecurityHops == nil else { return nil }
        return Int32(ebgpMultihop ?? 1)
    }

    /// Single-hop eBGP without `disable-connected-check`: the peer must be on a connected subnet.
    func requiresConnectedPeer(localAS: UInt32) -> Bool {
        ebgpTTL(localAS: localAS) == 1 && !disableConnectedCheck
    }
}

extension Sockets {
    /// The subnets of this machine's interfaces (address and netmask of each, from getifaddrs).
    static func connectedPrefixes() -> [IPPrefix] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var result: [IPPrefix] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let sa = entry.pointee.ifa_addr, let mask = entry.pointee.ifa_netmask else { continue }
            guard let address = ipAddress(sa), let netmask = ipAddress(mask) else { continue }
            let length = netmask.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
            result.append(IPPrefix(address: address, length: UInt8(length)))
        }
        return result
    }

    private static func ipAddress(_ sa: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        var address = SocketAddress()
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            withUnsafeMutableBytes(of: &address.storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: MemoryLayout<sockaddr_in>.size))
            }
        case AF_INET6:
            withUnsafeMutableBytes(of: &address.storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: MemoryLayout<sockaddr_in6>.size))
            }
        default:
            return nil
        }
        return address.endpoint?.address
    }
}

extension Runtime {
    /// Why evpnd does not connect to `remote` (a single-hop eBGP peer on no connected subnet), nil to connect.
    func connectedCheckRefusal(_ remote: IPAddress) -> String? {
        guard security.table.entry(for: remote)?.requiresConnected == true else { return nil }
        if Sockets.connectedPrefixes().contains(where: { $0.contains(remote) }) { return nil }
        return "eBGP peer \(remote) is not on a connected subnet: not connecting (single-hop eBGP, TTL 1, as FRR); "
            + "configure 'neighbor \(remote) ebgp-multihop' or 'neighbor \(remote) disable-connected-check'"
    }
}
