// EVPN multihoming (RFC 7432 section 8, RFC 8584) in FRR 8.4's words. zebra's part (zebra/zebra_evpn_mh.c):
//
//   evpn mh startup-delay (0-3600)           global, default 180 s
//   evpn mh mac-holdtime (0-86400)           global, default 1080 s
//   evpn mh neigh-holdtime (0-86400)         global, default 1080 s
//   interface IFNAME
//    evpn mh es-id (1-16777215|ESI)          a local discriminator, or a whole 10-octet ESI
//    evpn mh es-sys-mac X:X:X:X:X:X          with a numeric es-id: the type-3 ESI 03:<sys-mac>:<3-octet id>
//    evpn mh es-df-pref (1-65535)            default 32767
//    evpn mh uplink                          a core-facing link (for port state, not an ES)
//
// and bgpd's (bgpd/bgp_evpn_vty.c), under `address-family l2vpn evpn`:
//
//   disable-ead-evi-rx | disable-ead-evi-tx | ead-es-frag evi-limit (1-1000)   (default 128)
//
// each with its `no` form. evpnd's extensions, which FRR 8.4 does not have (so `--check` warns that FRR would
// refuse the line):
//
//    evpn mh es-df-alg preference|hrw|modulo         RFC 8584 DF algorithm of the ES (default preference)
//    evpn mh es-redundancy all-active|single-active  RFC 7432 section 8.5 (default all-active)
//
// Every other line of an `interface` stanza (`ip address`, `description`...) is zebra's and is skipped as before.

import BGPWire

/// The DF election algorithm an ES is configured with (an evpnd extension; FRR only has preference).
public enum DFAlgorithmConfig: String, Hashable, Sendable, CaseIterable {
    case preference
    case hrw
    case modulo

    public var algorithm: DFAlgorithm {
        switch self {
        case .preference: return .preference
        case .hrw: return .highestRandomWeight
        case .modulo: return .modulo
        }
    }
}

/// The `evpn mh` lines of one `interface IFNAME` stanza.
public struct EVPNInterfaceConfig: Hashable, Sendable {
    public enum ESID: Hashable, Sendable {
        /// `es-id (1-16777215)`: needs `es-sys-mac` to form the ESI.
        case localDiscriminator(UInt32)
        /// `es-id ESI`: the whole identifier.
        case esi(EthernetSegmentIdentifier)
    }

    public var name: String
    public var esID: ESID?
    public var systemMAC: MACAddress?
    /// `es-df-pref`; nil: FRR's default 32767.
    public var dfPreference: UInt16?
    /// Extension `es-df-alg`; nil: preference.
    public var dfAlgorithm: DFAlgorithmConfig?
    /// Extension `es-redundancy single-active`.
    public var singleActive = false
    public var uplink = false
    /// The `interface` line.
    public var location: SourceLocation
    /// Where `es-id` / `es-sys-mac` were last written, for the end-of-file checks.
    var esIDLocation: SourceLocation?
    var systemMACLocation: SourceLocation?

    public static let defaultDFPreference: UInt16 = 32767

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// The ES identifier: the configured ESI, or the type-3 (MAC-based, RFC 7432 section 5) ESI FRR forms from
    /// the system MAC and the local discriminator. nil when the interface is not (completely) an ES.
    public var esi: EthernetSegmentIdentifier? {
        switch esID {
        case .esi(let esi)?: return esi
        case .localDiscriminator(let id)?:
            guard let mac = systemMAC else { return nil }
            return Self.type3ESI(systemMAC: mac, localDiscriminator: id)
        case nil: return nil
        }
    }

    /// `03 | system MAC (6) | local discriminator (3)`.
    public static func type3ESI(systemMAC: MACAddress, localDiscriminator: UInt32) -> EthernetSegmentIdentifier {
        let id = localDiscriminator & 0xff_ffff
        let bytes = [0x03] + systemMAC.bytes + [UInt8(id >> 16), UInt8((id >> 8) & 0xff), UInt8(id & 0xff)]
        return EthernetSegmentIdentifier(bytes: bytes) ?? .zero
    }

    public var resolvedDFPreference: UInt16 { dfPreference ?? Self.defaultDFPreference }
    public var resolvedDFAlgorithm: DFAlgorithmConfig { dfAlgorithm ?? .preference }

