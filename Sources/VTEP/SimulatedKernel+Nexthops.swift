// The fake kernel's nexthop objects, with the kernel's answers: EEXIST on an add of a taken id, ENOENT
// for a group naming a missing nexthop and for a delete of a missing id; deleting a nexthop takes it out
// of every group that holds it, reported as the group's new state, as `ip monitor nexthop` shows.

extension SimulatedKernel {
    public mutating func applyNexthops(_ operations: [NexthopOperation]) -> [KernelOperationResult] {
        operations.map { op in
            switch op {
            case .add(let n) where nexthops[n.id] != nil:
                return .failed(errno: KernelOperationResult.EEXIST)
            case .add(let n), .replace(let n), .append(let n):
                if case .group(let members) = n.target, members.isEmpty || members.contains(where: { nexthops[$0] == nil }) {
                    return .failed(errno: KernelOperationResult.ENOENT)
                }
                nexthops[n.id] = n
                if !muted { pending.append(.nexthopAdded(n)) }
                return .ok
            case .delete(let n):
                guard let gone = nexthops.removeValue(forKey: n.id) else { return .failed(errno: KernelOperationResult.ENOENT) }
                if !muted { pending.append(.nexthopRemoved(gone)) }
                for (id, other) in nexthops.sorted(by: { $0.key < $1.key }) {
                    guard case .group(let members) = other.target, members.contains(n.id) else { continue }
                    let updated = KernelNexthop(id: id, target: .group(members.filter { $0 != n.id }), isFDB: other.isFDB)
                    nexthops[id] = updated
                    if !muted { pending.append(.nexthopAdded(updated)) }
                }
                return .ok
            }
        }
    }

    /// `ip nexthop show`.
    public func nexthopDump() -> [KernelNexthop] { nexthops.values.sorted { $0.id < $1.id } }
}
