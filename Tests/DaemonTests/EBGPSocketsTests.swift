// The TTL an eBGP session's socket gets and whether the connected check applies (EBGPSockets.swift), per
// neighbor as the configuration resolves it.

import BGPWire
import Config
import Testing
@testable import Daemon

@Suite struct EBGPSocketsTests {
    /// (neighbor lines, outgoing TTL, connected check)
    @Test(arguments: [
        (["remote-as 65100"], Int32?(1), true),
        (["remote-as external"], 1, true),
        (["remote-as 65001"], nil, false),
        (["remote-as internal"], nil, false),
        (["remote-as 65100", "ebgp-multihop"], 255, false),
        (["remote-as 65100", "ebgp-multihop 3"], 3, false),
        (["remote-as 65100", "disable-connected-check"], 1, false),
        (["remote-as 65100", "ttl-security hops 1"], nil, false),
    ])
    func ttlAndConnectedCheck(_ lines: [String], _ ttl: Int32?, _ connected: Bool) throws {
        let text = "router bgp 65001\n bgp router-id 10.0.0.1\n" + lines.map { " neighbor 10.9.0.2 \($0)\n" }.joined() + "exit\n"
        let result = ConfigParser.parse(text: text, file: "t.conf")
        let config = try #require(result.config, "\(result.diagnostics)")
        let table = SessionSecurityTable(config)
        let entry = try #require(table.entry(for: .v4(IPv4Address(10, 9, 0, 2))))
        #expect(entry.ebgpTTL == ttl)
        #expect(entry.requiresConnected == connected)
    }
}
