// A parser of the FRR dialect's `router bgp` part (FRR 8.4's bgpd commands, as `show running-config` writes them
// and as people write them by hand).
//
// FRR's own rules, kept here so that FRR files load unchanged:
// - A file is a sequence of commands in nodes (config, `router bgp`, `address-family ...`). Files usually have no
//   indentation and few `exit`s, so a command that is not valid in the current node is tried in the enclosing
//   node, and if it is valid there the parser moves to that node (lib/command.c, `cmd_execute_command` walking up
//   `node_parent`).
// - `!` starts a comment line; `#` too (and, as the seed's files do, `# ...` after a command).
// - Stanzas of other daemons (`interface`, `ip route`, `line vty`, `log`...) are not ours: they are skipped, with
//   one warning naming them, so an integrated `frr.conf` loads as it is.
// - A `neighbor X ...` command needs X to exist first (by `remote-as` or `peer-group`), as bgpd's vty says
//   "Specify remote-as or peer-group commands first".

import BGPWire

public enum ConfigParser {
    /// Reads and parses a file. A file that cannot be read, or that is not text, is an error like any other.
    public static func load(path: String, localAddresses: Set<IPAddress> = []) -> ConfigParseResult {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            return ConfigParseResult(config: nil, diagnostics: [
                Diagnostic(.error, SourceLocation(file: path, line: 1, column: 1), "cannot read the file: \(error)")])
        }
        return parse(bytes: bytes, file: path, localAddresses: localAddresses)
    }

    public static func parse(bytes: [UInt8], file: String, localAddresses: Set<IPAddress> = []) -> ConfigParseResult {
        if let nul = bytes.firstIndex(of: 0) {
            let line = 1 + bytes[..<nul].count { $0 == UInt8(ascii: "\n") }
            return ConfigParseResult(config: nil, diagnostics: [
                Diagnostic(.error, SourceLocation(file: file, line: line, column: 1), "binary file (NUL byte), not a configuration")])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return ConfigParseResult(config: nil, diagnostics: [
                Diagnostic(.error, SourceLocation(file: file, line: 1, column: 1), "binary file (not UTF-8 text), not a configuration")])
        }
        return parse(text: text, file: file, localAddresses: localAddresses)
    }

    /// `localAddresses`: this machine's addresses; a neighbor naming one of them (or the router-id) is ignored with a warning.
    public static func parse(text: String, file: String, localAddresses: Set<IPAddress> = []) -> ConfigParseResult {
        var parser = Parser(file: file)
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let words = tokenize(line)
            if words.isEmpty { continue }
            parser.execute(words, line: lineNumber, text: String(line).trimmingSpaces)
        }
        return parser.finish(localAddresses: localAddresses)
    }

    /// Words with their 1-based columns; a word starting with `!` or `#` ends the line (a comment).
    static func tokenize(_ line: Substring) -> [Word] {
        var words: [Word] = []
        var column = 0
        var current = ""
        var start = 0
        for character in line {
            column += 1
            if character == " " || character == "\t" {
                if !current.isEmpty { words.append(Word(text: current, column: start)); current = "" }
                continue
            }
            if current.isEmpty {
                if character == "!" || character == "#" { return words }
                start = column
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(Word(text: current, column: start)) }
        return words
    }
}

struct Word: Hashable {
    var text: String
    var column: Int
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// The nodes of FRR's command tree that this parser knows.
enum Node: Hashable {
    case config
    case routerBGP
    case addressFamily(AddressFamily)
    /// `vni N` inside `address-family l2vpn evpn` (EVPNConfig.swift).
    case vni(UInt32)
    /// Another daemon's stanza (`interface eth0`, `line vty`...): its lines are skipped.
    case foreign(String)
    /// bfdd's `bfd` stanza and its `profile NAME` and `peer ...` nodes (BFDConfig.swift; the peer by index).
    case bfd
    case bfdProfile(String)
    case bfdPeer(Int)
    /// `interface IFNAME`: its `evpn mh` lines are ours, the rest zebra's (EVPNMultihomingConfig.swift).
    case interface(String)

