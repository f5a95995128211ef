// The eBGP fabric settings of a neighbor or peer group, in FRR 8.4's words (bgpd/bgp_vty.c):
//   neighbor X allowas-in [(1-10)|origin]     inside `address-family`: accept routes whose AS_PATH holds our AS
//                                             up to N times (3 when no number is given), or (`origin`) only
//                                             when our AS originated them (leaves that share an AS)
//   neighbor X ebgp-multihop [(1-255)]        the session's TTL (255 when no number is given); without it an
//                                             eBGP session is single-hop: TTL 1 and the peer must be on a
//                                             connected subnet
//   neighbor X disable-connected-check        single-hop eBGP to an address that is not on a connected subnet
//                                             (a directly connected router's loopback), TTL still 1

import BGPWire

/// `neighbor X allowas-in [N|origin]`.
public enum AllowASInMode: Hashable, Sendable {
    case occurrences(UInt8)
    case origin

    /// FRR's default count when the command has no argument.
    public static let defaultOccurrences: UInt8 = 3

    /// The command as FRR's running config writes it, without `neighbor X`.
    var commandText: String {
        switch self {
        case .origin: return "allowas-in origin"
        case .occurrences(Self.defaultOccurrences): return "allowas-in"
        case .occurrences(let n): return "allowas-in \(n)"
        }
    }
}

extension Parser {
    /// `[no] neighbor X allowas-in [N|origin]`, inside an address family (`words` starts at `neighbor`).
    mutating func parseAllowASIn(_ words: [Word], negated: Bool, family: AddressFamily?, name: Word, address: IPAddress?) throws(CommandError) {
        guard let family else { throw CommandError(message: "only valid inside 'address-family'", word: words[2]) }
        try expect(words, count: 3, orAtMost: 4)
        var mode = AllowASInMode.occurrences(AllowASInMode.defaultOccurrences)
        if words.count == 4 {
            if words[3].text == "origin" {
                mode = .origin
            } else {
                mode = .occurrences(UInt8(try parseNumber(words[3], in: 1...10, what: "allowas-in")))
            }
        }
        try updateSettings(name: name, address: address) { settings throws(CommandError) in
            settings.allowAsIn[family] = negated ? nil : mode
        }
    }

    /// `[no] neighbor X ebgp-multihop [N]`.
    mutating func parseEBGPMultihop(_ words: [Word], negated: Bool, name: Word, address: IPAddress?) throws(CommandError) {
        try expect(words, count: 3, orAtMost: 4)
        var hops: UInt8? = 255
        if negated {
            hops = nil
        } else if words.count == 4 {
            hops = UInt8(try parseNumber(words[3], in: 1...255, what: "ebgp-multihop"))
        }
        try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.ebgpMultihop = hops }
    }

    /// `[no] neighbor X disable-connected-check`.
    mutating func parseDisableConnectedCheck(_ words: [Word], negated: Bool, name: Word, address: IPAddress?) throws(CommandError) {
        try expect(words, count: 3)
        try updateSettings(name: name, address: address) { settings throws(CommandError) in
            settings.disableConnectedCheck = negated ? nil : true
        }
    }
}

extension Parser {
    /// `bgp ebgp-requires-policy` (FRR 8.4: on unless `frr defaults datacenter`): FRR then neither accepts nor
    /// sends routes on an eBGP session without an inbound and an outbound route-map. evpnd has no route maps, so
    /// it cannot satisfy the rule and does not apply it (docs/DECISIONS.md): one warning, at the command, says so
    /// when the file has eBGP neighbors, since the same file on FRR would exchange nothing over eBGP.
    mutating func finishEBGPPolicy(_ router: RouterBGPConfig) {
        // Only when written: FRR's traditional default is left unsaid (a warning on every file without `frr
        // defaults datacenter` would drown the others); docs/OPERATIONS.md says it.
        guard router.ebgpRequiresPolicy == true, let written = router.ebgpRequiresPolicyLocation else { return }
        let external = router.neighbors.first { neighbor in
            let remote = neighbor.settings.remoteAS ?? neighbor.peerGroup.flatMap { router.peerGroup(named: $0)?.settings.remoteAS }
            switch remote {
            case .external?: return true
            case .number(let n)?: return n != router.asn
            default: return false
            }
        }
        guard let external else { return }
        diagnostics.append(Diagnostic(.warning, written,
                                      "bgp ebgp-requires-policy is on (FRR's default unless 'frr defaults datacenter'): FRR would exchange "
                                      + "no routes with eBGP neighbor \(external.address) without route-maps; evpnd has no route-maps and "
                                      + "applies no policy, so it exchanges routes (write 'no bgp ebgp-requires-policy' to say so)",
                                      text: external.address.description))
    }
}
