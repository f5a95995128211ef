// `evpnctl show bgp neighbors --json` against FRR 8.4's `show bgp neighbors json` for the same session (issue 17's
// Must-show): evpnd and FRR peered over eBGP in two namespaces, the session reset once by `clear bgp` so both
// sides have a last reset to report. The key sets, compared recursively, may differ only by the documented list
// (ControlProtocol.NeighborKeyDifferences); each side's counters and sockets mirror the other's.

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct NeighborsInteropTests {
    static let frrTools = ["vtysh", "/usr/lib/frr/bgpd"]

    static func evpndConfig(routerID: String, neighbor: String) -> String {
        """
        frr defaults datacenter
        hostname evpnd-neighbors
        router bgp 65001
         bgp router-id \(routerID)
         no bgp default ipv4-unicast
         neighbor \(neighbor) remote-as 65002
         neighbor \(neighbor) timers connect 1
         address-family l2vpn evpn
          neighbor \(neighbor) activate
         exit-address-family
        exit
        """
    }

    static func frrConfig(name: String, routerID: String, neighbor: String) -> String {
        """
        frr defaults datacenter
        hostname frr-neighbors
        log file /var/run/frr/\(name)/bgpd.log informational
        router bgp 65002
         bgp router-id \(routerID)
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
         neighbor \(neighbor) remote-as 65001
         neighbor \(neighbor) timers 3 9
         neighbor \(neighbor) timers connect 1
         address-family l2vpn evpn
          neighbor \(neighbor) activate
         exit-address-family
        exit
        """
    }

    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw LabError("not a JSON object: \(text.prefix(300))")
        }
        return object
    }

    /// The capability words name the speaker's own side: evpnd's "received" is FRR's "advertised".
    static func mirrored(_ word: String) -> String {
        if word.hasPrefix("advertisedAndReceived") { return word }
        if word.hasPrefix("advertised") { return "received" + word.dropFirst("advertised".count) }
        if word.hasPrefix("received") { return "advertised" + word.dropFirst("received".count) }
        return word
    }

    /// Key paths without those that describe one side of the session, so differ between the two views by
    /// design: the ADD-PATH direction keys ("rxAdvertised" here is "rxReceived" there) and what the *peer*
    /// listed in its graceful restart capabilities (FRR sends LLGR with l2vpn evpn, so evpnd's view has
    /// `longLivedGracefulRestartByPeer`; evpnd sends no LLGR, so FRR's view has none, as between two FRRs
    /// where one has LLGR off). The unit tests against FRR-to-FRR captures check those keys.
    static func comparableKeys(_ peer: [String: Any]) -> Set<String> {
        Set(NeighborKeyDifferences.keyPaths(peer).filter { path in
            let parts = path.split(separator: ".")
            if path.hasPrefix("neighborCapabilities.longLivedGracefulRestartByPeer") { return false }
            guard parts.count > 2, parts[0] == "neighborCapabilities" else { return true }
            if parts[1] == "addPath" { return parts.count < 4 }
            return parts[1] != "longLivedGracefulRestartByPeer" && parts[1] != "addressFamiliesByPeer"
        })
    }

    @Test func neighborsJSONMatchesFRRsForTheSameSession() throws {
        guard Tools.ready("show bgp neighbors against FRR", needs: Self.frrTools) else { return }
        try withLab(subnet: 61) { lab in
            try lab.startFRR(config: Self.frrConfig(name: lab.frrName, routerID: lab.addressB, neighbor: lab.addressA))
            try lab.startEvpnd(config: Self.evpndConfig(routerID: lab.addressA, neighbor: lab.addressB))
            #expect(waitUntil(30) { lab.evpndPeer(lab.addressB)?.state == "Established" })
            #expect(waitUntil(10) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })

            // One reset, from evpnd's side: both then report a last reset, two connections, one NOTIFICATION.
            try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "clear", "bgp", "*"])
            #expect(waitUntil(30) { (lab.evpndPeer(lab.addressB)?.connectionsEstablished ?? 0) >= 2
                && lab.evpndPeer(lab.addressB)?.state == "Established" })
            #expect(waitUntil(15) { lab.frrPeer(lab.addressA)?["state"] as? String == "Established" })
            // End-of-RIB both ways and a few keepalives.
            Thread.sleep(forTimeInterval: 5)

            let evpndText = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bgp", "neighbors", "--json"]).output
            let frrText = try lab.vtysh("show bgp neighbors json")
            print("evpnd's show bgp neighbors json:\n\(evpndText)\nFRR's:\n\(frrText)")
            let ours = try #require(try Self.object(evpndText)[lab.addressB] as? [String: Any])
            let theirs = try #require(try Self.object(frrText)[lab.addressA] as? [String: Any])

            // Keys: the difference is exactly the documented list.
            let ourKeys = Self.comparableKeys(ours), frrKeys = Self.comparableKeys(theirs)
            let onlyFRR = frrKeys.subtracting(ourKeys), onlyEvpnd = ourKeys.subtracting(frrKeys)
            print("keys: evpnd \(ourKeys.count), FRR \(frrKeys.count); only in FRR \(onlyFRR.sorted()); only in evpnd \(onlyEvpnd.sorted())")
            #expect(onlyFRR == Set(NeighborKeyDifferences.onlyInFRR.keys),
                    "undocumented: \(onlyFRR.subtracting(NeighborKeyDifferences.onlyInFRR.keys).sorted()), documented but present: \(Set(NeighborKeyDifferences.onlyInFRR.keys).subtracting(onlyFRR).sorted())")
            #expect(onlyEvpnd == Set(NeighborKeyDifferences.onlyInEvpnd.keys), "\(onlyEvpnd.sorted())")

            // Counters: what one side sent, the other received (keepalives and updates may be one in flight).
            let ourStats = try #require(ours["messageStats"] as? [String: Any])
            let frrStats = try #require(theirs["messageStats"] as? [String: Any])
            func count(_ stats: [String: Any], _ key: String) -> Int { stats[key] as? Int ?? -1 }
            // FRR 8.4 counts the one Cease of `clear bgp` twice (its log shows one "%NOTIFICATION: received"; its
            // notificationsRecv says 2, seen on every run here), so notifications are checked one way below.
            for (sent, received, tolerance) in [("opensSent", "opensRecv", 0),
                                                ("updatesSent", "updatesRecv", 1), ("keepalivesSent", "keepalivesRecv", 1),
                                                ("routeRefreshSent", "routeRefreshRecv", 0)] {
                #expect(abs(count(ourStats, sent) - count(frrStats, received)) <= tolerance,
                        "evpnd \(sent) \(count(ourStats, sent)), FRR \(received) \(count(frrStats, received))")
                #expect(abs(count(frrStats, sent) - count(ourStats, received)) <= tolerance,
                        "FRR \(sent) \(count(frrStats, sent)), evpnd \(received) \(count(ourStats, received))")
            }
            #expect(count(ourStats, "opensSent") == 2, "two sessions, one OPEN each")
            #expect(count(ourStats, "notificationsSent") == 1, "the Cease of `clear bgp`")
            #expect(count(frrStats, "notificationsRecv") >= 1 && count(frrStats, "notificationsSent") == count(ourStats, "notificationsRecv"))
            #expect(ours["connectionsEstablished"] as? Int == theirs["connectionsEstablished"] as? Int)
            #expect(ours["lastResetDueTo"] as? String == "User reset")
            #expect(ours["lastResetCode"] as? Int == 12)
            // FRR's own reason here is not its NOTIFICATION ("No AFI/SAFI activated for peer" on every run: 8.4
            // records the reset of the connection it dropped in the collision with evpnd's reconnect), so only
            // its presence is checked.
            #expect(theirs["lastResetDueTo"] is String)

            // The same session seen from both ends.
            #expect(ours["hostLocal"] as? String == theirs["hostForeign"] as? String)
            #expect(ours["portLocal"] as? Int == theirs["portForeign"] as? Int)
            #expect(ours["hostForeign"] as? String == theirs["hostLocal"] as? String)
            #expect(ours["portForeign"] as? Int == theirs["portLocal"] as? Int)
            #expect(ours["remoteRouterId"] as? String == theirs["localRouterId"] as? String)
            #expect(ours["localRouterId"] as? String == theirs["remoteRouterId"] as? String)
            #expect(ours["hostname"] as? String == "frr-neighbors")
            #expect(theirs["hostname"] as? String == "evpnd-neighbors")
            #expect(ours["bgpTimerHoldTimeMsecs"] as? Int == theirs["bgpTimerHoldTimeMsecs"] as? Int)
            #expect(ours["nbrExternalLink"] as? Bool == true && theirs["nbrExternalLink"] as? Bool == true)
            let ourCaps = try #require(ours["neighborCapabilities"] as? [String: Any])
            let frrCaps = try #require(theirs["neighborCapabilities"] as? [String: Any])
            for (key, value) in ourCaps {
                guard let word = value as? String, let other = frrCaps[key] as? String, key != "addressFamiliesByPeer" else { continue }
                #expect(Self.mirrored(word) == other, "\(key): evpnd \(word), FRR \(other)")
            }
            let ourHost = try #require(ourCaps["hostName"] as? [String: Any]), frrHost = try #require(frrCaps["hostName"] as? [String: Any])
            #expect(ourHost["advHostName"] as? String == frrHost["rcvHostName"] as? String)
            #expect(ourHost["rcvHostName"] as? String == frrHost["advHostName"] as? String)

            // One neighbor by address, and the text form.
            let one = try Self.object(try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bgp", "neighbors", lab.addressB, "--json"]).output)
            #expect(Array(one.keys) == [lab.addressB])
            let text = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bgp", "neighbors"]).output
            print("evpnd's show bgp neighbors:\n\(text)\nFRR's:\n\(try lab.vtysh("show bgp neighbors"))")
            #expect(text.contains("BGP neighbor is \(lab.addressB), remote AS 65002, local AS 65001, external link"))
            #expect(text.contains("BGP state = Established, up for "))
            let unknown = try run(["\(lab.bin)/evpnctl", "-s", lab.evpndSocket, "show", "bgp", "neighbors", "10.213.61.99"], check: false)
            #expect(unknown.status == 1 && unknown.error.contains("No such neighbor"))
        }
    }
}
