// zebra's `ip route` / `ipv6 route` lines: what is kept, and FILE:LINE:COLUMN errors for what is not.

import BGPWire
import Testing
@testable import Config

@Suite("Config: static routes") struct StaticRouteConfigTests {
    @Test func seedRouterLines() throws {
        let text = """
            ip route 0.0.0.0/0 192.168.1.1
            ip route 10.0.2.0/24 10.0.12.2 eth1
            ip route 10.9.0.0/16 eth2
            ipv6 route fd00:9::/64 fe80::2 eth1
            ipv6 route ::/0 fd00:1::1
            router bgp 65000
            """
        let result = ConfigParser.parse(text: text, file: "r.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let routes = try #require(result.config).staticRoutes
        #expect(routes.map(\.description) == [
            "ip route 0.0.0.0/0 192.168.1.1", "ip route 10.0.2.0/24 10.0.12.2 eth1", "ip route 10.9.0.0/16 eth2",
            "ipv6 route fd00:9::/64 fe80::2 eth1", "ipv6 route ::/0 fd00:1::1",
        ])
        #expect(routes[1].location.line == 2)
    }

    @Test(arguments: [
        ("ip route 10.0.0.0/33 10.0.0.1", 10, "bad prefix"),
        ("ip route fd00::/64 10.0.0.1", 10, "not an IPv4 prefix"),
        ("ipv6 route fd00::/64 10.0.0.1", 22, "not an IPv6 next hop"),
        ("ip route 10.0.0.0/8", 10, "needs a next hop"),
        ("ip route 10.0.0.0/8 blackhole", 21, "not supported"),
        ("ip route 10.0.0.0/8 10.0.0.1 eth0 200", 35, "unexpected word"),
        ("ip route 10.0.0.0/8 10.0.0.1 250", 30, "unexpected word"),
        ("ipv6 route fd00::/64 fe80::1", 22, "needs an interface"),
        ("ip route 10.0.0.0/8 a/b", 21, "bad next hop"),
    ])
    func refused(line: String, column: Int, message: String) throws {
        let result = ConfigParser.parse(text: line + "\nrouter bgp 65000\n", file: "r.conf")
        let error = try #require(result.errors.first)
        #expect(error.location.line == 1)
        #expect(error.location.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(result.config == nil)
    }

    /// zebra's other `ip` commands are still someone else's, skipped with the usual warning.
    @Test func otherIPCommandsAreSkipped() throws {
        let result = ConfigParser.parse(text: "ip forwarding\nipv6 forwarding\nrouter bgp 65000\n", file: "r.conf")
        #expect(result.errors.isEmpty)
        #expect(result.warnings.count == 1)
        #expect(try #require(result.config).staticRoutes.isEmpty)
    }
}
