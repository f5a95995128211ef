import Glibc

// An errno value, from a failed system call or from the kernel's NLMSG_ERROR reply. A struct with static members
// rather than an enum, since the set is open (swift-system's Errno, kept local so this module stands alone).

public struct NetlinkErrno: RawRepresentable, Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let EPERM = Self(rawValue: Glibc.EPERM)
    public static let ENOENT = Self(rawValue: Glibc.ENOENT)
    /// What RTM_DELROUTE answers for a route that is not there.
    public static let ESRCH = Self(rawValue: Glibc.ESRCH)
    public static let EINTR = Self(rawValue: Glibc.EINTR)
    public static let EAGAIN = Self(rawValue: Glibc.EAGAIN)
    public static let ENOMEM = Self(rawValue: Glibc.ENOMEM)
    public static let EBUSY = Self(rawValue: Glibc.EBUSY)
    public static let EEXIST = Self(rawValue: Glibc.EEXIST)
    public static let ENODEV = Self(rawValue: Glibc.ENODEV)
    public static let EINVAL = Self(rawValue: Glibc.EINVAL)
    public static let ENOSPC = Self(rawValue: Glibc.ENOSPC)
    public static let EMSGSIZE = Self(rawValue: Glibc.EMSGSIZE)
    public static let EOPNOTSUPP = Self(rawValue: Glibc.EOPNOTSUPP)
    public static let ENOBUFS = Self(rawValue: Glibc.ENOBUFS)
    public static let EPROTONOSUPPORT = Self(rawValue: Glibc.EPROTONOSUPPORT)

    /// The symbolic name for the values evpnd meets, else the number.
    public var name: String {
        switch self {
        case .EPERM: return "EPERM"
        case .ENOENT: return "ENOENT"
        case .EINTR: return "EINTR"
        case .EAGAIN: return "EAGAIN"
        case .ENOMEM: return "ENOMEM"
        case .EBUSY: return "EBUSY"
        case .EEXIST: return "EEXIST"
        case .ENODEV: return "ENODEV"
        case .EINVAL: return "EINVAL"
        case .ENOSPC: return "ENOSPC"
        case .EMSGSIZE: return "EMSGSIZE"
        case .EOPNOTSUPP: return "EOPNOTSUPP"
        case .ENOBUFS: return "ENOBUFS"
        case .EPROTONOSUPPORT: return "EPROTONOSUPPORT"
        default: return "errno \(rawValue)"
        }
    }

    public var description: String {
        guard let text = strerror(rawValue) else { return name }
        return "\(name) (\(String(cString: text)))"
    }

    /// The calling thread's errno.
    static var current: NetlinkErrno { NetlinkErrno(rawValue: errno) }
}
