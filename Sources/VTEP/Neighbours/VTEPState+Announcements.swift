// Announcing a moved address on the local ports, rate-limited; and reading local hosts' ARPs for addresses the
// SVI holds as remote (`.arpObserved`), which the kernel itself never learns over a `noarp` row.
//
// Limits (AnnouncementLimiter): one announcement per address per second (a flapping address announces once a
// second, not once per route change), and at most 100 a second in all (a token bucket of 100): a mass move of
// thousands of addresses announces the first hundred at once and leaves the rest to the hosts' own ARP timers.
// What is left out is counted (`announcementsDropped`) and logged at debug level.

import BGPCore
import BGPWire

public struct AnnouncementLimiter: Sendable {
    public static let perAddress: Duration = .seconds(1)
    public static let burst = 100
    var tokens = Double(burst)
    var refilledAt: Instant?
    var lastSent: [IPAddress: Instant] = [:]
    /// How long the MAC an IP last resolved to is remembered after its route went: hosts may hold it that long.
    public static let memory: Duration = .seconds(300)
    var resolved: [UInt32: [IPAddress: (mac: MACAddress, at: Instant)]] = [:]

    /// The MAC `ip` resolved to here within `memory`.
    func recent(_ vni: UInt32, _ ip: IPAddress, now: Instant) -> MACAddress? {
        guard let entry = resolved[vni]?[ip], now.duration(since: entry.at) < Self.memory else { return nil }
        return entry.mac
    }

    mutating func remember(_ vni: UInt32, _ ip: IPAddress, _ mac: MACAddress, now: Instant) {
        resolved[vni, default: [:]][ip] = (mac, now)
    }

    /// True when an announcement of `ip` may go now.
    mutating func admit(_ ip: IPAddress, now: Instant) -> Bool {
        if let at = refilledAt {
            let seconds = Double(now.duration(since: at).components.seconds) + Double(now.duration(since: at).components.attoseconds) / 1e18
            tokens = min(Double(Self.burst), tokens + seconds * Double(Self.burst))
        }
        refilledAt = now
        if let last = lastSent[ip], now.duration(since: last) < Self.perAddress { return false }
        guard tokens >= 1 else { return false }
        tokens -= 1
        lastSent[ip] = now
        if lastSent.count > 4 * Self.burst {
            lastSent = lastSent.filter { now.duration(since: $0.value) < Self.perAddress }
            resolved = resolved.mapValues { $0.filter { now.duration(since: $0.value.at) < Self.memory } }
        }
        return true
    }
}

extension VTEPState {
    mutating func announce(_ announcement: NeighbourAnnouncement, _ fx: inout VTEPEffects) {
        if announcer.admit(announcement.ip, now: fx.now) {
            counters.announcementsSent += 1
            fx.log(.info, "VNI \(announcement.vni): \(announcement)", vni: announcement.vni, mac: announcement.mac)
            fx.outputs.append(.announce(announcement))
        } else {
            counters.announcementsDropped += 1
            fx.log(.debug, "VNI \(announcement.vni): rate limit: no \(announcement)", vni: announcement.vni, mac: announcement.mac)
        }
    }

    /// A local host's ARP seen on an SVI: a claim on an address the kernel does not hold as that host's (it holds
    /// it as a remote host's, which it never overrides from the wire, or not at all: the kernel creates no entry
    /// from a gratuitous ARP). Counts only while the MAC is local (decideIP).
    mutating func observe(_ arp: ObservedARP) {
        guard let vni = bridgeVNI[arp.svi], vnis[vni] != nil else { return }
        let probe = KernelNeighbourEntry(ip: arp.ip, mac: arp.mac, ifindex: arp.svi)
        guard probe.isLocalHost else { return }
        updateIP(IPKey(vni: vni, ip: arp.ip)) { record in
            guard record.local?.mac != arp.mac, record.snooped != arp.mac else { return false }
            // Only an address held as a remote host's: there the kernel never learns the host (its `noarp`
            // row stands), so the ARP is the only sign of a move. Any other address the kernel learns as FRR's
            // zebra does; a claim from snooping alone would not survive a restart (nothing in the kernel holds
            // it), and the route would go with it.
            guard record.installed != nil || !record.remotes.isEmpty else { return false }
            record.snooped = arp.mac
            record.freshLocal = true
            return true
        }
    }
}
