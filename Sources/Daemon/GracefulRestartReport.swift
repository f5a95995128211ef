// `show bgp neighbors [ADDRESS] graceful-restart [json]`: FRR 8.4's graceful restart report, its text and its
// JSON keys (bgpd/bgp_vty.c, bgp_show_neighbor_graceful_restart*), with the address family block for
// l2vpn evpn ("l2VpnEvpn"), the one family evpnd restarts for. A mode FRR marks with `*` is inherited from
// the global `bgp graceful-restart[-disable]` (none written on the neighbor or its peer group).

import BGPCore
import BGPWire
import Config
import ControlProtocol
// FoundationEssentials, not Foundation: see ControlServer.swift (evpnd does not load Foundation).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Runtime {
    /// nil when `request` is not this command.
    func answerGracefulRestart(_ request: ControlRequest) -> ControlResponse? {
        let words = request.command
        guard words.count >= 4, words.starts(with: ["show", "bgp"]), words.last == "graceful-restart",
              words[2] == "neighbors" || words[2] == "neighbor" else { return nil }
        let middle = words.dropFirst(3).dropLast()
        guard middle.count <= 1 else { return .failure("unknown command: \(words.joined(separator: " "))") }
        var list = engine.gracefulRestartStatus(now: Runtime.monotonicNow())
        if let word = middle.first {
            guard let address = IPAddress(word) else { return .failure("malformed neighbor address: \(word)") }
            list = list.filter { $0.peer.address == address }
            if list.isEmpty { return .failure("No such neighbor in this view/vrf") }
        }
        let report = GracefulRestartReport(statuses: list, inherited: { self.inheritsGracefulRestartMode($0) })
        if request.json {
            do {
                return ControlResponse(ok: true, output: try report.jsonText())
            } catch {
                return .failure("cannot encode the report: \(error)")
            }
        }
        return ControlResponse(ok: true, output: report.text())
    }

    /// Whether the neighbor's mode comes from the global setting (FRR's `*`).
    func inheritsGracefulRestartMode(_ address: IPAddress) -> Bool {
        let router = bgpConfig.router
        let neighbor = router.neighbors.first { $0.address == address }
        let groupName = neighbor?.peerGroup
            ?? router.listenRanges.first { $0.prefix.contains(address) }?.peerGroup
        let group = groupName.flatMap { router.peerGroup(named: $0) }
        return neighbor?.settings.gracefulRestart == nil && group?.settings.gracefulRestart == nil
    }
}

struct GracefulRestartReport {
    var statuses: [GracefulRestartStatus]
    var inherited: (IPAddress) -> Bool

    func localMode(_ s: GracefulRestartStatus) -> String {
        let name: String
        switch s.localMode {
        case .restart: name = "Restart"
        case .helper: name = "Helper"
        case .disable: name = "Disable"
        }
        return name + (inherited(s.peer.address) ? "*" : "")
    }

    static func seconds(_ d: Duration?) -> Int? { d.map { Int($0.components.seconds) } }

    // FRR's JSON as Codable values (JSONSerialization is Foundation's, which evpnd does not link); nil
    // members are left out, as FRR leaves those timers out.
    struct EndOfRIBStatus: Encodable { var endOfRibSend: Bool; var endOfRibSentAfterUpdate: Bool; var endOfRibRecv: Bool }
    struct FamilyTimers: Encodable { var stalePathTimer: Int; var stalePathTimerRemaining: Int?; var selectionDeferralTimer: Int? }
    struct Family: Encodable { var fBit: Bool; var endOfRibStatus: EndOfRIBStatus; var timers: FamilyTimers }
    struct Timers: Encodable { var configuredRestartTimer: Int; var receivedRestartTimer: Int; var restartTimerRemaining: Int? }
    struct Neighbor: Encodable {
        var neighborAddr: String
        var localGrMode: String
        var remoteGrMode: String
        var rBit: Bool
        var nBit: Bool
        var timers: Timers
        var l2VpnEvpn: Family
    }

    func jsonText() throws -> String {
        var root: [String: Neighbor] = [:]
        for s in statuses {
            let timers = Timers(configuredRestartTimer: Int(s.configuredRestartTime),
                                receivedRestartTimer: Int(s.peerCapability?.restartTime ?? 0),
                                restartTimerRemaining: Self.seconds(s.restartTimeRemaining))
            let familyTimers = FamilyTimers(stalePathTimer: Int(s.stalePathTime),
                                            stalePathTimerRemaining: Self.seconds(s.stalePathTimeRemaining),
                                            selectionDeferralTimer: s.localMode == .restart ? Int(s.selectDeferTime) : nil)
            let family = Family(fBit: s.peerCapability?.evpn?.forwardingPreserved ?? false,
                                endOfRibStatus: EndOfRIBStatus(endOfRibSend: s.endOfRIBSent, endOfRibSentAfterUpdate: false,
                                                               endOfRibRecv: s.endOfRIBReceived),
                                timers: familyTimers)
            root[s.peer.address.description] = Neighbor(
                neighborAddr: s.peer.address.description, localGrMode: localMode(s), remoteGrMode: "\(s.remoteMode)",
                rBit: s.peerCapability?.restarting ?? false, nBit: s.peerCapability?.notificationSupport ?? false,
                timers: timers, l2VpnEvpn: family)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(root), as: UTF8.self)
    }

    func text() -> String {
        var out = ""
        for s in statuses {
            func yes(_ b: Bool) -> String { b ? "Yes" : "No" }
            out += "BGP neighbor is \(s.peer.address)\n\n"
            out += "   Graceful restart information:\n"
            out += "    Local GR Mode: \(localMode(s))\n"
            out += "    Remote GR Mode: \(s.remoteMode)\n"
            out += "    R bit: \(s.peerCapability?.restarting == true ? "True" : "False")\n"
            out += "    N bit: \(s.peerCapability?.notificationSupport == true ? "True" : "False")\n"
            out += "    Timers:\n"
            out += "      Configured Restart Time(sec): \(s.configuredRestartTime)\n"
            out += "      Received Restart Time(sec): \(s.peerCapability?.restartTime ?? 0)\n"
            if let left = Self.seconds(s.restartTimeRemaining) { out += "      Restart Time Remaining(sec): \(left)\n" }
            out += "    L2VPN EVPN:\n"
            out += "      F bit: \(s.peerCapability?.evpn?.forwardingPreserved == true ? "True" : "False")\n"
            out += "      End-of-RIB sent: \(yes(s.endOfRIBSent))\n"
            out += "      End-of-RIB received: \(yes(s.endOfRIBReceived))\n"
            if s.staleRoutes > 0 { out += "      Stale routes held: \(s.staleRoutes)\n" }
            out += "      Timers:\n"
            out += "        Configured Stale Path Time(sec): \(s.stalePathTime)\n"
            if let left = Self.seconds(s.stalePathTimeRemaining) { out += "        Stale Path Remaining(sec): \(left)\n" }
            if s.localMode == .restart {
                out += "        Configured Selection Deferral Time(sec): \(s.selectDeferTime)\(s.deferring ? " (deferring)" : "")\n"
            }
            out += "\n"
        }
        return out
    }
}
