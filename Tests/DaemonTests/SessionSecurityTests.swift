// What the configuration asks of the sockets (SessionSecurity.swift): which password and GTSM minimum a remote
// address gets, what a shared listener can check, and that the kernel takes the keys and TTL options as built.

import BGPWire
import Config
import Glibc
import Testing
@testable import Daemon

@Suite("Session security table and socket options")
struct SessionSecurityTests {
    static let config = """
    router bgp 65000
     bgp router-id 10.0.0.1
     neighbor WIDE peer-group
     neighbor WIDE remote-as external
     neighbor WIDE password wide
     neighbor NARROW peer-group
     neighbor NARROW remote-as external
     neighbor NARROW password narrow
     neighbor NARROW ttl-security hops 1
     bgp listen range 10.1.0.0/16 peer-group WIDE
     bgp listen range 10.1.2.0/24 peer-group NARROW
     neighbor 10.1.2.9 remote-as 65009
     neighbor 10.1.2.9 ttl-security hops 3
     neighbor fd00::9 remote-as 65010
     neighbor fd00::9 password six
    """

    static func table() throws -> SessionSecurityTable {
        SessionSecurityTable(try #require(ConfigParser.parse(text: config, file: "t.conf").config))
    }

    @Test func neighborFirstThenMostSpecificRange() throws {
        let table = try Self.table()
        #expect(table.entry(for: IPAddress("10.1.2.9")!) == SessionSecurityEntry(password: nil, ttlSecurityHops: 3))
        #expect(table.entry(for: IPAddress("10.1.2.7")!) == SessionSecurityEntry(password: "narrow", ttlSecurityHops: 1))
        // An external listen-range peer without GTSM is single-hop eBGP: TTL 1 (EBGPSockets.swift).
        #expect(table.entry(for: IPAddress("10.1.9.7")!) == SessionSecurityEntry(password: "wide", ttlSecurityHops: nil, ebgpTTL: 1))
        #expect(table.entry(for: IPAddress("192.0.2.1")!) == nil)
        #expect(table.entry(for: IPAddress("10.1.2.7")!)?.minimumTTL == 255)
        #expect(table.entry(for: IPAddress("10.1.2.9")!)?.minimumTTL == 253)
    }

    @Test func listenerChecksTTLOnlyWhenEveryoneUsesGTSM() throws {
        let table = try Self.table()
        #expect(table.listenerMinimumTTL(v4: true) == 0, "WIDE has no ttl-security")
        var allGTSM = SessionSecurityTable()
        allGTSM.neighbors[IPAddress("10.0.0.2")!] = SessionSecurityEntry(ttlSecurityHops: 1)
        allGTSM.neighbors[IPAddress("10.0.0.3")!] = SessionSecurityEntry(ttlSecurityHops: 2)
        #expect(allGTSM.listenerMinimumTTL(v4: true) == 254, "the lowest minimum of them")
        #expect(allGTSM.listenerMinimumTTL(v4: false) == 0, "no IPv6 neighbor")
    }

    @Test func keysPerFamily() throws {
        let table = try Self.table()
        #expect(table.keys(v4: true) == [MD5Key(address: IPAddress("10.1.0.0")!, prefixLength: 16): "wide",
                                         MD5Key(address: IPAddress("10.1.2.0")!, prefixLength: 24): "narrow"])
        #expect(table.keys(v4: false) == [MD5Key(address: IPAddress("fd00::9")!, prefixLength: nil): "six"])
    }

    /// The kernel accepts the 216-octet tcp_md5sig as built, for an address and for a prefix, deletes with an empty
    /// key, and refuses a key over 80 octets; the TTL options read back.
    @Test func kernelTakesTheOptions() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        try SecuritySockets.setMD5Key(fd, MD5Key(address: IPAddress("10.9.9.9")!, prefixLength: nil), password: "s3cret")
        try SecuritySockets.setMD5Key(fd, MD5Key(address: IPAddress("10.9.0.0")!, prefixLength: 16), password: "range")
        try SecuritySockets.setMD5Key(fd, MD5Key(address: IPAddress("10.9.9.9")!, prefixLength: nil), password: "")
        #expect(throws: Errno.self) {
            try SecuritySockets.setMD5Key(fd, MD5Key(address: IPAddress("10.9.9.8")!, prefixLength: nil),
                                          password: String(repeating: "x", count: 81))
        }
        try SecuritySockets.setTTL(fd, v4: true, outgoing: 255, minimum: 254)
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, Int32(IPPROTO_IP), IP_TTL, &value, &length)
        #expect(value == 255)
        getsockopt(fd, Int32(IPPROTO_IP), SecuritySockets.ipMinTTL, &value, &length)
        #expect(value == 254)
    }
}
