// `redistribute connected` (ConnectedRoutes.swift): which interface subnets become routes.

import BGPCore
import BGPWire
import Testing
@testable import Daemon

@Suite struct ConnectedRoutesTests {
    static func p(_ text: String) -> IPPrefix {
        let parts = text.split(separator: "/")
        return IPPrefix(address: IPAddress(String(parts[0])) ?? .v4(IPv4Address(rawValue: 0)), length: UInt8(parts[1]) ?? 0)
    }

    /// (interface address/length, families, expected prefixes)
    @Test(arguments: [
        (["10.0.1.1/30"], [AddressFamily.ipv4Unicast], ["10.0.1.0/30"]),
        (["10.0.0.1/32", "10.0.1.1/30"], [.ipv4Unicast], ["10.0.0.1/32", "10.0.1.0/30"]),
        (["127.0.0.1/8", "169.254.1.1/16"], [.ipv4Unicast], []),
        (["::1/128", "fe80::1/64", "2001:db8:1::1/64"], [.ipv6Unicast], ["2001:db8:1::/64"]),
        (["10.0.1.1/30", "2001:db8:1::1/64"], [.ipv6Unicast], ["2001:db8:1::/64"]),
        (["10.0.1.1/30", "10.0.1.2/30"], [.ipv4Unicast], ["10.0.1.0/30"]),
        (["10.0.1.1/30"], [], []),
    ])
    func subnets(_ interfaces: [String], _ families: [AddressFamily], _ expected: [String]) {
        #expect(ConnectedRoutes.redistributed(interfaces.map(Self.p), families: families).map(\.description) == expected)
    }
}