    var parent: Node? {
        switch self {
        case .config: return nil
        case .routerBGP, .foreign, .bfd, .interface: return .config
        case .bfdProfile, .bfdPeer: return .bfd
        case .addressFamily: return .routerBGP
        case .vni: return .addressFamily(.l2vpnEVPN)
        }
    }
}

/// Thrown by a command handler: the message is about `word` (or the whole line when nil).
struct CommandError: Error {
    var message: String
    var word: Word?
}

enum Outcome {
    case done
    /// Not a command of this node: try the enclosing one.
    case notHere
}

struct Parser {
    let file: String
    var node: Node = .config
    var diagnostics: [Diagnostic] = []
    var hostname: String?
    var profile: DefaultsProfile = .traditional
    var router: RouterBGPConfig?
    /// `metrics listen ADDRESS PORT` (MetricsEndpointConfig.swift).
    var metrics: MetricsEndpointConfig?
    var bfd = BFDConfig()
    /// zebra's `evpn mh` lines (EVPNMultihomingConfig.swift).
    var multihoming = EVPNMultihomingConfig()
    /// `neighbor X bfd profile NAME`: names to check at the end of the file.
    var bfdProfileUses: [(String, SourceLocation)] = []
    /// Other daemons' commands skipped, first occurrence of each, for the one warning.
    var skipped: [(name: String, location: SourceLocation)] = []

    // The current line, for diagnostics.
    var line = 0
    var lineText = ""

    init(file: String) { self.file = file }

    func location(_ column: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }

    mutating func error(_ message: String, _ word: Word?) {
        diagnostics.append(Diagnostic(.error, location(word?.column ?? 1), message, text: word?.text ?? lineText))
    }

    mutating func warning(_ message: String, _ word: Word?) {
        diagnostics.append(Diagnostic(.warning, location(word?.column ?? 1), message, text: word?.text ?? lineText))
    }

    mutating func execute(_ words: [Word], line: Int, text: String) {
        self.line = line
        lineText = text
        var candidate: Node? = node
        while let here = candidate {
            do {
                switch try handle(words, in: here) {
                case .done:
                    return
                case .notHere:
                    candidate = here.parent
                }
            } catch {
                self.error(error.message, error.word)
                return
            }
        }
        if case .foreign = node { return }  // a line of another daemon's stanza
        let first = words[0].text
        let message = ["neighbor", "bgp", "timers", "address-family", "advertise-all-vni", "exit-address-family"].contains(first)
            ? "'\(first)' is only valid inside 'router bgp'" : "unknown command"
        diagnostics.append(Diagnostic(.error, location(words[0].column), message, text: lineText))
    }

    mutating func handle(_ words: [Word], in here: Node) throws(CommandError) -> Outcome {
        switch here {
        case .config: return try configCommand(words)
        case .routerBGP: return try routerCommand(words)
        case .addressFamily(let family): return try addressFamilyCommand(words, family: family)
        case .vni(let vni): return try vniCommand(words, vni: vni)
        case .bfd, .bfdProfile, .bfdPeer: return try bfdCommand(words, in: here)
        case .interface(let name): return try interfaceCommand(words, name: name)
        case .foreign:
            let first = words[0].text
            if first == "exit" || first == "end" { return leaveToConfig() }
            // Only what opens something else ends the stanza; everything else (`ip address`, `exec-timeout`...)
            // is one of its own lines.
            return Self.stanzaEnders.contains(first) || Self.foreignStanzas.contains(first) ? .notHere : .done
        }
    }

    static let stanzaEnders: Set<String> = ["router", "hostname", "frr", "bfd"]
    /// `neighbor X ...` commands that belong to an address family.
    static let familyNeighborCommands: Set<String> = ["activate", "route-reflector-client", "maximum-prefix", "next-hop-self", "allowas-in"]

    mutating func leaveToConfig() -> Outcome {
        node = .config
        return .done
    }

    // MARK: config node

    /// Single-line commands of other daemons (zebra, the vty, logging) that an integrated frr.conf holds.
    static let foreignCommands: Set<String> = [
        "log", "service", "debug", "password", "enable", "agentx", "fpm", "zebra", "allow-external-route-update",
        "ip", "ipv6", "mpls", "table", "bfd-profile", "nexthop-group-limit", "username",
    ]
    /// Commands of other daemons that open a node of their own.
    static let foreignStanzas: Set<String> = ["interface", "line", "vrf", "segment-routing", "key", "pseudowire", "mpls-te"]

