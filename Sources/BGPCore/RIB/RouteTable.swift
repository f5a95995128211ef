// The table of destinations of every family (RIBRoute.swift): for each route key, every path received for it (the Adj-RIB-In of
// each peer, kept where the key is, as FRR keeps `bgp_path_info` under `bgp_dest`) and which one is
// best (the Loc-RIB). Destinations live in a dense array and are named by their index, so the
// Adj-RIB-Out and the per-peer dirty sets cost a few bits per route rather than a copy of the key;
// the key index is an open-addressing table of those indices (linear probing, load at most 1/2).
//
// Memory per route with one path (64-bit): the destination (its NLRI, the path array reference, the
// best index) about 110 octets, the path array about 64, the index 16 to 32, the Adj-RIB-Out 8 per
// update group. Attribute sets are shared (AttributeSet.swift).

import BGPWire

/// A destination's index in the table; stable while the destination exists.
typealias RouteID = UInt32

/// Where a path came from: a slot in `RIB.sources` (0 is the local speaker).
typealias SourceSlot = UInt16

struct Path {
    var attributes: AttributeSet
    /// The NLRI as this path's peer sent it, when its non-key fields (labels, ESI) differ from the
    /// destination's; nil when they are the same, which is the common case.
    var nlri: NLRIBox?
    var source: SourceSlot
    /// RFC 7911 path identifier, when ADD-PATH is received from the source.
    var pathID: UInt32?
}

/// An NLRI kept by reference, so a path carries 8 octets for it rather than the whole route.
final class NLRIBox: Sendable {
    let route: EVPNRoute
    init(_ route: EVPNRoute) { self.route = route }
}

struct Destination {
    /// The NLRI: its key fields name the destination; its other fields are those of the path that
    /// created it (paths whose fields differ carry their own in `Path.nlri`).
    var route: RIBRoute
    var paths: [Path] = []
    /// Index into `paths`, -1 when there is none.
    var best: Int16 = -1
    var reason: SelectionReason = .none
    /// Peers the route is currently advertised to: the destination stays until they were told it went.
    var advertisedTo: UInt32 = 0
    var live = true

    init(route: RIBRoute) { self.route = route }

    var bestPath: Path? { best >= 0 ? paths[Int(best)] : nil }

    func nlri(of path: Path) -> RIBRoute { path.nlri.map { .evpn($0.route) } ?? route }
}

struct RouteTable {
    private(set) var destinations: [Destination] = []
    private var free: [RouteID] = []
    /// Open addressing: 0 is empty, otherwise 32 bits of the key's hash (the high half) and RouteID + 1
    /// (the low half). The home slot comes from those same hash bits, so growing and deleting never hash a
    /// key again, and a probe that meets another key's slot tells it apart by the hash bits without
    /// building that destination's key (profiled: rehashing on growth and building keys in probes were
    /// about 15 % of a reflector's cold start). Tables up to 2^32 slots.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)
    private(set) var count = 0
    /// `count` by family (each family's summary shows its own "RIB entries").
    private(set) var countByFamily = FamilyCounts()

    var capacity: Int { destinations.count }

    subscript(id: RouteID) -> Destination {
        // _read rather than get: reading one field of a destination must not copy (and retain) all of it.
        _read { yield destinations[Int(id)] }
        _modify { yield &destinations[Int(id)] }
    }

    private static func hash(_ key: RouteKey) -> UInt64 { UInt64(truncatingIfNeeded: key.hashValue) }
    private var mask: Int { slots.count - 1 }
    /// The hash bits kept in a slot; the home slot is taken from them.
    private static func tag(_ hash: UInt64) -> UInt64 { hash & 0xffff_ffff_0000_0000 }
    private static func id(_ slot: UInt64) -> RouteID { RouteID(truncatingIfNeeded: slot) &- 1 }
    private func home(_ hashOrSlot: UInt64) -> Int { Int(truncatingIfNeeded: hashOrSlot >> 32) & mask }

    func find(_ key: RouteKey) -> RouteID? { find(key, hash: Self.hash(key)) }

