// The simulated kernel's bridge port flag `neigh_suppress`: set by a request (`ip link set ... type bridge_slave`,
// reported as an AF_UNSPEC RTM_NEWLINK: `.linkChanged`) or by an operator with `bridge link set` (reported only as
// an AF_BRIDGE RTM_NEWLINK: `.bridgePortChanged`), as the kernel here does (Netlink/BridgePort.swift).

extension SimulatedKernel {
    /// evpnd's request. Every port of a bridge takes it; any other device refuses (EOPNOTSUPP), returning false.
    public mutating func setNeighSuppress(port index: Int32, _ on: Bool) -> Bool {
        guard var link = links[index], let master = link.masterIndex, links[master]?.isBridge == true else { return false }
        link.neighSuppress = on
        links[index] = link
        if !muted { pending.append(.linkChanged(link)) }
        return true
    }

    /// `bridge link set dev PORT neigh_suppress on|off` by hand.
    public mutating func operatorSetNeighSuppress(port index: Int32, _ on: Bool) {
        guard var link = links[index] else { return }
        link.neighSuppress = on
        links[index] = link
        if !muted { pending.append(.bridgePortChanged(index: index, neighSuppress: on)) }
    }
}