    mutating func configCommand(_ words: [Word]) throws(CommandError) -> Outcome {
        let first = words[0].text
        switch first {
        case "router":
            guard words.count >= 2 else { throw CommandError(message: "'router' needs a protocol", word: nil) }
            guard words[1].text == "bgp" else {
                // Another routing daemon's instance (`router ospf`...): not ours.
                skip("router \(words[1].text)", words[0])
                node = .foreign("router \(words[1].text)")
                return .done
            }
            guard words.count >= 3 else { throw CommandError(message: "'router bgp' needs an AS number", word: words[1]) }
            if words.count > 3 {
                throw CommandError(message: words[3].text == "vrf" ? "BGP in a VRF is not supported" : "unexpected word",
                                   word: words[3])
            }
            let asn = try parseASN(words[2])
            if let existing = router {
                guard existing.asn == asn else {
                    throw CommandError(message: "a second 'router bgp' instance (this one is AS \(existing.asn))", word: words[2])
                }
            } else {
                router = RouterBGPConfig(asn: asn, location: location(words[0].column))
            }
            node = .routerBGP
            return .done
        case "hostname":
            try expect(words, count: 2)
            hostname = words[1].text
            return .done
        case "frr":
            guard words.count >= 2 else { throw CommandError(message: "incomplete command", word: words[0]) }
            if words[1].text == "defaults" {
                try expect(words, count: 3)
                guard let chosen = DefaultsProfile(rawValue: words[2].text) else {
                    throw CommandError(message: "unknown defaults profile (traditional or datacenter)", word: words[2])
                }
                profile = chosen
            }
            return .done  // `frr version X`: informational
        case "end", "exit", "write":
            return .done
        case "metrics":
            return try metricsCommand(words)
        case "bfd":
            try expect(words, count: 1)
            node = .bfd
            return .done
        case "interface":
            try openInterface(words)
            return .done
        case "evpn":
            return try globalMultihomingCommand(words, negated: false)
        case "no":
            if words.count >= 2, words[1].text == "evpn" {
                return try globalMultihomingCommand(Array(words.dropFirst()), negated: true)
            }
            if words.count >= 2, Self.foreignCommands.contains(words[1].text) {
                skip(words[1].text, words[0])
                return .done
            }
            return .notHere
        default:
            if Self.foreignCommands.contains(first) {
                skip(first == "ip" || first == "ipv6" ? "\(first) \(words.count > 1 ? words[1].text : "")" : first, words[0])
                return .done
            }
            if Self.foreignStanzas.contains(first) {
                let name = words.count > 1 ? "\(first) \(words[1].text)" : first
                skip(first == "interface" || first == "vrf" ? first : name, words[0])
                node = .foreign(name)
                return .done
            }
            return .notHere
        }
    }

    mutating func skip(_ name: String, _ word: Word) {
        let name = name.trimmingSpaces
        if !skipped.contains(where: { $0.name == name }) { skipped.append((name, location(word.column))) }
    }

    // MARK: router bgp node

