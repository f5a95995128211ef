// Errors of the socket layer. A decode error is wrapped, not flattened, so the caller still sees what and where.

/// The kernel's refusal of one request: the errno of its NLMSG_ERROR and, with NETLINK_EXT_ACK, its sentence.
public struct NetlinkRequestFailure: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var errno: NetlinkErrno
    /// NLMSGERR_ATTR_MSG
    public var message: String?
    /// NLMSGERR_ATTR_OFFS: where in the request the offending attribute sits.
    public var attributeOffset: UInt32?

    public init(errno: NetlinkErrno, message: String? = nil, attributeOffset: UInt32? = nil) {
        self.errno = errno
        self.message = message
        self.attributeOffset = attributeOffset
    }

    init(_ error: NetlinkErrorMessage) {
        self.init(errno: error.errno ?? NetlinkErrno(rawValue: 0), message: error.extendedMessage, attributeOffset: error.extendedOffset)
    }

    public var description: String {
        var s = errno.description
        if let message { s += ": \(message)" }
        if let attributeOffset { s += " (attribute at request offset \(attributeOffset))" }
        return s
    }
}

public enum NetlinkError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed (after retrying EINTR).
    case system(call: String, errno: NetlinkErrno)
    /// The kernel's bytes did not decode.
    case decode(NetlinkDecodeError)
    /// The kernel refused the request (a single operation or a dump).
    case request(NetlinkRequestFailure)
    /// ENOBUFS: the socket's receive queue overflowed and messages were lost. Do a full resync.
    case overrun
    /// A dump kept changing under us (NLM_F_DUMP_INTR) for this many attempts.
    case dumpInterrupted(attempts: Int)
    /// No reply within the time limit.
    case timedOut
    /// A datagram larger than the receive buffer (its tail was lost).
    case datagramTooLarge(size: Int)

    public var description: String {
        switch self {
        case .system(let call, let errno): return "\(call): \(errno)"
        case .decode(let e): return e.description
        case .request(let f): return "request refused: \(f)"
        case .overrun: return "netlink receive queue overrun (ENOBUFS): resync needed"
        case .dumpInterrupted(let n): return "dump interrupted (NLM_F_DUMP_INTR) \(n) times in a row"
        case .timedOut: return "no netlink reply in time"
        case .datagramTooLarge(let n): return "netlink datagram of \(n) bytes exceeds the receive buffer"
        }
    }
}
