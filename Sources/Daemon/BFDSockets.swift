// The UDP sockets of BFD (RFC 5881 single hop, RFC 5883 multihop), IPv4 and IPv6: one receiving socket per port
// (3784, 4784) and family that reports each datagram's TTL / hop limit and destination address and interface,
// and one sending socket per session, bound to a source port in 49152...65535 and sending with TTL / hop
// limit 255 (RFC 5881 section 5 says it for both families).
//
// Swift's Glibc is built without _GNU_SOURCE, so `struct in_pktinfo`, `struct in6_pktinfo`, IP_PKTINFO,
// IPV6_RECVPKTINFO and the CMSG_* macros are not visible: the constants below mirror include/uapi/linux/in.h,
// in6.h and asm-generic/socket.h, and control messages are walked by hand with the kernel's layout (struct
// cmsghdr: size_t len, int level, int type, then the data aligned to sizeof(size_t)).

import BGPWire
import Glibc

enum BFDSocketConstants {
    /// linux/in.h
    static let ipTTL: Int32 = 2
    static let ipPacketInfo: Int32 = 8
    static let ipReceiveTTL: Int32 = 12
    /// linux/in6.h
    static let ipv6UnicastHops: Int32 = 16
    static let ipv6Only: Int32 = 26
    static let ipv6ReceivePacketInfo: Int32 = 49
    static let ipv6PacketInfo: Int32 = 50
    static let ipv6ReceiveHopLimit: Int32 = 51
    static let ipv6HopLimit: Int32 = 52
    /// asm-generic/socket.h
    static let bindToDevice: Int32 = 25
    /// SO_TIMESTAMPNS (SO_TIMESTAMPNS_OLD on 64-bit): the kernel's receive time as a struct timespec (CLOCK_REALTIME).
    static let timestampNanoseconds: Int32 = 35
    /// linux/sched.h: or-ed into a policy, children of the thread start with the default policy and nice 0.
    static let scheduleResetOnFork: Int32 = 0x4000_0000
    /// RFC 5881 section 4: "The source port MUST be in the range 49152 through 65535."
    static let sourcePorts: ClosedRange<UInt16> = 49152...65535
}

/// One datagram with what the kernel said about it.
struct BFDDatagram {
    var bytes: [UInt8]
    /// Nil for a sender address of neither family (never seen; dropped like a datagram without control messages).
    var source: IPAddress?
    /// Both nil when the kernel left out the control messages asked for (never seen; such a datagram is dropped).
    var destination: IPAddress?
    var interfaceIndex: Int32
    var ttl: UInt8?
    /// When the kernel received it (CLOCK_REALTIME, nanoseconds), for the receive-delay figure; nil if not said.
    var receivedAt: UInt64?
}