    mutating func routerCommand(_ words: [Word]) throws(CommandError) -> Outcome {
        guard router != nil else { return .notHere }
        let text = words.map(\.text)
        switch text[0] {
        case "bgp":
            guard words.count >= 2 else { throw CommandError(message: "incomplete command", word: words[0]) }
            switch text[1] {
            case "router-id":
                try expect(words, count: 3)
                let id = try parseIPv4(words[2])
                router?.routerID = id
            case "cluster-id":
                try expect(words, count: 3)
                let id = try parseIPv4(words[2])
                router?.clusterID = id
            case "default":
                try expect(words, count: 3)
                guard text[2] == "ipv4-unicast" else { throw CommandError(message: "unsupported default", word: words[2]) }
                router?.defaultIPv4Unicast = true
            case "ebgp-requires-policy":
                try expect(words, count: 2)
                router?.ebgpRequiresPolicy = true
                let here = location(words[0].column)
                router?.ebgpRequiresPolicyLocation = here
            case "enforce-first-as":
                try expect(words, count: 2)
                router?.enforceFirstAS = true
            case "bestpath":
                try multipathRelaxCommand(words, negated: false)
            case "log-neighbor-changes":
                try expect(words, count: 2)  // evpnd always logs them
            case "graceful-restart", "graceful-restart-disable":
                try gracefulRestartCommand(words, negated: false)
            case "listen":
                guard words.count >= 3 else { throw CommandError(message: "incomplete command", word: words[1]) }
                if text[2] == "limit" {
                    try expect(words, count: 4)
                    guard let limit = Int(text[3]), (1...65535).contains(limit) else {
                        throw CommandError(message: "listen limit must be 1..65535", word: words[3])
                    }
                    router?.listenLimit = limit
                } else if text[2] == "range" {
                    try expect(words, count: 6)
                    guard text[4] == "peer-group" else { throw CommandError(message: "expected 'peer-group'", word: words[4]) }
                    let prefix = try parsePrefix(words[3])
                    guard router?.peerGroup(named: text[5]) != nil else {
                        throw CommandError(message: "peer group is used before it is defined", word: words[5])
                    }
                    let here = location(words[0].column)
                    router?.listenRanges.append(ListenRangeConfig(prefix: prefix, peerGroup: text[5], location: here))
                } else {
                    throw CommandError(message: "unknown 'bgp listen' command", word: words[2])
                }
            default:
                throw CommandError(message: "unknown 'bgp' command", word: words[1])
            }
            return .done
        case "no":
            guard words.count >= 2 else { return .notHere }
            if text[1] == "bgp", words.count >= 3 {
                switch text[2] {
                case "default":
                    try expect(words, count: 4)
                    guard text[3] == "ipv4-unicast" else { throw CommandError(message: "unsupported default", word: words[3]) }
                    router?.defaultIPv4Unicast = false
                case "ebgp-requires-policy":
                    try expect(words, count: 3)
                    router?.ebgpRequiresPolicy = false
                case "enforce-first-as":
                    try expect(words, count: 3)
                    router?.enforceFirstAS = false
                case "log-neighbor-changes":
                    try expect(words, count: 3)
                case "bestpath":
                    try multipathRelaxCommand(Array(words.dropFirst()), negated: true)
                case "graceful-restart", "graceful-restart-disable":
                    try gracefulRestartCommand(Array(words.dropFirst()), negated: true)
                default:
                    throw CommandError(message: "unknown 'no bgp' command", word: words[2])
                }
                return .done
            }
            if text[1] == "neighbor" { return try neighborCommand(Array(words.dropFirst()), negated: true, family: nil) }
            return .notHere
        case "timers":
            guard words.count >= 2, text[1] == "bgp" else { throw CommandError(message: "expected 'timers bgp KEEPALIVE HOLD'", word: words[0]) }
            try expect(words, count: 4)
            let (keepalive, hold) = try parseTimers(words[2], words[3])
            router?.keepalive = keepalive
            router?.holdTime = hold
            return .done
        case "neighbor":
            return try neighborCommand(words, negated: false, family: nil)
        case "address-family":
            guard words.count >= 3 else { throw CommandError(message: "'address-family' needs an AFI and a SAFI", word: words[0]) }
            try expect(words, count: 3)
            let family: AddressFamily
            switch (text[1], text[2]) {
            case ("l2vpn", "evpn"): family = .l2vpnEVPN
            case ("ipv4", "unicast"): family = .ipv4Unicast
            case ("ipv6", "unicast"): family = .ipv6Unicast
            default: throw CommandError(message: "unsupported address family", word: words[1])
            }
            node = .addressFamily(family)
            return .done
        case "exit":
            node = .config
            return .done
        default:
            return .notHere
        }
    }

    // MARK: address-family node

