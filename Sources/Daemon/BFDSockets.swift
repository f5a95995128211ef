// The UDP sockets of BFD (RFC 5881 single hop, RFC 5883 multihop), IPv4: one receiving socket per port (3784,
// 4784) that reports each datagram's TTL and destination address and interface, and one sending socket per
// session, bound to a source port in 49152...65535 and sending with TTL 255.
//
// Swift's Glibc is built without _GNU_SOURCE, so `struct in_pktinfo`, IP_PKTINFO and the CMSG_* macros are not
// visible: the constants below mirror include/uapi/linux/in.h and asm-generic/socket.h, and control messages
// are walked by hand with the kernel's layout (struct cmsghdr: size_t len, int level, int type, then the data
// aligned to sizeof(size_t)).

import BGPWire
import Glibc

enum BFDSocketConstants {
    /// linux/in.h
    static let ipTTL: Int32 = 2
    static let ipPacketInfo: Int32 = 8
    static let ipReceiveTTL: Int32 = 12
    /// asm-generic/socket.h
    static let bindToDevice: Int32 = 25
    /// RFC 5881 section 4: "The source port MUST be in the range 49152 through 65535."
    static let sourcePorts: ClosedRange<UInt16> = 49152...65535
}

/// One datagram with what the kernel said about it.
struct BFDDatagram {
    var bytes: [UInt8]
    var source: IPv4Address
    /// Both nil when the kernel left out the control messages asked for (never seen; such a datagram is dropped).
    var destination: IPv4Address?
    var interfaceIndex: Int32
    var ttl: UInt8?
}

enum BFDSockets {
    static func udpSocket() throws(Errno) -> Int32 {
        try syscall { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// The receiving socket of a port, on every IPv4 address, reporting TTL and packet info.
    static func receiver(port: UInt16) throws(Errno) -> Int32 {
        let fd = try udpSocket()
        do {
            try Sockets.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try Sockets.setOption(fd, Int32(IPPROTO_IP), BFDSocketConstants.ipReceiveTTL, 1)
            try Sockets.setOption(fd, Int32(IPPROTO_IP), BFDSocketConstants.ipPacketInfo, 1)
            let sa = SocketAddress(.v4(IPv4Address(0, 0, 0, 0)), port: port)
            try syscall { sa.withSockaddr { bind(fd, $0, $1) } }
            return fd
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// A session's sending socket: TTL 255 (RFC 5881 section 5, RFC 5883 section 2), bound to `local` (or any
    /// address) and a free source port of the range, and to `interface` when given.
    static func sender(local: IPv4Address?, interface: String?, random: inout some RandomNumberGenerator) throws(Errno) -> Int32 {
        let fd = try udpSocket()
        do throws(Errno) {
            try Sockets.setOption(fd, Int32(IPPROTO_IP), BFDSocketConstants.ipTTL, 255)
            if let interface {
                var name = Array(interface.utf8CString)
                try syscall { setsockopt(fd, SOL_SOCKET, BFDSocketConstants.bindToDevice, &name, socklen_t(name.count)) }
            }
            var lastError = Errno(EADDRINUSE)
            for _ in 0..<64 {
                let port = UInt16.random(in: BFDSocketConstants.sourcePorts, using: &random)
                let sa = SocketAddress(.v4(local ?? IPv4Address(0, 0, 0, 0)), port: port)
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
    static func send(_ fd: Int32, _ bytes: [UInt8], to peer: IPv4Address, port: UInt16) -> Errno? {
        let sa = SocketAddress(.v4(peer), port: port)
        let result = bytes.withUnsafeBytes { raw in
            sa.withSockaddr { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, $1) }
        }
        return result < 0 ? Errno.current : nil
    }

    /// The next datagram waiting on `fd`, or nil when none is.
    static func receive(_ fd: Int32) throws(Errno) -> BFDDatagram? {
        var buffer = [UInt8](repeating: 0, count: 512)
        var control = [UInt8](repeating: 0, count: 256)
        var from = sockaddr_in()
        var count = -1, controlLength = 0, failure: Int32 = 0
        buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &from) { fromPointer in
                    var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                    withUnsafeMutablePointer(to: &iov) { iovPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(fromPointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                        message.msg_iov = iovPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                        repeat {
                            count = recvmsg(fd, &message, Int32(MSG_DONTWAIT))
                            failure = count < 0 ? errno : 0
                        } while count < 0 && failure == EINTR
                        controlLength = Int(message.msg_controllen)
                    }
                }
            }
        }
        if count < 0 {
            if failure == EAGAIN || failure == EWOULDBLOCK { return nil }
            throw Errno(failure)
        }
        var ttl: UInt8?
        var destination: IPv4Address?
        var interfaceIndex: Int32 = 0
        // struct cmsghdr walked by hand: len (size_t), level (int), type (int), data at the aligned header size.
        let word = MemoryLayout<Int>.size
        let header = (MemoryLayout<Int>.size + 8 + word - 1) / word * word
        var offset = 0
        while offset + header <= controlLength {
            let length = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int.self) }
            let level = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + word, as: Int32.self) }
            let type = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + word + 4, as: Int32.self) }
            guard length >= header, offset + length <= controlLength else { break }
            let data = offset + header
            if level == Int32(IPPROTO_IP) && type == BFDSocketConstants.ipTTL && length - header >= 4 {
                let value = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: data, as: Int32.self) }
                ttl = UInt8(clamping: value)
            } else if level == Int32(IPPROTO_IP) && type == BFDSocketConstants.ipPacketInfo && length - header >= 12 {
                // struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst; struct in_addr ipi_addr; }
                interfaceIndex = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: data, as: Int32.self) }
                let address = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: data + 8, as: UInt32.self) }
                destination = IPv4Address(rawValue: UInt32(bigEndian: address))
            }
            offset += (length + word - 1) / word * word
        }
        return BFDDatagram(bytes: Array(buffer.prefix(count)), source: IPv4Address(rawValue: UInt32(bigEndian: from.sin_addr.s_addr)),
                           destination: destination, interfaceIndex: interfaceIndex, ttl: ttl)
    }

    static func interfaceName(_ index: Int32) -> String? {
        guard index > 0 else { return nil }
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(UInt32(index), &name) != nil else { return nil }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
