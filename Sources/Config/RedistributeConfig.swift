// `redistribute connected` in `address-family ipv4 unicast` / `ipv6 unicast` (FRR 8.4's bgpd): the subnets of
// this machine's interfaces become routes of ours (origin incomplete, as FRR). evpnd has no route maps and no
// other route sources to redistribute: `route-map`, `metric` and other sources are refused with what and where.

import BGPWire

extension Parser {
    /// `[no] redistribute connected` (`words` starts at `redistribute`).
    mutating func redistributeCommand(_ words: [Word], negated: Bool, family: AddressFamily) throws(CommandError) -> Outcome {
        guard family == .ipv4Unicast || family == .ipv6Unicast else {
            throw CommandError(message: "only valid in 'address-family ipv4 unicast' or 'ipv6 unicast'", word: words[0])
        }
        guard words.count >= 2 else { throw CommandError(message: "'redistribute' needs a source", word: words[0]) }
        guard words[1].text == "connected" else {
            throw CommandError(message: "evpnd redistributes only 'connected' (it has no \(words[1].text) routes of its own)", word: words[1])
        }
        if words.count > 2 {
            throw CommandError(message: "evpnd has no route maps or metrics for redistributed routes: write 'redistribute connected' alone",
                               word: words[2])
        }
        if negated {
            router?.redistributeConnected.removeAll { $0 == family }
        } else if router?.redistributeConnected.contains(family) == false {
            router?.redistributeConnected.append(family)
        }
        return .done
    }
}
