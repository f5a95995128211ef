// A TCP connection made from inside a test's network namespace, for the hand-written BGP speakers (RawInjector,
// RawBGPPeer, EVPNInjector). The socket is created while the calling thread is in the namespace (`setns` moves
// only the calling thread) and the thread goes back at once; the socket stays in the namespace it was made in.
// `writeAll` is their one way of writing to it.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum NamespaceSocket {
    /// glibc's setns(2), which the Glibc module does not export (it is behind _GNU_SOURCE).
    private static func setns(_ fd: Int32, _ type: Int32) -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return -1 }
        return unsafeBitCast(symbol, to: SetNS.self)(fd, type)
    }
    /// CLONE_NEWNET from <linux/sched.h>.
    private static let cloneNewNet: Int32 = 0x4000_0000

    /// A connected TCP socket from `source` (any port) in `namespace` to `remote`:`port`. `attempts` connects
    /// 0.1 s apart, for a peer that may not listen yet; `noDelay` sets TCP_NODELAY.
    static func connect(in namespace: String, from source: String, to remote: String, port: UInt16 = 179,
                        attempts: Int = 1, noDelay: Bool = false) throws -> Int32 {
        let original = open("/proc/thread-self/ns/net", O_RDONLY)
        let target = open("/var/run/netns/\(namespace)", O_RDONLY)
        defer { Glibc.close(original); Glibc.close(target) }
        guard original >= 0, target >= 0, setns(target, cloneNewNet) == 0 else {
            throw LabError("setns \(namespace): \(String(cString: strerror(errno)))")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        // Back to the test's namespace before anything can throw.
        let back = setns(original, cloneNewNet)
        guard fd >= 0, back == 0 else { throw LabError("socket or setns back: \(String(cString: strerror(errno)))") }
        func address(_ text: String, port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, text, &address.sin_addr)
            return address
        }
        var local = address(source, port: 0)
        var peer = address(remote, port: port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw LabError("bind \(source) in \(namespace): \(reason)")
        }
        var connected = false
        for attempt in 0..<max(1, attempts) {
            if attempt > 0 { Thread.sleep(forTimeInterval: 0.1) }
            let r = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) } }
            if r == 0 { connected = true; break }
        }
        guard connected else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw LabError("connect \(source) -> \(remote):\(port): \(reason)")
        }
        var one: Int32 = 1
        if noDelay { setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(4)) }
        return fd
    }

    /// Writes all of `bytes` (MSG_NOSIGNAL: a peer that closed is an error here, not a SIGPIPE).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LabError("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }
}
