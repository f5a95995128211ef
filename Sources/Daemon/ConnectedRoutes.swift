// `redistribute connected` in the runtime: which subnets of this machine's interfaces become routes (every
// interface address's subnet, except the loopback range 127.0.0.0/8, ::1 and link-local addresses, as FRR's
// zebra does not redistribute those), and a watcher that follows address changes. The kernel reports them on
// rtnetlink's address groups; a notification only says "something changed", and the subnets are read again
// with getifaddrs (a few dozen addresses), so no address message decoder is needed here.

import BGPCore
import BGPWire
import Dispatch
import Netlink

enum ConnectedRoutes {
    /// include/uapi/linux/rtnetlink.h: RTNLGRP_IPV4_IFADDR = 5, RTNLGRP_IPV6_IFADDR = 9.
    static let ipv4AddressGroup = MulticastGroup(5)
    static let ipv6AddressGroup = MulticastGroup(9)

    /// The prefixes to originate for `families`, from the interfaces' address/netmask pairs: host bits cleared,
    /// loopback and link-local left out, each once, in a stable order.
    static func redistributed(_ interfaces: [IPPrefix], families: [AddressFamily]) -> [IPPrefix] {
        guard !families.isEmpty else { return [] }
        var out: [IPPrefix] = []
        for prefix in interfaces {
            let family: AddressFamily = prefix.address.bitLength == 32 ? .ipv4Unicast : .ipv6Unicast
            guard families.contains(family), !excluded(prefix.address) else { continue }
            let masked = prefix.masked
            if !out.contains(masked) { out.append(masked) }
        }
        return out.sorted { ($0.address, $0.length) < ($1.address, $1.length) }
    }

    /// 127.0.0.0/8, ::1, 169.254.0.0/16 and fe80::/10.
    static func excluded(_ address: IPAddress) -> Bool {
        let b = address.bytes
        if b.count == 4 { return b[0] == 127 || (b[0] == 169 && b[1] == 254) }
        if b == [UInt8](repeating: 0, count: 15) + [1] { return true }
        return b.count == 16 && b[0] == 0xfe && b[1] & 0xc0 == 0x80
    }
}

/// The address-event socket and its source, while `redistribute connected` is configured.
final class ConnectedWatcher: @unchecked Sendable {
    // Confined to the engine queue, as the rest of the runtime (Runtime.swift).
    let socket: NetlinkSocket
    var source: DispatchSourceRead?

    init() throws(NetlinkError) {
        socket = try NetlinkSocket(options: NetlinkSocketOptions(groups: [ConnectedRoutes.ipv4AddressGroup, ConnectedRoutes.ipv6AddressGroup],
                                                                 nonBlocking: true))
    }
}

extension Runtime {
    /// Follows address changes while some family has `redistribute connected` (started once; a reload that
    /// adds the command recomputes the subnets itself, through EngineConfig's init).
    func startConnectedWatcher() {
        assertOnQueue()
        guard connectedWatcher == nil else { return }
        let watcher: ConnectedWatcher
        do {
            watcher = try ConnectedWatcher()
        } catch {
            logger.error("redistribute connected: cannot watch interface addresses: \(error); the subnets are read at start and reload only")
            return
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: watcher.socket.fileDescriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.addressesChanged() }
        source.resume()
        watcher.source = source
        connectedWatcher = watcher
    }

    private func addressesChanged() {
        guard let watcher = connectedWatcher else { return }
        // Drained only: the notifications say that something changed, getifaddrs says what is there now.
        _ = try? watcher.socket.readEvents(maxDatagrams: 256)
        let now = ConnectedRoutes.redistributed(Sockets.connectedPrefixes(), families: bgpConfig.router.redistributeConnected)
        guard now != engineConfig.redistributedConnected else { return }
        logger.info("redistribute connected: \(now.count) subnets (\(now.map(\.description).joined(separator: ", ")))")
        engineConfig.redistributedConnected = now
        feed(.configure(engineConfig))
    }
}
