// A BGP speaker that sends raw bytes: the hostile peer of the RFC 7606 interop test. Its TCP socket is created
// inside a network namespace (`NamespaceSocket`), then it sends an OPEN and a KEEPALIVE and, once the other
// side's OPEN and KEEPALIVE arrived, anything at all: whole messages of any shape, written as given. A reader thread splits what comes back into messages by their length field and
// keeps every NOTIFICATION, and notices when the other side closes.

import BGPWire
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class RawBGPPeer: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var closedByUs = false
    private var closedByPeer = false
    private var messageTypes: [UInt8] = []
    private var notificationList: [NotificationMessage] = []
    private var reader: Thread?

    /// Connects from `source` in `namespace` to `remote` port 179 and sends OPEN (4-octet AS, L2VPN EVPN) and KEEPALIVE.
    init(namespace: String, source: String, to remote: String, asn: UInt32, routerID: IPv4Address, holdTime: UInt16 = 90) throws {
        fd = try NamespaceSocket.connect(in: namespace, from: source, to: remote)
        let thread = Thread { [self] in readLoop() }
        reader = thread
        thread.start()
        let open = OpenMessage(asn: asn, holdTime: holdTime, identifier: routerID,
                               capabilities: [.multiprotocol(.l2vpnEVPN), .fourOctetAS(asn), .routeRefresh])
        try send(BGPMessage.open(open).encode(context: CodecContext()) + BGPMessage.keepalive.encode(context: CodecContext()))
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            buffer += chunk[0..<n]
            while buffer.count >= 19 {
                let length = Int(buffer[16]) << 8 | Int(buffer[17])
                guard length >= 19, buffer.count >= length else { break }
                let message = Array(buffer[0..<length])
                buffer.removeFirst(length)
                lock.lock()
                messageTypes.append(message[18])
                if message[18] == 3, case .notification(let n)? = try? BGPMessage.decode(message: message, context: CodecContext()) {
                    notificationList.append(n)
                }
                lock.unlock()
            }
        }
        lock.lock()
        closedByPeer = true
        lock.unlock()
    }

    /// The other side's OPEN and KEEPALIVE arrived: the session is Established on its side.
    var established: Bool {
        lock.lock(); defer { lock.unlock() }
        return messageTypes.contains(1) && messageTypes.contains(4)
    }

    var notifications: [NotificationMessage] { lock.lock(); defer { lock.unlock() }; return notificationList }
    var peerClosed: Bool { lock.lock(); defer { lock.unlock() }; return closedByPeer }

    func waitEstablished(_ timeout: TimeInterval = 10) throws {
        guard waitUntil(timeout, interval: 0.01, { established || peerClosed }), established else {
            throw LabError("raw peer: no OPEN and KEEPALIVE from the other side (closed: \(peerClosed))")
        }
    }

    /// Writes `bytes` as they are.
    func send(_ bytes: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !closedByUs else { throw LabError("raw peer closed") }
        try NamespaceSocket.writeAll(fd, bytes)
    }

    func close() {
        lock.lock()
        if !closedByUs {
            closedByUs = true
            shutdown(fd, Int32(SHUT_RDWR))
        }
        lock.unlock()
        // The reader ends on the shutdown; the descriptor is closed once it is done with it.
        _ = waitUntil(2, interval: 0.01) { peerClosed }
        Glibc.close(fd)
    }

    deinit {
        lock.lock()
        let open = !closedByUs
        lock.unlock()
        if open { close() }
    }
}
