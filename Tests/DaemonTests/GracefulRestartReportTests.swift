// `show bgp neighbors [X] graceful-restart [json]` against a running evpnd (no root, no peer up): FRR's
// modes with the `*` of an inherited one, the timers, the l2vpn evpn block; and a SIGTERM under
// `bgp graceful-restart` that exits cleanly.

import Foundation
import Testing

@Suite(.serialized)
struct GracefulRestartReportTests {
    static func config() -> String {
        """
        router bgp 65001
         bgp router-id 10.255.0.1
         bgp graceful-restart
         bgp graceful-restart restart-time 90
         bgp graceful-restart select-defer-time 30
         no bgp default ipv4-unicast
         neighbor 127.0.0.9 remote-as 65009
         neighbor 127.0.0.9 port 1179
         neighbor 127.0.0.9 passive
         neighbor 127.0.0.8 remote-as 65008
         neighbor 127.0.0.8 port 1179
         neighbor 127.0.0.8 passive
         neighbor 127.0.0.8 graceful-restart-helper
         address-family l2vpn evpn
          neighbor 127.0.0.9 activate
          neighbor 127.0.0.8 activate
         exit-address-family
        exit
        """
    }

    @Test func reportAndGracefulStop() throws {
        let dir = try TempDir()
        defer { withExtendedLifetime(dir) {} }
        let daemon = try RunningDaemon(config: try dir.write("evpnd.conf", Self.config()), directory: dir.path)
        #expect(daemon.waitUntilUp())
        let s = daemon.socket

        let json = try Binaries.run("evpnctl", ["-s", s, "show", "bgp", "neighbors", "graceful-restart", "--json"])
        #expect(json.status == 0, "\(json.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let inherited = try #require(object["127.0.0.9"] as? [String: Any])
        #expect(inherited["localGrMode"] as? String == "Restart*")
        #expect(inherited["remoteGrMode"] as? String == "NotApplicable")
        #expect((inherited["timers"] as? [String: Any])?["configuredRestartTimer"] as? Int == 90)
        let family = try #require(inherited["l2VpnEvpn"] as? [String: Any])
        #expect((family["timers"] as? [String: Any])?["selectionDeferralTimer"] as? Int == 30)
        #expect((family["timers"] as? [String: Any])?["stalePathTimer"] as? Int == 360)
        let own = try #require(object["127.0.0.8"] as? [String: Any])
        #expect(own["localGrMode"] as? String == "Helper")

        let text = try Binaries.run("evpnctl", ["-s", s, "show", "bgp", "neighbors", "127.0.0.9", "graceful-restart"])
        #expect(text.status == 0, "\(text.error)")
        for line in ["BGP neighbor is 127.0.0.9", "    Local GR Mode: Restart*", "    Remote GR Mode: NotApplicable",
                     "      Configured Restart Time(sec): 90", "    L2VPN EVPN:", "        Configured Stale Path Time(sec): 360"] {
            #expect(text.output.contains(line + "\n"), "missing \(line) in:\n\(text.output)")
        }
        #expect(!text.output.contains("127.0.0.8"))
        let missing = try Binaries.run("evpnctl", ["-s", s, "show", "bgp", "neighbors", "127.0.0.7", "graceful-restart"])
        #expect(missing.status == 1)
        #expect(missing.error.contains("No such neighbor"))

        // SIGTERM with graceful restart: no Cease, a clean exit.
        #expect(daemon.terminate() == 0)
    }
}
