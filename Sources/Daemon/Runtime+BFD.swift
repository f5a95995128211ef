// BFD in the runtime: the driver (BFDDriver.swift, its own thread) started, reconfigured and stopped with the
// daemon; a BFD failure taking the BGP session down (RFC 5882 section 4.3); `show bfd peers [json]` in FRR's
// words and keys (bfdd/bfdd_vty.c).
//
//   A session guarding a neighbor goes from Up to Down because its Detection Time expired or the peer said Down:
//   the BGP session is stopped at once (Cease, BFD Down; its routes withdrawn, its FDB rows gone) and started
//   again. Not when the peer said AdminDown (RFC 5882 section 3.2), and not when the neighbor has
//   `bfd check-control-plane-failure`, graceful restart applies to it (it advertised the capability and the
//   neighbor is not `graceful-restart-disable`) and its C bit was clear: then its BFD shares fate with its
//   control plane, the down may be a restart, and BGP's own graceful restart handles it (FRR does the same).

import BFD
import BGPCore
import BGPWire
import ControlProtocol
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the runtime keeps about BFD (on the engine queue).
struct BFDRuntimeState {
    var driver: BFDDriver?
    /// Which session guards which BGP neighbor (configured and dynamic).
    var neighbors: [BFDSessionKey: BFDPlan.NeighborLink] = [:]
    /// The sessions of the configuration (BFDPlan).
    var planned: [BFDSessionKey: BFDSessionParameters] = [:]
    var plannedNeighbors: [BFDSessionKey: BFDPlan.NeighborLink] = [:]
    /// Listen-range neighbors with `bfd`, while they have a session (started when Established, removed when down).
    var dynamic: [PeerID: BFDPlan.DynamicSession] = [:]
    /// Why BFD is not running although sessions are configured.
    var startError: String?
    /// BGP sessions stopped because BFD went down.
    var downCount: UInt64 = 0
}

extension Runtime {
    func startBFD() {
        assertOnQueue()
        let connected = Sockets.connectedPrefixes()
        let plan = BFDPlan(bgpConfig, connected: connected)
        for line in plan.skipped { logger.warning("\(line)") }
        bfd.planned = plan.sessions
        bfd.plannedNeighbors = plan.neighbors
        // Dynamic neighbors keep their sessions across a reload if their range still wants BFD.
        for (peer, _) in bfd.dynamic {
            bfd.dynamic[peer] = BFDPlan.dynamicSession(bgpConfig, address: peer.address, connected: connected)
        }
        applyBFD()
        logger.info("BFD: \(plan.sessions.count) sessions, \(plan.neighbors.count) guarding BGP neighbors")
    }

    /// Hands the driver every wanted session (configured and dynamic), starting it the first time one is wanted.
    private func applyBFD() {
        var sessions = bfd.planned
        var neighbors = bfd.plannedNeighbors
        for (_, session) in bfd.dynamic {
            sessions[session.key] = session.parameters
            neighbors[session.key] = session.link
        }
        bfd.neighbors = neighbors
        if bfd.driver == nil {
            guard !sessions.isEmpty else { return }
            do {
                let queue = self.queue
                bfd.driver = try BFDDriver(logger: logger) { [weak self] change in
                    guard let runtime = self else { return }
                    queue.async { runtime.bfdStateChanged(change) }
                }
            } catch {
                bfd.startError = "cannot open UDP ports 3784/4784: \(error)"
                logger.error("BFD is not running: cannot open UDP ports 3784/4784: \(error)")
                return
            }
        }
        bfd.startError = nil
        bfd.driver?.apply(sessions)
    }

    /// A BGP session came up: a listen-range neighbor whose peer group has `bfd` gets its BFD session now.
    func bfdPeerEstablished(_ peer: PeerID) {
        assertOnQueue()
        guard bfd.dynamic[peer] == nil, !bgpConfig.router.neighbors.contains(where: { $0.address == peer.address }),
              let session = BFDPlan.dynamicSession(bgpConfig, address: peer.address, connected: Sockets.connectedPrefixes())
        else { return }
        bfd.dynamic[peer] = session
        logger.info("BFD: session for dynamic neighbor started (\(session.key))", metadata: ["peer": "\(peer)"])
        applyBFD()
    }

