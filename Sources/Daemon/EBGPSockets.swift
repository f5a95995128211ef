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

extension Runtime {
    /// Why evpnd does not connect to `remote` (a single-hop eBGP peer on no connected subnet), nil to connect.
    func connectedCheckRefusal(_ remote: IPAddress) -> String? {
        guard security.table.entry(for: remote)?.requiresConnected == true else { return nil }
        if Sockets.connectedPrefixes().contains(where: { $0.contains(remote) }) { return nil }
        return "eBGP peer \(remote) is not on a connected subnet: not connecting (single-hop eBGP, TTL 1, as FRR); "
            + "configure 'neighbor \(remote) ebgp-multihop' or 'neighbor \(remote) disable-connected-check'"
    }
}
