// TCP and Unix stream sockets as the runtime uses them: non-blocking, close-on-exec, every call through `syscall`.

import BGPWire
import Glibc

/// A socket address for `bind`/`connect`, built from our address types.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    init(_ address: IPAddress, port: UInt16) {
        switch address {
        case .v4(let v4):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = v4.rawValue.bigEndian
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .v6(let v6):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in
                for (i, byte) in v6.bytes.enumerated() { raw[i] = byte }
            }
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
    }

    init() {}

    var family: Int32 { Int32(storage.ss_family) }

    /// The address and port; IPv4-mapped IPv6 addresses come back as IPv4 (a dual-stack listener's view).
    var endpoint: (address: IPAddress, port: UInt16)? {
        withUnsafeBytes(of: storage) { raw -> (IPAddress, UInt16)? in
            switch Int32(storage.ss_family) {
            case AF_INET:
                let sin = raw.loadUnaligned(as: sockaddr_in.self)
                return (.v4(IPv4Address(rawValue: UInt32(bigEndian: sin.sin_addr.s_addr))), UInt16(bigEndian: sin.sin_port))
            case AF_INET6:
                let sin6 = raw.loadUnaligned(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
                guard let v6 = IPv6Address(bytes: bytes) else { return nil }
                if v6.high == 0 && v6.low >> 32 == 0xffff {
                    return (.v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: v6.low))), UInt16(bigEndian: sin6.sin6_port))
                }
                return (.v6(v6), UInt16(bigEndian: sin6.sin6_port))
            default:
                return nil
            }
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        let len = length
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in body(sa, len) }
        }
    }
}

enum Sockets {
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(Errno) {
        var v = value
        try syscall { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    static func setNonBlocking(_ fd: Int32) throws(Errno) {
        let flags = try syscall { fcntl(fd, F_GETFL) }
        try syscall { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    static func streamSocket(family: Int32) throws(Errno) -> Int32 {
        try syscall { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// A listening TCP socket on `address`:`port`. IPv6 listeners are IPv6-only: IPv4 has its own socket.
    static func tcpListener(_ address: IPAddress, port: UInt16) throws(Errno) -> Int32 {
        let family = address.bitLength == 32 ? AF_INET : AF_INET6
        let fd = try streamSocket(family: family)
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if family == AF_INET6 { try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            let sa = SocketAddress(address, port: port)
            try syscall { sa.withSockaddr { bind(fd, $0, $1) } }
            try syscall { listen(fd, 128) }
            return fd
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// Starts a non-blocking connect; returns the descriptor and whether it completed at once.
    /// `prepare` runs on the socket before `connect` (TCP MD5 keys and GTSM must be in place for the SYN).
    static func startConnect(to address: IPAddress, port: UInt16, source: IPAddress?,
                             prepare: (Int32) -> Void = { _ in }) throws(Errno) -> (fd: Int32, connected: Bool) {
        let family = address.bitLength == 32 ? AF_INET : AF_INET6
        let fd = try streamSocket(family: family)
        do {
            try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            if let source {
                // The update-source: the peer checks our address against its `neighbor` line.
                let sa = SocketAddress(source, port: 0)
                try syscall { sa.withSockaddr { bind(fd, $0, $1) } }
            }
            prepare(fd)
            let sa = SocketAddress(address, port: port)
            do {
                try syscall { sa.withSockaddr { connect(fd, $0, $1) } }
                return (fd, true)
            } catch where error == .inProgress {
                return (fd, false)
            }
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// The result of a non-blocking connect once the socket is writable.
    static func connectResult(_ fd: Int32) -> Errno? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        do {
            try syscall { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }
        } catch {
            return error
        }
        return value == 0 ? nil : Errno(value)
    }

    /// Accepts one connection (non-blocking, close-on-exec), or nil when none is waiting.
    static func accept(_ listener: Int32) throws(Errno) -> (fd: Int32, remote: SocketAddress)? {
        var remote = SocketAddress()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd: Int32
        do {
            fd = try syscall {
                withUnsafeMutablePointer(to: &remote.storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
                }
            }
        } catch where error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK {
            return nil
        }
        remote.length = length
        do {
            try setNonBlocking(fd)
            let flags = try syscall { fcntl(fd, F_GETFD) }
            try syscall { fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        } catch {
            closeDescriptor(fd)
            throw error
        }
        return (fd, remote)
    }

    /// Accepts every connection waiting on a non-blocking listener and hands each to `body`. An error (EMFILE
    /// and friends) goes to `failed` and ends the round: the listener's next readiness event tries again.
    static func acceptPending(_ listener: Int32, failed: (Errno) -> Void,
                              _ body: (_ fd: Int32, _ remote: SocketAddress) -> Void) {
        while true {
            let accepted: (fd: Int32, remote: SocketAddress)?
            do {
                accepted = try accept(listener)
            } catch {
                failed(error)
                return
            }
            guard let (fd, remote) = accepted else { return }
            body(fd, remote)
        }
    }

    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var local = SocketAddress()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try? syscall {
            withUnsafeMutablePointer(to: &local.storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        guard result != nil else { return nil }
        local.length = length
        return local
    }

    /// A listening Unix stream socket at `path`, replacing a stale socket file left by an earlier run.
    static func unixListener(path: String, mode: mode_t = 0o660) throws(Errno) -> Int32 {
        var sun = sockaddr_un()
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: sun.sun_path) else { throw Errno(ENAMETOOLONG) }
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { raw in
            for (i, byte) in pathBytes.enumerated() { raw[i] = byte }
        }
        let fd = try streamSocket(family: AF_UNIX)
        do throws(Errno) {
            do {
                try syscall { unlink(path) }
            } catch where error.rawValue == ENOENT {}
            try syscall {
                withUnsafePointer(to: &sun) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            try syscall { chmod(path, mode) }
            // Only root and the `evpnd` group may connect (0660): the group, when it exists, owns the socket.
            if let group = getgrnam("evpnd") { try syscall { chown(path, uid_t.max, group.pointee.gr_gid) } }
            try syscall { listen(fd, 16) }
            return fd
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// `mkdir -p` for the control socket's directory.
    static func makeDirectories(_ path: String) throws(Errno) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            do {
                try syscall { mkdir(current, 0o755) }
            } catch where error.rawValue == EEXIST {}
        }
    }
}
