// Session security on the sockets: TCP MD5 signatures (RFC 2385) and GTSM (RFC 5082), from `neighbor X password`
// and `neighbor X ttl-security hops N` (on neighbors, and on the peer groups of `bgp listen range`s).
//
// TCP MD5: the kernel signs and checks every segment of a connection whose remote address has a key on the
// socket (setsockopt TCP_MD5SIG; TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX for a listen range's prefix). A key
// must be on the listener before the SYN arrives, so every key is set on the listener of its family at start and
// again on reload (removed keys are deleted with a zero-length key); accepted sockets inherit them. An outbound
// socket gets its peer's key before `connect`. A segment without a valid signature is dropped by the kernel: a
// peer with a wrong or no password never gets a connection, and the kernel counts it (TCPMD5Failure/Unexpected).
//
// GTSM: our packets leave with TTL (hop limit) 255 and the kernel drops packets that arrive with less than
// 256-N (IP_MINTTL, IPV6_MINHOPCOUNT). Outbound sockets get both before `connect`, so the SYN-ACK is checked.
// Listeners always send with TTL 255 (the SYN-ACK to a GTSM peer must arrive with 255-hops, as FRR's listeners
// do); an accepted socket gets its own peer's minimum as soon as it is accepted. The listener itself checks the
// minimum only when every neighbor and listen range of its family has `ttl-security` (the smallest minimum of
// them): a listener is shared, and with mixed settings a too-far peer's first segments can be queued before
// `accept`; after that its segments are dropped, so it still never reaches Established.

import BGPWire
import Config
import Glibc

/// Password and GTSM hops for one neighbor or listen range.
struct SessionSecurityEntry: Hashable {
    var password: String?
    var ttlSecurityHops: UInt8?
    /// eBGP: the outgoing TTL, 1 or `ebgp-multihop N` (EBGPSockets.swift); nil for iBGP.
    var ebgpTTL: Int32? = nil
    /// Single-hop eBGP without `disable-connected-check` (EBGPSockets.swift).
    var requiresConnected = false

    /// The smallest TTL accepted from the peer (RFC 5082 section 3: 255 - (hops - 1)); 0 when GTSM is off.
    var minimumTTL: Int32 { ttlSecurityHops.map { 256 - Int32($0) } ?? 0 }
}

/// What the configuration asks of the sockets.
struct SessionSecurityTable: Hashable {
    var neighbors: [IPAddress: SessionSecurityEntry] = [:]
    var ranges: [(prefix: IPPrefix, entry: SessionSecurityEntry)] = []

    init() {}

    init(_ config: BGPConfig) {
        for neighbor in config.resolvedNeighbors {
            neighbors[neighbor.address] = SessionSecurityEntry(password: neighbor.password, ttlSecurityHops: neighbor.ttlSecurityHops,
                                                               ebgpTTL: neighbor.ebgpTTL(localAS: config.router.asn),
                                                               requiresConnected: neighbor.requiresConnectedPeer(localAS: config.router.asn))
        }
        for range in config.resolvedListenRanges {
            ranges.append((range.prefix, SessionSecurityEntry(password: range.template.password,
                                                              ttlSecurityHops: range.template.ttlSecurityHops,
                                                              ebgpTTL: range.template.ebgpTTL(localAS: config.router.asn))))
        }
    }

    /// A configured neighbor's settings, else the most specific listen range's.
    func entry(for address: IPAddress) -> SessionSecurityEntry? {
        if let entry = neighbors[address] { return entry }
        return ranges.filter { $0.prefix.contains(address) }.max { $0.prefix.length < $1.prefix.length }?.entry
    }

    /// The minimum TTL a listener of this family can check for everyone: only when all of them use GTSM.
    func listenerMinimumTTL(v4: Bool) -> Int32 {
        let entries = neighbors.filter { ($0.key.bitLength == 32) == v4 }.map(\.value)
            + ranges.filter { ($0.prefix.address.bitLength == 32) == v4 }.map(\.entry)
        guard !entries.isEmpty, entries.allSatisfy({ $0.ttlSecurityHops != nil }) else { return 0 }
        return entries.map(\.minimumTTL).min() ?? 0
    }