    /// zebra's `show running-config` lines inside the stanza (zebra_evpn_mh_if_write order), then ours.
    var lines: [String] {
        var lines: [String] = []
        if let systemMAC { lines.append("evpn mh es-sys-mac \(systemMAC)") }
        switch esID {
        case .localDiscriminator(let id)?: lines.append("evpn mh es-id \(id)")
        case .esi(let esi)?: lines.append("evpn mh es-id \(esi)")
        case nil: break
        }
        if let dfPreference { lines.append("evpn mh es-df-pref \(dfPreference)") }
        if uplink { lines.append("evpn mh uplink") }
        if let dfAlgorithm { lines.append("evpn mh es-df-alg \(dfAlgorithm.rawValue)") }
        if singleActive { lines.append("evpn mh es-redundancy single-active") }
        return lines
    }
}

/// zebra's global `evpn mh` settings and the interfaces that carry `evpn mh` lines (in file order).
public struct EVPNMultihomingConfig: Hashable, Sendable {
    public var interfaces: [EVPNInterfaceConfig] = []
    /// Seconds; nil: FRR's defaults below.
    public var startupDelay: Int?
    public var macHoldTime: Int?
    public var neighHoldTime: Int?

    public static let defaultStartupDelay = 180
    public static let defaultMACHoldTime = 1080
    public static let defaultNeighHoldTime = 1080

    public init() {}

    public var resolvedStartupDelay: Int { startupDelay ?? Self.defaultStartupDelay }
    public var resolvedMACHoldTime: Int { macHoldTime ?? Self.defaultMACHoldTime }
    public var resolvedNeighHoldTime: Int { neighHoldTime ?? Self.defaultNeighHoldTime }

    /// The interfaces that are Ethernet Segments (an ESI is formed).
    public var ethernetSegments: [EVPNInterfaceConfig] { interfaces.filter { $0.esi != nil } }

    /// Global lines then one stanza per interface, as zebra writes them (a value equal to the default is
    /// still written when it was given, so the file round-trips as written).
    var runningConfigLines: [String] {
        var lines: [String] = []
        if let macHoldTime { lines.append("evpn mh mac-holdtime \(macHoldTime)") }
        if let neighHoldTime { lines.append("evpn mh neigh-holdtime \(neighHoldTime)") }
        if let startupDelay { lines.append("evpn mh startup-delay \(startupDelay)") }
        for interface in interfaces where !interface.lines.isEmpty {
            lines.append("interface \(interface.name)")
            lines += interface.lines.map { " " + $0 }
            lines.append("exit")
            lines.append("!")
        }
        return lines
    }
}

/// bgpd's multihoming lines under `address-family l2vpn evpn`.
public struct EVPNMultihomingBGPConfig: Hashable, Sendable {
    /// `disable-ead-evi-rx`: do not use received EAD per EVI routes (aliasing by EAD per ES alone).
    public var disableEADEVIReceive = false
    /// `disable-ead-evi-tx`: do not send EAD per EVI routes.
    public var disableEADEVITransmit = false
    /// `ead-es-frag evi-limit`; nil: FRR's 128 (bgpd/bgp_evpn_mh.h BGP_EVPN_MAX_EVI_PER_ES_FRAG).
    public var eadESFragmentEVILimit: Int?

    public static let defaultEVILimit = 128

    public init() {}

    public var resolvedEVILimit: Int { eadESFragmentEVILimit ?? Self.defaultEVILimit }

    var lines: [String] {
        var lines: [String] = []
        if let eadESFragmentEVILimit { lines.append("ead-es-frag evi-limit \(eadESFragmentEVILimit)") }
        if disableEADEVIReceive { lines.append("disable-ead-evi-rx") }
        if disableEADEVITransmit { lines.append("disable-ead-evi-tx") }
        return lines
    }
}

extension Parser {
    static let extensionWarning = "evpnd extension: FRR 8.4 has no such command and would refuse this line"

    /// `interface IFNAME`: opens the stanza. Its `evpn mh` lines are ours; the rest stays zebra's and is skipped.
    mutating func openInterface(_ words: [Word]) throws(CommandError) {
        guard words.count >= 2 else { throw CommandError(message: "'interface' needs a name", word: words[0]) }
        // `interface X vrf Y`: a VRF interface is never an ES here; the stanza is still zebra's to read.
        let name = words[1].text
        if !multihoming.interfaces.contains(where: { $0.name == name }) {
            multihoming.interfaces.append(EVPNInterfaceConfig(name: name, location: location(words[0].column)))
        }
        node = .interface(name)
    }

