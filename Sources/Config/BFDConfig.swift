// BFD in FRR 8.4's words: bfdd's `bfd` stanza (bfdd/bfdd_cli.c) and bgpd's `neighbor X bfd` commands.
//
//   bfd
//    profile NAME
//     transmit-interval (10-60000)      ms, default 300
//     receive-interval (10-60000)       ms, default 300
//     detect-multiplier (2-255)         default 3
//     passive-mode
//     minimum-ttl (1-254)               multihop only, default 254
//     shutdown
//    exit
//    peer ADDR [multihop] [local-address ADDR] [interface IFNAME]    (any order, each once; multihop needs
//     profile NAME                                                    local-address, as FRR says)
//     ...the profile's commands, which win over the profile's values
//    exit
//   exit
//
//   router bgp N
//    neighbor X bfd
//    neighbor X bfd profile NAME
//    neighbor X bfd check-control-plane-failure    (RFC 5882 section 4.3: see NeighborBFDConfig)
//
// Ranges were checked against FRR 8.4.4's vtysh here (`transmit-interval 9` and `60001`, `detect-multiplier 1`
// and `256`, `minimum-ttl 0` and `255` are refused). The Echo function is not implemented: its commands are
// accepted with a warning, so an FRR file loads. Each value is an `Int?` while parsed: nil means "not written
// here", so a peer's own value wins over its profile's, which wins over FRR's default.

import BGPWire

/// The settings a profile or a peer writes (nil: not written).
public struct BFDSettingsConfig: Hashable, Sendable {
    /// Milliseconds.
    public var transmitInterval: UInt32?
    /// Milliseconds.
    public var receiveInterval: UInt32?
    public var detectMultiplier: UInt8?
    public var passiveMode: Bool?
    public var minimumTTL: UInt8?
    public var shutdown: Bool?

    public init() {}
}

public struct BFDProfileConfig: Hashable, Sendable {
    public var name: String
    public var settings: BFDSettingsConfig
    public var location: SourceLocation
}

public struct BFDPeerConfig: Hashable, Sendable {
    public var peer: IPAddress
    public var multihop: Bool
    public var localAddress: IPAddress?
    public var interface: String?
    public var profile: String?
    public var settings: BFDSettingsConfig
    public var location: SourceLocation

    /// The `peer ...` line as FRR writes it (multihop, local-address, interface).
    public var commandText: String {
        var text = "peer \(peer)"
        if multihop { text += " multihop" }
        if let localAddress { text += " local-address \(localAddress)" }
        if let interface { text += " interface \(interface)" }
        return text
    }

    func sameSession(as other: BFDPeerConfig) -> Bool {
        peer == other.peer && multihop == other.multihop && localAddress == other.localAddress && interface == other.interface
    }
}

/// `neighbor X bfd ...` on a BGP neighbor or peer group.
public struct NeighborBFDConfig: Hashable, Sendable {
    /// `neighbor X bfd profile NAME`.
    public var profile: String?
    /// `neighbor X bfd check-control-plane-failure`: look at the peer's C bit when BFD goes down (RFC 5882
    /// section 4.3). With graceful restart, a C bit clear means the peer's BFD shares fate with its control plane,
    /// so the down may be nothing but a control-plane restart: it is handled as one (routes kept as stale). A C bit
    /// set means BFD runs in the forwarding plane, so the down is a forwarding failure: the session goes down.
    public var checkControlPlaneFailure: Bool = false

    public init(profile: String? = nil, checkControlPlaneFailure: Bool = false) {
        self.profile = profile
        self.checkControlPlaneFailure = checkControlPlaneFailure
    }
}

/// A peer's or neighbor's settings with its profile and FRR's defaults applied.
public struct ResolvedBFDSettings: Hashable, Sendable {
    public var transmitInterval: UInt32
    public var receiveInterval: UInt32
    public var detectMultiplier: UInt8
    public var passiveMode: Bool
    public var minimumTTL: UInt8
    public var shutdown: Bool
}

public struct BFDConfig: Hashable, Sendable {
    public var profiles: [BFDProfileConfig] = []
    public var peers: [BFDPeerConfig] = []

    public init() {}

