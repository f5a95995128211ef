// RFC 4724 graceful restart for the l2vpn evpn family, both roles, as FRR 8.4 configures them:
//
// Receiving speaker ("helper", FRR's default): when an Established peer that advertised the Graceful
// Restart capability with l2vpn evpn in it goes away without a NOTIFICATION (TCP closed or reset), its
// routes stay in the Loc-RIB, marked stale, still best, reflected and installed (RFC 4724 section 4.2).
// The peer's Restart Time runs; if it does not come back in time, the stale routes go. When it comes
// back without l2vpn evpn in its new capability, or with the F bit clear, they go at once. Otherwise
// they stay until its End-of-RIB for l2vpn evpn (or `stalepath-time`), and then only the routes it did
// not send again are removed (RIB/Stale.swift). A Hold Timer expiry on our side sends a NOTIFICATION
// and so is not a restart (RFC 4724, and FRR's bgp_read); RFC 8538 (the N bit, which would make it
// one) is not implemented.
//
// Restarting speaker (`bgp graceful-restart`): our OPEN carries the R bit while the restart is in
// progress and the F bit for l2vpn evpn (a VTEP's forwarding state, the kernel FDB, survives a restart
// of evpnd by design; a reflector has none to lose). Section 4.1's selection deferral is kept as what
// it protects: the End-of-RIB marker. Routes go out as they are learned (a helper refreshes its stale
// copies with them), but no peer is told End-of-RIB, and so no helper purges, until every configured
// neighbor is Established and has sent its own End-of-RIB, or `select-defer-time` passes. With listen
// ranges the set of peers to wait for is unknown, so only the timer ends the deferral. A VTEP keeps the
// FDB rows it owns until the deferral ends (FDBReconciler retention), then removes what did not return.

import BGPWire

/// A speaker's role with one peer: `neighbor X graceful-restart` (restart, also helps),
/// `graceful-restart-helper`, `graceful-restart-disable` (no capability sent, no help).
public enum GracefulRestartMode: String, Hashable, Sendable {
    case restart
    case helper
    case disable
}

/// Seconds, FRR's defaults (bgpd.h BGP_DEFAULT_STALEPATH_TIME, BGP_DEFAULT_SELECT_DEFERRAL_TIME).
public struct GracefulRestartTimers: Hashable, Sendable {
    /// How long a helper keeps stale routes after the peer came back without its End-of-RIB.
    public var stalePathTime: UInt16 = 360
    /// How long a restarting speaker waits for its peers' End-of-RIB (0: no deferral).
    public var selectDeferTime: UInt16 = 360
    public init(stalePathTime: UInt16 = 360, selectDeferTime: UInt16 = 360) {
        self.stalePathTime = stalePathTime
        self.selectDeferTime = selectDeferTime
    }
}

/// The helper's state of one peer.
struct HelperState {
    /// The peer's routes are held stale in the RIB.
    var retaining = false
    /// The peer's Restart Time runs out (session down, not back yet).
    var restartDeadline: Instant?
    /// `stalepath-time` runs out (session back, End-of-RIB not yet received).
    var staleDeadline: Instant?
}

/// The restarting speaker's state, engine-wide.
struct RestartState {
    /// Route selection (for us: End-of-RIB) is deferred; also what sets the R bit.
    var deferring = false
    var decided = false
}

extension TimerID {
    /// The engine-wide Selection_Deferral_Timer is armed under this peer (no peer has address 0.0.0.0).
    static let selectionDeferral = TimerID(peer: PeerID(.v4(IPv4Address(rawValue: 0))), kind: .selectionDeferral)
}

extension DownReason {
    static let nsfPeerClosed = "NSF peer closed the session"

    /// RFC 4724 section 4.2: the session ended without a NOTIFICATION from either side (the TCP
    /// connection closed or failed), as FRR's bgp_read decides it too.
    var allowsGracefulRestart: Bool { dueTo == DownReason.peerClosed || dueTo == DownReason.nsfPeerClosed }
}

extension GracefulRestartCapability {
    /// The entry for l2vpn evpn, if the peer listed it.
    public var evpn: Family? { families.first { $0.family == .l2vpnEVPN } }
}

// MARK: helper, per peer

extension Peer {
    /// From `tearDown` of an Established session: either the RIB drops the peer's routes, or (a
    /// graceful restart) keeps them stale while the peer's Restart Time runs.
    mutating func sessionWentDown(_ session: Session, reason: DownReason?, _ fx: inout Effects) {
        let capability = session.negotiated?.peerGracefulRestart
        guard config.gracefulRestart != .disable, let reason, reason.allowsGracefulRestart,
              let capability, capability.evpn != nil, capability.restartTime > 0,
              session.negotiated?.families.contains(.l2vpnEVPN) == true else {
            if helper.retaining { fx.log(.info, "stale routes dropped with the session", peer: id) }
            helper = HelperState()
            fx.ribEvents.append(.down(id))
            return
        }
        helper.retaining = true
        helper.staleDeadline = nil
        helper.restartDeadline = fx.now + .seconds(Int(capability.restartTime))
        // FRR's cause for this case (PEER_DOWN_NSF_CLOSE_SESSION), as `lastResetDueTo` shows it.
        lastReset = DownReason(dueTo: DownReason.nsfPeerClosed, detail: reason.detail)
        fx.log(.notice, "graceful restart: routes kept as stale for up to \(capability.restartTime) s while the peer restarts", peer: id)
        fx.ribEvents.append(.downRetainingStale(id))
    }