    mutating func addressFamilyCommand(_ words: [Word], family: AddressFamily) throws(CommandError) -> Outcome {
        let text = words.map(\.text)
        switch text[0] {
        case "exit-address-family", "exit":
            try expect(words, count: 1)
            node = .routerBGP
            return .done
        case "advertise-all-vni":
            guard family == .l2vpnEVPN else { throw CommandError(message: "only valid in 'address-family l2vpn evpn'", word: words[0]) }
            try expect(words, count: 1)
            router?.advertiseAllVNI = true
            return .done
        case "neighbor":
            guard words.count >= 3, Self.familyNeighborCommands.contains(text[2]) else { return .notHere }
            return try neighborCommand(words, negated: false, family: family)
        case "vni", "dup-addr-detection", "autort":
            return try evpnCommand(words, family: family)
        case "disable-ead-evi-rx", "disable-ead-evi-tx", "ead-es-frag":
            return try multihomingFamilyCommand(words, negated: false, family: family)
        case "network":
            return try networkCommand(words, negated: false, family: family)
        case "maximum-paths":
            return try maximumPathsCommand(words, negated: false, family: family)
        case "redistribute":
            return try redistributeCommand(words, negated: false, family: family)
        case "no":
            if words.count >= 2, ["disable-ead-evi-rx", "disable-ead-evi-tx", "ead-es-frag"].contains(text[1]) {
                return try multihomingFamilyCommand(Array(words.dropFirst()), negated: true, family: family)
            }
            if words.count >= 2, text[1] == "dup-addr-detection" || text[1] == "autort" { return try evpnCommand(words, family: family) }
            if words.count >= 2, text[1] == "network" { return try networkCommand(Array(words.dropFirst()), negated: true, family: family) }
            if words.count >= 2, text[1] == "redistribute" { return try redistributeCommand(Array(words.dropFirst()), negated: true, family: family) }
            if words.count >= 2, text[1] == "maximum-paths" { return try maximumPathsCommand(Array(words.dropFirst()), negated: true, family: family) }
            if words.count >= 4, text[1] == "neighbor", Self.familyNeighborCommands.contains(text[3]) {
                return try neighborCommand(Array(words.dropFirst()), negated: true, family: family)
            }
            if words.count == 2, text[1] == "advertise-all-vni", family == .l2vpnEVPN {
                router?.advertiseAllVNI = false
                return .done
            }
            return .notHere
        default:
            return .notHere
        }
    }

    /// `[no] network PREFIX` in `address-family ipv4 unicast` or `ipv6 unicast` (`words` starts at `network`).
    mutating func networkCommand(_ words: [Word], negated: Bool, family: AddressFamily) throws(CommandError) -> Outcome {
        guard family == .ipv4Unicast || family == .ipv6Unicast else {
            throw CommandError(message: "only valid in 'address-family ipv4 unicast' or 'ipv6 unicast'", word: words[0])
        }
        guard words.count >= 2 else { throw CommandError(message: "'network' needs a prefix", word: words[0]) }
        // FRR's `network P route-map M|label-index N|backdoor`: evpnd has no route maps; refused rather than ignored.
        try expect(words, count: 2)
        let prefix = try parsePrefix(words[1])
        guard (prefix.address.bitLength == 32) == (family == .ipv4Unicast) else {
            throw CommandError(message: "not an \(family == .ipv4Unicast ? "IPv4" : "IPv6") prefix", word: words[1])
        }
        if negated {
            router?.networks.removeAll { $0 == prefix }
        } else if router?.networks.contains(prefix) == false {
            router?.networks.append(prefix)
        }
        return .done
    }

    // MARK: neighbor commands

