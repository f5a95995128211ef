// RFC 4271 section 8.2.2 states, named as FRR prints them in `show bgp summary` and its JSON.

public enum SessionState: String, Hashable, Sendable, CaseIterable, Comparable {
    case idle = "Idle"
    case connect = "Connect"
    case active = "Active"
    case openSent = "OpenSent"
    case openConfirm = "OpenConfirm"
    case established = "Established"

    /// Progress towards Established, used to report the most advanced of a peer's two connections.
    var rank: Int {
        switch self {
        case .idle: return 0
        case .active: return 1
        case .connect: return 2
        case .openSent: return 3
        case .openConfirm: return 4
        case .established: return 5
        }
    }

    public static func < (lhs: SessionState, rhs: SessionState) -> Bool { lhs.rank < rhs.rank }
}

/// Which side opened the TCP connection; collision detection (RFC 4271 section 6.8) keeps the one
/// opened by the speaker with the higher BGP Identifier.
public enum ConnectionDirection: String, Hashable, Sendable {
    case inbound
    case outbound
}
