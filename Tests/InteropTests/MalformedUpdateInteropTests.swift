// RFC 7606 against the real daemon: evpnd is a route reflector (namespace A) with two iBGP clients in namespace
// B, FRR 8.4's bgpd (10.213.7.2) and a raw BGP peer written here (10.213.7.3, RawBGPPeer.swift) that sends the
// hostile-input table (Tests/MalformedUpdates). For every case the raw peer first announces the case's route R
// cleanly, then sends the malformed message about R.
//   - Cases the session survives go in one session, all at once (about 350 cases, 700 messages).
//   - Cases that reset the session go one per session, reconnecting each time (the attribute ones, and a sample
//     of the EVPN length sweep: the in-process table test has every length).
//   - The cases that need an external peer (LOCAL_PREF from eBGP, the eBGP AS_PATH checks) come from a second raw
//     peer, 10.213.7.4 in AS 65099.
// Then: evpnd is still running; it reset the raw peer exactly for the reset cases, each with the table's
// NOTIFICATION; its counters match the table; FRR holds R exactly for the cases that keep it, none of the
// discarded attributes, and its session with evpnd never dropped; FRR's log has no malformed-attribute message.

import BGPWire
import ControlProtocol
import Foundation
import MalformedUpdates
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct MalformedUpdateInteropTests {
    @Test func hostilePeerAgainstAnEvpndReflectorWithAnFRRClient() throws {
        guard Tools.ready("RFC 7606 hostile peer", needs: ["vtysh", "/usr/lib/frr/bgpd"]) else { return }
        try withLab(subnet: 7) { lab in
            let rawAddress = "10.213.7.3"
            let externalAddress = "10.213.7.4"
            for address in [rawAddress, externalAddress] {
                try run(["ip", "-n", lab.nsB, "addr", "add", "\(address)/24", "dev", lab.vethB])
            }
            try lab.startFRR(config: """
                frr defaults datacenter
                hostname frr-client
                log file /var/run/frr/\(lab.frrName)/bgpd.log informational
                router bgp 65001
                 bgp router-id \(lab.addressB)
                 no bgp default ipv4-unicast
                 neighbor \(lab.addressA) remote-as 65001
                 neighbor \(lab.addressA) timers 3 9
                 neighbor \(lab.addressA) timers connect 1
                 address-family l2vpn evpn
                  neighbor \(lab.addressA) activate
                 exit-address-family
                exit
                """)
            try lab.startEvpnd(config: Configs.evpndRouter(hostname: "evpnd-rr", routerID: lab.addressA, neighborLines: [
                "neighbor \(lab.addressB) remote-as 65001",
                "neighbor \(lab.addressB) timers connect 1",
                "neighbor \(rawAddress) remote-as 65001",
                "neighbor \(rawAddress) passive",
                "neighbor \(externalAddress) remote-as 65099",
                "neighbor \(externalAddress) passive",
            ], familyLines: [
                "neighbor \(lab.addressB) activate",
                "neighbor \(lab.addressB) route-reflector-client",
                "neighbor \(rawAddress) activate",
                "neighbor \(rawAddress) route-reflector-client",
                "neighbor \(externalAddress) activate",
            ]))
            try #require(waitUntil(30) { lab.evpndPeer(lab.addressB)?.state == "Established" },
                         "FRR: \(String(describing: lab.evpndPeer(lab.addressB)))")

            let sender = MalformedSender(address: [10, 213, 7, 3], asn: 65001, localAS: 65001)
            let table = MalformedCases.all(sender: sender).filter { $0.session == .internal }
            let survivors = table.filter { !$0.isReset }
            let resets = table.filter { malformed in
                guard malformed.isReset else { return false }
                guard malformed.name.hasPrefix("EVPN route type") else { return true }
                // A sample of the sweep: lengths 0, 1, 16, 24, 36, 41, 57, 100, 200 and 255 of each type.
                return [0, 1, 16, 24, 36, 41, 57, 100, 200, 255].contains { malformed.name.hasSuffix(" length \($0)") }
            }
            let started = Date()

            // 1. Everything the session survives, in one session.
            let peer = try RawBGPPeer(namespace: lab.nsB, source: rawAddress, to: lab.addressA, asn: 65001,
                                      routerID: IPv4Address(10, 213, 7, 3))
            try peer.waitEstablished()
            var burst: [UInt8] = []
            for malformed in survivors {
                burst += MalformedCases.cleanAnnouncement(malformed.number, sender: sender, session: .internal)
                burst += malformed.message
            }
            try peer.send(burst)
            #expect(waitUntil(30) {
                (lab.evpndPeer(rawAddress)?.msgRcvd ?? 0) >= UInt64(2 * survivors.count + 2)
            }, "evpnd read \(lab.evpndPeer(rawAddress)?.msgRcvd ?? 0) of \(2 * survivors.count + 2) messages")
            #expect(peer.notifications.isEmpty && !peer.peerClosed, "NOTIFICATIONs \(peer.notifications)")
            peer.close()
            // The raw peer left without a NOTIFICATION; its routes go with it, unless we keep them for FRR's check:
            // rather than racing FRR's table against that, reconnect and announce the kept routes again below.

            // 2. Each reset case in its own session.
            var wrongNotifications: [String] = []
            for malformed in resets {
                guard case .reset(let code, let subcode) = malformed.expect else { continue }
                guard waitUntil(10, interval: 0.01, { lab.evpndPeer(rawAddress)?.state != "Established" }) else {
                    Issue.record("\(malformed): the previous session did not end")
                    break
                }
                let peer = try RawBGPPeer(namespace: lab.nsB, source: rawAddress, to: lab.addressA, asn: 65001,
                                          routerID: IPv4Address(10, 213, 7, 3))
                defer { peer.close() }
                try peer.waitEstablished()
                try peer.send(MalformedCases.cleanAnnouncement(malformed.number, sender: sender, session: .internal) + malformed.message)
                guard waitUntil(10, interval: 0.01, { peer.peerClosed }) else {
                    Issue.record("\(malformed): evpnd did not close the session")
                    continue
                }
                let got = peer.notifications.map { "\($0.code.rawValue)/\($0.subcode)" }
                if got != ["\(code)/\(subcode)"] { wrongNotifications.append("\(malformed): \(got)") }
            }
            #expect(wrongNotifications.isEmpty, "\(wrongNotifications)")

            // 3. The survivors once more, in a session left up, so FRR's table can be compared with the table.
            _ = waitUntil(10, interval: 0.01) { lab.evpndPeer(rawAddress)?.state != "Established" }
            let last = try RawBGPPeer(namespace: lab.nsB, source: rawAddress, to: lab.addressA, asn: 65001,
                                      routerID: IPv4Address(10, 213, 7, 3))
            defer { last.close() }
            try last.waitEstablished()
            try last.send(burst)
            // 4. The cases that need an external peer, from a second raw peer in AS 65099 (numbered from 4000).
            let externalSender = MalformedSender(address: [10, 213, 7, 4], asn: 65099, localAS: 65001)
            let external = MalformedCases.all(sender: externalSender, first: 4000).filter { $0.session == .external }
            let outsider = try RawBGPPeer(namespace: lab.nsB, source: externalAddress, to: lab.addressA, asn: 65099,
                                          routerID: IPv4Address(10, 213, 7, 4))
            defer { outsider.close() }
            try outsider.waitEstablished()
            try outsider.send(external.flatMap { MalformedCases.cleanAnnouncement($0.number, sender: externalSender, session: .external) + $0.message })

            let kept = Set((survivors + external).filter { if case .kept = $0.expect { return true } else { return false } }.map(\.number))
            var frrMACs: Set<Int> = []
            let settled = waitUntil(30, interval: 0.5) {
                frrMACs = Self.caseNumbers(in: (try? lab.vtysh("show bgp l2vpn evpn route json")) ?? "")
                return frrMACs == kept
            }
            let seconds = Date().timeIntervalSince(started)
            #expect(settled, "FRR holds \(frrMACs.count) case routes, expected \(kept.count); extra \(frrMACs.subtracting(kept).sorted().prefix(10)), missing \(kept.subtracting(frrMACs).sorted().prefix(10))")

            // evpnd is up, its session with FRR never dropped, and it counted what the table says.
            #expect(lab.evpnd?.isRunning == true, "evpnd exited")
            let frrPeer = lab.evpndPeer(lab.addressB)
            #expect(frrPeer?.state == "Established" && frrPeer?.connectionsDropped == 0, "FRR session: \(String(describing: frrPeer))")
            let counters = lab.evpndPeer(rawAddress)?.updateErrors
            let withdrawn = survivors.filter { $0.expect == .withdrawn }.count
            #expect(counters?.treatAsWithdraw == UInt64(2 * withdrawn), "\(String(describing: counters)) for 2 x \(withdrawn)")
            #expect((counters?.sessionReset ?? 0) + (counters?.afiSafiDisable ?? 0) == UInt64(resets.count),
                    "\(String(describing: counters)) for \(resets.count) resets")
            #expect(counters?.unknownRouteTypes == UInt64(2 * survivors.filter { $0.name.contains("unknown route type") }.count))
            let externalCounters = lab.evpndPeer(externalAddress)?.updateErrors
            #expect(externalCounters?.treatAsWithdraw == UInt64(external.filter { $0.expect == .withdrawn }.count)
                    && externalCounters?.attributeDiscard == UInt64(external.filter { $0.expect != .withdrawn }.count),
                    "external peer: \(String(describing: externalCounters))")
            #expect(outsider.notifications.isEmpty && !outsider.peerClosed, "external peer: \(outsider.notifications)")

            // FRR got nothing malformed: no complaint in its log, none of the discarded attributes in its table.
            let frrLog = (try? String(contentsOfFile: lab.frrLog, encoding: .utf8)) ?? ""
            let complaints = frrLog.split(separator: "\n").filter { line in
                ["malformed", "Malformed", "MALFORMED", "flag", "Attribute", "attribute", "length", "NOTIFICATION", "Notification",
                 "withdraw", "error", "Error"].contains { line.contains($0) }
            }
            #expect(complaints.isEmpty, "FRR log: \(complaints.prefix(10))")
            let routes = (try? lab.vtysh("show bgp l2vpn evpn route json")) ?? ""
            #expect(!routes.contains("atomicAggregate") && !routes.contains("aggregatorAs"), "FRR holds a discarded attribute")
            let evpndLog = lab.evpndLogText
            let lines = evpndLog.split(separator: "\n").filter { $0.contains("malformed ") && $0.contains("outcome=") }
            print("RFC 7606 interop: \(survivors.count) cases in one session (twice), \(resets.count) resets, "
                  + "in \(String(format: "%.1f", seconds)) s; FRR holds \(frrMACs.count) case routes; evpnd logged \(lines.count) "
                  + "malformed lines; counters \(String(describing: counters))")
        }
    }

    /// The case numbers of routes `aa:bb:cc:dd:HH:LL` in FRR's JSON.
    static func caseNumbers(in json: String) -> Set<Int> {
        var numbers: Set<Int> = []
        var rest = Substring(json)
        while let range = rest.range(of: "aa:bb:cc:dd:") {
            let digits = rest[range.upperBound...].prefix(5)
            let parts = digits.split(separator: ":")
            if parts.count == 2, let hi = Int(parts[0], radix: 16), let lo = Int(parts[1], radix: 16) { numbers.insert(hi << 8 | lo) }
            rest = rest[range.upperBound...]
        }
        return numbers
    }
}
