// MAC+IP on a VTEP (RFC 7432 section 7.2, the IP half of a type-2 route), as FRR 8.4's zebra and bgpd do
// it for a layer-2 VNI (zebra/zebra_evpn_neigh.c, rt_netlink.c `netlink_ipneigh_change`):
//
//   local:  a neighbour on the VNI's SVI (its bridge device) that the kernel resolved itself (NUD_VALID:
//           REACHABLE, STALE, DELAY, PROBE, PERMANENT or NOARP, with a link-layer address, and not
//           `extern_learn`) is a local host's address. Any other state (INCOMPLETE, FAILED) or an
//           RTM_DELNEIGH removes it. It is advertised as a MAC+IP route next to the MAC-only route while
//           its MAC is local (owned here by mobility and advertised), with the MAC's sequence and sticky
//           bit; a neighbour whose MAC is not (yet) local is kept and advertised once it is (FRR's
//           "inactive" neighbour).
//   remote: a MAC+IP route imported into the VNI becomes a neighbour `IP lladdr MAC dev SVI nud noarp
//           extern_learn` (NeighbourReconciler.swift) unless the IP is advertised from here or the
//           route's MAC is local here (then the remote neighbour is removed and the kernel learns the
//           host again). Among several remote routes for one IP: the highest MAC mobility sequence,
//           then the lowest VTEP address, as for MACs.
//
//   moved:  an IP that moves to another MAC (a server moving its address to another NIC; RFC 7432 section 15
//           applied to the IP, as FRR's zebra does with the neighbour's sequence): a fresh local claim (the
//           kernel resolved it to a new MAC, or a local host's ARP for an address held as a remote host's,
//           which the kernel never learns over a `noarp` row: `.arpObserved`) while a remote route names another
//           MAC is advertised with the remote sequence + 1; a remote route for another MAC with a higher sequence
//           (equal: the lower VTEP address) takes the IP from a local claim, which is withdrawn and replaced by
//           the remote neighbour. Whenever the MAC an IP resolves to here changes to a remote MAC, the switch
//           announces it on its own ports (NeighbourAnnouncement.swift), rate-limited (AnnouncementLimiter).
//
// The MAC half of a MAC+IP route goes to the MAC's record as before (VTEPState+Remote.swift): one route
// carries both. Not here yet (docs/VTEP.md): duplicate IP detection, the ND community's router flag, and the
// default gateway community.

import BGPCore
import BGPWire

/// An IP of a VNI.
struct IPKey: Hashable, Comparable {
    var vni: UInt32
    var ip: IPAddress
    static func < (a: IPKey, b: IPKey) -> Bool { (a.vni, a.ip) < (b.vni, b.ip) }
}

/// A remote MAC+IP route for an IP (one RD's best path) imported into a VNI.
struct RemoteIPPath: Hashable {
    var mac: MACAddress
    var vtep: IPAddress
    var sequence: UInt32
}

/// Everything known about one IP of a VNI.
struct IPRecord {
    /// The local neighbour: its MAC and the kernel's NUD state, as last seen.
    var local: (mac: MACAddress, state: KernelNeighbourEntry.State)?
    var remotes: [EVPNRouteKey: RemoteIPPath] = [:]
    /// What evpnd advertises for it: the MAC+IP route's MAC and the MAC's sequence.
    var advertised: (mac: MACAddress, sequence: UInt32, sticky: Bool)?
    /// The remote neighbour evpnd wants on the SVI.
    var installed: NeighbourIntent?
    /// A local host's ARP claiming this address at this MAC while the SVI holds it as a remote host's.
    var snooped: MACAddress?
    /// A local claim not yet decided on (a new MAC learned, or snooped): it may take the IP from a remote route.
    var freshLocal = false
    /// The sequence of our claim on the IP (at least its MAC's).
    var localSequence: UInt32 = 0
    /// Duplicate address detection for the IP, as for MACs (`dup-addr-detection`): moves counted, frozen.
    var detector = DuplicateDetector()

