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

/// `maximum-paths N` and `maximum-paths ibgp N` of one unicast family; nil: not written (FRR's default, 64).
public struct MaximumPathsConfig: Hashable, Sendable {
    public var ebgp: Int?
    public var ibgp: Int?
    public init() {}
}

extension Parser {
    /// `[no] maximum-paths [ibgp] N [equal-cluster-length]` in `address-family ipv4|ipv6 unicast` (`words` starts at
    /// `maximum-paths`). FRR's range is 1..256 (its MULTIPATH_NUM on Debian).
    mutating func maximumPathsCommand(_ words: [Word], negated: Bool, family: AddressFamily) throws(CommandError) -> Outcome {
        guard family == .ipv4Unicast || family == .ipv6Unicast else {
            throw CommandError(message: "only valid in 'address-family ipv4 unicast' or 'ipv6 unicast'", word: words[0])
        }
        let ibgp = words.count >= 2 && words[1].text == "ibgp"
        let numberAt = ibgp ? 2 : 1
        var number: Int?
        if negated {
            try expect(words, count: numberAt, orAtMost: numberAt + 2)
        } else {
            try expect(words, count: numberAt + 1, orAtMost: ibgp ? numberAt + 2 : numberAt + 1)
            number = Int(try parseNumber(words[numberAt], in: 1...256, what: "maximum-paths"))
            if words.count == numberAt + 2, words[numberAt + 1].text != "equal-cluster-length" {
                throw CommandError(message: "expected 'equal-cluster-length'", word: words[numberAt + 1])
            }
        }
        var config = router?.maximumPaths[family] ?? MaximumPathsConfig()
        if ibgp { config.ibgp = number } else { config.ebgp = number }
        router?.maximumPaths[family] = config
        return .done
    }

    /// `[no] bgp bestpath as-path multipath-relax [as-set|no-as-set]` (`words` starts at `bgp`).
    mutating func multipathRelaxCommand(_ words: [Word], negated: Bool) throws(CommandError) {
        try expect(words, count: 4, orAtMost: 5)
        guard words[2].text == "as-path", words[3].text == "multipath-relax" else {
            throw CommandError(message: "expected 'bgp bestpath as-path multipath-relax'", word: words[2])
        }
        if words.count == 5, words[4].text != "as-set", words[4].text != "no-as-set" {
            throw CommandError(message: "expected 'as-set' or 'no-as-set'", word: words[4])
        }
        router?.multipathRelax = !negated
    }
}