    public static let transmitIntervalRange: ClosedRange<Int> = 10...60000
    public static let receiveIntervalRange: ClosedRange<Int> = 10...60000
    public static let detectMultiplierRange: ClosedRange<Int> = 2...255
    public static let minimumTTLRange: ClosedRange<Int> = 1...254
    /// FRR's defaults (bfdd/bfd.h: BFD_DEFDESIREDMINTX, BFD_DEFREQUIREDMINRX, BFD_DEFDETECTMULT, BFD_DEF_MHOP_TTL).
    public static let defaults = ResolvedBFDSettings(transmitInterval: 300, receiveInterval: 300, detectMultiplier: 3,
                                                     passiveMode: false, minimumTTL: 254, shutdown: false)

    public func profile(named name: String) -> BFDProfileConfig? { profiles.first { $0.name == name } }

    /// Own settings, then the named profile's, then FRR's defaults.
    public func resolve(_ own: BFDSettingsConfig, profile name: String?) -> ResolvedBFDSettings {
        let profile = name.flatMap { self.profile(named: $0)?.settings } ?? BFDSettingsConfig()
        func pick<T>(_ path: KeyPath<BFDSettingsConfig, T?>, _ fallback: T) -> T {
            own[keyPath: path] ?? profile[keyPath: path] ?? fallback
        }
        let d = Self.defaults
        return ResolvedBFDSettings(transmitInterval: pick(\.transmitInterval, d.transmitInterval),
                                   receiveInterval: pick(\.receiveInterval, d.receiveInterval),
                                   detectMultiplier: pick(\.detectMultiplier, d.detectMultiplier),
                                   passiveMode: pick(\.passiveMode, d.passiveMode),
                                   minimumTTL: pick(\.minimumTTL, d.minimumTTL),
                                   shutdown: pick(\.shutdown, d.shutdown))
    }

    public func resolved(_ peer: BFDPeerConfig) -> ResolvedBFDSettings { resolve(peer.settings, profile: peer.profile) }

    /// `show running-config` lines of the stanza (none when nothing is configured), as FRR 8.4 writes them.
    var runningConfigLines: [String] {
        guard !profiles.isEmpty || !peers.isEmpty else { return [] }
        var lines = ["bfd"]
        for profile in profiles {
            lines.append(" profile \(profile.name)")
            lines += profile.settings.lines.map { "  " + $0 }
            lines += [" exit", " !"]
        }
        for peer in peers {
            lines.append(" " + peer.commandText)
            lines += peer.settings.lines.map { "  " + $0 }
            if let profile = peer.profile { lines.append("  profile \(profile)") }
            lines += [" exit", " !"]
        }
        lines += ["exit", "!"]
        return lines
    }
}

extension BFDSettingsConfig {
    var lines: [String] {
        var lines: [String] = []
        if let detectMultiplier { lines.append("detect-multiplier \(detectMultiplier)") }
        if let receiveInterval { lines.append("receive-interval \(receiveInterval)") }
        if let transmitInterval { lines.append("transmit-interval \(transmitInterval)") }
        if let shutdown { lines.append(shutdown ? "shutdown" : "no shutdown") }
        if let passiveMode { lines.append(passiveMode ? "passive-mode" : "no passive-mode") }
        if let minimumTTL { lines.append("minimum-ttl \(minimumTTL)") }
        return lines
    }
}

extension NeighborBFDConfig {
    /// The `neighbor NAME ...` words.
    var lines: [String] {
        var lines = [profile.map { "bfd profile \($0)" } ?? "bfd"]
        if checkControlPlaneFailure { lines.append("bfd check-control-plane-failure") }
        return lines
    }
}

// MARK: parsing

