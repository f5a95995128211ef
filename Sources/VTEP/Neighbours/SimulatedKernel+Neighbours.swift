// The simulated kernel's IPv4/IPv6 neighbour tables: `NeighbourOperation`s applied with the kernel's
// answers (EEXIST on an exclusive add, ENOENT on deleting what is not there) and events as RTM_NEWNEIGH /
// RTM_DELNEIGH would report them; and the host's side: an address resolved (ARP reply, NA), gone stale,
// failed, or deleted by an operator. As the kernel does, a resolution never changes a `noarp` or
// `permanent` row (neigh_update refuses to override them from the wire).

import BGPWire

extension SimulatedKernel {
    /// `ip neigh show` (both families).
    public func neighbourDump() -> [KernelNeighbourEntry] { neighbours.sorted { $0.key < $1.key }.map(\.value) }

    /// One batch of neighbour operations, answered one by one.
    public mutating func applyNeighbours(_ batch: [NeighbourOperation]) -> [KernelOperationResult] {
        batch.map { op in
            let key = NeighbourKey(ifindex: op.entry.ifindex, ip: op.entry.ip)
            let result: KernelOperationResult
            switch op {
            case .add(let entry), .append(let entry):
                if neighbours[key] != nil {
                    result = .failed(errno: KernelOperationResult.EEXIST)
                } else {
                    putNeighbour(entry)
                    result = .ok
                }
            case .replace(let entry):
                putNeighbour(entry)
                result = .ok
            case .delete:
                if neighbours[key] == nil {
                    result = .failed(errno: KernelOperationResult.ENOENT)
                } else {
                    removeNeighbour(key)
                    result = .ok
                }
            }
            neighbourJournal.append((op, result))
            return result
        }
    }

    /// The host at `ip` answered (or was seen): the kernel holds `ip lladdr mac` in `state` on `device`.
    public mutating func resolve(_ ip: IPAddress, to mac: MACAddress, on device: Int32, state: KernelNeighbourEntry.State = .reachable) {
        let key = NeighbourKey(ifindex: device, ip: ip)
        if let old = neighbours[key], !old.state.isDisjoint(with: [.noARP, .permanent]) { return }
        putNeighbour(KernelNeighbourEntry(ip: ip, mac: mac, ifindex: device, state: state))
    }

    /// The address stopped answering: the row goes FAILED (no link-layer address), as after unanswered probes.
    public mutating func fail(_ ip: IPAddress, on device: Int32) {
        let key = NeighbourKey(ifindex: device, ip: ip)
        guard let old = neighbours[key], old.state.isDisjoint(with: [.noARP, .permanent]) else { return }
        putNeighbour(KernelNeighbourEntry(ip: ip, mac: nil, ifindex: device, state: .failed))
    }

    /// `ip neigh add|replace ...` by hand.
    public mutating func operatorAddNeighbour(_ entry: KernelNeighbourEntry) { putNeighbour(entry) }

    /// `ip neigh del IP dev DEVICE` by hand.
    public mutating func operatorDeleteNeighbour(_ ip: IPAddress, on device: Int32) {
        removeNeighbour(NeighbourKey(ifindex: device, ip: ip))
    }

    private mutating func putNeighbour(_ entry: KernelNeighbourEntry) {
        neighbours[NeighbourKey(ifindex: entry.ifindex, ip: entry.ip)] = entry
        if !muted { pending.append(.neighbourAdded(entry)) }
    }

    private mutating func removeNeighbour(_ key: NeighbourKey) {
        guard let old = neighbours.removeValue(forKey: key) else { return }
        if !muted { pending.append(.neighbourRemoved(old)) }
    }
}
