// `[no] arp-nd-suppress`: an evpnd extension of FRR's `address-family l2vpn evpn` (globally, or inside a `vni N`
// block, which wins for its VNI). FRR 8.4 has no such command: zebra leaves `neigh_suppress` on the VXLAN bridge
// port to the operator (ifupdown2's `bridge-arp-nd-suppress on`). With it, evpnd sets the flag (`arp-nd-suppress`)
// or clears it (`no arp-nd-suppress`) on the VNIs' ports and keeps it so; without either line it never touches
// the flag. Every use gets a warning saying so, which `evpnd --check` prints: an FRR that reads the same file
// rejects the line.

import BGPWire

extension Parser {
    /// `arp-nd-suppress` (`words` starts at it; `negated` for the `no` form) in the family or in `vni N` (`vni`).
    mutating func suppressionCommand(_ words: [Word], negated: Bool, family: AddressFamily? = nil, vni: UInt32? = nil)
        throws(CommandError) -> Outcome {
        if let family, family != .l2vpnEVPN {
            throw CommandError(message: "only valid in 'address-family l2vpn evpn'", word: words[0])
        }
        try expect(words, count: 1)
        if let vni {
            guard let index = router?.vnis.firstIndex(where: { $0.vni == vni }) else { return .notHere }
            router?.vnis[index].arpNDSuppress = !negated
        } else {
            router?.arpNDSuppress = !negated
        }
        warning("'arp-nd-suppress' is an evpnd extension (FRR 8.4 has no such command and leaves neigh_suppress "
                + "to the operator): evpnd \(negated ? "clears" : "sets") neigh_suppress on the VXLAN bridge port"
                + (vni.map { " of VNI \($0)" } ?? "s of every VNI"), words[0])
        return .done
    }
}