    /// Lines inside `interface IFNAME`.
    mutating func interfaceCommand(_ words: [Word], name: String) throws(CommandError) -> Outcome {
        let text = words.map(\.text)
        if text[0] == "exit" || text[0] == "end" || text[0] == "exit-vrf" { return leaveToConfig() }
        let negated = text[0] == "no"
        let rest = negated ? Array(words.dropFirst()) : words
        guard rest.count >= 2, rest[0].text == "evpn", rest[1].text == "mh" else {
            // A new stanza or `router` ends this one; anything else is one of zebra's interface lines.
            if Self.stanzaEnders.contains(text[0]) || Self.foreignStanzas.contains(text[0]) { return .notHere }
            // Warned about once, at the stanza's `interface` line, as when the whole stanza was skipped.
            if !skipped.contains(where: { $0.name == "interface" }),
               let opened = multihoming.interfaces.first(where: { $0.name == name })?.location {
                skipped.append(("interface", opened))
            }
            return .done
        }
        guard let index = multihoming.interfaces.firstIndex(where: { $0.name == name }) else { return .notHere }
        guard rest.count >= 3 else { throw CommandError(message: "incomplete 'evpn mh' command", word: rest[1]) }
        let verb = rest[2]
        let value = rest.count >= 4 ? rest[3] : nil
        var interface = multihoming.interfaces[index]
        switch verb.text {
        case "es-id":
            try expect(rest, count: negated ? 3 : 4, orAtMost: 4)
            if negated {
                interface.esID = nil
                interface.esIDLocation = nil
            } else if let value {
                interface.esID = try parseESID(value)
                interface.esIDLocation = location(value.column)
            }
        case "es-sys-mac":
            try expect(rest, count: negated ? 3 : 4, orAtMost: 4)
            if negated {
                interface.systemMAC = nil
                interface.systemMACLocation = nil
            } else if let value {
                guard let mac = MACAddress(value.text) else { throw CommandError(message: "bad MAC address", word: value) }
                guard mac != .zero, mac.bytes[0] & 0x01 == 0 else {
                    throw CommandError(message: "es-sys-mac must be a unicast MAC address, not zero", word: value)
                }
                interface.systemMAC = mac
                interface.systemMACLocation = location(value.column)
            }
        case "es-df-pref":
            try expect(rest, count: negated ? 3 : 4, orAtMost: 4)
            interface.dfPreference = negated ? nil : try value.map { word throws(CommandError) in
                try parseNumber(word, in: 1...65535, what: "es-df-pref")
            }
        case "uplink":
            try expect(rest, count: 3)
            interface.uplink = !negated
        case "es-df-alg":
            try expect(rest, count: negated ? 3 : 4, orAtMost: 4)
            if negated {
                interface.dfAlgorithm = nil
            } else if let value {
                guard let algorithm = DFAlgorithmConfig(rawValue: value.text) else {
                    throw CommandError(message: "expected 'preference', 'hrw' or 'modulo'", word: value)
                }
                interface.dfAlgorithm = algorithm
            }
            warning(Self.extensionWarning, verb)
        case "es-redundancy":
            try expect(rest, count: negated ? 3 : 4, orAtMost: 4)
            if negated {
                interface.singleActive = false
            } else if let value {
                guard value.text == "single-active" || value.text == "all-active" else {
                    throw CommandError(message: "expected 'single-active' or 'all-active'", word: value)
                }
                interface.singleActive = value.text == "single-active"
            }
            warning(Self.extensionWarning, verb)
        case "bypass":
            throw CommandError(message: "'evpn mh bypass' (LACP bypass) is not supported: this kernel has no bonding driver", word: verb)
        default:
            throw CommandError(message: "unknown 'evpn mh' interface command", word: verb)
        }
        multihoming.interfaces[index] = interface
        return .done
    }

    /// Global `[no] evpn mh startup-delay|mac-holdtime|neigh-holdtime N`; `words` starts at `evpn` (after `no`).
    mutating func globalMultihomingCommand(_ words: [Word], negated: Bool) throws(CommandError) -> Outcome {
        guard words.count >= 2, words[1].text == "mh" else { return .notHere }
        guard words.count >= 3 else { throw CommandError(message: "incomplete 'evpn mh' command", word: words[1]) }
        let verb = words[2]
        switch verb.text {
        case "startup-delay", "mac-holdtime", "neigh-holdtime":
            try expect(words, count: negated ? 3 : 4, orAtMost: 4)
        case "es-id", "es-sys-mac", "es-df-pref", "uplink", "es-df-alg", "es-redundancy":
            throw CommandError(message: "'evpn mh \(verb.text)' is only valid inside 'interface IFNAME'", word: verb)
        default:
            throw CommandError(message: "unknown 'evpn mh' command", word: verb)
        }
        let value = words.count == 4 ? words[3] : nil
        switch verb.text {
        case "startup-delay":
            multihoming.startupDelay = negated ? nil : try value.map { word throws(CommandError) in
                Int(try parseNumber(word, in: 0...3600, what: "startup-delay"))
            }
        case "mac-holdtime":
            multihoming.macHoldTime = negated ? nil : try value.map { word throws(CommandError) in
                try parseSeconds(word, in: 0...86400, what: "mac-holdtime")
            }
        case "neigh-holdtime":
            multihoming.neighHoldTime = negated ? nil : try value.map { word throws(CommandError) in
                try parseSeconds(word, in: 0...86400, what: "neigh-holdtime")
            }
        default:
            break
        }
        return .done
    }

