// Why a received packet was discarded: each reception check of RFC 5880 section 6.8.6, plus the TTL checks of
// RFC 5881 section 5 and RFC 5883 section 2. Every drop is counted under its reason (`BFDDropCounters`).

public enum BFDDropReason: Int, Error, Sendable, CaseIterable, CustomStringConvertible {
    /// Shorter than the 24-octet mandatory section.
    case truncated
    /// Version is not 1.
    case badVersion
    /// Length below 24 (26 with the A bit).
    case lengthTooShort
    /// Length beyond the UDP payload.
    case lengthExceedsPayload
    /// A bit set, but Auth Len is below 2 or runs past Length.
    case badAuthenticationLength
    /// Detect Mult is zero.
    case zeroDetectMultiplier
    /// M bit set.
    case multipointSet
    /// My Discriminator is zero.
    case zeroMyDiscriminator
    /// Your Discriminator is zero but the state is Init or Up.
    case zeroYourDiscriminator
    /// Your Discriminator names no session of ours.
    case unknownDiscriminator
    /// Your Discriminator is zero and no configured session matches the addresses, interface and port.
    case noMatchingSession
    /// Your Discriminator names a session, but the packet came from another peer, interface or port.
    case sessionMismatch
    /// The A bit is set and the session has no authentication (none ever has: see ControlPacket.swift).
    case authenticationNotInUse
    /// Single hop: the TTL or hop limit is not 255 (RFC 5881 section 5, the GTSM rule).
    case ttlNot255
    /// Multihop: the TTL is below the session's minimum-ttl (RFC 5883 section 2; FRR's `minimum-ttl`).
    case ttlBelowMinimum
    /// The local session is AdminDown: "If bfd.SessionState is AdminDown, discard the packet".
    case sessionAdminDown

    public var description: String {
        switch self {
        case .truncated: return "shorter than 24 octets"
        case .badVersion: return "version is not 1"
        case .lengthTooShort: return "length field below the minimum"
        case .lengthExceedsPayload: return "length field beyond the UDP payload"
        case .badAuthenticationLength: return "authentication section length invalid"
        case .zeroDetectMultiplier: return "detect multiplier is zero"
        case .multipointSet: return "multipoint bit set"
        case .zeroMyDiscriminator: return "my discriminator is zero"
        case .zeroYourDiscriminator: return "your discriminator is zero in state Init or Up"
        case .unknownDiscriminator: return "your discriminator names no session"
        case .noMatchingSession: return "no session for this peer"
        case .sessionMismatch: return "discriminator of a session with another peer, interface or port"
        case .authenticationNotInUse: return "authentication present but not configured"
        case .ttlNot255: return "single-hop TTL is not 255"
        case .ttlBelowMinimum: return "multihop TTL below the minimum"
        case .sessionAdminDown: return "session is administratively down"
        }
    }
}

/// Plain counters, one per reason (the daemon maps them to metrics; the core stays free of the backend).
public struct BFDDropCounters: Hashable, Sendable {
    private var counts = [UInt64](repeating: 0, count: BFDDropReason.allCases.count)

    public init() {}

    public subscript(reason: BFDDropReason) -> UInt64 { counts[reason.rawValue] }

    public var total: UInt64 { counts.reduce(0, &+) }

    mutating func count(_ reason: BFDDropReason) { counts[reason.rawValue] &+= 1 }

    /// The nonzero counters, in declaration order.
    public var nonzero: [(reason: BFDDropReason, count: UInt64)] {
        BFDDropReason.allCases.compactMap { counts[$0.rawValue] == 0 ? nil : ($0, counts[$0.rawValue]) }
    }
}
