// Kernel nexthop objects as a table of the shared reconciler (KernelTableReconciler.swift): the FDB
// nexthops of remote VTEPs and the FDB nexthop groups of remote Ethernet Segments, which remote MACs
// with an ESI point at (`bridge fdb ... nhid G`). Keyed by the nexthop id.
//
// What evpnd owns: FDB nexthops (NHA_FDB) whose id is in `EVPNNexthopIDs.owned`; every other object
// (zebra's, an operator's, routes' nexthops, an FDB nexthop outside the range) is never touched, and an
// id of ours held by something else is reported as a conflict. Because the ids are evpnd's own and
// stable while in use, a restarted evpnd finds its objects in the first dump and adopts them
// (`RemoteESGroups.adopt`); graceful-restart retention and healing are the shared reconciler's.
//
// The order of a round matters to the kernel and to forwarding, so operations come in four phases and
// the runtime puts the FDB's operations between the second and the third (`splitAroundFDB`):
//   0. add/replace VTEP nexthops      (a group may only name nexthops that exist)
//   1. add/replace groups             (a MAC may only name a group that exists; a switch leaving an ES
//                                      is one replace of the group, however many MACs are behind it)
//   -- FDB rows: MACs move onto a group, or off it to a VTEP destination --
//   2. delete groups                  (deleting a group deletes the FDB rows that still name it)
//   3. delete VTEP nexthops           (deleting a member takes it out of every group that holds it)

import BGPWire

/// The nexthop ids evpnd allocates and owns. FRR's zebra numbers its own from 1 upwards and gives
/// protocol daemons blocks from 250,000,000; evpnd stays far above both.
public enum EVPNNexthopIDs {
    /// FDB nexthops, one per remote VTEP: 0xE000_0000 ..< 0xE100_0000.
    public static let vteps: Range<UInt32> = 0xE000_0000 ..< 0xE100_0000
    /// FDB groups, one per remote ES: 0xE100_0000 ..< 0xE200_0000.
    public static let groups: Range<UInt32> = 0xE100_0000 ..< 0xE200_0000
    /// Everything the EVPN nexthop table may change or delete.
    public static let owned: Range<UInt32> = 0xE000_0000 ..< 0xE200_0000
}

/// One nexthop object as the VTEP logic sees it (the Daemon maps Netlink's `Nexthop` to it).
public struct KernelNexthop: Hashable, Sendable, CustomStringConvertible {
    public enum Target: Hashable, Sendable {
        /// `via VTEP`, no device.
        case vtep(IPAddress)
        /// `group A/B/...`, equal weights, multipath.
        case group([UInt32])
        /// Anything else (a device, weights, a blackhole): never evpnd's.
        case other
    }

    public var id: UInt32
    public var target: Target
    /// NHA_FDB.
    public var isFDB: Bool

    public init(id: UInt32, target: Target, isFDB: Bool = true) {
        self.id = id
        self.target = target
        self.isFDB = isFDB
    }

    public var description: String {
        var s = "id \(id)"
        switch target {
        case .vtep(let a): s += " via \(a)"
        case .group(let m): s += " group " + m.map(String.init).joined(separator: "/")
        case .other: s += " (other)"
        }
        return isFDB ? s + " fdb" : s
    }
}

/// One nexthop evpnd wants: a VTEP's, or an ES's group (members sorted).
public struct NexthopIntent: Hashable, Sendable, CustomStringConvertible, ReconciledIntent {
    public var id: UInt32
    public var target: KernelNexthop.Target

    public static func vtep(id: UInt32, _ address: IPAddress) -> NexthopIntent { NexthopIntent(id: id, target: .vtep(address)) }
    public static func group(id: UInt32, members: [UInt32]) -> NexthopIntent { NexthopIntent(id: id, target: .group(members.sorted())) }

    public var key: UInt32 { id }
    public var entry: KernelNexthop { KernelNexthop(id: id, target: target, isFDB: true) }
    public var appends: Bool { false }

    public func isSatisfied(by actual: KernelNexthop) -> Bool {
        guard actual.isFDB else { return false }
        switch (target, actual.target) {
        case (.vtep(let a), .vtep(let b)): return a == b
        case (.group(let a), .group(let b)): return a == b.sorted()
        default: return false
        }
    }

    public var description: String { entry.description }
}

/// The FDB nexthop table.
public struct NexthopTable: ReconciledTable {
    public typealias Key = UInt32
    public typealias Entry = KernelNexthop
    public typealias Intent = NexthopIntent

    public init() {}

    public func key(of entry: KernelNexthop) -> UInt32 { entry.id }
    public func isOwned(_ entry: KernelNexthop, at key: UInt32) -> Bool { entry.isFDB && EVPNNexthopIDs.owned.contains(key) }
    public func isTakeover(_ entry: KernelNexthop, at key: UInt32) -> Bool { false }
    public func isLearnable(_ key: UInt32) -> Bool { false }
    public static func isControlPlane(_ entry: KernelNexthop) -> Bool { true }
    public static func isSameRow(removed: KernelNexthop, current: KernelNexthop) -> Bool { removed.id == current.id }
    public static func stored(_ entry: KernelNexthop) -> KernelNexthop { entry }
    public static func sorted(_ keys: [UInt32]) -> [UInt32] { keys.sorted() }

    public static var phaseCount: Int { 4 }
    public static func phase(of operation: TableOperation<KernelNexthop>) -> Int {
        let isGroup: Bool
        if case .group = operation.entry.target { isGroup = true } else { isGroup = false }
        switch operation {
        case .add, .replace, .append: return isGroup ? 1 : 0
        case .delete: return isGroup ? 2 : 3
        }
    }
}

public typealias NexthopOperation = TableOperation<KernelNexthop>
public typealias NexthopReconciler = KernelTableReconciler<NexthopTable>

extension KernelTableReconciler where Table == NexthopTable {
    public init() { self.init(table: NexthopTable()) }

    /// A round's operations cut where the FDB's go: creations and replacements before, deletions after.
    public static func splitAroundFDB(_ operations: [NexthopOperation]) -> (beforeFDB: [NexthopOperation], afterFDB: [NexthopOperation]) {
        var before: [NexthopOperation] = []
        var after: [NexthopOperation] = []
        for op in operations {
            if NexthopTable.phase(of: op) < 2 { before.append(op) } else { after.append(op) }
        }
        return (before, after)
    }
}
