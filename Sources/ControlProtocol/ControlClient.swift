// The client side of the control socket (evpnctl and tests): connect, send one request line, read one response line.

// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

public struct ControlClientError: Error, CustomStringConvertible {
    public var description: String
}

public enum ControlClient {
    public static func send(_ request: ControlRequest, socketPath: String, timeoutSeconds: Int = 10) throws -> ControlResponse {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ControlClientError(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ControlClientError(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw ControlClientError(description: "cannot connect to \(socketPath): \(String(cString: strerror(errno))) (is evpnd running?)")
        }
        let line = [UInt8](try request.encodedLine())
        var sent = 0
        while sent < line.count {
            let n = line.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ControlClientError(description: "send: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !received.contains(UInt8(ascii: "\n")) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ControlClientError(description: "receive: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw ControlClientError(description: "evpnd closed the control connection without an answer") }
            received += chunk[0..<n]
        }
        let end = received.firstIndex(of: UInt8(ascii: "\n")) ?? received.endIndex
        do {
            return try ControlResponse.decode(line: received[..<end])
        } catch {
            throw ControlClientError(description: "unreadable answer from evpnd: \(error)")
        }
    }
}