    /// Every key a listener of this family needs: address or prefix, and password.
    func keys(v4: Bool) -> [MD5Key: String] {
        var keys: [MD5Key: String] = [:]
        for (address, entry) in neighbors where (address.bitLength == 32) == v4 {
            if let password = entry.password { keys[MD5Key(address: address, prefixLength: nil)] = password }
        }
        for (prefix, entry) in ranges where (prefix.address.bitLength == 32) == v4 {
            if let password = entry.password { keys[MD5Key(address: prefix.address, prefixLength: prefix.length)] = password }
        }
        return keys
    }

    static func == (a: SessionSecurityTable, b: SessionSecurityTable) -> Bool {
        a.neighbors == b.neighbors && a.ranges.map(\.prefix) == b.ranges.map(\.prefix) && a.ranges.map(\.entry) == b.ranges.map(\.entry)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(neighbors)
        for range in ranges { hasher.combine(range.prefix); hasher.combine(range.entry) }
    }
}

/// The address (or prefix, for a listen range) a TCP MD5 key is for.
struct MD5Key: Hashable {
    var address: IPAddress
    var prefixLength: UInt8?
}

/// Keys set on each listener, so a reload can delete the ones that went away.
struct SessionSecurityState {
    var table = SessionSecurityTable()
    var listenerKeys: [Int32: Set<MD5Key>] = [:]
}

enum SecuritySockets {
    // <linux/tcp.h>, <linux/in.h>, <linux/in6.h>
    static let tcpMD5Sig: Int32 = 14
    static let tcpMD5SigExt: Int32 = 32
    static let tcpMD5SigFlagPrefix: UInt8 = 1
    static let tcpMD5SigMaxKeyLength = 80
    static let ipMinTTL: Int32 = 21
    static let ipv6MinHopCount: Int32 = 73

    /// Sets (or with an empty password deletes) the key for `key` on `fd`.
    ///
    /// ```
    /// struct tcp_md5sig {                 216 octets
    ///     struct sockaddr_storage addr;   128
    ///     u8 flags; u8 prefixlen;         TCP_MD5SIG_FLAG_PREFIX with TCP_MD5SIG_EXT
    ///     u16 keylen; int ifindex;        host order
    ///     u8 key[80];
    /// };
    /// ```
    static func setMD5Key(_ fd: Int32, _ key: MD5Key, password: String) throws(Errno) {
        let secret = Array(password.utf8)
        guard secret.count <= tcpMD5SigMaxKeyLength else { throw Errno(EINVAL) }
        var raw = [UInt8](repeating: 0, count: 216)
        let address = SocketAddress(key.address, port: 0)
        withUnsafeBytes(of: address.storage) { storage in
            for i in 0..<min(128, storage.count) { raw[i] = storage[i] }
        }
        if let length = key.prefixLength {
            raw[128] = tcpMD5SigFlagPrefix
            raw[129] = length
        }
        let keyLength = UInt16(secret.count)
        withUnsafeBytes(of: keyLength) { for (i, b) in $0.enumerated() { raw[130 + i] = b } }
        for (i, b) in secret.enumerated() { raw[136 + i] = b }
        let option = key.prefixLength == nil ? tcpMD5Sig : tcpMD5SigExt
        try syscall { raw.withUnsafeBytes { setsockopt(fd, Int32(IPPROTO_TCP), option, $0.baseAddress, socklen_t($0.count)) } }
    }

    /// Outgoing TTL (hop limit) and the smallest TTL accepted (0: no check).
    static func setTTL(_ fd: Int32, v4: Bool, outgoing: Int32?, minimum: Int32) throws(Errno) {
        if v4 {
            if let outgoing { try Sockets.setOption(fd, Int32(IPPROTO_IP), IP_TTL, outgoing) }
            try Sockets.setOption(fd, Int32(IPPROTO_IP), ipMinTTL, minimum)
        } else {
            if let outgoing { try Sockets.setOption(fd, Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, outgoing) }
            try Sockets.setOption(fd, Int32(IPPROTO_IPV6), ipv6MinHopCount, minimum)
        }
    }
}