enum BFDSockets {
    static func udpSocket(family: Int32) throws(Errno) -> Int32 {
        try syscall { socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// The receiving socket of a port for one family (`AF_INET` or `AF_INET6`, the latter IPv6 only), on every
    /// address, reporting TTL / hop limit and packet info.
    static func receiver(port: UInt16, family: Int32 = AF_INET) throws(Errno) -> Int32 {
        let fd = try udpSocket(family: family)
        do {
            try Sockets.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try Sockets.setOption(fd, SOL_SOCKET, BFDSocketConstants.timestampNanoseconds, 1)
            let any: IPAddress
            if family == AF_INET6 {
                let level = Int32(IPPROTO_IPV6)
                try Sockets.setOption(fd, level, BFDSocketConstants.ipv6Only, 1)
                try Sockets.setOption(fd, level, BFDSocketConstants.ipv6ReceiveHopLimit, 1)
                try Sockets.setOption(fd, level, BFDSocketConstants.ipv6ReceivePacketInfo, 1)
                any = .v6(IPv6Address(high: 0, low: 0))
            } else {
                try Sockets.setOption(fd, Int32(IPPROTO_IP), BFDSocketConstants.ipReceiveTTL, 1)
                try Sockets.setOption(fd, Int32(IPPROTO_IP), BFDSocketConstants.ipPacketInfo, 1)
                any = .v4(IPv4Address(0, 0, 0, 0))
            }
            let sa = SocketAddress(any, port: port)
            try syscall { sa.withSockaddr { bind(fd, $0, $1) } }
            return fd
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// A socket address; an IPv6 link-local one carries the interface index as its scope (RFC 4007 section 6).
    static func address(_ ip: IPAddress, port: UInt16, scope: UInt32) -> SocketAddress {
        var sa = SocketAddress(ip, port: port)
        if case .v6 = ip, scope != 0 {
            withUnsafeMutableBytes(of: &sa.storage) { raw in
                var sin6 = raw.loadUnaligned(as: sockaddr_in6.self)
                sin6.sin6_scope_id = scope
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
            }
        }
        return sa
    }

    /// A session's sending socket for `family`: TTL / hop limit 255 (RFC 5881 section 5, RFC 5883 section 2),
    /// bound to `local` (or any address) and a free source port of the range, and to `interface` when given
    /// (`scope`: its index, for a link-local `local`).
    static func sender(family: Int32, local: IPAddress?, interface: String?, scope: UInt32,
                       random: inout some RandomNumberGenerator) throws(Errno) -> Int32 {
        let fd = try udpSocket(family: family)
        do throws(Errno) {
            if family == AF_INET6 {
                try Sockets.setOption(fd, Int32(IPPROTO_IPV6), BFDSocketConstants.ipv6UnicastHops, 255)
            } else {
                try Sockets.setOption(fd, Int32(IPPROTO_IP), BFDSocketConstants.ipTTL, 255)
            }
            if let interface {
                var name = Array(interface.utf8CString)
                try syscall { setsockopt(fd, SOL_SOCKET, BFDSocketConstants.bindToDevice, &name, socklen_t(name.count)) }
            }
            let any: IPAddress = family == AF_INET6 ? .v6(IPv6Address(high: 0, low: 0)) : .v4(IPv4Address(0, 0, 0, 0))
            var lastError = Errno(EADDRINUSE)
            for _ in 0..<64 {
                let port = UInt16.random(in: BFDSocketConstants.sourcePorts, using: &random)
                let sa = address(local ?? any, port: port, scope: scope)
                do throws(Errno) {
                    try syscall { sa.withSockaddr { bind(fd, $0, $1) } }
                    return fd
                } catch {
                    guard error == Errno(EADDRINUSE) else { throw error }
                    lastError = error
                }
            }
            throw lastError
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// Sends one datagram; failures are returned, not thrown (BFD's timers deal with a lost packet).
    static func send(_ fd: Int32, _ bytes: [UInt8], to peer: IPAddress, scope: UInt32, port: UInt16) -> Errno? {
        let sa = address(peer, port: port, scope: scope)
        let result = bytes.withUnsafeBytes { raw in
            sa.withSockaddr { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, $1) }
        }
        return result < 0 ? Errno.current : nil
    }

    /// The next datagram waiting on `fd`, or nil when none is.
    static func receive(_ fd: Int32) throws(Errno) -> BFDDatagram? {
        var buffer = [UInt8](repeating: 0, count: 512)
        var control = [UInt8](repeating: 0, count: 256)
        var from = SocketAddress()
        var count = -1, controlLength = 0, failure: Int32 = 0
        buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &from.storage) { fromPointer in
                    var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                    withUnsafeMutablePointer(to: &iov) { iovPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(fromPointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                        message.msg_iov = iovPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                        repeat {
                            count = recvmsg(fd, &message, Int32(MSG_DONTWAIT))
                            failure = count < 0 ? errno : 0
                        } while count < 0 && failure == EINTR
                        controlLength = Int(message.msg_controllen)
                        from.length = message.msg_namelen
                    }
                }
            }
        }
        if count < 0 {
            if failure == EAGAIN || failure == EWOULDBLOCK { return nil }
            throw Errno(failure)
        }
        var ttl: UInt8?
        var destination: IPAddress?
        var interfaceIndex: Int32 = 0
        var receivedAt: UInt64?
        // struct cmsghdr walked by hand: len (size_t), level (int), type (int), data at the aligned header size.
        let word = MemoryLayout<Int>.size
        let header = (MemoryLayout<Int>.size + 8 + word - 1) / word * word
        var offset = 0
        while offset + header <= controlLength {
            let length = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int.self) }
            let level = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + word, as: Int32.self) }
            let type = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + word + 4, as: Int32.self) }
            guard length >= header, offset + length <= controlLength else { break }
            let data = offset + header, size = length - header
            func int32(at offset: Int) -> Int32 { control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) } }
            switch (level, type) {
            case (Int32(IPPROTO_IP), BFDSocketConstants.ipTTL) where size >= 4,
                 (Int32(IPPROTO_IPV6), BFDSocketConstants.ipv6HopLimit) where size >= 4:
                ttl = UInt8(clamping: int32(at: data))
            case (Int32(IPPROTO_IP), BFDSocketConstants.ipPacketInfo) where size >= 12:
                // struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst; struct in_addr ipi_addr; }
                interfaceIndex = int32(at: data)
                let address = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: data + 8, as: UInt32.self) }
                destination = .v4(IPv4Address(rawValue: UInt32(bigEndian: address)))
            case (SOL_SOCKET, BFDSocketConstants.timestampNanoseconds) where size >= 16:
                // struct timespec { time_t tv_sec; long tv_nsec; } (64-bit)
                let seconds = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: data, as: Int64.self) }
                let nanoseconds = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: data + 8, as: Int64.self) }
                if seconds >= 0, nanoseconds >= 0 { receivedAt = UInt64(seconds) &* 1_000_000_000 &+ UInt64(nanoseconds) }
            case (Int32(IPPROTO_IPV6), BFDSocketConstants.ipv6PacketInfo) where size >= 20:
                // struct in6_pktinfo { struct in6_addr ipi6_addr; int ipi6_ifindex; }
                destination = IPv6Address(bytes: Array(control[data..<(data + 16)])).map(IPAddress.v6)
                interfaceIndex = int32(at: data + 16)
            default:
                break
            }
            offset += (length + word - 1) / word * word
        }
        return BFDDatagram(bytes: Array(buffer.prefix(count)), source: from.endpoint?.address, destination: destination,
                           interfaceIndex: interfaceIndex, ttl: ttl, receivedAt: receivedAt)
    }

    static func interfaceName(_ index: Int32) -> String? {
        guard index > 0 else { return nil }
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(UInt32(index), &name) != nil else { return nil }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func interfaceIndex(_ name: String) -> UInt32 { if_nametoindex(name) }

    /// CLOCK_REALTIME in nanoseconds (the clock of SO_TIMESTAMPNS).
    static func realtime() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(now.tv_sec, 0)) &* 1_000_000_000 &+ UInt64(max(now.tv_nsec, 0))
    }
}
