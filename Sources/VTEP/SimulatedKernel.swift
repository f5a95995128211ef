// An in-memory model of the kernel's bridge and VXLAN FDB, for tests and the simulator: it applies
// `FDBOperation`s with the kernel's answers (EEXIST, ENOENT) and reports what changed as the kernel's
// neighbour events would, and it plays the data plane's part: a host's frame is learned on its port
// (taking over an `extern_learn` row, as `br_fdb_update` does), a row ages out, an operator adds or
// deletes rows by hand. The same for the SVI neighbour tables (SimulatedKernel+Neighbours.swift). Bridge rows come back as the kernel reports them: NDA_MASTER set, no NTF_MASTER.

import BGPWire

public struct SimulatedKernel: Sendable {
    public var links: [Int32: KernelLink]
    public private(set) var rows: [FDBKey: KernelFDBEntry] = [:]
    /// The IPv4 and IPv6 neighbour tables (SimulatedKernel+Neighbours.swift).
    public internal(set) var neighbours: [NeighbourKey: KernelNeighbourEntry] = [:]
    public internal(set) var neighbourJournal: [(NeighbourOperation, KernelOperationResult)] = []
    /// Nexthop objects by id (SimulatedKernel+Nexthops.swift).
    public internal(set) var nexthops: [UInt32: KernelNexthop] = [:]
    /// Events not yet taken, in order.
    public internal(set) var pending: [VTEPInput] = []
    /// While true, changes emit no events (a lost netlink message, an overrun).
    public var muted = false
    /// Every operation applied, in order, with its answer.
    public private(set) var journal: [(FDBOperation, FDBOperationResult)] = []
    /// Off: `journal` stays empty (a 2,000-VTEP simulation would keep millions of operations).
    public var keepsJournal = true
    /// Answers to force: the next operation on a key fails with this errno (then the entry is removed).
    public var injectedFailures: [FDBKey: Int32] = [:]

    public init(links: [KernelLink]) {
        self.links = Dictionary(links.map { ($0.index, $0) }, uniquingKeysWith: { _, b in b })
    }

    public func key(of entry: KernelFDBEntry) -> FDBKey {
        FDBKey(entry, bridgeOf: { links[$0]?.masterIndex })
    }

    /// `bridge fdb show`.
    public func dump() -> [KernelFDBEntry] { rows.sorted { $0.key < $1.key }.map(\.value) }

    public mutating func takeEvents() -> [VTEPInput] {
        defer { pending = [] }
        return pending
    }

    private mutating func put(_ entry: KernelFDBEntry) {
        var reported = entry
        if entry.isBridgeRow {
            reported.flags.remove(.master)
            reported.master = entry.master ?? links[entry.ifindex]?.masterIndex
        }
        rows[key(of: reported)] = reported
        if !muted { pending.append(.fdbAdded(reported)) }
    }

    private mutating func remove(_ key: FDBKey) {
        guard let old = rows.removeValue(forKey: key) else { return }
        if !muted { pending.append(.fdbRemoved(old)) }
    }

    // MARK: netlink

    /// One batch, answered operation by operation.
    public mutating func apply(_ batch: [FDBOperation]) -> [FDBOperationResult] {
        batch.map { op in
            let result = apply(op)
            if keepsJournal { journal.append((op, result)) }
            return result
        }
    }

    private mutating func apply(_ op: FDBOperation) -> FDBOperationResult {
        let k = key(of: op.entry)
        if let errno = injectedFailures.removeValue(forKey: k) { return .failed(errno: errno) }
        switch op {
        case .add(let entry), .append(let entry):
            if rows[k] != nil { return .failed(errno: FDBOperationResult.EEXIST) }
            put(entry)
        case .replace(let entry):
            put(entry)
        case .delete:
            guard rows[k] != nil else { return .failed(errno: FDBOperationResult.ENOENT) }
            remove(k)
        }
        return .ok
    }

    // MARK: the data plane and the operator

    /// A frame from `mac` arrives on `port`: the bridge learns (or moves) its row there, unless the
    /// row is static, permanent or sticky.
    public mutating func learn(_ mac: MACAddress, on port: Int32, vlan: UInt16? = nil) {
        guard let bridge = links[port]?.masterIndex else { return }
        let k = FDBKey(table: .bridge(bridge), mac: mac, vlan: vlan)
        if let existing = rows[k] {
            if existing.ifindex == port && !existing.isExternallyLearned { return }
            if existing.state.contains(.permanent) || existing.state.contains(.noARP) || existing.flags.contains(.sticky) { return }
        }
        put(KernelFDBEntry(mac: mac, ifindex: port, master: bridge, vlan: vlan, flags: [], state: .reachable))
    }

    /// The row of `mac` ages out of `bridge` (only a learned one: rows with `extern_learn` do not age).
    public mutating func age(_ mac: MACAddress, bridge: Int32, vlan: UInt16? = nil) {
        let k = FDBKey(table: .bridge(bridge), mac: mac, vlan: vlan)
        guard let row = rows[k], !row.isExternallyLearned, !row.state.contains(.permanent), !row.state.contains(.noARP) else { return }
        remove(k)
    }

    /// `bridge fdb add ...` by hand.
    public mutating func operatorAdd(_ entry: KernelFDBEntry) { put(entry) }

    /// `bridge fdb del ...` by hand.
    public mutating func operatorDelete(_ entry: KernelFDBEntry) { remove(key(of: entry)) }

    /// A port goes up or down; going down flushes its learned rows, as the bridge does.
    public mutating func setLink(_ index: Int32, up: Bool) {
        guard var link = links[index] else { return }
        link.isUp = up
        links[index] = link
        if !muted { pending.append(.linkChanged(link)) }
        if !up {
            for (k, row) in rows.sorted(by: { $0.key < $1.key })
            where row.isBridgeRow && row.ifindex == index && !row.isExternallyLearned && !row.state.contains(.permanent)
                && !row.state.contains(.noARP) {
                remove(k)
            }
        }
    }
}