    /// From `becomeEstablished`: the peer is back. Its new capability says whether the stale routes
    /// can wait for its End-of-RIB.
    mutating func sessionCameBack(_ negotiated: NegotiatedSession, _ fx: inout Effects) {
        guard helper.retaining else { return }
        helper.restartDeadline = nil
        let entry = negotiated.peerGracefulRestart?.evpn
        guard let entry, entry.forwardingPreserved, negotiated.families.contains(.l2vpnEVPN) else {
            // RFC 4724 section 4.2: no family entry or F bit clear: the stale routes go now.
            fx.log(.notice, "graceful restart: peer did not preserve l2vpn evpn forwarding state; stale routes removed", peer: id)
            endHelping(&fx)
            return
        }
        helper.staleDeadline = fx.now + .seconds(Int(stalePathTime))
        fx.log(.info, "graceful restart: peer is back; stale routes kept until its End-of-RIB", peer: id)
    }

    /// From `received(update)`: End-of-RIB for `family`.
    mutating func endOfRIBArrived(_ family: AddressFamily, _ fx: inout Effects) {
        guard family == .l2vpnEVPN, helper.retaining, helper.restartDeadline == nil else { return }
        fx.log(.info, "graceful restart: End-of-RIB received; routes not sent again are removed", peer: id)
        endHelping(&fx)
    }

    /// The restart or stale-path timer.
    mutating func helperTimerFired(_ kind: TimerKind, _ fx: inout Effects) {
        let now = fx.now
        switch kind {
        case .gracefulRestart:
            guard let deadline = helper.restartDeadline, deadline <= now else { return }
            fx.log(.notice, "graceful restart: the peer did not come back within its restart time; its routes are removed", peer: id)
        case .stalePath:
            guard let deadline = helper.staleDeadline, deadline <= now else { return }
            fx.log(.notice, "graceful restart: stalepath-time passed without End-of-RIB; stale routes removed", peer: id)
        default:
            return
        }
        endHelping(&fx)
    }

    /// From `stop`: a peer shut down, reset or removed keeps nothing stale.
    mutating func stopHelping(_ fx: inout Effects) {
        if helper.retaining { endHelping(&fx) }
    }

    private mutating func endHelping(_ fx: inout Effects) {
        helper = HelperState()
        fx.ribEvents.append(.purgeStale(id))
    }

    var helperTimers: [TimerKind: Instant] {
        var desired: [TimerKind: Instant] = [:]
        desired[.gracefulRestart] = helper.restartDeadline
        desired[.stalePath] = helper.staleDeadline
        return desired
    }
}

// MARK: restarting speaker, engine-wide

extension EngineConfig {
    /// `bgp graceful-restart` (or a neighbor's): a stop of the process is a restart, the kernel FDB and
    /// the peers' copies of our routes are left in place.
    public var restartsGracefully: Bool { Engine.restarts(self) }
}

extension Engine {
    /// While true, no peer is sent End-of-RIB and our OPENs carry the R bit; a VTEP keeps the FDB rows
    /// it owns. True from the construction of an engine configured with `bgp graceful-restart` (a
    /// process start is a restart) until every neighbor's End-of-RIB or `select-defer-time`.
    public var isDeferringSelection: Bool { restart.deferring }

    /// Whether any peer or listen range is configured to restart gracefully.
    static func restarts(_ config: EngineConfig) -> Bool {
        config.peers.contains { $0.gracefulRestart == .restart }
            || config.listenRanges.contains { $0.template.gracefulRestart == .restart }
    }

    /// Once, at the first configuration: a speaker configured to restart gracefully starts deferring.
    mutating func decideRestart(_ config: EngineConfig) {
        guard !restart.decided else { return }
        restart.decided = true
        restart.deferring = Engine.restarts(config) && config.gracefulRestartTimers.selectDeferTime > 0
    }

    /// `.start`: the Selection_Deferral_Timer.
    mutating func startDeferral(_ fx: inout Effects) {
        guard restart.deferring else { return }
        let seconds = config.gracefulRestartTimers.selectDeferTime
        fx.log(.notice, "graceful restart: End-of-RIB deferred until every neighbor's End-of-RIB or \(seconds) s")
        fx.emit(.armTimer(.selectionDeferral, after: .seconds(Int(seconds))))
    }

