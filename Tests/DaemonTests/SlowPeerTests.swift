// A peer that stops reading: its output queue stops growing (pull-based sending), the other peer still gets
// every route promptly, and the send hold timer (RFC 9687; 20 s here, DaemonOptions.sendHoldTime) closes the
// stuck session and frees it. On loopback, no root: A is a runtime, B another runtime that reads, S a raw
// socket that sends OPEN and KEEPALIVE and then never reads.

@testable import BGPCore
import BGPWire
import Foundation
import Glibc
import Logging
import Testing
@testable import Daemon

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A raw BGP speaker on a blocking socket: connects from `source`, sends OPEN (hold time 0: no keepalives are
/// needed from it) and KEEPALIVE, reads A's OPEN, then reads nothing more.
final class NonReadingPeer {
    let fd: Int32

    init(source: String, to address: String, port: UInt16, asn: UInt32, identifier: IPv4Address) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = port.bigEndian
        remote.sin_addr.s_addr = inet_addr(address)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
        let open = OpenMessage(asn: asn, holdTime: 0, identifier: identifier,
                               capabilities: [.multiprotocol(.l2vpnEVPN), .fourOctetAS(asn)])
        try write(BGPMessage.open(open).encode(context: CodecContext(fourOctetAS: true)))
        try write(BGPMessage.keepalive.encode(context: CodecContext(fourOctetAS: true)))
        var buffer = [UInt8](repeating: 0, count: 512)
        _ = Glibc.read(fd, &buffer, buffer.count)  // A's OPEN; after this, nothing is read
    }

    func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw POSIXError(.EIO) }
    }

    deinit { close(fd) }
}

@Suite(.serialized)
struct SlowPeerTests {
    @Test func nonReadingPeerDoesNotStallTheOtherAndIsClosedBySendHold() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let (a, b, s) = ("127.0.3.1", "127.0.3.2", "127.0.3.3")
        let (portA, portB) = (randomPort(), randomPort())
        let configA = multiPeerConfig(asn: 65001, routerID: "10.255.3.1", source: a, neighbors: [(b, 65002, portB), (s, 65003, 179)])
            .replacingOccurrences(of: " address-family l2vpn evpn", with: " neighbor \(s) passive\n address-family l2vpn evpn")
        let configB = multiPeerConfig(asn: 65002, routerID: "10.255.3.2", source: b, neighbors: [(a, 65001, portA)])
        var optionsA = DaemonOptions(configPath: try dir.write("a.conf", configA), socketPath: "\(dir.path)/a.sock", port: portA,
                                     listenAddresses: [IPAddress(a)!], handlesSignals: false)
        optionsA.sendHoldTime = .seconds(20)
        let runtimeA = try Runtime(options: optionsA, logger: quiet)
        let runtimeB = try Runtime(options: DaemonOptions(configPath: try dir.write("b.conf", configB), socketPath: "\(dir.path)/b.sock",
                                                          port: portB, listenAddresses: [IPAddress(b)!], handlesSignals: false),
                                   logger: quiet)
        try runtimeA.start()
        defer { runtimeA.stopAndWait() }
        try runtimeB.start()
        defer { runtimeB.stopAndWait() }
        func row(_ runtime: Runtime, _ peer: String) -> PeerSummary? { runtime.summary().first { $0.address.description == peer } }

        let slow = try NonReadingPeer(source: s, to: a, port: portA, asn: 65003, identifier: IPv4Address(10, 255, 3, 3))
        #expect(waitFor(15) { row(runtimeA, b)?.state == .established && row(runtimeA, s)?.state == .established },
                "\(runtimeA.summary())")

        // 8,000 routes from A, each with its own 120 route targets, so one UPDATE of about 1 KB each: 8 MB, more
        // than the kernel buffers towards S can take (tcp_wmem's maximum is 4 MB).
        let routes = Self.bulkyRoutes(from: IPv4Address("10.255.3.1")!, count: 8_000, targets: 120)
        let started = Date()
        runtimeA.queue.sync { runtimeA.feed(.originate(routes)) }
        #expect(waitFor(30) { row(runtimeB, a)?.prefixesReceived == routes.count }, "\(String(describing: row(runtimeB, a)))")
        let seconds = Date().timeIntervalSince(started)
        print("slow peer: B received \(routes.count) routes in \(String(format: "%.2f", seconds)) s while S did not read")

        // S's output is bounded while it is stuck: the channel holds at most the high-water mark plus one batch.
        let pending = runtimeA.queue.sync { runtimeA.pendingOutputForTests(peer: s) }
        print("slow peer: \(pending ?? 0) octets queued for S, \(row(runtimeA, s)?.prefixesSent ?? 0) routes sent to it")
        #expect((pending ?? 0) <= 256 * 1024 + 2 * Engine.batchBudget, "pending output to S: \(String(describing: pending))")
        #expect(row(runtimeA, s)?.state == .established, "S is still up when B has everything: B did not wait for it")

        // The send hold timer closes S's session and frees it.
        #expect(waitFor(40) { row(runtimeA, s)?.state != .established }, "\(String(describing: row(runtimeA, s)))")
        let down = try #require(row(runtimeA, s))
        #expect(down.lastResetDueTo == "Send hold timer expired", "\(down)")
        #expect(down.lastResetReason?.contains("RFC 9687") == true, "\(down)")
        #expect(down.prefixesSent == 0)
        #expect(runtimeA.queue.sync { runtimeA.pendingOutputForTests(peer: s) } == nil)
        // B is untouched.
        #expect(row(runtimeA, b)?.state == .established && row(runtimeA, b)?.connectionsDropped == 0)
        withExtendedLifetime(slow) {}
    }
}

extension SlowPeerTests {
    /// Type-2 routes whose attributes differ from each other (route targets numbered by route), so none share an
    /// UPDATE.
    static func bulkyRoutes(from origin: IPv4Address, count: Int, targets: Int) -> [LocalRoute] {
        let rd = RouteDistinguisher.ipv4(origin, 100)
        return (0..<count).map { m in
            let communities = (0..<targets).map { ExtendedCommunity.routeTarget(asn: 65001, value: UInt32(m * targets + $0)) }
            return LocalRoute(route: .macIP(MACIPAdvertisementRoute(rd: rd, mac: MACAddress(rawValue: 0x02_00_00_00_20_00 | UInt64(m)),
                                                                    label1: MPLSLabelField(vni: 100))),
                              nextHop: .v4(origin), attributes: [PathAttribute(.extendedCommunities(communities + [.encapsulation(.vxlan)]))])
        }
    }
}

extension Runtime {
    /// Output queued on a peer's open connections, nil when it has none.
    func pendingOutputForTests(peer: String) -> Int? {
        guard let address = IPAddress(peer) else { return nil }
        let channels = engine.owners.filter { $0.value == PeerID(address) }.keys.compactMap { connections[$0] }.filter { !$0.isClosed }
        return channels.isEmpty ? nil : channels.map(\.pendingOutput).reduce(0, +)
    }
}
