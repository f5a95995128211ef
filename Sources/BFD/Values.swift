// The small value types of RFC 5880: session state, diagnostic code, and the session key of RFC 5881/5883.

/// Session state (RFC 5880 section 4.1, "Sta": 2 bits, all four values defined).
public enum BFDState: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case adminDown = 0
    case down = 1
    case initializing = 2
    case up = 3

    public var description: String {
        switch self {
        case .adminDown: return "AdminDown"
        case .down: return "Down"
        case .initializing: return "Init"
        case .up: return "Up"
        }
    }

    /// FRR's `show bfd peers json` "status" words.
    public var frrStatus: String {
        switch self {
        case .adminDown: return "shutdown"
        case .down: return "down"
        case .initializing: return "init"
        case .up: return "up"
        }
    }
}

/// Diagnostic code (RFC 5880 section 4.1, "Diag": 5 bits). Values 9-31 are reserved and may be assigned later,
/// so this is a struct over the raw value rather than a closed enum: a received reserved code is kept as it is.
public struct BFDDiagnostic: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x1f }

    public static let none = BFDDiagnostic(rawValue: 0)
    public static let controlDetectionTimeExpired = BFDDiagnostic(rawValue: 1)
    public static let echoFunctionFailed = BFDDiagnostic(rawValue: 2)
    public static let neighborSignaledSessionDown = BFDDiagnostic(rawValue: 3)
    public static let forwardingPlaneReset = BFDDiagnostic(rawValue: 4)
    public static let pathDown = BFDDiagnostic(rawValue: 5)
    public static let concatenatedPathDown = BFDDiagnostic(rawValue: 6)
    public static let administrativelyDown = BFDDiagnostic(rawValue: 7)
    public static let reverseConcatenatedPathDown = BFDDiagnostic(rawValue: 8)

    /// The words FRR's bfdd uses in `show bfd peers json` ("diagnostic", "remote-diagnostic").
    public var description: String {
        switch rawValue {
        case 0: return "ok"
        case 1: return "control detection time expired"
        case 2: return "echo function failed"
        case 3: return "neighbor signaled session down"
        case 4: return "forwarding plane reset"
        case 5: return "path down"
        case 6: return "concatenated path down"
        case 7: return "administratively down"
        case 8: return "reverse concatenated path down"
        default: return "diagnostic \(rawValue)"
        }
    }
}

/// An IPv4 or IPv6 address in host order. BFD depends on nothing but the standard library, so it has its own;
/// the daemon maps its addresses to these.
public enum BFDAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// Dotted-quad IPv4 (for tests and configuration mapping); nil for anything else.
    public init?(ipv4 text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self = .v4(value)
    }

    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
        case .v6(let high, let low):
            // RFC 5952 section 4: the longest run of two or more zero groups (the first on a tie) becomes "::",
            // as inet_ntop writes it and so as FRR shows it.
            var groups: [UInt64] = []
            for i in 0..<4 { groups.append(high >> UInt64(48 - 16 * i) & 0xffff) }
            for i in 0..<4 { groups.append(low >> UInt64(48 - 16 * i) & 0xffff) }
            var best = (start: -1, length: 0), run = -1
            for i in 0...8 {
                if i < 8 && groups[i] == 0 {
                    if run < 0 { run = i }
                } else if run >= 0 {
                    if i - run > best.length { best = (run, i - run) }
                    run = -1
                }
            }
            guard best.length >= 2 else { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
            let head = groups[..<best.start].map { String($0, radix: 16) }.joined(separator: ":")
            let tail = groups[(best.start + best.length)...].map { String($0, radix: 16) }.joined(separator: ":")
            return head + "::" + tail
        }
    }

    /// fe80::/10 (RFC 4291 section 2.5.6): only meaningful with the interface it was seen on.
    public var isIPv6LinkLocal: Bool {
        if case .v6(let high, _) = self { return high >> 54 == 0x3fa }
        return false
    }
}

/// What identifies a session before discriminators are known (RFC 5880 section 6.8.6, "the session MUST be
/// selected based on some combination of other fields"): FRR's bfdd keys on the same four things.
/// `local` and `interface` may be left open (nil) in a single-hop session; a multihop session needs `local`
/// (FRR: "local-address is required when using multihop").
public struct BFDSessionKey: Hashable, Sendable, CustomStringConvertible {
    public var peer: BFDAddress
    public var local: BFDAddress?
    public var interface: String?
    public var multihop: Bool

    public init(peer: BFDAddress, local: BFDAddress? = nil, interface: String? = nil, multihop: Bool = false) {
        self.peer = peer
        self.local = local
        self.interface = interface
        self.multihop = multihop
    }

    /// UDP destination port: RFC 5881 section 4 (single hop) and RFC 5883 section 5 (multihop).
    public var port: UInt16 { multihop ? 4784 : 3784 }

    public var description: String {
        var text = "peer \(peer)"
        if multihop { text += " multihop" }
        if let local { text += " local-address \(local)" }
        if let interface { text += " interface \(interface)" }
        return text
    }
}

/// Microseconds: the unit of every interval on the wire (RFC 5880 section 4.1) and of the reducer's clock.
public typealias Microseconds = UInt64