    private func find(_ key: RouteKey, hash: UInt64) -> RouteID? {
        let tag = Self.tag(hash)
        var i = home(hash)
        while slots[i] != 0 {
            if slots[i] & 0xffff_ffff_0000_0000 == tag {
                let id = Self.id(slots[i])
                if destinations[Int(id)].route.key == key { return id }
            }
            i = (i + 1) & mask
        }
        return nil
    }

    /// The destination for `route`'s key, created if new.
    mutating func findOrInsert(_ route: RIBRoute) -> RouteID {
        let key = route.key
        let hash = Self.hash(key)
        if let id = find(key, hash: hash) { return id }
        if (count + 1) * 2 > slots.count { grow() }
        let id: RouteID
        if let reused = free.popLast() {
            id = reused
            destinations[Int(id)] = Destination(route: route)
        } else {
            id = RouteID(destinations.count)
            destinations.append(Destination(route: route))
        }
        var i = home(hash)
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = Self.tag(hash) | UInt64(id + 1)
        count += 1
        countByFamily[route.family] += 1
        return id
    }

    /// Frees a destination with no paths that nobody was told about.
    mutating func removeIfUnused(_ id: RouteID) {
        let d = destinations[Int(id)]
        guard d.live, d.paths.isEmpty, d.advertisedTo == 0 else { return }
        var i = home(Self.hash(d.route.key))
        while Self.id(slots[i]) != id { i = (i + 1) & mask }
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        var hole = i
        var j = (i + 1) & mask
        while slots[j] != 0 {
            let want = home(slots[j])
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let between = hole <= j ? (want > hole && want <= j) : (want > hole || want <= j)
            if !between {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        slots[hole] = 0
        destinations[Int(id)].live = false
        destinations[Int(id)].paths = []
        free.append(id)
        count -= 1
        countByFamily[d.route.family] -= 1
    }

    private mutating func grow() {
        var bigger = [UInt64](repeating: 0, count: slots.count * 2)
        let biggerMask = bigger.count - 1
        for slot in slots where slot != 0 {
            var i = Int(truncatingIfNeeded: slot >> 32) & biggerMask
            while bigger[i] != 0 { i = (i + 1) & biggerMask }
            bigger[i] = slot
        }
        slots = bigger
    }

    /// Live destinations in index order (deterministic, unlike hash order).
    var liveIDs: [RouteID] {
        destinations.indices.compactMap { destinations[$0].live ? RouteID($0) : nil }
    }
}

/// A set of RouteIDs as bits: the per-peer dirty and advertised sets. Iteration is in ascending
/// order, so what is sent does not depend on hashing.
struct RouteBitset {
    private(set) var words: [UInt64] = []
    private(set) var count = 0

    func contains(_ id: RouteID) -> Bool {
        let w = Int(id >> 6)
        return w < words.count && words[w] & (1 << UInt64(id & 63)) != 0
    }

    @discardableResult
    mutating func insert(_ id: RouteID) -> Bool {
        let w = Int(id >> 6)
        if w >= words.count { words += Array(repeating: 0, count: w - words.count + 1) }
        let bit: UInt64 = 1 << UInt64(id & 63)
        if words[w] & bit != 0 { return false }
        words[w] |= bit
        count += 1
        return true
    }

    @discardableResult
    mutating func remove(_ id: RouteID) -> Bool {
        let w = Int(id >> 6)
        guard w < words.count else { return false }
        let bit: UInt64 = 1 << UInt64(id & 63)
        if words[w] & bit == 0 { return false }
        words[w] &= ~bit
        count -= 1
        return true
    }

    mutating func removeAll() {
        words = []
        count = 0
    }

    var isEmpty: Bool { count == 0 }

    /// Up to `limit` members from `start` on, ascending.
    func members(from start: RouteID = 0, limit: Int = .max) -> [RouteID] {
        var out: [RouteID] = []
        var w = Int(start >> 6)
        while w < words.count && out.count < limit {
            var word = words[w]
            if w == Int(start >> 6) { word &= ~((1 << UInt64(start & 63)) - 1) }
            while word != 0 && out.count < limit {
                let bit = word.trailingZeroBitCount
                out.append(RouteID(w * 64 + bit))
                word &= word - 1
            }
            w += 1
        }
        return out
    }
}
