// `show bgp neighbors [json]` against FRR 8.4's own output (Tests/Fixtures/frr-json/{vtep1,rr1}-neighbors.*,
// captured by scripts/lab/capture-views-json): evpnd's renderer, given the session FRR described (same OPENs,
// counters, timers, sockets), must print every key FRR prints except the documented ones
// (ControlProtocol.NeighborKeyDifferences), the same values where both have them, and vtysh's text lines.

@testable import BGPCore
import BGPWire
import ControlProtocol
import Foundation
import Testing
@testable import Daemon

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/frr-json")

private func fixtureText(_ name: String) throws -> String {
    try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
}

private func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// The OPEN capabilities FRR 8.4 sent in the capture (both sides were FRR), in its order.
private func frrCapabilities(hostname: String) -> [Capability] {
    [.multiprotocol(.l2vpnEVPN, reserved: 0), .routeRefreshCisco, .routeRefresh, .enhancedRouteRefresh,
     .fourOctetAS(65000), .extendedMessage, .addPath([AddPathEntry(family: .l2vpnEVPN, direction: .receive)]),
     .unknown(code: 71, value: []), .fqdn(hostname: hostname, domain: ""),
     .gracefulRestart(GracefulRestartCapability(restarting: true, notification: true, restartTime: 120, families: []))]
}

/// One session of the capture, described to evpnd's renderer as its engine and socket would.
private struct CapturedSession {
    var fixture: String
    var textFixture: String
    var peer: String
    var localHost: String
    var localPort: UInt16
    var remotePort: UInt16
    var localHostname: String
    var remoteHostname: String
    var peerGroup: String?
    var reflectorClient: Bool
    var advertiseAllVNI: Bool
    var received: Int
    var sent: Int
    var updates: (sent: UInt64, received: UInt64)
    var lastResetDueTo: String
    var lastResetSeconds: Int64

