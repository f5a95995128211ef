// What hosts and operators do to a fabric: a host appears behind another VTEP (its frames reach that
// VTEP's bridge, which learns it), a host keeps talking where it is, an orchestrator pins a host with
// a static FDB row, a VTEP's evpnd restarts. Each keeps the ground truth (`location`) in step.

import BGPCore
import BGPWire
import VTEP

extension Fabric {
    /// The index (k) of VNI `j` among VTEP `i`'s VNIs, if it is in it.
    public func slot(of j: Int, on i: Int) -> Int? { vnis(of: i).firstIndex(of: j) }

    /// Host `mac` sends a frame from behind VTEP `i` (its VNI must be one of `i`'s): the bridge learns
    /// it there (taking over an extern_learn row), and the host is behind `i` from now on.
    public mutating func move(_ mac: MACAddress, to i: Int) {
        guard let j = vniOfMAC[mac], let k = slot(of: j, on: i) else { return }
        net.kernel(vteps[i]) { $0.learn(mac, on: Self.portIndex(k)) }
        location[mac] = i
    }

    /// Host `mac` sends another frame where it is (VRRP adverts, ARP, any traffic): relearned if a
    /// remote install took its row over meanwhile.
    public mutating func talk(_ mac: MACAddress) {
        guard let i = location[mac] else { return }
        move(mac, to: i)
    }

    /// An orchestrator pins `mac` on VTEP `i`'s host port: `bridge fdb replace MAC dev PORT master static
    /// [sticky]` (OpenStack's bridge manager does this on the destination of a live migration).
    public mutating func pin(_ mac: MACAddress, at i: Int, sticky: Bool = false) {
        guard let j = vniOfMAC[mac], let k = slot(of: j, on: i) else { return }
        let entry = KernelFDBEntry(mac: mac, ifindex: Self.portIndex(k), master: Self.bridgeIndex(k),
                                   flags: sticky ? [.sticky] : [], state: .noARP)
        net.kernel(vteps[i]) { $0.operatorAdd(entry) }
        location[mac] = i
    }

    /// The orchestrator removes its pin of `mac` from VTEP `i` (`bridge fdb del`), as on a migration's
    /// source once the VM runs elsewhere.
    public mutating func unpin(_ mac: MACAddress, at i: Int) {
        guard let j = vniOfMAC[mac], let k = slot(of: j, on: i) else { return }
        let key = FDBKey(table: .bridge(Self.bridgeIndex(k)), mac: mac)
        guard let row = net.nodes[vteps[i]].vtep?.kernel.rows[key], !row.isExternallyLearned else { return }
        net.kernel(vteps[i]) { $0.operatorDelete(row) }
    }

    /// VTEP `i`'s evpnd process dies (its peers see the connections close) and starts again after
    /// `downFor` with no memory (sequence numbers included); the kernel keeps its rows.
    public mutating func restartVTEP(_ i: Int, downFor: Duration, whileDown: (inout Fabric) -> Void = { _ in }) {
        let node = vteps[i]
        net.kill(node, closeConnections: true)
        whileDown(&self)
        net.run(for: downFor)
        net.stopped.remove(node)
        net.nodes[node].timers = [:]
        net.nodes[node].engine = Engine(config: Self.vtepConfig(i))
        bootVTEP(i)
        net.deliver(.start, to: node)
    }

    /// The remote VTEP VTEP `i`'s kernel sends `mac` to, if any.
    public func remoteVTEP(of mac: MACAddress, on i: Int) -> IPAddress? {
        guard let j = vniOfMAC[mac], let k = slot(of: j, on: i) else { return nil }
        return net.nodes[vteps[i]].vtep?.kernel.rows.values.first {
            $0.mac == mac && $0.ifindex == Self.vxlanIndex(k) && !$0.isBridgeRow
        }?.destination
    }
}