    /// `words` starts at `neighbor` (after `no` when negated). `family` is set in an address-family node.
    mutating func neighborCommand(_ words: [Word], negated: Bool, family: AddressFamily?) throws(CommandError) -> Outcome {
        guard words.count >= 3 else { throw CommandError(message: "incomplete 'neighbor' command", word: words.last) }
        let name = words[1]
        let verb = words[2]
        let address = IPAddress(name.text)

        // Definitions first: they may create the neighbor or group.
        if verb.text == "peer-group", !negated {
            if words.count == 3 {
                guard address == nil else { throw CommandError(message: "a peer group name cannot be an address", word: name) }
                guard name.text.first?.isLetter == true else { throw CommandError(message: "a peer group name must start with a letter", word: name) }
                if router?.peerGroup(named: name.text) == nil {
                    let here = location(name.column)
                    router?.peerGroups.append(PeerGroupConfig(name: name.text, settings: NeighborSettings(), location: here))
                }
                return .done
            }
            try expect(words, count: 4)
            guard let address else { throw CommandError(message: "expected a neighbor address", word: name) }
            guard router?.peerGroup(named: words[3].text) != nil else {
                throw CommandError(message: "peer group is used before it is defined", word: words[3])
            }
            if let index = neighborIndex(address) {
                if let current = router?.neighbors[index].peerGroup, current != words[3].text {
                    throw CommandError(message: "neighbor is already a member of peer group '\(current)'", word: words[3])
                }
                router?.neighbors[index].peerGroup = words[3].text
            } else {
                let here = location(name.column)
                router?.neighbors.append(NeighborConfig(address: address, peerGroup: words[3].text, settings: NeighborSettings(),
                                                        location: here))
            }
            return .done
        }
        if verb.text == "remote-as", !negated {
            try expect(words, count: 4)
            let remoteAS: RemoteAS
            switch words[3].text {
            case "internal": remoteAS = .internal
            case "external": remoteAS = .external
            default: remoteAS = .number(try parseASN(words[3]))
            }
            if let address, neighborIndex(address) == nil {
                let here = location(name.column)
                router?.neighbors.append(NeighborConfig(address: address, peerGroup: nil, settings: NeighborSettings(),
                                                        location: here))
            }
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                if let existing = settings.remoteAS, existing != remoteAS {
                    throw CommandError(message: "duplicate neighbor: already configured with remote-as \(existing)", word: words[3])
                }
                settings.remoteAS = remoteAS
            }
            return .done
        }