extension Parser {
    /// Commands of the `bfd` node and of its `profile` and `peer` nodes.
    mutating func bfdCommand(_ words: [Word], in here: Node) throws(CommandError) -> Outcome {
        let text = words.map(\.text)
        switch here {
        case .bfd:
            switch text[0] {
            case "profile":
                try expect(words, count: 2)
                let name = try bfdProfileName(words[1])
                if bfd.profile(named: name) == nil {
                    bfd.profiles.append(BFDProfileConfig(name: name, settings: BFDSettingsConfig(), location: location(words[0].column)))
                }
                node = .bfdProfile(name)
                return .done
            case "peer":
                let peer = try bfdPeer(words)
                if let index = bfd.peers.firstIndex(where: { $0.sameSession(as: peer) }) {
                    node = .bfdPeer(index)
                } else {
                    bfd.peers.append(peer)
                    node = .bfdPeer(bfd.peers.count - 1)
                }
                return .done
            case "no":
                guard words.count >= 2, text[1] == "profile" || text[1] == "peer" else { return .notHere }
                if text[1] == "profile" {
                    try expect(words, count: 3)
                    bfd.profiles.removeAll { $0.name == text[2] }
                } else {
                    let peer = try bfdPeer(Array(words.dropFirst()))
                    bfd.peers.removeAll { $0.sameSession(as: peer) }
                }
                return .done
            case "exit", "end":
                try expect(words, count: 1)
                return leaveToConfig()
            default:
                return .notHere
            }
        case .bfdProfile(let name):
            guard let index = bfd.profiles.firstIndex(where: { $0.name == name }) else { return .notHere }
            if text[0] == "exit" {
                try expect(words, count: 1)
                node = .bfd
                return .done
            }
            var settings = bfd.profiles[index].settings
            guard try bfdSetting(words, into: &settings, multihop: nil) else { return .notHere }
            bfd.profiles[index].settings = settings
            return .done
        case .bfdPeer(let index):
            guard bfd.peers.indices.contains(index) else { return .notHere }
            switch text[0] {
            case "exit":
                try expect(words, count: 1)
                node = .bfd
                return .done
            case "profile":
                try expect(words, count: 2)
                bfd.peers[index].profile = try bfdProfileName(words[1])
                return .done
            case "no" where words.count >= 2 && text[1] == "profile":
                try expect(words, count: 2, orAtMost: 3)
                bfd.peers[index].profile = nil
                return .done
            default:
                var settings = bfd.peers[index].settings
                guard try bfdSetting(words, into: &settings, multihop: bfd.peers[index].multihop) else { return .notHere }
                bfd.peers[index].settings = settings
                return .done
            }
        default:
            return .notHere
        }
    }

    /// One setting of a profile or peer (`multihop` nil in a profile). False when `words` is not one.
    mutating func bfdSetting(_ words: [Word], into settings: inout BFDSettingsConfig, multihop: Bool?) throws(CommandError) -> Bool {
        let negated = words[0].text == "no"
        let words = negated ? Array(words.dropFirst()) : words
        guard let verb = words.first else { return false }
        switch verb.text {
        case "transmit-interval", "receive-interval":
            try expect(words, count: negated ? 1 : 2, orAtMost: 2)
            let value: UInt32? = negated ? nil
                : UInt32(try bfdNumber(words[1], in: BFDConfig.transmitIntervalRange, what: "\(verb.text) (milliseconds)"))
            if verb.text == "transmit-interval" { settings.transmitInterval = value } else { settings.receiveInterval = value }
        case "detect-multiplier":
            try expect(words, count: negated ? 1 : 2, orAtMost: 2)
            settings.detectMultiplier = negated ? nil
                : UInt8(try bfdNumber(words[1], in: BFDConfig.detectMultiplierRange, what: "detect-multiplier"))
        case "minimum-ttl":
            try expect(words, count: negated ? 1 : 2, orAtMost: 2)
            if multihop == false {
                // FRR: "Minimum TTL is only available for multi hop sessions." (single hop always wants 255)
                throw CommandError(message: "minimum-ttl is only available for multihop sessions", word: verb)
            }
            settings.minimumTTL = negated ? nil : UInt8(try bfdNumber(words[1], in: BFDConfig.minimumTTLRange, what: "minimum-ttl"))
        case "passive-mode":
            try expect(words, count: 1)
            settings.passiveMode = !negated
        case "shutdown":
            try expect(words, count: 1)
            settings.shutdown = !negated
        case "echo-mode", "echo-interval", "echo":
            warning("the BFD Echo function is not supported; ignored", verb)
        default:
            if negated { throw CommandError(message: "unknown 'no' command", word: verb) }
            return false
        }
        return true
    }

