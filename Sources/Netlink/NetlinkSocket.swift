import Glibc

// An AF_NETLINK/NETLINK_ROUTE socket: opening, options, sending and receiving datagrams. Batches, dumps and events
// are in NetlinkSocket-*.swift.
//
// Not thread-safe and deliberately not Sendable: one owner (evpnd's engine queue) uses it at a time. The file
// descriptor is exposed so that owner can watch it with a DispatchSourceRead; this module uses no Dispatch.

public struct NetlinkSocketOptions: Sendable {
    /// Multicast groups to join (NETLINK_ADD_MEMBERSHIP), e.g. [.link, .neighbour] for an event socket.
    public var groups: [MulticastGroup] = []
    /// O_NONBLOCK on the descriptor (for a DispatchSourceRead). Batches and dumps still wait for their replies
    /// with poll(2).
    public var nonBlocking = false
    /// SO_RCVBUFFORCE (falling back to SO_RCVBUF without CAP_NET_ADMIN). Large, so a batch's ACKs and bursts of
    /// events fit; the kernel doubles the figure for its bookkeeping.
    public var receiveBufferSize = 32 << 20
    /// SO_SNDBUFFORCE / SO_SNDBUF: bounds the size of one batch datagram.
    public var sendBufferSize = 8 << 20
    /// NETLINK_EXT_ACK: errors carry the kernel's explanation.
    public var extendedAck = true
    /// NETLINK_CAP_ACK: errors do not echo the whole request back (we match by sequence number).
    public var capAck = true
    /// NETLINK_GET_STRICT_CHK: dump requests are checked and their filters (ifindex, NDA_MASTER) applied strictly.
    public var strictCheck = true
    /// How long a batch or dump waits for a reply before giving up (milliseconds).
    public var replyTimeoutMilliseconds: Int32 = 5000

    public init(groups: [MulticastGroup] = [], nonBlocking: Bool = false) {
        self.groups = groups
        self.nonBlocking = nonBlocking
    }
}

public final class NetlinkSocket {
    /// The descriptor, for the owner's event loop. Do not read from it behind the socket's back.
    public let fileDescriptor: Int32
    /// The port id the kernel gave this socket (nl_pid).
    public private(set) var portID: UInt32 = 0
    public let options: NetlinkSocketOptions
    /// The receive buffer size the kernel granted (SO_RCVBUF as read back).
    public private(set) var receiveBufferSize: Int = 0
    public private(set) var sendBufferSize: Int = 0

    var nextSequence: UInt32
    /// Multicast messages read while waiting for replies, handed out by the next `readEvents()`.
    var pendingEvents: [NetlinkMessage] = []
    /// ENOBUFS was seen while waiting for replies: the next `readEvents()` reports an overrun.
    var overrunPending = false

    let buffer: UnsafeMutableRawBufferPointer
    static let bufferSize = 1 << 20

    /// Opens a socket in the caller's network namespace.
    public convenience init(options: NetlinkSocketOptions = NetlinkSocketOptions()) throws(NetlinkError) {
        try self.init(options: options, namespacePath: nil)
    }

    /// Opens a socket in the network namespace at `path` (e.g. /var/run/netns/NAME), then returns the calling
    /// thread to its own namespace. The socket stays in the namespace it was created in. Needs CAP_SYS_ADMIN.
    public convenience init(networkNamespace path: String, options: NetlinkSocketOptions = NetlinkSocketOptions()) throws(NetlinkError) {
        try self.init(options: options, namespacePath: path)
    }