    /// A BGP session went down: a dynamic neighbor is gone with it (the engine deletes it, as FRR does), and so
    /// is its BFD session.
    func bfdPeerDown(_ peer: PeerID) {
        assertOnQueue()
        guard let session = bfd.dynamic.removeValue(forKey: peer) else { return }
        logger.info("BFD: session for dynamic neighbor removed (\(session.key))", metadata: ["peer": "\(peer)"])
        applyBFD()
    }

    func stopBFD() {
        bfd.driver?.stop()
        bfd.driver = nil
    }

    func bfdStateChanged(_ change: BFDStateChange) {
        assertOnQueue()
        guard let link = bfd.neighbors[change.key], change.isFailure else { return }
        let peer = link.peer
        let gracefulRestart = engine.negotiated(with: peer)?.peerGracefulRestart != nil
            && engineConfig.peers.first(where: { $0.address == peer.address })?.gracefulRestart != .disable
        if link.checkControlPlaneFailure && gracefulRestart && !change.remoteControlPlaneIndependent {
            logger.notice("BFD down (\(change.diagnostic)) ignored: graceful restart applies and the peer's C bit is clear (RFC 5882 section 4.3)",
                          metadata: ["peer": "\(peer)"])
            return
        }
        logger.notice("BFD down (\(change.diagnostic)): stopping the BGP session", metadata: ["peer": "\(peer)"])
        bfd.downCount &+= 1
        feed(.bfdDown(peer, detail: change.diagnostic.description))
    }

    /// The summary with each BFD-guarded neighbor's session state (`bfdStatus`, "BFD:" under the table).
    func withBFDStatus(_ summary: BGPSummary) -> BGPSummary {
        guard !bfd.neighbors.isEmpty else { return summary }
        var summary = summary
        let states = bfd.driver.map { Dictionary($0.snapshot().statuses.map { ($0.key, $0.state) }, uniquingKeysWith: { a, _ in a }) } ?? [:]
        for (key, link) in bfd.neighbors {
            let address = link.peer.address.description
            guard summary.peers[address] != nil else { continue }
            // Configured but not running (the UDP ports could not be opened): say so rather than "down".
            summary.peers[address]?.bfdStatus = states[key]?.frrStatus ?? (bfd.driver == nil ? "not running" : "down")
        }
        return summary
    }

    /// `show bfd peers [json]`, `show bfd peers counters`.
    func answerBFD(_ request: ControlRequest) -> ControlResponse? {
        let words = request.command
        guard words.starts(with: ["show", "bfd"]) else { return nil }
        guard words == ["show", "bfd", "peers"] || words == ["show", "bfd", "peers", "counters"] else {
            return .failure("unknown command: \(words.joined(separator: " ")) (have: show bfd peers [counters])")
        }
        guard let driver = bfd.driver else {
            return .failure(bfd.startError.map { "BFD is not running: \($0)" } ?? "no BFD sessions configured")
        }
        let snapshot = driver.snapshot()
        if words.last == "counters" {
            let counters = snapshot.statuses.map(BFDCounterReport.init)
            if request.json { return Self.encodeBFD(counters) }
            var lines = ["BFD Peers:"] + counters.flatMap(\.textLines)
            lines.append("BFD packets dropped: \(snapshot.drops.total)")
            for (reason, count) in snapshot.drops.nonzero { lines.append("  \(reason): \(count)") }
            lines.append("BGP sessions stopped by BFD: \(bfd.downCount)")
            lines += snapshot.delays.textLines
            return ControlResponse(ok: true, output: lines.joined(separator: "\n"))
        }
        let peers = snapshot.statuses.map { BFDPeerReport($0, now: snapshot.now) }
        if request.json { return Self.encodeBFD(peers) }
        return ControlResponse(ok: true, output: (["BFD Peers:"] + peers.flatMap(\.textLines)).joined(separator: "\n"))
    }

    private static func encodeBFD(_ value: some Encodable) -> ControlResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return ControlResponse(ok: true, output: String(decoding: try encoder.encode(value), as: UTF8.self))
        } catch {
            return .failure("cannot encode the BFD peers: \(error)")
        }
    }
}

