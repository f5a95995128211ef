// Duplicate address detection for IPs, as for MACs (MACMobility.swift, FRR's `zebra_evpn_dup_addr_detect_for_neigh`):
// `dup-addr-detection max-moves N time S` counts an IP's moves (a fresh local claim taking it from a remote route
// naming another MAC starts or extends the window; a remote route taking it from our claim counts inside one), and
// at N moves within S seconds the IP is a duplicate: flagged (`isDuplicate`, `detectionCount` in `show evpn
// arp-cache`), logged, and with `freeze` kept as it is (no advertisement or installation changes) until `evpnctl
// clear evpn dup-addr vni N|all [ip A]` or, with `freeze S`, for S seconds. Two hosts on two switches claiming one
// address make exactly this churn: each ARP of one takes the address from the other at a higher sequence.

import BGPCore
import BGPWire

extension VTEPState {
    func frozenIP(_ record: IPRecord) -> Bool {
        guard record.detector.isDuplicate else { return false }
        if case .off = config.duplicateDetection.freeze { return false }
        return true
    }

    mutating func duplicateIPDetected(_ key: IPKey, _ fx: inout VTEPEffects) {
        counters.duplicatesDetected += 1
        counters.byVNI[key.vni, default: VNIEventCounts()].duplicatesDetected += 1
        let frozen: String
        switch config.duplicateDetection.freeze {
        case .off: frozen = "flagged only (no freeze configured)"
        case .permanent: frozen = "frozen until cleared"
        case .after(let hold): frozen = "frozen for \(hold)"
        }
        fx.log(.warning, "VNI \(key.vni): duplicate IP \(key.ip): \(config.duplicateDetection.maxMoves) moves within "
               + "\(config.duplicateDetection.window); \(frozen)", vni: key.vni)
    }

    /// `clear evpn dup-addr vni N|all [ip A]`.
    mutating func clearDuplicateIPs(vni: UInt32?, ip: IPAddress?, _ fx: inout VTEPEffects) {
        for key in ips.keys.sorted() where (vni == nil || key.vni == vni) && (ip == nil || key.ip == ip) {
            guard ips[key]?.detector.isDuplicate == true || ips[key]?.detector.count ?? 0 > 0 else { continue }
            ips[key]?.detector.clear()
            dirtyIPs.insert(key)
            fx.log(.notice, "VNI \(key.vni): IP \(key.ip) duplicate state cleared", vni: key.vni)
        }
    }

    /// `freeze S`: duplicates whose time is up resume.
    mutating func recoverFrozenIPs(_ fx: inout VTEPEffects) {
        guard case .after(let hold) = config.duplicateDetection.freeze else { return }
        for (key, record) in ips where record.detector.isDuplicate {
            guard let at = record.detector.detectedAt, fx.now.duration(since: at) >= hold else { continue }
            ips[key]?.detector.clear()
            dirtyIPs.insert(key)
            fx.log(.notice, "VNI \(key.vni): IP \(key.ip) duplicate freeze expired; updates resume", vni: key.vni)
        }
    }

    /// When the next IP freeze ends (for the timer), if any.
    func frozenIPEnds() -> [Instant] {
        guard case .after(let hold) = config.duplicateDetection.freeze else { return [] }
        return ips.values.compactMap { $0.detector.isDuplicate ? $0.detector.detectedAt.map { $0 + hold } : nil }
    }
}
