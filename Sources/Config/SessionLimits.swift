// Session security and limits of a neighbor or peer group, in FRR 8.4's words (bgpd/bgp_vty.c):
//   neighbor X password P                                  TCP MD5 signature (RFC 2385), parsed with the other
//                                                          session settings in ConfigParser.swift
//   neighbor X ttl-security hops (1-254)                   GTSM (RFC 5082): accept only packets that crossed at
//                                                          most N-1 routers (they arrive with TTL >= 256-N)
//   neighbor X maximum-prefix (1-4294967295) [(1-100)] [restart (1-65535)|warning-only]
//                                                          inside `address-family`: more routes than the limit
//                                                          end the session with Cease/1 (RFC 4486), and it comes
//                                                          back after `restart` minutes (or only when cleared)

import BGPWire

/// `neighbor X maximum-prefix N [THRESHOLD] [restart MINUTES|warning-only]`.
public struct MaximumPrefixConfig: Hashable, Sendable {
    public var limit: UInt32
    /// The percentage of the limit at which a warning is logged (FRR's default is 75).
    public var thresholdPercent: UInt8?
    /// Minutes before a session torn down by the limit may come back; nil: only `clear bgp` brings it back.
    public var restartMinutes: UInt16?
    /// Log when the limit is passed, keep the session.
    public var warningOnly: Bool

    public init(limit: UInt32, thresholdPercent: UInt8? = nil, restartMinutes: UInt16? = nil, warningOnly: Bool = false) {
        self.limit = limit
        self.thresholdPercent = thresholdPercent
        self.restartMinutes = restartMinutes
        self.warningOnly = warningOnly
    }

    /// The command as FRR's running config writes it, without `neighbor X`.
    var commandText: String {
        var text = "maximum-prefix \(limit)"
        if let thresholdPercent { text += " \(thresholdPercent)" }
        if warningOnly { text += " warning-only" }
        if let restartMinutes { text += " restart \(restartMinutes)" }
        return text
    }
}

extension Parser {
    /// `neighbor X ttl-security hops N` / `no neighbor X ttl-security [hops N]`.
    mutating func parseTTLSecurity(_ words: [Word], negated: Bool, name: Word, address: IPAddress?) throws(CommandError) {
        var hops: UInt8?
        if negated {
            try expect(words, count: 3, orAtMost: 5)
        } else {
            try expect(words, count: 5)
            guard words[3].text == "hops" else { throw CommandError(message: "expected 'hops'", word: words[3]) }
            hops = UInt8(try parseNumber(words[4], in: 1...254, what: "ttl-security hops"))
        }
        try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.ttlSecurityHops = hops }
    }

    /// `neighbor X maximum-prefix N [THRESHOLD] [restart MINUTES|warning-only]`, inside an address family.
    mutating func parseMaximumPrefix(_ words: [Word], negated: Bool, family: AddressFamily?, name: Word,
                                     address: IPAddress?) throws(CommandError) {
        guard let family else { throw CommandError(message: "only valid inside 'address-family'", word: words[2]) }
        var limit: MaximumPrefixConfig?
        if !negated {
            guard words.count >= 4 else { throw CommandError(message: "incomplete command", word: words.last) }
            guard let value = UInt32(words[3].text), value >= 1 else {
                throw CommandError(message: "maximum-prefix must be 1..4294967295", word: words[3])
            }
            var config = MaximumPrefixConfig(limit: value)
            var i = 4
            if i < words.count, let percent = UInt8(words[i].text) {
                guard (1...100).contains(percent) else { throw CommandError(message: "threshold must be 1..100", word: words[i]) }
                config.thresholdPercent = percent
                i += 1
            }
            while i < words.count {
                switch words[i].text {
                case "warning-only" where !config.warningOnly && config.restartMinutes == nil:
                    config.warningOnly = true
                    i += 1
                case "restart" where config.restartMinutes == nil && !config.warningOnly:
                    guard i + 1 < words.count else { throw CommandError(message: "'restart' needs minutes", word: words[i]) }
                    config.restartMinutes = try parseNumber(words[i + 1], in: 1...65535, what: "restart minutes")
                    i += 2
                default:
                    throw CommandError(message: "expected 'restart MINUTES' or 'warning-only'", word: words[i])
                }
            }
            limit = config
            // Kept (the running config writes it back) but not applied yet: say so rather than ignore it silently.
            if family != .l2vpnEVPN {
                warning("maximum-prefix is enforced for l2vpn evpn only; this \(family) limit is not applied yet", words[2])
            }
        }
        try updateSettings(name: name, address: address) { settings throws(CommandError) in
            settings.maximumPrefix[family] = limit
        }
    }
}
