// ARP/ND suppression: `neigh_suppress` on each VNI's VXLAN bridge port, when the configuration asks for it.
//
// With the flag on, the bridge answers ARP requests and neighbour solicitations for addresses in the SVI's
// neighbour table (the remote hosts evpnd installs as `noarp extern_learn`) from the local switch, and does not
// flood them, gratuitous ARPs or unsolicited NAs to the VXLAN port (net/bridge/br_arp_nd_proxy.c). FRR 8.4 leaves
// the flag to the operator (ifupdown2's `bridge-arp-nd-suppress`); evpnd sets it only when `arp-nd-suppress` or
// `no arp-nd-suppress` is written (globally or in a `vni N` block, the block winning), and otherwise never
// touches it. It reports the kernel's value either way (`show evpn vni`).
//
// Level-triggered like the reconcilers: after every input, each VNI in service whose port's flag (as the last
// link message said) differs from the wanted value gets one request. A request is remembered until a link
// message shows the wanted value, so a stale event read before the change took effect does not repeat it, and a
// refused request is not retried in a loop; a full link dump (start, resync) forgets every request, and an
// operator's later change is undone at its event.

import BGPWire

extension VTEPState {
    /// The `neigh_suppress` evpnd wants on a VNI's port; nil: the operator's.
    public func wantedSuppression(vni: UInt32) -> Bool? {
        config.vnis[vni]?.arpNDSuppress ?? config.arpNDSuppress
    }

    /// A link message for `link`: a request it satisfies is done.
    mutating func observeSuppression(_ link: KernelLink) {
        if let asked = suppressionRequested[link.index], link.neighSuppress == asked {
            suppressionRequested[link.index] = nil
        }
    }

    /// Requests for the ports whose flag is not what the configuration wants.
    mutating func planSuppression(_ fx: inout VTEPEffects) {
        for (vni, instance) in vnis.sorted(by: { $0.key < $1.key }) {
            guard let want = wantedSuppression(vni: vni) else { continue }
            let index = instance.port.vxlanIndex
            guard let link = links[index], link.neighSuppress != want, suppressionRequested[index] != want else { continue }
            suppressionRequested[index] = want
            let was = link.neighSuppress.map { $0 ? "on" : "off" } ?? "unknown"
            fx.log(.info, "VNI \(vni): neigh_suppress \(want ? "on" : "off") on \(link.name) (was \(was))", vni: vni)
            fx.outputs.append(.setNeighSuppress(port: index, name: link.name, on: want))
        }
    }

    /// The kernel's `neigh_suppress` on a VNI's port, as last reported.
    public func kernelSuppression(vni: UInt32) -> Bool? {
        guard let port = ports[vni] else { return nil }
        return links[port.vxlanIndex]?.neighSuppress
    }
}
