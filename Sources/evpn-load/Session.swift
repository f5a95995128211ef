// One BGP session of evpn-load over a plain TCP socket: OPEN both ways (l2vpn-evpn multiprotocol and
// 4-octet AS capabilities), then KEEPALIVEs at a third of the negotiated hold time, non-blocking I/O
// driven by poll(2) from one thread. No BGPCore: the tool speaks just enough BGP to load a peer.
import BGPWire
#if canImport(Glibc)
import Glibc
#endif

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func errnoText() -> String { String(cString: strerror(errno)) }

func ipv4SocketAddress(_ text: String, port: UInt16) throws -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    guard inet_pton(AF_INET, text, &address.sin_addr) == 1 else { throw LoadError("not an IPv4 address: \(text)") }
    return address
}

private func withSocketAddress<T>(_ address: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var copy = address
    return withUnsafePointer(to: &copy) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// A TCP connection from `local` (any address if nil) to `remote:port`, retried every 100 ms until
/// `timeout` seconds passed (the peer may not listen yet).
func tcpConnect(local: String?, remote: String, port: UInt16, timeout: Double) throws -> Int32 {
    let peer = try ipv4SocketAddress(remote, port: port)
    let deadline = Monotonic.seconds() + timeout
    while true {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoadError("socket: \(errnoText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
        if let local {
            let source = try ipv4SocketAddress(local, port: 0)
            guard withSocketAddress(source, { bind(fd, $0, $1) }) == 0 else {
                let text = errnoText()
                close(fd)
                throw LoadError("bind \(local): \(text)")
            }
        }
        if withSocketAddress(peer, { connect(fd, $0, $1) }) == 0 {
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(4))
            return fd
        }
        let text = errnoText()
        close(fd)
        guard Monotonic.seconds() < deadline, stopRequested == 0 else {
            throw LoadError("connect \(remote):\(port) from \(local ?? "any"): \(text)")
        }
        usleep(100_000)
    }
}

func tcpListen(local: String, port: UInt16) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoadError("socket: \(errnoText())") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
    let address = try ipv4SocketAddress(local, port: port)
    guard withSocketAddress(address, { bind(fd, $0, $1) }) == 0, listen(fd, 64) == 0 else {
        let text = errnoText()
        close(fd)
        throw LoadError("listen on \(local):\(port): \(text)")
    }
    return fd
}

/// Accepts one connection on `listener`, waiting at most `timeout` seconds.
func tcpAccept(_ listener: Int32, timeout: Double) throws -> (fd: Int32, peer: String) {
    var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
    let deadline = Monotonic.seconds() + timeout
    while poll(&pfd, 1, 100) <= 0 {
        guard Monotonic.seconds() < deadline, stopRequested == 0 else { throw LoadError("no connection within \(Int(timeout)) s") }
    }
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let fd = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
    }
    guard fd >= 0 else { throw LoadError("accept: \(errnoText())") }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(4))
    var text = [CChar](repeating: 0, count: 32)
    inet_ntop(AF_INET, &address.sin_addr, &text, 32)
    return (fd, String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
}

/// Who this speaker is: AS, router id, hold time it offers.
struct Speaker {
    var asn: UInt32
    var routerID: IPv4Address
    var holdTime: UInt16
    /// The multiprotocol capabilities sent (`inject --family ipv4-unicast` adds IPv4 unicast).
    var families: [AddressFamily] = [.l2vpnEVPN]

    var open: OpenMessage {
        OpenMessage(asn: asn, holdTime: holdTime, identifier: routerID,
                    capabilities: families.map { .multiprotocol($0) } + [.fourOctetAS(asn)])
    }
}

final class BGPConnection {
    let fd: Int32
    let name: String
    private var framer = MessageFramer(context: CodecContext())
    /// Whole messages waiting to be written, in order; `offset` is how far the first one went out.
    private var queue: [[UInt8]] = []
    private var queueHead = 0
    private var offset = 0
    private(set) var queuedBytes = 0
    private(set) var keepaliveInterval: UInt64 = 30_000_000_000
    private var lastSent: UInt64 = 0
    private(set) var closed = false
    private var readBuffer = [UInt8](repeating: 0, count: 1 << 17)

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    deinit { close(fd) }

