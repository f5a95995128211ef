// `redistribute connected`: the subnets of this machine's interfaces as routes of ours. The runtime finds them
// (address events, Daemon/ConnectedRoutes.swift) and hands them over in `EngineConfig.redistributedConnected`;
// a change goes through `.configure`, which touches nothing else when only they changed. As FRR sends them:
// ORIGIN incomplete (`?`), MED 0 (the connected route's metric), an empty AS_PATH, our address as next hop.

import BGPWire

extension RIB {
    mutating func originateConnected(prefix: IPPrefix) {
        let prefix = prefix.masked
        let attributes = interner.intern(attributes: [PathAttribute(.origin(.incomplete)), PathAttribute(.asPath(.empty)),
                                                      PathAttribute(.multiExitDisc(0))],
                                         nextHop: Array(repeating: 0, count: prefix.address.bytes.count))
        announce(.prefix(prefix), pathID: nil, attributes: attributes, slot: RIB.localSlot)
    }
}

extension Engine {
    /// Withdraws the subnets that went, originates the new ones. A `network` of the same prefix stays (it is
    /// originated again after a withdrawal here).
    mutating func redistribute(from old: [IPPrefix], to new: EngineConfig) {
        let kept = Set(new.redistributedConnected)
        for prefix in old where !kept.contains(prefix) {
            rib.withdrawLocal(prefix: prefix)
            if new.networks.contains(prefix) { rib.originate(prefix: prefix) }
        }
        for prefix in new.redistributedConnected where !new.networks.contains(prefix) { rib.originateConnected(prefix: prefix) }
    }
}