/// One peer of FRR's `show bfd peers json` (bfdd/bfdd_vty.c, `_display_peer_json`): intervals in milliseconds.
struct BFDPeerReport: Encodable {
    var multihop: Bool
    var peer: String
    var local: String?
    var interface: String?
    var vrf = "default"
    var id: UInt32
    var remoteID: UInt32
    var passiveMode: Bool
    var minimumTTL: UInt8?
    var status: String
    var uptime: UInt64?
    var downtime: UInt64?
    var diagnostic: String
    var remoteDiagnostic: String
    var receiveInterval: UInt64
    var transmitInterval: UInt64
    var echoReceiveInterval: UInt64 = 0
    var echoTransmitInterval: UInt64 = 0
    var detectMultiplier: UInt8
    var remoteReceiveInterval: UInt64
    var remoteTransmitInterval: UInt64
    var remoteEchoReceiveInterval: UInt64 = 0
    var remoteDetectMultiplier: UInt8

    enum CodingKeys: String, CodingKey {
        case multihop, peer, local, interface, vrf, id, status, uptime, downtime, diagnostic
        case remoteID = "remote-id", passiveMode = "passive-mode", minimumTTL = "minimum-ttl"
        case remoteDiagnostic = "remote-diagnostic", receiveInterval = "receive-interval"
        case transmitInterval = "transmit-interval", echoReceiveInterval = "echo-receive-interval"
        case echoTransmitInterval = "echo-transmit-interval", detectMultiplier = "detect-multiplier"
        case remoteReceiveInterval = "remote-receive-interval", remoteTransmitInterval = "remote-transmit-interval"
        case remoteEchoReceiveInterval = "remote-echo-receive-interval", remoteDetectMultiplier = "remote-detect-multiplier"
    }

    init(_ status: BFDSessionStatus, now: Microseconds) {
        multihop = status.key.multihop
        peer = status.key.peer.description
        local = status.key.local?.description
        interface = status.key.interface
        id = status.localDiscriminator
        remoteID = status.remoteDiscriminator
        passiveMode = status.parameters.passive
        minimumTTL = status.key.multihop ? status.parameters.minimumTTL : nil
        self.status = status.state.frrStatus
        let seconds = (now >= status.lastStateChange ? now - status.lastStateChange : 0) / 1_000_000
        if status.state == .up { uptime = seconds } else { downtime = seconds }
        diagnostic = status.diagnostic.description
        remoteDiagnostic = status.remoteDiagnostic.description
        // FRR shows the configured intervals, also during slow start.
        receiveInterval = status.parameters.requiredMinRxInterval / 1000
        transmitInterval = status.parameters.desiredMinTxInterval / 1000
        detectMultiplier = status.parameters.detectMultiplier
        remoteReceiveInterval = status.remoteRequiredMinRxInterval / 1000
        remoteTransmitInterval = status.remoteDesiredMinTxInterval / 1000
        remoteDetectMultiplier = status.remoteDetectMultiplier
    }

    /// vtysh's `show bfd peers` block.
    var textLines: [String] {
        var head = "\tpeer \(peer)"
        if multihop { head += " multihop" }
        if let local { head += " local-address \(local)" }
        head += " vrf \(vrf)"
        if let interface { head += " interface \(interface)" }
        var lines = [head, "\t\tID: \(id)", "\t\tRemote ID: \(remoteID)",
                     "\t\tPassive mode: \(passiveMode ? "Enabled" : "Disabled")"]
        if let minimumTTL { lines.append("\t\tMinimum TTL: \(minimumTTL)") }
        lines.append("\t\tStatus: \(status)")
        if let uptime { lines.append("\t\tUptime: \(uptime) second(s)") }
        if let downtime { lines.append("\t\tDowntime: \(downtime) second(s)") }
        lines += ["\t\tDiagnostics: \(diagnostic)", "\t\tRemote diagnostics: \(remoteDiagnostic)",
                  "\t\tLocal timers:", "\t\t\tDetect-multiplier: \(detectMultiplier)",
                  "\t\t\tReceive interval: \(receiveInterval)ms", "\t\t\tTransmission interval: \(transmitInterval)ms",
                  "\t\tRemote timers:", "\t\t\tDetect-multiplier: \(remoteDetectMultiplier)",
                  "\t\t\tReceive interval: \(remoteReceiveInterval)ms",
                  "\t\t\tTransmission interval: \(remoteTransmitInterval)ms", ""]
        return lines
    }
}
