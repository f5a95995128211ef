// From the configuration to the BFD sessions to run, and which BGP neighbor each one guards.
//
// Sessions come from the `bfd` stanza's peers (FRR's bfdd) and from `neighbor X bfd` (bgpd). A neighbor's session
// is the stanza's peer with the neighbor's address when there is one (so the stanza says multihop, local-address
// and interface), else one chosen as FRR's bgpd chooses it (bgpd/bgp_bfd.c, PEER_IS_MULTIHOP):
// - single hop (RFC 5881) when the neighbor's address is on a connected subnet and the neighbor's update-source,
//   if any, is on that subnet too;
// - multihop (RFC 5883) otherwise (a loopback-to-loopback iBGP session, an eBGP multihop peer), from the
//   neighbor's update-source; without one the kernel picks the source address per packet, as it does for the
//   BGP connection itself.
// "Connected" is what the interfaces have when the plan is made (start and reload), given by the caller.
// IPv4 and IPv6; an IPv6 link-local peer needs its interface (`peer fe80::1 interface eth0`), as in FRR.
// Listen-range (dynamic) neighbors get their sessions when they are accepted (`dynamicSession`).

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

    init(_ config: BGPConfig, connected: [IPPrefix]) {
        let bfd = config.bfd
        for peer in bfd.peers {
            if BFDAddress(peer.peer).isIPv6LinkLocal && peer.interface == nil {
                skipped.append("BFD peer \(peer.peer): a link-local peer needs its interface (peer \(peer.peer) interface IFNAME)")
                continue
            }
            sessions[Self.key(peer)] = Self.parameters(bfd.resolved(peer))
        }
        for neighbor in config.resolvedNeighbors {
            guard let wanted = neighbor.bfd else { continue }
            let key: BFDSessionKey
            if let peer = bfd.peers.first(where: { $0.peer == neighbor.address }) {
                guard sessions[Self.key(peer)] != nil else { continue }  // skipped above, said once
                key = Self.key(peer)
                if peer.profile == nil, let profile = wanted.profile {
                    sessions[key] = Self.parameters(bfd.resolve(peer.settings, profile: profile))
                }
            } else {
                guard !BFDAddress(neighbor.address).isIPv6LinkLocal else {
                    skipped.append("neighbor \(neighbor.address) bfd: a link-local peer needs its interface: add "
                                   + "'peer \(neighbor.address) interface IFNAME' to the bfd stanza")
                    continue
                }
                key = Self.automaticKey(neighbor.address, updateSource: neighbor.updateSource, connected: connected)
                sessions[key] = Self.parameters(bfd.resolve(BFDSettingsConfig(), profile: wanted.profile))
            }
            neighbors[key] = NeighborLink(peer: PeerID(neighbor.address), checkControlPlaneFailure: wanted.checkControlPlaneFailure)
        }
    }

    /// The session FRR's bgpd would ask its bfdd for, for a neighbor with `bfd` and no stanza peer.
    static func automaticKey(_ address: IPAddress, updateSource: IPAddress?, connected: [IPPrefix]) -> BFDSessionKey {
        let subnet = connected.first { $0.contains(address) }
        let singleHop = subnet.map { subnet in updateSource.map(subnet.contains) ?? true } ?? false
        if singleHop { return BFDSessionKey(peer: BFDAddress(address)) }
        return BFDSessionKey(peer: BFDAddress(address), local: updateSource.map(BFDAddress.init), multihop: true)
    }

    /// The session of a listen-range (dynamic) neighbor just accepted, when its template has `bfd`: the stanza's
    /// peer for its address when there is one, else chosen as for a configured neighbor. Nil without `bfd`.
    static func dynamicSession(_ config: BGPConfig, address: IPAddress, connected: [IPPrefix]) -> DynamicSession? {
        guard let range = config.resolvedListenRanges.first(where: { $0.prefix.contains(address) }),
              let wanted = range.template.bfd, !BFDAddress(address).isIPv6LinkLocal else { return nil }
        let bfd = config.bfd
        let link = NeighborLink(peer: PeerID(address), checkControlPlaneFailure: wanted.checkControlPlaneFailure)
        if let peer = bfd.peers.first(where: { $0.peer == address }) {
            let settings = peer.profile == nil && wanted.profile != nil
                ? bfd.resolve(peer.settings, profile: wanted.profile) : bfd.resolved(peer)
            return DynamicSession(key: key(peer), parameters: parameters(settings), link: link)
        }
        let key = automaticKey(address, updateSource: range.template.updateSource, connected: connected)
        return DynamicSession(key: key, parameters: parameters(bfd.resolve(BFDSettingsConfig(), profile: wanted.profile)), link: link)
    }

    struct DynamicSession: Hashable {
        var key: BFDSessionKey
        var parameters: BFDSessionParameters
        var link: NeighborLink
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
