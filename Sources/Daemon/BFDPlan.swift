// From the configuration to the BFD sessions to run, and which BGP neighbor each one guards.
//
// Sessions come from the `bfd` stanza's peers (FRR's bfdd) and from `neighbor X bfd` (bgpd). A neighbor's session
// is the stanza's peer with the neighbor's address when there is one (so the stanza says multihop, local-address
// and interface), else a single-hop session to the neighbor's address (RFC 5881) with the neighbor's profile.
// FRR's bgpd picks multihop by itself for peers that are not on a connected subnet; evpnd wants the stanza's
// `peer ADDR multihop local-address ADDR` for that. IPv4 only for now; listen-range (dynamic) neighbors get none.

import BFD
import BGPCore
import BGPWire
import Config

struct BFDPlan {
    struct NeighborLink: Hashable {
        var peer: PeerID
        var checkControlPlaneFailure: Bool
    }

    var sessions: [BFDSessionKey: BFDSessionParameters] = [:]
    var neighbors: [BFDSessionKey: NeighborLink] = [:]
    /// Lines to log: what was configured but cannot run.
    var skipped: [String] = []

    init(_ config: BGPConfig) {
        let bfd = config.bfd
        for peer in bfd.peers {
            guard peer.peer.bitLength == 32 else {
                skipped.append("BFD peer \(peer.peer): IPv6 sessions are not supported yet")
                continue
            }
            sessions[Self.key(peer)] = Self.parameters(bfd.resolved(peer))
        }
        for neighbor in config.resolvedNeighbors {
            guard let wanted = neighbor.bfd else { continue }
            guard neighbor.address.bitLength == 32 else {
                skipped.append("neighbor \(neighbor.address) bfd: IPv6 sessions are not supported yet")
                continue
            }
            let key: BFDSessionKey
            if let peer = bfd.peers.first(where: { $0.peer == neighbor.address }) {
                key = Self.key(peer)
                if peer.profile == nil, let profile = wanted.profile {
                    sessions[key] = Self.parameters(bfd.resolve(peer.settings, profile: profile))
                }
            } else {
                key = BFDSessionKey(peer: BFDAddress(neighbor.address))
                sessions[key] = Self.parameters(bfd.resolve(BFDSettingsConfig(), profile: wanted.profile))
            }
            neighbors[key] = NeighborLink(peer: PeerID(neighbor.address), checkControlPlaneFailure: wanted.checkControlPlaneFailure)
        }
    }

    static func key(_ peer: BFDPeerConfig) -> BFDSessionKey {
        BFDSessionKey(peer: BFDAddress(peer.peer), local: peer.localAddress.map(BFDAddress.init),
                      interface: peer.interface, multihop: peer.multihop)
    }

    static func parameters(_ settings: ResolvedBFDSettings) -> BFDSessionParameters {
        BFDSessionParameters(desiredMinTxInterval: Microseconds(settings.transmitInterval) * 1000,
                             requiredMinRxInterval: Microseconds(settings.receiveInterval) * 1000,
                             detectMultiplier: settings.detectMultiplier, passive: settings.passiveMode,
                             minimumTTL: settings.minimumTTL, adminDown: settings.shutdown)
    }
}