    /// After every input: whether the deferral is over.
    mutating func checkDeferral(_ fx: inout Effects) {
        guard restart.deferring, started, config.listenRanges.isEmpty else { return }
        for peer in peers.values where !peer.config.shutdown {
            guard let session = peer.established, let negotiated = session.negotiated else { return }
            if negotiated.families.contains(.l2vpnEVPN) && !peer.endOfRIBReceived.contains(.l2vpnEVPN) { return }
        }
        endDeferral("every neighbor sent End-of-RIB", &fx)
    }

    mutating func selectionDeferralExpired(_ fx: inout Effects) {
        guard restart.deferring else { return }
        endDeferral("select-defer-time passed", &fx)
    }

    private mutating func endDeferral(_ why: String, _ fx: inout Effects) {
        restart.deferring = false
        fx.emit(.cancelTimer(.selectionDeferral))
        fx.log(.notice, "graceful restart: deferral over (\(why)); End-of-RIB goes to every peer")
        for id in peers.keys.sorted() where peers[id]?.established != nil { fx.ribEvents.append(.pump(id)) }
    }

    /// Whether `work` has to wait (End-of-RIB while deferring).
    func holdsBack(_ work: OutboundWork?) -> Bool {
        guard restart.deferring, case .endOfRIB? = work else { return false }
        return true
    }

    /// What the peer's helper side holds, for reports: whether its routes are stale now.
    public func isHelpingRestart(_ peer: PeerID) -> Bool { peers[peer]?.helper.retaining ?? false }

    /// Stale routes held from `peer`.
    public func staleRouteCount(from peer: PeerID) -> Int { rib.staleCount(from: peer) }
}

extension Negotiation {
    /// Our Graceful Restart capability (RFC 4724 section 3): none when disabled; restart time only in
    /// helper mode (FRR's helper sends that too); with the R bit while restarting and the F bit for
    /// l2vpn evpn in restart mode.
    static func gracefulRestartCapability(mode: GracefulRestartMode, restartTime: UInt16, restarting: Bool,
                                          families: Set<AddressFamily>) -> Capability? {
        switch mode {
        case .disable:
            return nil
        case .helper:
            return .gracefulRestart(GracefulRestartCapability(restarting: false, restartTime: restartTime, families: []))
        case .restart:
            let entries = families.contains(.l2vpnEVPN)
                ? [GracefulRestartCapability.Family(family: .l2vpnEVPN, forwardingPreserved: true)] : []
            return .gracefulRestart(GracefulRestartCapability(restarting: restarting, restartTime: restartTime, families: entries))
        }
    }
}

// MARK: report

/// One neighbor's graceful restart state, for `show bgp neighbors [X] graceful-restart` (FRR's fields).
public struct GracefulRestartStatus: Hashable, Sendable {
    public var peer: PeerID
    public var localMode: GracefulRestartMode
    public var established: Bool
    /// What the peer's capability said, when a session was Established: nil when it sent none.
    public var peerCapability: GracefulRestartCapability?
    public var configuredRestartTime: UInt16
    public var stalePathTime: UInt16
    public var selectDeferTime: UInt16
    /// l2vpn evpn End-of-RIB sent to and received from the peer in this session.
    public var endOfRIBSent: Bool
    public var endOfRIBReceived: Bool
    /// Helper side: routes held stale and the running timers' time left.
    public var staleRoutes: Int
    public var restartTimeRemaining: Duration?
    public var stalePathTimeRemaining: Duration?
    /// Restarting side: our End-of-RIB is held (selection deferral).
    public var deferring: Bool

    /// FRR's "Remote GR Mode": Restart when the peer listed families, Helper when it sent the capability
    /// without, Disable without the capability, NotApplicable when no session is up.
    public var remoteMode: String {
        guard established else { return "NotApplicable" }
        guard let capability = peerCapability else { return "Disable" }
        return capability.families.isEmpty ? "Helper" : "Restart"
    }
}

extension Engine {
    public func gracefulRestartStatus(now: Instant) -> [GracefulRestartStatus] {
        peers.keys.sorted().compactMap { id in
            guard let peer = peers[id] else { return nil }
            let session = peer.established
            return GracefulRestartStatus(
                peer: id, localMode: peer.config.gracefulRestart, established: session != nil,
                peerCapability: session?.negotiated?.peerGracefulRestart,
                configuredRestartTime: config.gracefulRestartTime,
                stalePathTime: config.gracefulRestartTimers.stalePathTime,
                selectDeferTime: config.gracefulRestartTimers.selectDeferTime,
                endOfRIBSent: session.map { $0.negotiated?.families.contains(.l2vpnEVPN) == true && !$0.pendingWork.contains(.endOfRIB(.l2vpnEVPN)) } ?? false,
                endOfRIBReceived: peer.endOfRIBReceived.contains(.l2vpnEVPN),
                staleRoutes: rib.staleCount(from: id),
                restartTimeRemaining: peer.helper.restartDeadline.map { $0 > now ? $0.duration(since: now) : .zero },
                stalePathTimeRemaining: peer.helper.staleDeadline.map { $0 > now ? $0.duration(since: now) : .zero },
                deferring: restart.deferring)
        }
    }
}
