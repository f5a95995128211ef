// An in-memory model of the kernel's main routing table, for tests and the simulator (as SimulatedKernel
// is for the FDB): it applies route operations with the kernel's answers (EEXIST on an exclusive add,
// ESRCH, read as ENOENT, on a delete of a row that is not there or of another protocol) and reports what
// changed as RTM_NEWROUTE/RTM_DELROUTE would; an operator adds and deletes rows by hand.

import BGPWire

public struct SimulatedRouteTable: Sendable {
    public private(set) var rows: [KernelRouteKey: KernelRouteEntry] = [:]
    /// Events not yet taken, in order: (added, row).
    public private(set) var pending: [(added: Bool, row: KernelRouteEntry)] = []

    public init(rows: [KernelRouteEntry] = []) {
        for row in rows { self.rows[KernelRouteKey(prefix: row.prefix, metric: row.metric)] = row }
    }

    public func dump() -> [KernelRouteEntry] { rows.keys.sorted().compactMap { rows[$0] } }

    public mutating func takeEvents() -> [(added: Bool, row: KernelRouteEntry)] {
        defer { pending = [] }
        return pending
    }

    public mutating func apply(_ operations: [KernelRouteOperation]) -> [KernelOperationResult] {
        operations.map { apply($0) }
    }

    public mutating func apply(_ operation: KernelRouteOperation) -> KernelOperationResult {
        let row = operation.entry
        let key = KernelRouteKey(prefix: row.prefix, metric: row.metric)
        switch operation {
        case .add, .append:
            if rows[key] != nil { return .failed(errno: KernelOperationResult.EEXIST) }
            put(row)
        case .replace:
            put(row)
        case .delete:
            // `ip route del PREFIX proto P metric M` removes only a row of protocol P.
            guard let old = rows[key], old.protocol == row.protocol else { return .failed(errno: KernelOperationResult.ENOENT) }
            remove(old)
        }
        return .ok
    }

    /// An operator's or another daemon's `ip route replace`.
    public mutating func put(_ row: KernelRouteEntry) {
        rows[KernelRouteKey(prefix: row.prefix, metric: row.metric)] = row
        pending.append((true, row))
    }

    /// An operator's `ip route del`, or the kernel dropping a route with its device.
    public mutating func remove(_ row: KernelRouteEntry) {
        guard rows.removeValue(forKey: KernelRouteKey(prefix: row.prefix, metric: row.metric)) != nil else { return }
        pending.append((false, row))
    }
}
