// MAC mobility (RFC 7432 section 15) and duplicate detection, per MAC and VNI, as FRR 8.4's zebra
// does them (zebra/zebra_evpn_mac.c).
//
// As the RFC says it (15.1, 15.2, 15.3):
//   - a PE that learns a MAC locally which it had as remote advertises it with sequence = the remote
//     route's + 1; a PE that receives a route for a local MAC with a higher sequence withdraws its own;
//     with equal sequences the route from the PE with the lower IP address wins;
//   - a static (sticky) MAC is advertised with the sticky bit and never moves; a sticky route wins;
//   - N moves within M seconds make the MAC a duplicate: stop sending and processing its updates.
// As this code does it:
//   - the remote side of a MAC is the best of its remote routes across RDs (FRR's per-VNI table):
//     sticky first, then the highest sequence, then the lowest VTEP address;
//   - local against remote: a sticky local MAC wins; so does a `static` local row (evpnd never
//     overrides a row an operator pinned; FRR 8.4 advertises `static` rows without the sticky bit,
//     checked here, and so does evpnd); a sticky remote wins over any other local MAC; else the higher
//     sequence, then the lower VTEP address;
//   - a remote win over a local MAC withdraws our route at once; the bridge row is taken over by the
//     remote install, and the local MAC is forgotten once the kernel shows the row gone from the port;
//   - moves counted as FRR counts them (`zebra_evpn_dup_addr_detect_for_mac`): a local learn of a MAC
//     that was remote starts the window if none is open (or the last one is older than M) and counts
//     1; a remote win over a local MAC counts only inside an open window; detection at count >= N.
//     "Within M" is FRR's `elapsed > M` test: 5 moves in 180 s are a duplicate, in 181 s they are not.

import BGPCore
import BGPWire

/// A MAC the bridge learned on a local port.
public struct LocalMAC: Hashable, Sendable {
    public var port: Int32
    public var portName: String
    public var vlan: UInt16?
    /// NTF_STICKY: advertised with the sticky bit, never moves.
    public var sticky: Bool
    /// A `static` row (NUD_NOARP) an operator added: kept local whatever remote routes say.
    public var pinned: Bool

    public init(port: Int32, portName: String, vlan: UInt16? = nil, sticky: Bool = false, pinned: Bool = false) {
        self.port = port
        self.portName = portName
        self.vlan = vlan
        self.sticky = sticky
        self.pinned = pinned
    }
}

/// One remote route for a MAC (one RD's best path) imported into a VNI.
public struct RemoteMACPath: Hashable, Sendable {
    public var vtep: IPAddress
    public var sequence: UInt32
    public var sticky: Bool
    /// The route's ESI, when the MAC sits behind a remote Ethernet Segment (its row then names the ES's
    /// nexthop group).
    public var esi: EthernetSegmentIdentifier?

    public init(vtep: IPAddress, sequence: UInt32 = 0, sticky: Bool = false, esi: EthernetSegmentIdentifier? = nil) {
        self.vtep = vtep
        self.sequence = sequence
        self.sticky = sticky
        self.esi = esi
    }
}

/// Who has a MAC.
public enum MACOwner: Hashable, Sendable {
    case none
    case local
    case remote(RemoteMACPath)
}

public enum MobilityRules {
    /// The remote route that wins among several (FRR's per-VNI best path for a MAC).
    public static func bestRemote<C: Collection>(_ paths: C) -> RemoteMACPath? where C.Element == RemoteMACPath {
        paths.min { a, b in
            if a.sticky != b.sticky { return a.sticky }
            if a.sequence != b.sequence { return a.sequence > b.sequence }
            return a.vtep < b.vtep
        }
    }

    /// Local against the best remote, and why in a word for the log.
    public static func owner(local: LocalMAC?, localSequence: UInt32, best: RemoteMACPath?, ownVTEP: IPAddress) -> (MACOwner, reason: String) {
        guard let local else { return best.map { (.remote($0), "remote only") } ?? (.none, "gone") }
        guard let best else { return (.local, "local only") }
        if local.sticky { return (.local, "local sticky MAC") }
        if local.pinned { return (.local, "local static entry") }
        if best.sticky { return (.remote(best), "remote sticky MAC") }
        if best.sequence > localSequence { return (.remote(best), "remote sequence \(best.sequence) > local \(localSequence)") }
        if best.sequence < localSequence { return (.local, "local sequence \(localSequence) > remote \(best.sequence)") }
        return best.vtep < ownVTEP ? (.remote(best), "equal sequence \(localSequence), lower VTEP \(best.vtep)")
            : (.local, "equal sequence \(localSequence), lower VTEP \(ownVTEP) (ours)")
    }
}