        switch verb.text {
        case "activate", "route-reflector-client":
            try expect(words, count: 3)
            guard let family else { throw CommandError(message: "only valid inside 'address-family'", word: verb) }
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                if verb.text == "activate" {
                    settings.activated[family] = !negated
                } else {
                    settings.routeReflectorClient[family] = !negated
                }
            }
        case "next-hop-self":
            try expect(words, count: 3, orAtMost: 4)
            guard let family, family == .ipv4Unicast || family == .ipv6Unicast else {
                throw CommandError(message: "only valid in 'address-family ipv4 unicast' or 'ipv6 unicast' (EVPN next hops are never changed)",
                                   word: verb)
            }
            var mode = NextHopSelfMode.on
            if words.count == 4 {
                guard words[3].text == "force" || words[3].text == "all" else {
                    throw CommandError(message: "expected 'force'", word: words[3])
                }
                mode = .force
            }
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                settings.nextHopSelf[family] = negated ? nil : mode
            }
        case "update-source":
            try expect(words, count: negated ? 3 : 4, orAtMost: 4)
            let source: IPAddress? = negated ? nil : try parseUpdateSource(words[3])
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.updateSource = source }
        case "capability":
            try expect(words, count: 4)
            guard words[3].text == "extended-nexthop" else { throw CommandError(message: "unsupported capability", word: words[3]) }
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.extendedNextHop = !negated }
        case "timers":
            if words.count >= 4, words[3].text == "connect" {
                try expect(words, count: negated ? 4 : 5, orAtMost: 5)
                let seconds: UInt16? = negated ? nil : try parseNumber(words[4], in: 1...65535, what: "connect timer")
                try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.connectRetry = seconds }
            } else {
                try expect(words, count: negated ? 3 : 5, orAtMost: 5)
                var keepalive: UInt16?, hold: UInt16?
                if !negated { (keepalive, hold) = try parseTimers(words[3], words[4]) }
                try updateSettings(name: name, address: address) { settings throws(CommandError) in
                    settings.keepalive = keepalive
                    settings.holdTime = hold
                }
            }
        case "shutdown":
            // `shutdown message TEXT` is allowed; the text goes in the Cease (RFC 8203) when the engine supports it.
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.shutdown = !negated }
        case "passive":
            try expect(words, count: 3)
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.passive = !negated }
        case "description":
            guard negated || words.count >= 4 else { throw CommandError(message: "'description' needs text", word: verb) }
            let text = words.dropFirst(3).map(\.text).joined(separator: " ")
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.description = negated ? nil : text }
        case "port":
            try expect(words, count: negated ? 3 : 4, orAtMost: 4)
            let port: UInt16? = negated ? nil : try parseNumber(words[3], in: 1...65535, what: "port")
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.port = port }
        case "password":
            try expect(words, count: negated ? 3 : 4, orAtMost: 4)
            let password = negated ? nil : words[3].text
            // The kernel's TCP MD5 key is at most 80 octets (TCP_MD5SIG_MAXKEYLEN), as FRR's `password` WORD.
            if let password, password.utf8.count > 80 { throw CommandError(message: "password longer than 80 octets", word: words[3]) }
            try updateSettings(name: name, address: address) { settings throws(CommandError) in settings.password = password }
        case "bfd":
            try neighborBFDCommand(words, negated: negated, name: name, address: address)
        case "ttl-security":
            try parseTTLSecurity(words, negated: negated, name: name, address: address)
        case "maximum-prefix":
            try parseMaximumPrefix(words, negated: negated, family: family, name: name, address: address)
        case "allowas-in":
            try parseAllowASIn(words, negated: negated, family: family, name: name, address: address)
        case "ebgp-multihop":
            try parseEBGPMultihop(words, negated: negated, name: name, address: address)
        case "disable-connected-check":
            try parseDisableConnectedCheck(words, negated: negated, name: name, address: address)
        case "graceful-restart", "graceful-restart-helper", "graceful-restart-disable":
            try expect(words, count: 3)
            let mode: NeighborGracefulRestart = verb.text == "graceful-restart" ? .restart : verb.text == "graceful-restart-helper" ? .helper : .disable
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                if negated {
                    if settings.gracefulRestart == mode { settings.gracefulRestart = nil }
                } else {
                    settings.gracefulRestart = mode
                }
            }
        default:
            throw CommandError(message: "unknown 'neighbor' command", word: verb)
        }
        return .done
    }

    func neighborIndex(_ address: IPAddress) -> Int? { router?.neighbors.firstIndex { $0.address == address } }

    /// Applies `change` to the neighbor or group `name`, which must exist.
    mutating func updateSettings(name: Word, address: IPAddress?,
                                 _ change: (inout NeighborSettings) throws(CommandError) -> Void) throws(CommandError) {
        guard var current = router else { return }
        if let address {
            guard let index = current.neighbors.firstIndex(where: { $0.address == address }) else {
                throw CommandError(message: "unknown neighbor: specify remote-as or peer-group commands first", word: name)
            }
            try change(&current.neighbors[index].settings)
        } else {
            guard let index = current.peerGroups.firstIndex(where: { $0.name == name.text }) else {
                if name.text.first?.isLetter == true {
                    throw CommandError(message: "peer group is used before it is defined", word: name)
                }
                throw CommandError(message: "bad neighbor address", word: name)
            }
            try change(&current.peerGroups[index].settings)
        }
        router = current
    }

    // MARK: values

    func expect(_ words: [Word], count: Int, orAtMost most: Int? = nil) throws(CommandError) {
        let most = max(most ?? count, count)
        if words.count > most { throw CommandError(message: "unexpected word", word: words[most]) }
        if words.count < count { throw CommandError(message: "incomplete command", word: words.last) }
    }

    func parseASN(_ word: Word) throws(CommandError) -> UInt32 {
        guard word.text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(word.text) else {
            throw CommandError(message: "bad AS number", word: word)
        }
        guard (1...UInt64(UInt32.max)).contains(value) else {
            throw CommandError(message: "AS number out of range (1..4294967295)", word: word)
        }
        return UInt32(value)
    }

    func parseIPv4(_ word: Word) throws(CommandError) -> IPv4Address {
        guard let address = IPv4Address(word.text) else { throw CommandError(message: "bad IPv4 address", word: word) }
        return address
    }

    func parseUpdateSource(_ word: Word) throws(CommandError) -> IPAddress {
        if let address = IPAddress(word.text) { return address }
        if word.text.first?.isLetter == true {
            throw CommandError(message: "update-source by interface name is not supported; give an address", word: word)
        }
        throw CommandError(message: "bad address", word: word)
    }

    func parsePrefix(_ word: Word) throws(CommandError) -> IPPrefix {
        let parts = word.text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = UInt8(parts[1]),
              Int(length) <= address.bitLength else {
            throw CommandError(message: "bad prefix", word: word)
        }
        return IPPrefix(address: address.masked(to: Int(length)), length: length)
    }

    func parseNumber(_ word: Word, in range: ClosedRange<Int>, what: String) throws(CommandError) -> UInt16 {
        guard let value = Int(word.text), range.contains(value) else {
            throw CommandError(message: "\(what) must be \(range.lowerBound)..\(range.upperBound)", word: word)
        }
        return UInt16(value)
    }

    /// Keepalive 0..65535, hold 0 or 3..65535 (RFC 4271 section 4.2: a hold time of 1 or 2 is not allowed).
    func parseTimers(_ keepaliveWord: Word, _ holdWord: Word) throws(CommandError) -> (UInt16, UInt16) {
        let keepalive = try parseNumber(keepaliveWord, in: 0...65535, what: "keepalive")
        let hold = try parseNumber(holdWord, in: 0...65535, what: "hold time")
        guard hold == 0 || hold >= 3 else { throw CommandError(message: "hold time must be 0 or 3..65535", word: holdWord) }
        return (keepalive, hold)
    }

    // MARK: end of file

    mutating func finish(localAddresses: Set<IPAddress>) -> ConfigParseResult {
        line = 1
        lineText = ""
        if !skipped.isEmpty {
            diagnostics.append(Diagnostic(.warning, skipped[0].location,
                                          "skipped commands of other FRR daemons: " + skipped.map(\.name).joined(separator: ", ")))
        }
        guard var router else {
            diagnostics.append(Diagnostic(.error, SourceLocation(file: file, line: 1, column: 1),
                                          diagnostics.isEmpty && skipped.isEmpty ? "empty configuration: no 'router bgp'" : "no 'router bgp' in the file"))
            return ConfigParseResult(config: nil, diagnostics: diagnostics)
        }
        var own = localAddresses
        if let id = router.routerID { own.insert(.v4(id)) }
        router.neighbors.removeAll { neighbor in
            guard own.contains(neighbor.address) else { return false }
            diagnostics.append(Diagnostic(.warning, neighbor.location, "neighbor is this router's own address; ignored",
                                          text: neighbor.address.description))
            return true
        }
        for neighbor in router.neighbors where neighbor.settings.remoteAS == nil {
            let groupAS = neighbor.peerGroup.flatMap { router.peerGroup(named: $0)?.settings.remoteAS }
            if groupAS == nil {
                diagnostics.append(Diagnostic(.error, neighbor.location, "neighbor has no remote-as (neither its own nor its peer group's)",
                                              text: neighbor.address.description))
            }
        }
        for range in router.listenRanges where router.peerGroup(named: range.peerGroup)?.settings.remoteAS == nil {
            diagnostics.append(Diagnostic(.error, range.location, "peer group of a listen range needs a remote-as", text: range.peerGroup))
        }
        finishBFD()
        finishMultihoming()
        finishEBGPPolicy(router)
        let hasErrors = diagnostics.contains { $0.severity == .error }
        var config = BGPConfig(hostname: hostname, profile: profile, router: router, metrics: metrics)
        config.bfd = bfd
        config.multihoming = multihoming
        return ConfigParseResult(config: hasErrors ? nil : config, diagnostics: diagnostics)
    }
}

extension IPAddress {
    /// The address with every bit past `length` cleared.
    func masked(to length: Int) -> IPAddress {
        switch self {
        case .v4(let a):
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            return .v4(IPv4Address(rawValue: a.rawValue & mask))
        case .v6(let a):
            let highMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~UInt64(0) << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length >= 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
            return .v6(IPv6Address(high: a.high & highMask, low: a.low & lowMask))
        }
    }
}

/// Whole-file read through Glibc (this module has no Foundation).
func readFile(_ path: String) throws -> [UInt8] {
    try FileReader.read(path)
}