    /// OPEN and KEEPALIVE both ways (blocking, up to `timeout` s). Then the socket is non-blocking.
    func establish(_ speaker: Speaker, timeout: Double) throws {
        try blockingWrite(try BGPMessage.open(speaker.open).encode(context: .initial))
        var peerOpen: OpenMessage?
        var sawKeepalive = false
        let deadline = Monotonic.seconds() + timeout
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while peerOpen == nil || !sawKeepalive {
            guard Monotonic.seconds() < deadline, stopRequested == 0 else {
                throw LoadError("\(name): no OPEN and KEEPALIVE from the peer within \(Int(timeout)) s")
            }
            guard poll(&pfd, 1, 100) > 0 else { continue }
            let n = readBuffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw LoadError("\(name): the peer closed the connection during OPEN exchange") }
            framer.append(readBuffer[0..<n])
            // Only up to the KEEPALIVE that completes the handshake: the peer may send UPDATEs right behind
            // it in the same segment, and those stay in the framer for `receive`.
            while peerOpen == nil || !sawKeepalive, let frame = try framer.next() {
                switch frame.type {
                case .open:
                    let open = try OpenMessage(decoding: frame.body)
                    peerOpen = open
                    try blockingWrite(BGPMessageHeader.encode(type: .keepalive, body: []))
                case .keepalive:
                    sawKeepalive = true
                case .notification:
                    let notification = try? NotificationMessage(decoding: frame.body)
                    throw LoadError("\(name): NOTIFICATION from the peer: \(notification.map { "\($0)" } ?? "\(frame.body)")")
                default:
                    break
                }
            }
        }
        if let peerOpen, !peerOpen.capabilities.contains(where: {
            if case .multiprotocol(let family, _) = $0, speaker.families.contains(family) { return true }
            return false
        }) {
            // The session comes up, but the peer will ignore (or not send) EVPN routes: say so, rather than time out silently.
            report("session", [("what", "warning"), ("peer", name), ("reason", "\"the peer's OPEN has no l2vpn-evpn multiprotocol capability\"")])
        }
        let hold = min(speaker.holdTime, peerOpen?.holdTime ?? speaker.holdTime)
        keepaliveInterval = hold == 0 ? UInt64.max : UInt64(hold) * 1_000_000_000 / 3
        lastSent = Monotonic.nanoseconds()
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    private func blockingWrite(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LoadError("\(name): send: \(errnoText())") }
            sent += n
        }
    }

    func enqueue(_ message: [UInt8]) {
        queue.append(message)
        queuedBytes += message.count
    }

    var hasPendingOutput: Bool { queueHead < queue.count }

    /// Writes as much of the queue as the socket takes now. Returns false when the socket failed.
    @discardableResult
    func flush() -> Bool {
        while queueHead < queue.count {
            let message = queue[queueHead]
            let n = message.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return true }
                closed = true
                return false
            }
            offset += n
            queuedBytes -= n
            lastSent = Monotonic.nanoseconds()
            if offset == message.count {
                queue[queueHead] = []
                queueHead += 1
                offset = 0
            }
        }
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
        return true
    }

    /// Queues a KEEPALIVE if nothing went out for a third of the hold time.
    func keepaliveIfDue(now: UInt64) {
        if now &- lastSent >= keepaliveInterval, !hasPendingOutput {
            enqueue(BGPMessageHeader.encode(type: .keepalive, body: []))
            lastSent = now
        }
    }

    /// Reads what is there (non-blocking) and hands each whole message to `handle`. Throws when the peer
    /// closed the session or sent a NOTIFICATION or a message that cannot be framed.
    func receive(_ handle: (MessageFramer.Frame) throws -> Void) throws {
        // Whole messages already buffered (left behind by `establish`) first.
        try drainFramer(handle)
        while true {
            let n = readBuffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 { closed = true; throw LoadError("\(name): the peer closed the session") }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                closed = true
                throw LoadError("\(name): recv: \(errnoText())")
            }
            framer.append(readBuffer[0..<n])
            try drainFramer(handle)
            if n < readBuffer.count { return }
        }
    }

    private func drainFramer(_ handle: (MessageFramer.Frame) throws -> Void) throws {
        while let frame = try framer.next() {
            if frame.type == .notification {
                let notification = try? NotificationMessage(decoding: frame.body)
                closed = true
                throw LoadError("\(name): NOTIFICATION from the peer: \(notification.map { "\($0)" } ?? "\(frame.body)")")
            }
            try handle(frame)
        }
    }

    /// A Cease NOTIFICATION (administrative shutdown), best effort, before closing.
    func shutdown() {
        let cease = NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.administrativeShutdown)
        if let bytes = try? BGPMessage.notification(cease).encode(context: CodecContext()) {
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
    }
}
