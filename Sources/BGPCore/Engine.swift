// The reducer the daemon drives: all peers, fed one input at a time with the time it happened,
// answering with what to do. No sockets, clocks or queues here, so the same code runs under the
// Dispatch runtime and under the simulator.
//
// Contract with the runtime:
// - Connection IDs: the runtime numbers accepted connections below `ConnectionID.engineRangeStart`;
//   the engine numbers its `.connect`s from there up.
// - `.close` may name a connection whose `.connect` is still pending: the attempt is abandoned.
// - `.writable(id)` is sent whenever the runtime's queue for a connection has drained (also right
//   after the connection comes up). The engine builds UPDATEs only then, one batch per signal.
// - `.armTimer` replaces an armed timer of the same ID; a timer that fires early is harmless.

import BGPWire

public struct Engine: Sendable {
    public private(set) var config: EngineConfig
    var peers: [PeerID: Peer] = [:]
    /// Which peer each live connection belongs to.
    var owners: [ConnectionID: PeerID] = [:]
    var started = false
    var nextConnectionID = ConnectionID.engineRangeStart
    var rib: RIB
    /// Peers whose first looped route this session was logged (the rest are only counted).
    var loopLogged: Set<PeerID> = []
    /// RFC 4724 restarting-speaker state (GracefulRestart.swift).
    var restart = RestartState()

    public init(config: EngineConfig) {
        self.config = EngineConfig(localAS: config.localAS, routerID: config.routerID, hostname: config.hostname,
                                   listenLimit: config.listenLimit, gracefulRestartTime: config.gracefulRestartTime,
                                   clusterID: config.clusterID)
        rib = RIB(localAS: config.localAS, routerID: config.routerID, clusterID: config.effectiveClusterID)
        var fx = Effects(now: .zero, nextConnectionID: nextConnectionID)
        decideRestart(config)
        apply(config, &fx)
    }

    var speaker: LocalSpeaker {
        LocalSpeaker(localAS: config.localAS, routerID: config.routerID, hostname: config.hostname,
                     gracefulRestartTime: config.gracefulRestartTime, enforceFirstAS: config.enforceFirstAS,
                     restarting: restart.deferring)
    }

    public var peerIDs: [PeerID] { peers.keys.sorted() }

    public func state(of peer: PeerID) -> SessionState? { peers[peer]?.state }

    /// What was negotiated with a peer whose session is Established.
    public func negotiated(with peer: PeerID) -> NegotiatedSession? { peers[peer]?.established?.negotiated }

    public func summary(now: Instant) -> [PeerSummary] {
        peers.keys.sorted().compactMap { id in
            var row = peers[id]?.summary(localAS: config.localAS, now: now, received: rib.received(from: id), sent: rib.advertised(to: id))
            row?.drops = dropped(from: id)
            return row
        }
    }

