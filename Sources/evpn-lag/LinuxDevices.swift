// The three kinds of device access the tool needs, as thin wrappers over the system calls: a TAP device
// (linux/if_tun.h), an AF_PACKET socket bound to one interface in promiscuous mode (linux/if_packet.h), and
// an interface's flags and MAC address (SIOCGIFFLAGS, SIOCGIFHWADDR). The kernel structures are built as
// bytes with their layout in a comment, since Glibc's module does not export the packet socket headers.
#if canImport(Glibc)
import Glibc
#endif

struct SystemError: Error, CustomStringConvertible {
    var what: String
    var code: Int32
    var description: String { "\(what): \(String(cString: strerror(code)))" }
}

enum LinuxDevice {
    static let tunSetIff: UInt = 0x4004_54ca      // TUNSETIFF, _IOW('T', 202, int)
    static let iffTap: Int16 = 0x0002
    static let iffNoPI: Int16 = 0x1000
    static let siocgifflags: UInt = 0x8913
    static let siocgifhwaddr: UInt = 0x8927
    static let iffUp: Int16 = 0x1
    static let iffRunning: Int16 = 0x40
    static let ethPAll: UInt16 = 0x0003
    static let solPacket: Int32 = 263
    static let packetAddMembership: Int32 = 1
    static let packetMRPromisc: UInt16 = 1
    static let packetIgnoreOutgoing: Int32 = 23

    static func interfaceRequest(_ name: String) -> ifreq {
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { bytes in
            for (index, byte) in name.utf8.prefix(15).enumerated() { bytes[index] = byte }
        }
        return request
    }

    /// Creates (or attaches to) TAP device `name` without the packet-information header; returns its fd.
    static func openTap(_ name: String) throws -> Int32 {
        let fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK)
        guard fd >= 0 else { throw SystemError(what: "open /dev/net/tun", code: errno) }
        var request = interfaceRequest(name)
        request.ifr_ifru.ifru_flags = iffTap | iffNoPI
        guard withUnsafeMutablePointer(to: &request, { ioctl(fd, tunSetIff, $0) }) == 0 else {
            let code = errno
            close(fd)
            throw SystemError(what: "TUNSETIFF \(name)", code: code)
        }
        return fd
    }

    /// An AF_PACKET socket receiving every frame of `name` (promiscuous, outgoing frames ignored) and sending
    /// frames out of it unchanged.
    static func openPacketSocket(_ name: String) throws -> Int32 {
        let index = if_nametoindex(name)
        guard index != 0 else { throw SystemError(what: "interface \(name)", code: errno) }
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue), Int32(ethPAll.bigEndian))
        guard fd >= 0 else { throw SystemError(what: "packet socket for \(name)", code: errno) }
        // struct sockaddr_ll: family(2) protocol(2, network order) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
        var address = [UInt8](repeating: 0, count: 20)
        withUnsafeBytes(of: UInt16(AF_PACKET)) { address.replaceSubrange(0..<2, with: $0) }
        withUnsafeBytes(of: ethPAll.bigEndian) { address.replaceSubrange(2..<4, with: $0) }
        withUnsafeBytes(of: Int32(index)) { address.replaceSubrange(4..<8, with: $0) }
        let bound = address.withUnsafeBytes {
            bind(fd, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(20))
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SystemError(what: "bind packet socket to \(name)", code: code)
        }
        // struct packet_mreq: ifindex(4) type(2) alen(2) address(8)
        var membership = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: Int32(index)) { membership.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: packetMRPromisc) { membership.replaceSubrange(4..<6, with: $0) }
        var one: Int32 = 1
        guard membership.withUnsafeBytes({ setsockopt(fd, solPacket, packetAddMembership, $0.baseAddress, 16) }) == 0,
              setsockopt(fd, solPacket, packetIgnoreOutgoing, &one, socklen_t(4)) == 0 else {
            let code = errno
            close(fd)
            throw SystemError(what: "packet socket options on \(name)", code: code)
        }
        return fd
    }

    /// Whether `name` is administratively up and operationally up (carrier), through `controlSocket`.
    static func hasCarrier(_ name: String, controlSocket: Int32) -> Bool {
        var request = interfaceRequest(name)
        guard withUnsafeMutablePointer(to: &request, { ioctl(controlSocket, siocgifflags, $0) }) == 0 else { return false }
        let flags = request.ifr_ifru.ifru_flags
        return flags & iffUp != 0 && flags & iffRunning != 0
    }

    /// The MAC address of `name`, or nil.
    static func macAddress(_ name: String, controlSocket: Int32) -> [UInt8]? {
        var request = interfaceRequest(name)
        guard withUnsafeMutablePointer(to: &request, { ioctl(controlSocket, siocgifhwaddr, $0) }) == 0 else { return nil }
        return withUnsafeBytes(of: request.ifr_ifru.ifru_hwaddr.sa_data) { Array($0.prefix(6)) }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