    private init(options: NetlinkSocketOptions, namespacePath: String?) throws(NetlinkError) {
        self.options = options
        var type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if options.nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        if let namespacePath {
            let own = try systemCall("open(/proc/thread-self/ns/net)") { open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) }
            defer { Glibc.close(own) }
            let target = try systemCall("open(\(namespacePath))") { open(namespacePath, O_RDONLY | O_CLOEXEC) }
            defer { Glibc.close(target) }
            try setNetworkNamespace(target)
            let created = socket(AF_NETLINK, type, NetlinkSocketConstants.protocolRoute)
            let socketErrno = errno
            // Going back must not fail silently: a thread left in another namespace would be worse than an error.
            do {
                try setNetworkNamespace(own)
            } catch {
                if created >= 0 { Glibc.close(created) }
                throw error
            }
            guard created >= 0 else {
                throw NetlinkError.system(call: "socket(AF_NETLINK)", errno: NetlinkErrno(rawValue: socketErrno))
            }
            fileDescriptor = created
        } else {
            fileDescriptor = try systemCall("socket(AF_NETLINK)") { socket(AF_NETLINK, type, NetlinkSocketConstants.protocolRoute) }
        }
        do {
            (portID, receiveBufferSize, sendBufferSize) = try Self.configure(fileDescriptor, options)
        } catch {
            Glibc.close(fileDescriptor)
            throw error
        }
        // Sequence numbers start somewhere unpredictable so replies to an earlier process's socket never match.
        nextSequence = UInt32.random(in: 1...0x7FFF_FFFF)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 8)
    }

    deinit {
        Glibc.close(fileDescriptor)
        buffer.deallocate()
    }

    /// Sets the options, binds, and returns (port id, granted receive buffer, granted send buffer).
    private static func configure(_ fileDescriptor: Int32, _ options: NetlinkSocketOptions) throws(NetlinkError) -> (UInt32, Int, Int) {
        let sol = NetlinkSocketConstants.solNetlink
        func setInt(_ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws(NetlinkError) {
            var v = value
            _ = try systemCall("setsockopt(\(label))") {
                setsockopt(fileDescriptor, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        func getInt(_ level: Int32, _ name: Int32, _ label: String) throws(NetlinkError) -> Int {
            var v: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = try systemCall("getsockopt(\(label))") { getsockopt(fileDescriptor, level, name, &v, &length) }
            return Int(v)
        }
        // FORCE needs CAP_NET_ADMIN; without it the plain option, capped by net.core.rmem_max, is the best we get.
        let rcv = Int32(clamping: options.receiveBufferSize)
        do { try setInt(SOL_SOCKET, SO_RCVBUFFORCE, rcv, "SO_RCVBUFFORCE") } catch { try setInt(SOL_SOCKET, SO_RCVBUF, rcv, "SO_RCVBUF") }
        let snd = Int32(clamping: options.sendBufferSize)
        do { try setInt(SOL_SOCKET, SO_SNDBUFFORCE, snd, "SO_SNDBUFFORCE") } catch { try setInt(SOL_SOCKET, SO_SNDBUF, snd, "SO_SNDBUF") }
        let receiveBufferSize = try getInt(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF")
        let sendBufferSize = try getInt(SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF")
        if options.extendedAck { try setInt(sol, NetlinkSocketConstants.extendedAck, 1, "NETLINK_EXT_ACK") }
        if options.capAck { try setInt(sol, NetlinkSocketConstants.capAck, 1, "NETLINK_CAP_ACK") }
        if options.strictCheck { try setInt(sol, NetlinkSocketConstants.getStrictCheck, 1, "NETLINK_GET_STRICT_CHK") }
        // We want ENOBUFS: it is the signal that events were lost and a resync is due.
        try setInt(sol, NetlinkSocketConstants.noENOBUFS, 0, "NETLINK_NO_ENOBUFS")

        // struct sockaddr_nl (include/uapi/linux/netlink.h): family(2) pad(2) pid(4) groups(4). Not exported by
        // Glibc; laid out by hand. pid 0 lets the kernel pick our port id; groups go through setsockopt below
        // (the bitmask in nl_groups only reaches the first 32 groups).
        var address = SocketAddressNetlink(family: UInt16(AF_NETLINK), pad: 0, pid: 0, groups: 0)
        _ = try systemCall("bind") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fileDescriptor, $0, socklen_t(MemoryLayout<SocketAddressNetlink>.size))
                }
            }
        }
        var length = socklen_t(MemoryLayout<SocketAddressNetlink>.size)
        _ = try systemCall("getsockname") {
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fileDescriptor, $0, &length) }
            }
        }
        for group in options.groups {
            var g = group.rawValue
            _ = try systemCall("setsockopt(NETLINK_ADD_MEMBERSHIP \(group.rawValue))") {
                setsockopt(fileDescriptor, sol, NetlinkSocketConstants.addMembership, &g, socklen_t(4))
            }
        }
        return (address.pid, receiveBufferSize, sendBufferSize)
    }

    /// Joins a multicast group (NETLINK_ADD_MEMBERSHIP).
    public func join(_ group: MulticastGroup) throws(NetlinkError) {
        var g = group.rawValue
        _ = try systemCall("setsockopt(NETLINK_ADD_MEMBERSHIP \(group.rawValue))") {
            setsockopt(fileDescriptor, NetlinkSocketConstants.solNetlink, NetlinkSocketConstants.addMembership, &g, socklen_t(4))
        }
    }

    /// Leaves a multicast group (NETLINK_DROP_MEMBERSHIP).
    public func leave(_ group: MulticastGroup) throws(NetlinkError) {
        var g = group.rawValue
        _ = try systemCall("setsockopt(NETLINK_DROP_MEMBERSHIP \(group.rawValue))") {
            setsockopt(fileDescriptor, NetlinkSocketConstants.solNetlink, NetlinkSocketConstants.dropMembership, &g, socklen_t(4))
        }
    }

    func takeSequence() -> UInt32 {
        let s = nextSequence
        nextSequence = nextSequence == UInt32.max ? 1 : nextSequence + 1
        return s
    }

    /// Sends one datagram (the kernel processes every message in it before send returns).
    func sendDatagram(_ bytes: [UInt8]) throws(NetlinkError) {
        let sent = try systemCall("send") { bytes.withUnsafeBytes { send(fileDescriptor, $0.baseAddress, $0.count, 0) } }
        if sent != bytes.count {
            throw NetlinkError.system(call: "send (short: \(sent) of \(bytes.count))", errno: .EMSGSIZE)
        }
    }

    enum Received {
        case datagram([UInt8])
        case wouldBlock
        case overrun
    }

    /// Receives one datagram without blocking. ENOBUFS is reported as `.overrun`, not thrown.
    func receiveDatagram() throws(NetlinkError) -> Received {
        while true {
            let n = recv(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
            if n >= 0 {
                guard n <= buffer.count else { throw NetlinkError.datagramTooLarge(size: n) }
                return .datagram(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n])))
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case ENOBUFS: return .overrun
            case let e: throw NetlinkError.system(call: "recv", errno: NetlinkErrno(rawValue: e))
            }
        }
    }

    /// Waits until the socket is readable; false on timeout.
    func waitReadable(milliseconds: Int32) throws(NetlinkError) -> Bool {
        var pfd = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let n = try systemCall("poll") { poll(&pfd, 1, milliseconds) }
        return n > 0
    }
}

/// struct sockaddr_nl, 12 bytes.
struct SocketAddressNetlink {
    var family: UInt16
    var pad: UInt16
    var pid: UInt32
    var groups: UInt32
}