    public mutating func handle(_ input: EngineInput, now: Instant) -> [EngineOutput] {
        var fx = Effects(now: now, nextConnectionID: nextConnectionID)
        let speaker = self.speaker
        switch input {
        case .start:
            started = true
            startDeferral(&fx)
            for id in peers.keys.sorted() {
                update(id, &fx) { peer, fx in peer.start(&fx, speaker: speaker) }
            }
        case .connectionAccepted(let connection, let remote, let remotePort, let local):
            accept(connection, from: normalized(remote), port: remotePort, local: normalized(local), &fx)
        case .connectionEstablished(let connection, let local):
            let local = local.map { normalized($0) }
            withOwner(of: connection, &fx) { peer, fx in peer.connected(connection, local: local, speaker: speaker, &fx) }
        case .connectionFailed(let connection, let reason), .connectionClosed(let connection, let reason):
            withOwner(of: connection, &fx) { peer, fx in peer.connectionLost(connection, reason: reason, &fx) }
            owners[connection] = nil
        case .received(let connection, let bytes):
            withOwner(of: connection, &fx) { peer, fx in peer.received(bytes, on: connection, speaker: speaker, &fx) }
        case .writable(let connection):
            withOwner(of: connection, &fx) { peer, fx in peer.writable(connection, &fx) }
        case .timerFired(let timer) where timer == .selectionDeferral:
            selectionDeferralExpired(&fx)
        case .timerFired(let timer):
            update(timer.peer, &fx) { peer, fx in peer.timerFired(timer.kind, speaker: speaker, &fx) }
        case .configure(let newConfig):
            apply(newConfig, &fx)
        case .clear(let target, let soft):
            clear(target, soft: soft, &fx)
        case .resendAdjRIBOut(let target):
            for id in target.map({ [$0] }) ?? peers.keys.sorted() {
                guard peers[id] != nil else {
                    fx.log(.warning, "clear soft out: no neighbor \(id)")
                    continue
                }
                update(id, &fx) { peer, fx in peer.resendAdjRIBOut(&fx) }
            }
        case .originate(let routes):
            for route in routes { rib.originate(route) }
        case .withdrawLocal(let keys):
            for key in keys { rib.withdrawLocal(key) }
        case .bfdDown(let id, let detail):
            guard peers[id] != nil else { break }
            let speaker = self.speaker, started = self.started
            update(id, &fx) { peer, fx in
                // Cease subcode 10 is RFC 9384's "BFD Down"; FRR's cause is "BFD down received".
                peer.stop(subcode: 10, reason: DownReason(dueTo: DownReason.bfdDown, detail: "BFD down: \(detail)"), &fx)
                if started { peer.start(&fx, speaker: speaker) }
            }
        }
        checkDeferral(&fx)
        runRIB(&fx)
        nextConnectionID = fx.nextConnectionID
        return fx.outputs
    }

    // MARK: peers

    /// Runs `body` on one peer, then keeps the engine's books: which connections it owns, its
    /// timers, and whether a dynamic peer is gone.
    mutating func update(_ id: PeerID, _ fx: inout Effects, _ body: (inout Peer, inout Effects) -> Void) {
        guard var peer = peers[id] else { return }
        let start = fx.outputs.count
        peer.stalePathTime = config.gracefulRestartTimers.stalePathTime
        body(&peer, &fx)
        for output in fx.outputs[start...] {
            switch output {
            case .connect(let connection, _, _, _): owners[connection] = id
            case .close(let connection): owners[connection] = nil
            default: break
            }
        }
        if peer.config.isDynamic && peer.sessions.isEmpty && !peer.helper.retaining {
            // A dynamic peer exists only while the peer is connected (FRR deletes it likewise), or
            // while its routes are held for a graceful restart.
            peer.timers.cancelAll(peer: id, into: &fx.outputs)
            peers[id] = nil
            fx.log(.info, "dynamic neighbor removed", peer: id)
            return
        }
        peer.reconcileTimers(&fx)
        peers[id] = peer
    }

    private mutating func withOwner(of connection: ConnectionID, _ fx: inout Effects, _ body: (inout Peer, inout Effects) -> Void) {
        guard let id = owners[connection] else {
            // Late news about a connection already closed (or never ours): nothing to do.
            fx.log(.debug, "input for unknown connection \(connection) ignored")
            return
        }
        update(id, &fx, body)
    }

    private mutating func remove(_ id: PeerID, subcode: UInt8, reason: DownReason, _ fx: inout Effects) {
        guard var peer = peers[id] else { return }
        let start = fx.outputs.count
        peer.stop(subcode: subcode, reason: reason, &fx)
        for case .close(let connection) in fx.outputs[start...] { owners[connection] = nil }
        peer.timers.cancelAll(peer: id, into: &fx.outputs)
        peers[id] = nil
    }