    var isEmpty: Bool { local == nil && snooped == nil && remotes.isEmpty && advertised == nil && installed == nil }

    /// The MACs this IP depends on (its local MAC, its remote routes' MACs).
    var macs: Set<MACAddress> {
        var set = Set(remotes.values.map(\.mac))
        if let local { set.insert(local.mac) }
        if let snooped { set.insert(snooped) }
        return set
    }

    /// FRR's order among remote routes: the highest sequence, then the lowest VTEP.
    var bestRemote: RemoteIPPath? {
        remotes.values.min { a, b in
            if a.sequence != b.sequence { return a.sequence > b.sequence }
            if a.vtep != b.vtep { return a.vtep < b.vtep }
            return a.mac < b.mac
        }
    }
}

extension VTEPState {
    /// Local learning for one SVI neighbour row that changed.
    mutating func learnIP(from key: NeighbourKey, _ fx: inout VTEPEffects) {
        guard let vni = bridgeVNI[key.ifindex], vnis[vni] != nil else { return }
        var local: (mac: MACAddress, state: KernelNeighbourEntry.State)?
        if let entry = neighbours.actualEntry(at: key), entry.isLocalHost, let mac = entry.mac { local = (mac, entry.state) }
        let ipKey = IPKey(vni: vni, ip: key.ip)
        updateIP(ipKey) { record in
            if record.local?.mac == local?.mac && record.local?.state == local?.state { return false }
            if let local, record.local?.mac != local.mac {
                record.freshLocal = true
                if record.snooped != local.mac { record.snooped = nil }
                fx.log(.debug, "VNI \(vni): neighbour \(key.ip) learned at \(local.mac)", vni: vni, mac: local.mac)
            } else if local == nil, let old = record.local {
                fx.log(.debug, "VNI \(vni): neighbour \(key.ip) gone from \(old.mac)", vni: vni, mac: old.mac)
            }
            record.local = local
            return true
        }
    }

    /// Changes an IP's record, keeps the MAC -> IPs index in step, and marks it for a decision.
    mutating func updateIP(_ key: IPKey, _ change: (inout IPRecord) -> Bool) {
        var record = ips[key] ?? IPRecord()
        let before = record.macs
        guard change(&record) else { return }
        let after = record.macs
        for mac in before.subtracting(after) {
            let macKey = MACKey(vni: key.vni, mac: mac)
            ipsOfMAC[macKey]?.remove(key.ip)
            if ipsOfMAC[macKey]?.isEmpty == true { ipsOfMAC[macKey] = nil }
        }
        for mac in after.subtracting(before) { ipsOfMAC[MACKey(vni: key.vni, mac: mac), default: []].insert(key.ip) }
        ips[key] = record
        dirtyIPs.insert(key)
    }

    /// A remote MAC+IP route imported into (`path` non-nil) or removed from a VNI.
    mutating func setRemoteIP(_ ip: IPAddress, route key: EVPNRouteKey, path: RemoteIPPath?, vni: UInt32) {
        updateIP(IPKey(vni: vni, ip: ip)) { record in
            guard record.remotes[key] != path else { return false }
            record.remotes[key] = path
            return true
        }
    }

    /// A MAC's decision changed what may be true of its IPs: look at them again.
    mutating func macChanged(_ key: MACKey) {
        guard !ipsOfMAC.isEmpty, let list = ipsOfMAC[key] else { return }
        for ip in list { dirtyIPs.insert(IPKey(vni: key.vni, ip: ip)) }
    }