    func view() throws -> NeighborView {
        let address = try #require(IPAddress(peer))
        var messages = MessageCounters()
        messages.sent.opens = 1
        messages.received.opens = 1
        messages.sent.updates = updates.sent
        messages.received.updates = updates.received
        messages.sent.keepalives = 3
        messages.received.keepalives = 3
        let summary = PeerSummary(
            address: address, remoteAS: 65000, configuredRemoteAS: .number(65000), localAS: 65000, state: .established,
            uptimeMilliseconds: 7000, prefixesReceived: received, prefixesSent: sent, messages: messages,
            connectionsEstablished: 1, connectionsDropped: 0, lastResetDueTo: lastResetDueTo, lastResetReason: nil,
            hostname: remoteHostname, peerGroup: peerGroup, description: nil, isDynamic: false, families: [.l2vpnEVPN])
        let remoteID = try #require(IPv4Address(peer))
        let negotiated = NegotiatedSession(
            peerAS: 65000, peerIdentifier: remoteID, holdTime: 9, keepaliveInterval: 3, families: [.l2vpnEVPN],
            fourOctetAS: true, extendedMessages: true, addPathReceive: [], addPathSend: [], routeRefresh: true,
            enhancedRouteRefresh: true, peerGracefulRestart: nil, extendedNextHop: [], peerHostname: remoteHostname, peerDomain: nil)
        let gr = GracefulRestartCapability(restarting: true, notification: true, restartTime: 120, families: [])
        let detail = PeerDetail(
            summary: summary, localRouterID: try #require(IPv4Address(localHost)), remoteRouterID: remoteID,
            configuredKeepalive: 3, configuredHoldTime: 9, connectRetry: 10, routeReflectorClient: reflectorClient,
            configuredFamilies: [.l2vpnEVPN], negotiated: negotiated,
            advertisedCapabilities: frrCapabilities(hostname: localHostname),
            receivedCapabilities: frrCapabilities(hostname: remoteHostname), localHostname: localHostname,
            sinceLastRead: .seconds(1), sinceLastWrite: .seconds(1), sinceLastUpdateReceived: .seconds(6),
            sinceLastReset: .seconds(lastResetSeconds), connection: ConnectionID(1), port: 179, updateSource: nil,
            passive: false, shutdown: false)
        let status = GracefulRestartStatus(
            peer: PeerID(address), localMode: .helper, established: true, peerCapability: gr, configuredRestartTime: 120,
            stalePathTime: 360, selectDeferTime: 360, endOfRIBSent: true, endOfRIBReceived: true, staleRoutes: 0,
            restartTimeRemaining: nil, stalePathTimeRemaining: nil, deferring: false)
        let socket = NeighborSocket(local: (try #require(IPAddress(localHost)), localPort),
                                    remote: (address, remotePort), roundTripMilliseconds: 4)
        return NeighborView(detail: detail, socket: socket, gracefulRestart: status, localGracefulRestartMode: "Helper*",
                            advertiseAllVNI: advertiseAllVNI, epochNow: 1_796_609_243)
    }
}

private let sessions = [
    // VTEP 1's view of reflector 1: a VTEP (advertise-all-vni), no peer group.
    CapturedSession(fixture: "vtep1-neighbors.json", textFixture: "vtep1-neighbors.txt", peer: "10.0.0.253",
                    localHost: "10.0.0.1", localPort: 47688, remotePort: 179, localHostname: "vtep1", remoteHostname: "rr1",
                    peerGroup: nil, reflectorClient: false, advertiseAllVNI: true, received: 2, sent: 2, updates: (3, 5),
                    lastResetDueTo: "Waiting for peer OPEN", lastResetSeconds: 8),
    // Reflector 1's view of VTEP 1: a peer-group member and route-reflector client.
    CapturedSession(fixture: "rr1-neighbors.json", textFixture: "rr1-neighbors.txt", peer: "10.0.0.1",
                    localHost: "10.0.0.253", localPort: 179, remotePort: 47688, localHostname: "rr1", remoteHostname: "vtep1",
                    peerGroup: "VTEPS", reflectorClient: true, advertiseAllVNI: false, received: 2, sent: 4, updates: (5, 3),
                    lastResetDueTo: "No AFI/SAFI activated for peer", lastResetSeconds: 9),
]

@Suite struct NeighborReportTests {
    /// Every FRR key is printed, or listed with its reason; evpnd prints nothing FRR does not, unless listed.
    @Test(arguments: sessions.indices)
    func keysAreFRRsOrDocumented(_ index: Int) throws {
        let session = sessions[index]
        let frr = try #require(try object(try fixtureText(session.fixture))[session.peer] as? [String: Any])
        let ours = try #require(try object(NeighborReport.json([try session.view()]).frrPretty)[session.peer] as? [String: Any])
        let frrKeys = NeighborKeyDifferences.keyPaths(frr), ourKeys = NeighborKeyDifferences.keyPaths(ours)
        #expect(frrKeys.subtracting(ourKeys) == Set(NeighborKeyDifferences.onlyInFRR.keys),
                "FRR-only keys not documented: \(frrKeys.subtracting(ourKeys).subtracting(NeighborKeyDifferences.onlyInFRR.keys).sorted()); documented but printed: \(Set(NeighborKeyDifferences.onlyInFRR.keys).intersection(ourKeys).sorted())")
        #expect(ourKeys.subtracting(frrKeys) == Set(NeighborKeyDifferences.onlyInEvpnd.keys),
                "evpnd-only keys: \(ourKeys.subtracting(frrKeys).sorted())")
    }

    /// Where both have a key, the same session gives the same value (FRR's strings, timers, counters, sockets).
    @Test(arguments: sessions.indices)
    func valuesMatchFRR(_ index: Int) throws {
        let session = sessions[index]
        let frr = try #require(try object(try fixtureText(session.fixture))[session.peer] as? [String: Any])
        let ours = try #require(try object(NeighborReport.json([try session.view()]).frrPretty)[session.peer] as? [String: Any])
        // The epoch is "now" minus uptime on both sides; the capture's "now" is not known to the second.
        var mismatches: [String] = []
        func compare(_ a: [String: Any], _ b: [String: Any], _ prefix: String) {
            for (key, value) in a {
                let path = prefix.isEmpty ? key : prefix + "." + key
                guard let other = b[key], path != "bgpTimerUpEstablishedEpoch" else { continue }
                if let x = value as? [String: Any], let y = other as? [String: Any] {
                    compare(x, y, path)
                } else if "\(value)" != "\(other)" {
                    mismatches.append("\(path): FRR \(value), evpnd \(other)")
                }
            }
        }
        compare(frr, ours, "")
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// vtysh's lines, values read as N: each FRR line is printed by evpnd too, or is a documented difference.
    @Test(arguments: sessions.indices)
    func textLinesAreVtyshs(_ index: Int) throws {
        let session = sessions[index]
        func normalized(_ line: Substring) -> String {
            var out = "", inDigits = false
            for c in line {
                if c.isNumber { if !inDigits { out += "N" }; inDigits = true } else { out.append(c); inDigits = false }
            }
            return out
        }
        // FRR's block for this peer: from its "BGP neighbor is" line to the next.
        let frrText = try fixtureText(session.textFixture)
        let blocks = frrText.components(separatedBy: "BGP neighbor is ").filter { $0.hasPrefix(session.peer + ",") }
        let block = try #require(blocks.first)
        let frrLines = ("BGP neighbor is " + block).split(separator: "\n").map(normalized).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let ourLines = Set(NeighborReport.text([try session.view()]).split(separator: "\n").map(normalized))
        let undocumented = frrLines.filter { line in
            !ourLines.contains(line) && !NeighborKeyDifferences.textOnlyInFRR.keys.contains { line.hasPrefix($0) }
        }
        #expect(undocumented.isEmpty, "FRR lines evpnd does not print: \(undocumented)")
    }

    @Test func lastResetCodesAreFRRs() {
        // bgpd.h PEER_DOWN_*: the two the capture shows, and two evpnd records often.
        #expect(NeighborReport.resetCodes["Waiting for peer OPEN"] == 32)
        #expect(NeighborReport.resetCodes["No AFI/SAFI activated for peer"] == 30)
        #expect(NeighborReport.resetCodes["BGP Notification received"] == 13)
        #expect(NeighborReport.resetCodes["Peer closed the session"] == 15)
    }
}