/// FRR's duplicate address detection state of one MAC.
public struct DuplicateDetector: Hashable, Sendable {
    public private(set) var count = 0
    public private(set) var windowStart: Instant?
    public private(set) var isDuplicate = false
    public private(set) var detectedAt: Instant?

    public init() {}

    private func expired(_ now: Instant, _ config: DuplicateDetection) -> Bool {
        guard let windowStart else { return true }
        return now.duration(since: windowStart) > config.window
    }

    /// A local learn of a MAC that was remote. True when this move made it a duplicate.
    public mutating func localMove(now: Instant, config: DuplicateDetection) -> Bool {
        guard config.enabled, !isDuplicate else { return false }
        if count == 0 || expired(now, config) {
            count = 0
            windowStart = now
        }
        count += 1
        return check(now, config)
    }

    /// A remote route taking a local MAC. Counts only inside a window a local learn opened.
    public mutating func remoteMove(now: Instant, config: DuplicateDetection) -> Bool {
        guard config.enabled, !isDuplicate, count > 0 else { return false }
        if expired(now, config) {
            count = 0
            return false
        }
        count += 1
        return check(now, config)
    }

    private mutating func check(_ now: Instant, _ config: DuplicateDetection) -> Bool {
        guard count >= config.maxMoves else { return false }
        isDuplicate = true
        detectedAt = now
        return true
    }

    /// `clear evpn dup-addr`, or the freeze time ran out.
    public mutating func clear() { self = DuplicateDetector() }
}

/// Everything known about one MAC in one VNI.
struct MACRecord {
    var local: LocalMAC?
    /// Remote routes imported for this MAC, by route key (one per RD).
    var remotes = RemotePaths()
    var localSequence: UInt32 = 0
    var remoteSequence: UInt32 = 0
    var detector = DuplicateDetector()
    /// The decision in force.
    var owner: MACOwner = .none
    /// What evpnd advertises for it (nil: nothing) and the remote VTEP it installs (nil: none).
    /// Frozen while the MAC is a duplicate under `freeze`.
    var advertised: (sequence: UInt32, sticky: Bool)?
    var installed: IPAddress?

    var isEmpty: Bool { local == nil && remotes.isEmpty && advertised == nil && installed == nil }
}

/// A MAC's remote paths by route key, in the order they came. Nearly always one: it is held inline, and
/// any more in a list searched in order. A dictionary per MAC cost an allocation and a key hash for
/// every route the VTEP imported or dropped (callgrind, scripts/bench.d/vtep).
struct RemotePaths {
    private var first: (key: EVPNRouteKey, path: RemoteMACPath)?
    private var more: [(key: EVPNRouteKey, path: RemoteMACPath)] = []

    var isEmpty: Bool { first == nil }

    /// The paths, in the order they came.
    var values: [RemoteMACPath] {
        guard let first else { return [] }
        return [first.path] + more.map(\.path)
    }

    /// The path `MobilityRules.bestRemote` picks, without building `values`.
    var best: RemoteMACPath? {
        guard let first else { return nil }
        if more.isEmpty { return first.path }
        return MobilityRules.bestRemote(values)
    }

    subscript(key: EVPNRouteKey) -> RemoteMACPath? {
        get {
            if let first, first.key == key { return first.path }
            return more.first { $0.key == key }?.path
        }
        set {
            if let current = first, current.key == key {
                if let newValue {
                    first = (key, newValue)
                } else {
                    first = more.isEmpty ? nil : more.removeFirst()
                }
            } else if let i = more.firstIndex(where: { $0.key == key }) {
                if let newValue { more[i].path = newValue } else { more.remove(at: i) }
            } else if let newValue {
                if first == nil { first = (key, newValue) } else { more.append((key, newValue)) }
            }
        }
    }
}

/// A MAC in a VNI.
struct MACKey: Hashable, Comparable {
    var vni: UInt32
    var mac: MACAddress
    static func < (a: MACKey, b: MACKey) -> Bool { (a.vni, a.mac) < (b.vni, b.mac) }
}