extension Runtime {
    /// RFC 9687: how long a connection's output may make no progress before it is closed: max(8 minutes, twice
    /// the largest configured hold time); `DaemonOptions.sendHoldTime` overrides it (tests).
    var sendHoldTime: Duration {
        if let override = options.sendHoldTime { return override }
        let hold = (engineConfig.peers.map(\.holdTime) + engineConfig.listenRanges.map(\.template.holdTime)).max() ?? 0
        return .seconds(max(480, 2 * Int(hold)))
    }

    /// Keys and TTL settings on every listener, from the configuration in force (start and reload).
    func applyListenerSecurity() {
        let table = SessionSecurityTable(bgpConfig)
        for fd in listenerDescriptors {
            guard let family = Sockets.localAddress(fd)?.family else { continue }
            let v4 = family == AF_INET
            do {
                try SecuritySockets.setTTL(fd, v4: v4, outgoing: 255, minimum: table.listenerMinimumTTL(v4: v4))
            } catch {
                logger.error("cannot set GTSM options on a listener: \(error)")
            }
            let wanted = table.keys(v4: v4)
            for stale in security.listenerKeys[fd, default: []] where wanted[stale] == nil {
                try? SecuritySockets.setMD5Key(fd, stale, password: "")
            }
            var applied: Set<MD5Key> = []
            for (key, password) in wanted.sorted(by: { "\($0.key.address)" < "\($1.key.address)" }) {
                do {
                    try SecuritySockets.setMD5Key(fd, key, password: password)
                    applied.insert(key)
                } catch {
                    let what = key.prefixLength.map { "listen range \(key.address)/\($0)" } ?? "neighbor \(key.address)"
                    let tooLong = password.utf8.count > SecuritySockets.tcpMD5SigMaxKeyLength ? " (longer than 80 octets)" : ""
                    logger.error("cannot set the TCP MD5 password of \(what): \(error)\(tooLong)")
                }
            }
            security.listenerKeys[fd] = applied
        }
        security.table = table
    }

    /// Before an outbound `connect`: the peer's key and GTSM.
    func secureOutbound(_ fd: Int32, to remote: IPAddress) {
        guard let entry = security.table.entry(for: remote) else { return }
        let v4 = remote.bitLength == 32
        if let password = entry.password {
            do {
                try SecuritySockets.setMD5Key(fd, MD5Key(address: remote, prefixLength: nil), password: password)
            } catch {
                logger.error("cannot set the TCP MD5 password for \(remote): \(error)")
            }
        }
        if entry.ttlSecurityHops != nil {
            do {
                try SecuritySockets.setTTL(fd, v4: v4, outgoing: 255, minimum: entry.minimumTTL)
            } catch {
                logger.error("cannot set GTSM options for \(remote): \(error)")
            }
        } else if let ttl = entry.ebgpTTL {
            do {
                try SecuritySockets.setTTL(fd, v4: v4, outgoing: ttl, minimum: 0)
            } catch {
                logger.error("cannot set the eBGP TTL for \(remote): \(error)")
            }
        }
    }

    /// Right after `accept`: this peer's own GTSM minimum (the listener's may be lower or off).
    func secureAccepted(_ fd: Int32, from remote: IPAddress, local: IPAddress) {
        let minimum = security.table.entry(for: remote)?.minimumTTL ?? 0
        do {
            // An eBGP peer's replies leave with its session's TTL (EBGPSockets.swift); the listener's 255 otherwise.
            try SecuritySockets.setTTL(fd, v4: local.bitLength == 32, outgoing: security.table.entry(for: remote)?.ebgpTTL, minimum: minimum)
        } catch {
            logger.error("cannot set GTSM options for \(remote): \(error)")
        }
    }
}