    /// IPv4 peers reaching a dual-stack listener appear as `::ffff:a.b.c.d`; they are IPv4 peers.
    private func normalized(_ address: IPAddress) -> IPAddress {
        if case .v6(let v6) = address, v6.high == 0, v6.low >> 32 == 0xffff {
            return .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: v6.low)))
        }
        return address
    }

    private mutating func accept(_ connection: ConnectionID, from remote: IPAddress, port: UInt16, local: IPAddress,
                                 _ fx: inout Effects) {
        let id = PeerID(remote)
        if peers[id] == nil {
            guard let range = config.listenRanges.first(where: { $0.contains(remote) }) else {
                refuse(connection, "no neighbor or listen range for \(remote)", &fx)
                return
            }
            let dynamicCount = peers.values.filter { $0.config.isDynamic }.count
            guard dynamicCount < config.listenLimit else {
                refuse(connection, "listen limit of \(config.listenLimit) dynamic neighbors reached; \(remote) refused", &fx)
                return
            }
            var template = range.template
            template.address = remote
            template.isDynamic = true
            peers[id] = Peer(config: template)
            fx.log(.info, "dynamic neighbor created from listen range \(range.prefix)", peer: id)
        }
        let speaker = self.speaker
        var refusal: String?
        update(id, &fx) { peer, fx in refusal = peer.accept(connection, local: local, speaker: speaker, &fx) }
        if let refusal {
            refuse(connection, refusal, &fx)
            // A dynamic peer created for this connection and refused goes again.
            if let peer = peers[id], peer.config.isDynamic, peer.sessions.isEmpty { peers[id] = nil }
        } else {
            owners[connection] = id
            fx.log(.debug, "accepted \(connection) from \(remote) port \(port)", peer: id)
        }
    }

    private func refuse(_ connection: ConnectionID, _ reason: String, _ fx: inout Effects) {
        fx.log(.warning, reason)
        fx.emit(.refuse(connection, reason: reason))
    }

    // MARK: configuration

    /// Applies only what changed: new peers start, removed ones get Cease/Peer De-configured,
    /// changed ones are reset, the rest are not touched.
    private mutating func apply(_ new: EngineConfig, _ fx: inout Effects) {
        let old = config
        config = new
        if old.localAS != new.localAS || old.routerID != new.routerID || old.effectiveClusterID != new.effectiveClusterID {
            rib.reconfigure(localAS: new.localAS, routerID: new.routerID, clusterID: new.effectiveClusterID)
        }
        // `network PREFIX`: originated unconditionally (evpnd has no zebra RIB to check them against, as FRR's
        // `bgp network import-check` would); a prefix removed from the configuration is withdrawn.
        if old.networks != new.networks {
            for prefix in old.networks where !new.networks.contains(prefix) { rib.withdrawLocal(prefix: prefix) }
            for prefix in new.networks { rib.originate(prefix: prefix) }
        }
        if old.redistributedConnected != new.redistributedConnected { redistribute(from: old.redistributedConnected, to: new) }
        var wanted: [PeerID: PeerConfig] = [:]
        for peer in new.peers { wanted[PeerID(peer.address)] = peer }

        // A new identity changes every OPEN: every session restarts (FRR does the same).
        var identityReset: DownReason?
        if old.routerID != new.routerID {
            identityReset = DownReason(dueTo: DownReason.routerIDChanged, detail: "router-id changed to \(new.routerID)")
        } else if old.localAS != new.localAS {
            identityReset = DownReason(dueTo: DownReason.localASChanged, detail: "local AS changed to \(new.localAS)")
        }

        for id in peers.keys.sorted() {
            guard let peer = peers[id] else { continue }
            if peer.config.isDynamic {
                if wanted[id] != nil {
                    // Now configured statically: the static configuration takes over from scratch.
                    remove(id, subcode: NotificationSubcode.Cease.otherConfigurationChange,
                           reason: DownReason(dueTo: DownReason.neighborDeleted, detail: "dynamic neighbor replaced by a configured one"), &fx)
                } else if !new.listenRanges.contains(where: { $0.contains(id.address) && sameTemplate($0.template, peer.config) }) {
                    remove(id, subcode: NotificationSubcode.Cease.peerDeconfigured,
                           reason: DownReason(dueTo: DownReason.neighborDeleted, detail: "listen range removed or changed"), &fx)
                }
            } else if wanted[id] == nil {
                fx.log(.notice, "neighbor removed from the configuration", peer: id)
                remove(id, subcode: NotificationSubcode.Cease.peerDeconfigured,
                       reason: DownReason(dueTo: DownReason.neighborDeleted, detail: "neighbor removed from the configuration"), &fx)
            }
        }

        let speaker = self.speaker
        let started = self.started
        for peerConfig in new.peers {
            let id = PeerID(peerConfig.address)
            guard let existing = peers[id] else {
                peers[id] = Peer(config: peerConfig)
                if started { update(id, &fx) { peer, fx in peer.start(&fx, speaker: speaker) } }
                continue
            }
            let change = identityReset ?? Engine.resetReason(from: existing.config, to: peerConfig)
            update(id, &fx) { peer, fx in
                let wasShutdown = peer.config.shutdown
                if let change {
                    let subcode = peerConfig.shutdown && !wasShutdown
                        ? NotificationSubcode.Cease.administrativeShutdown : NotificationSubcode.Cease.otherConfigurationChange
                    if peer.state != .idle || !peer.sessions.isEmpty || peer.started {
                        peer.stop(subcode: subcode, reason: change, &fx)
                    }
                    peer.config = peerConfig
                    peer.idleHoldSeconds = Peer.initialIdleHold
                    if started && !peerConfig.shutdown { peer.start(&fx, speaker: speaker) }
                } else {
                    peer.config = peerConfig
                    if wasShutdown && !peerConfig.shutdown && started { peer.start(&fx, speaker: speaker) }
                }
            }
        }
    }

    private func sameTemplate(_ template: PeerConfig, _ dynamic: PeerConfig) -> Bool {
        var template = template
        template.address = dynamic.address
        template.isDynamic = true
        return template == dynamic
    }

    /// Why a configuration change resets a session, in FRR's words; nil when it does not (a
    /// description, or `no shutdown`, which only starts the peer).
    static func resetReason(from old: PeerConfig, to new: PeerConfig) -> DownReason? {
        if old == new { return nil }
        if new.shutdown && !old.shutdown {
            return DownReason(dueTo: DownReason.adminShutdown, detail: "neighbor shut down by configuration")
        }
        var cosmetic = old
        cosmetic.description = new.description
        cosmetic.shutdown = new.shutdown
        cosmetic.peerGroup = new.peerGroup
        cosmetic.maximumPrefix = new.maximumPrefix  // FRR applies a new limit to the running session
        if cosmetic == new { return nil }
        let dueTo: String
        if old.remoteAS != new.remoteAS {
            dueTo = DownReason.remoteASChanged
        } else if old.updateSource != new.updateSource {
            dueTo = DownReason.updateSourceChanged
        } else if old.passive != new.passive {
            dueTo = DownReason.passiveChanged
        } else if old.routeReflectorClient != new.routeReflectorClient {
            dueTo = DownReason.rrClientChanged
        } else if old.families != new.families {
            dueTo = DownReason.addressFamilyActivated
        } else {
            dueTo = DownReason.capabilityChanged
        }
        return DownReason(dueTo: dueTo, detail: "neighbor configuration changed (\(dueTo))")
    }

    // MARK: clear

    private mutating func clear(_ target: PeerID?, soft: Bool, _ fx: inout Effects) {
        let ids = target.map { [$0] } ?? peers.keys.sorted()
        let speaker = self.speaker
        let started = self.started
        for id in ids {
            guard peers[id] != nil else {
                fx.log(.warning, "clear: no neighbor \(id)")
                continue
            }
            update(id, &fx) { peer, fx in
                if soft {
                    peer.softClear(&fx)
                    return
                }
                peer.stop(subcode: NotificationSubcode.Cease.administrativeReset,
                          reason: DownReason(dueTo: DownReason.userReset, detail: "cleared by the operator"), &fx)
                peer.idleHoldSeconds = Peer.initialIdleHold
                if started { peer.start(&fx, speaker: speaker) }
            }
        }
    }
}