/// A peer that never came up, against FRR's (active-neighbor.json): no capabilities and no socket, FRR's
/// "Unknown"/-1 for the addresses, the next connect attempt, and the same text lines.
@Suite struct ActiveNeighborReportTests {
    static func view() throws -> NeighborView {
        let address = try #require(IPAddress("10.250.0.9"))
        let summary = PeerSummary(
            address: address, remoteAS: 65009, configuredRemoteAS: .number(65009), localAS: 65000, state: .active,
            uptimeMilliseconds: 0, prefixesReceived: 0, prefixesSent: 0, messages: MessageCounters(),
            connectionsEstablished: 0, connectionsDropped: 0, lastResetDueTo: "No AFI/SAFI activated for peer",
            lastResetReason: nil, hostname: nil, peerGroup: nil, description: nil, isDynamic: false, families: [])
        let detail = PeerDetail(
            summary: summary, localRouterID: IPv4Address(10, 250, 0, 1), remoteRouterID: nil, configuredKeepalive: 3,
            configuredHoldTime: 9, connectRetry: 10, routeReflectorClient: false, configuredFamilies: [.l2vpnEVPN],
            negotiated: nil, advertisedCapabilities: [], receivedCapabilities: [], localHostname: "lonely",
            sinceLastRead: .seconds(3), sinceLastWrite: .seconds(1722), sinceLastUpdateReceived: .seconds(1722),
            sinceLastReset: .seconds(3), connection: nil, port: 179, updateSource: nil, passive: false, shutdown: false,
            untilNextConnect: .seconds(7))
        let status = GracefulRestartStatus(
            peer: PeerID(address), localMode: .helper, established: false, peerCapability: nil, configuredRestartTime: 120,
            stalePathTime: 360, selectDeferTime: 360, endOfRIBSent: false, endOfRIBReceived: false, staleRoutes: 0,
            restartTimeRemaining: nil, stalePathTimeRemaining: nil, deferring: false)
        return NeighborView(detail: detail, socket: nil, gracefulRestart: status, localGracefulRestartMode: "Helper*",
                            advertiseAllVNI: false, epochNow: 0)
    }

    @Test func keysAndValuesAreFRRs() throws {
        let frr = try #require(try object(try fixtureText("active-neighbor.json"))["10.250.0.9"] as? [String: Any])
        let ours = try #require(try object(NeighborReport.json([try Self.view()]).frrPretty)["10.250.0.9"] as? [String: Any])
        let frrKeys = NeighborKeyDifferences.keyPaths(frr), ourKeys = NeighborKeyDifferences.keyPaths(ours)
        // Of the documented keys, FRR prints only those that do not need a session here.
        #expect(frrKeys.subtracting(ourKeys).isSubset(of: Set(NeighborKeyDifferences.onlyInFRR.keys)),
                "\(frrKeys.subtracting(ourKeys).subtracting(NeighborKeyDifferences.onlyInFRR.keys).sorted())")
        #expect(ourKeys.subtracting(frrKeys).isEmpty, "\(ourKeys.subtracting(frrKeys).sorted())")
        for key in ["hostLocal", "portLocal", "hostForeign", "portForeign", "nextConnectTimerDueInMsecs", "bgpState",
                    "remoteRouterId", "lastResetCode", "bgpTimerHoldTimeMsecs"] {
            #expect("\(ours[key] ?? "-")" == "\(frr[key] ?? "+")", "\(key)")
        }
        for key in ["gracefulRestartInfo", "addressFamilyInfo", "messageStats"] {
            let a = try #require(ours[key] as? [String: Any]), b = try #require(frr[key] as? [String: Any])
            // Compared as canonical JSON text (sorted keys): Foundation's dictionary equality is unreliable on Linux.
            let x = try JSONSerialization.data(withJSONObject: a, options: .sortedKeys)
            let y = try JSONSerialization.data(withJSONObject: b, options: .sortedKeys)
            #expect(x == y, "\(key): evpnd \(String(decoding: x, as: UTF8.self)), FRR \(String(decoding: y, as: UTF8.self))")
        }
    }

    @Test func textLinesAreVtyshs() throws {
        func normalized(_ line: Substring) -> String {
            var out = "", inDigits = false
            for c in line {
                if c.isNumber { if !inDigits { out += "N" }; inDigits = true } else { out.append(c); inDigits = false }
            }
            return out
        }
        let frr = try fixtureText("active-neighbor.txt").split(separator: "\n").map(normalized)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let ours = Set(NeighborReport.text([try Self.view()]).split(separator: "\n").map(normalized))
        let missing = frr.filter { line in
            !ours.contains(line) && !NeighborKeyDifferences.textOnlyInFRR.keys.contains { line.hasPrefix($0) }
                // FRR's update-group line for a peer outside any group, and its never-written clock.
                && line != "  Not part of any update group" && !line.hasPrefix("  Last read ")
                && !line.hasPrefix("Read thread: off")
        }
        #expect(missing.isEmpty, "\(missing)")
    }
}