    /// `peer ADDR [multihop] [local-address ADDR] [interface IFNAME] [vrf default]`, options in any order.
    func bfdPeer(_ words: [Word]) throws(CommandError) -> BFDPeerConfig {
        guard words.count >= 2 else { throw CommandError(message: "'peer' needs an address", word: words[0]) }
        guard let address = IPAddress(words[1].text) else { throw CommandError(message: "bad peer address", word: words[1]) }
        var peer = BFDPeerConfig(peer: address, multihop: false, localAddress: nil, interface: nil, profile: nil,
                                 settings: BFDSettingsConfig(), location: location(words[0].column))
        var seen: Set<String> = []
        var index = 2
        while index < words.count {
            let option = words[index]
            guard seen.insert(option.text).inserted else { throw CommandError(message: "'\(option.text)' given twice", word: option) }
            switch option.text {
            case "multihop":
                peer.multihop = true
                index += 1
            case "local-address", "interface", "vrf":
                guard index + 1 < words.count else { throw CommandError(message: "'\(option.text)' needs a value", word: option) }
                let value = words[index + 1]
                if option.text == "local-address" {
                    guard let local = IPAddress(value.text) else { throw CommandError(message: "bad local address", word: value) }
                    guard local.bitLength == address.bitLength else {
                        throw CommandError(message: "local-address and peer are of different address families", word: value)
                    }
                    peer.localAddress = local
                } else if option.text == "interface" {
                    peer.interface = value.text
                } else if value.text != "default" {
                    throw CommandError(message: "BFD in a VRF is not supported", word: value)
                }
                index += 2
            default:
                throw CommandError(message: "unexpected word (multihop, local-address, interface)", word: option)
            }
        }
        if peer.multihop && peer.localAddress == nil {
            throw CommandError(message: "local-address is required when using multihop", word: words[0])
        }
        return peer
    }

    func bfdNumber(_ word: Word, in range: ClosedRange<Int>, what: String) throws(CommandError) -> Int {
        guard word.text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(word.text) else {
            throw CommandError(message: "\(what) must be a number", word: word)
        }
        guard range.contains(value) else {
            throw CommandError(message: "\(what) must be \(range.lowerBound)..\(range.upperBound)", word: word)
        }
        return value
    }

    /// FRR: a WORD of at most 63 characters (bfdd.h BFD_PROFILE_NAME_LEN 64, with the NUL).
    func bfdProfileName(_ word: Word) throws(CommandError) -> String {
        guard word.text.utf8.count <= 63 else { throw CommandError(message: "profile name longer than 63 characters", word: word) }
        return word.text
    }

    /// `neighbor X bfd [profile NAME | check-control-plane-failure]`, and `no` of each. `words` starts at `neighbor`.
    mutating func neighborBFDCommand(_ words: [Word], negated: Bool, name: Word, address: IPAddress?) throws(CommandError) {
        let option = words.count > 3 ? words[3] : nil
        switch option?.text {
        case nil:
            try expect(words, count: 3)
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                settings.bfd = negated ? nil : settings.bfd ?? NeighborBFDConfig()
            }
        case "profile":
            try expect(words, count: negated ? 4 : 5, orAtMost: 5)
            let profile: String? = negated ? nil : try bfdProfileName(words[4])
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                // `no ... bfd profile` leaves BFD as it was (on without a profile, or off).
                guard !negated || settings.bfd != nil else { return }
                var bfd = settings.bfd ?? NeighborBFDConfig()
                bfd.profile = profile
                settings.bfd = bfd
            }
            if let profile { bfdProfileUses.append((profile, location(words[4].column))) }
        case "check-control-plane-failure":
            try expect(words, count: 4)
            try updateSettings(name: name, address: address) { settings throws(CommandError) in
                guard !negated || settings.bfd != nil else { return }
                var bfd = settings.bfd ?? NeighborBFDConfig()
                bfd.checkControlPlaneFailure = !negated
                settings.bfd = bfd
            }
        default:
            if let option, option.text.allSatisfy({ $0.isNumber }) {
                throw CommandError(message: "'neighbor X bfd MULT RX TX' is not supported; use a bfd profile", word: option)
            }
            throw CommandError(message: "unknown 'neighbor bfd' option (profile, check-control-plane-failure)", word: option)
        }
    }

    /// End of file: profiles named by peers and neighbors but never defined. FRR accepts them (the profile may come
    /// later over vtysh) and runs FRR's defaults meanwhile; a file that names one is most likely mistyped.
    mutating func finishBFD() {
        var uses = bfdProfileUses
        for peer in bfd.peers { if let profile = peer.profile { uses.append((profile, peer.location)) } }
        var warned: Set<String> = []
        for (profile, at) in uses where bfd.profile(named: profile) == nil && warned.insert(profile).inserted {
            diagnostics.append(Diagnostic(.warning, at, "BFD profile is not defined in this file; FRR's defaults apply", text: profile))
        }
    }
}
