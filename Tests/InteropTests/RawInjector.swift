// A raw BGP speaker for injecting routes in the interop tests (ReflectorInteropTests, SecurityInteropTests).

import BGPWire
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A raw BGP speaker for injecting routes: one TCP session opened from inside a namespace (`NamespaceSocket`),
/// OPEN/KEEPALIVE by hand, UPDATEs built with BGPWire. A reader thread drains what the reflector sends and answers nothing but keepalives.
final class RawInjector: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false
    private(set) var receivedBytes = 0
    private var keepaliveThread: Thread?
    let context = CodecContext()

    init(namespace: String, source: String, to remote: String, asn: UInt32, routerID: IPv4Address) throws {
        fd = try NamespaceSocket.connect(in: namespace, from: source, to: remote)
        let open = BGPMessage.open(OpenMessage(asn: asn, holdTime: 90, identifier: routerID, capabilities: [
            .multiprotocol(.l2vpnEVPN), .fourOctetAS(asn), .routeRefresh,
        ]))
        try send([open, .keepalive])
        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                lock.lock(); receivedBytes += n; lock.unlock()
            }
        }
        reader.start()
        let keepalive = Thread { [self] in
            while !isClosed {
                Thread.sleep(forTimeInterval: 5)
                try? send([.keepalive])
            }
        }
        keepalive.start()
        keepaliveThread = keepalive
    }

    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }
    var received: Int { lock.lock(); defer { lock.unlock() }; return receivedBytes }

    func send(_ messages: [BGPMessage]) throws {
        var bytes: [UInt8] = []
        for message in messages { bytes += try message.encode(context: context) }
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw LabError("injector closed") }
        try NamespaceSocket.writeAll(fd, bytes)
    }

    func close() {
        lock.lock()
        if !closed { closed = true; shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
        lock.unlock()
    }
}