    /// `[no] disable-ead-evi-rx|disable-ead-evi-tx|ead-es-frag evi-limit N` in `address-family l2vpn evpn`;
    /// `words` starts after `no`.
    mutating func multihomingFamilyCommand(_ words: [Word], negated: Bool, family: AddressFamily) throws(CommandError) -> Outcome {
        guard family == .l2vpnEVPN else { throw CommandError(message: "only valid in 'address-family l2vpn evpn'", word: words[0]) }
        var settings = router?.evpnMultihoming ?? EVPNMultihomingBGPConfig()
        switch words[0].text {
        case "disable-ead-evi-rx":
            try expect(words, count: 1)
            settings.disableEADEVIReceive = !negated
        case "disable-ead-evi-tx":
            try expect(words, count: 1)
            settings.disableEADEVITransmit = !negated
        case "ead-es-frag":
            guard words.count >= 2, words[1].text == "evi-limit" else {
                throw CommandError(message: "expected 'ead-es-frag evi-limit N'", word: words.count >= 2 ? words[1] : words[0])
            }
            try expect(words, count: negated ? 2 : 3, orAtMost: 3)
            settings.eadESFragmentEVILimit = negated ? nil : words.count == 3
                ? Int(try parseNumber(words[2], in: 1...1000, what: "evi-limit")) : nil
        default:
            return .notHere
        }
        router?.evpnMultihoming = settings
        return .done
    }

    func parseESID(_ word: Word) throws(CommandError) -> EVPNInterfaceConfig.ESID {
        if word.text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let id = UInt32(word.text), (1...16_777_215).contains(id) else {
                throw CommandError(message: "es-id must be 1..16777215 or an ESI", word: word)
            }
            return .localDiscriminator(id)
        }
        guard let esi = EthernetSegmentIdentifier(word.text) else {
            throw CommandError(message: "bad ESI: expected 10 colon-separated hex octets (00:11:22:33:44:55:66:77:88:99)", word: word)
        }
        guard !esi.isZero, esi != .max else {
            throw CommandError(message: "reserved ESI (0 is single-homed, all ones is MAX-ESI, RFC 7432 section 5)", word: word)
        }
        guard esi.type <= 5 else {
            throw CommandError(message: "unknown ESI type \(esi.type) (RFC 7432 section 5 defines 0..5)", word: word)
        }
        return .esi(esi)
    }

    func parseSeconds(_ word: Word, in range: ClosedRange<Int>, what: String) throws(CommandError) -> Int {
        guard word.text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(word.text), range.contains(value) else {
            throw CommandError(message: "\(what) must be \(range.lowerBound)..\(range.upperBound) seconds", word: word)
        }
        return value
    }

    /// End of file: every ES complete and unique.
    mutating func finishMultihoming() {
        var owners: [EthernetSegmentIdentifier: EVPNInterfaceConfig] = [:]
        for interface in multihoming.interfaces {
            let at = interface.esIDLocation ?? interface.location
            switch interface.esID {
            case .localDiscriminator?:
                if interface.systemMAC == nil {
                    diagnostics.append(Diagnostic(.error, at, "a numeric es-id needs 'evpn mh es-sys-mac' to form the ESI",
                                                  text: interface.name))
                }
            case .esi?:
                if let macAt = interface.systemMACLocation {
                    diagnostics.append(Diagnostic(.error, macAt, "es-sys-mac goes with a numeric es-id only; this es-id is a whole ESI",
                                                  text: interface.name))
                }
            case nil:
                if let macAt = interface.systemMACLocation {
                    diagnostics.append(Diagnostic(.error, macAt, "es-sys-mac without an es-id", text: interface.name))
                }
            }
            if interface.esID != nil, interface.uplink {
                diagnostics.append(Diagnostic(.error, at, "an uplink cannot be an Ethernet Segment", text: interface.name))
            }
            guard let esi = interface.esi else { continue }
            if let first = owners[esi] {
                diagnostics.append(Diagnostic(.error, at, "ESI \(esi) is already the ES of interface \(first.name) (line \((first.esIDLocation ?? first.location).line))",
                                              text: interface.name))
            } else {
                owners[esi] = interface
            }
        }
    }
}