    /// One IP's MAC+IP advertisement and remote neighbour, from its record and its MACs' decisions.
    mutating func decideIP(_ key: IPKey, _ fx: inout VTEPEffects) {
        guard let vni = vnis[key.vni], var record = ips[key] else {
            ips[key] = nil
            return
        }
        var advertise: (mac: MACAddress, sequence: UInt32, sticky: Bool)?
        // The MAC local hosts may hold for the IP: what is installed or advertised, or was until lately (the old
        // switch's withdrawal often comes before the new one's route).
        let before = record.installed?.mac ?? record.advertised?.mac ?? announcer.recent(key.vni, key.ip, now: fx.now)
        if let claimed = record.local?.mac ?? record.snooped, let mac = macs[MACKey(vni: key.vni, mac: claimed)], mac.owner == .local,
           let sent = mac.advertised {
            let best = record.bestRemote
            let other = best.flatMap { $0.mac != claimed ? $0 : nil }
            if frozenIP(record) {
                // A duplicate under `freeze`: nothing changes until `clear evpn dup-addr` or the freeze ends.
                record.freshLocal = false
                ips[key] = record
                return
            }
            if record.freshLocal {
                // The IP came here (or to a new MAC here): above the remote claim on another MAC.
                record.localSequence = max(sent.sequence, other.map { $0.sequence &+ 1 } ?? 0)
                if other != nil, record.detector.localMove(now: fx.now, config: config.duplicateDetection) {
                    duplicateIPDetected(key, &fx)
                }
            }
            let sequence = max(sent.sequence, record.localSequence)
            if let other, other.sequence > sequence || (other.sequence == sequence && other.vtep < vni.port.vtep) {
                // It moved away: the remote route wins; our claim goes (the kernel row is replaced below).
                if record.advertised != nil {
                    fx.log(.info, "VNI \(key.vni): IP \(key.ip) moved to \(other.mac) at \(other.vtep) (sequence \(other.sequence) over \(sequence))",
                           vni: key.vni, mac: other.mac)
                    if record.detector.remoteMove(now: fx.now, config: config.duplicateDetection) { duplicateIPDetected(key, &fx) }
                }
                record.snooped = nil
            } else {
                advertise = (claimed, sequence, sent.sticky)
            }
        }
        record.freshLocal = false
        var install: NeighbourIntent?
        if advertise == nil, let best = record.bestRemote, macs[MACKey(vni: key.vni, mac: best.mac)]?.owner != .local {
            install = NeighbourIntent(ip: key.ip, mac: best.mac, svi: vni.port.bridgeIndex)
        }
        let old = record.advertised
        if old?.mac != advertise?.mac || old?.sequence != advertise?.sequence || old?.sticky != advertise?.sticky {
            if let old, old.mac != advertise?.mac {
                fx.advertise(Origination.macIPKey(vni, mac: old.mac, ip: key.ip), nil)
            }
            if let advertise {
                fx.advertise(Origination.macIPKey(vni, mac: advertise.mac, ip: key.ip),
                             Origination.macIPRoute(vni, mac: advertise.mac, ip: key.ip, sequence: advertise.sequence,
                                                    sticky: advertise.sticky))
            }
            record.advertised = advertise
        }
        if install != record.installed {
            if let previous = record.installed, previous.key != install?.key { neighbours.setDesired(nil, at: previous.key) }
            if let install { neighbours.setDesired(install, at: install.key) }
            record.installed = install
            if let install, let before, before != install.mac {
                announce(NeighbourAnnouncement(vni: key.vni, svi: install.svi, ip: key.ip, mac: install.mac, router: install.router), &fx)
            }
        }
        if let mac = install?.mac ?? advertise?.mac { announcer.remember(key.vni, key.ip, mac, now: fx.now) }
        ips[key] = record.isEmpty ? nil : record
    }

    /// A VNI going out of service: its MAC+IP routes withdrawn, its remote neighbours removed.
    mutating func dropIPs(of vni: VNIInstance, _ fx: inout VTEPEffects) {
        for key in ips.keys.filter({ $0.vni == vni.vni }) {
            guard let record = ips[key] else { continue }
            if let sent = record.advertised { fx.advertise(Origination.macIPKey(vni, mac: sent.mac, ip: key.ip), nil) }
            if let installed = record.installed { neighbours.setDesired(nil, at: installed.key) }
            ips[key] = nil
            dirtyIPs.remove(key)
        }
        for key in ipsOfMAC.keys.filter({ $0.vni == vni.vni }) { ipsOfMAC[key] = nil }
    }
}
