// The RFC 4271 section 8 state machine of one peer: its sessions (at most one per direction),
// the peer-wide ConnectRetry and IdleHold timers, and what the summary reports.
//
// Where the RFC leaves a choice, FRR's is taken, since operators compare the two side by side:
// - A failed outbound connect goes to Active and waits for ConnectRetry (RFC 4271 sends Connect to
//   Idle), so a dead peer shows Active/Connect alternating, as FRR's does.
// - After an error the peer sits in Idle for an IdleHold time that doubles with each consecutive
//   failure, up to the ConnectRetry time (RFC 4271 section 8.1.1, DampPeerOscillations), and starts
//   again by itself; reaching Established resets it.
// - An inbound connection is accepted in Idle too (as an AutomaticStart with passive TCP
//   establishment): refusing it would leave two speakers that back off in step never meeting.

import BGPWire

struct Peer {
    /// The first IdleHold time after an error, in seconds.
    static let initialIdleHold: UInt16 = 1

    let id: PeerID
    var config: PeerConfig
    var sessions: [Session] = []
    /// Automatic start is in force (the engine started, the peer is not shut down).
    var started = false
    var connectRetryDeadline: Instant?
    var idleHoldDeadline: Instant?
    var idleHoldSeconds = Peer.initialIdleHold
    var timers = TimerSchedule()
    /// Warnings and the hold after an overflow of `maximum-prefix` (MaximumPrefix.swift).
    var maximumPrefixState = MaximumPrefixState()

    // What `show bgp summary` reports.
    var messages = MessageCounters()
    var connectionsEstablished: UInt64 = 0
    var connectionsDropped: UInt64 = 0
    /// When the session last came up or went down.
    var lastChange: Instant?
    var lastReset: DownReason?
    /// When the peer last read, wrote, sent an UPDATE and reset, for `show bgp neighbors` (PeerDetail.swift).
    var activity = PeerActivity()
    var endOfRIBReceived: Set<AddressFamily> = []
    /// RFC 4724 helper state, and the `stalepath-time` it runs with (GracefulRestart.swift).
    var helper = HelperState()
    var stalePathTime: UInt16 = 360
    /// RFC 7606: what malformed messages made us do (UpdateErrorHandling.swift), and the log lines of this session.
    var updateErrors = UpdateErrorCounters()
    var updateErrorLog: (connection: ConnectionID, lines: Int) = (ConnectionID(0), 0)
    /// Routes announced by the peer, by type (RouteCounters.swift).
    var routesReceived = RouteTypeCounts()

    init(config: PeerConfig) {
        self.id = PeerID(config.address)
        self.config = config
    }

    /// The state FRR would show: the most advanced session's, else Active while waiting to
    /// (re)connect or listening, else Idle.
    var state: SessionState {
        if let best = sessions.map(\.state).max() { return best }
        if started && !config.shutdown && idleHoldDeadline == nil { return .active }
        return .idle
    }

    var established: Session? { sessions.first { $0.state == .established } }

    func index(of connection: ConnectionID) -> Int? { sessions.firstIndex { $0.id == connection } }

    // MARK: starting and stopping

    /// ManualStart / AutomaticStart (events 1 and 3; 4 and 5 for passive peers).
    mutating func start(_ fx: inout Effects, speaker: LocalSpeaker) {
        guard !config.shutdown else { return }
        resetMaximumPrefix()
        started = true
        idleHoldDeadline = nil
        guard sessions.isEmpty else { return }
        if config.passive || config.isDynamic {
            // Passive: Active, listening; nothing to retry.
            connectRetryDeadline = nil
            return
        }
        initiateConnection(&fx)
    }

    private mutating func initiateConnection(_ fx: inout Effects) {
        let connection = fx.newConnectionID()
        sessions.append(Session(id: connection, direction: .outbound, state: .connect))
        connectRetryDeadline = fx.now + .seconds(Int(max(config.connectRetry, 1)))
        fx.emit(.connect(connection, remote: config.address, port: config.port, source: config.updateSource))
        fx.log(.debug, "connecting to \(config.address) port \(config.port) as \(connection)", peer: id)
    }

    /// ManualStop (event 2): every session gets a Cease with `subcode` and the peer stays Idle.
    mutating func stop(subcode: UInt8, reason: DownReason, _ fx: inout Effects, data: [UInt8] = []) {
        let notification = NotificationMessage(code: .cease, subcode: subcode, data: data)
        while let session = sessions.first {
            if session.hasSentOpen {
                send(.notification(notification), on: session.id, &fx)
            }
            tearDown(session.id, reason: session.state >= .openSent ? reason : nil, &fx)
        }
        started = false
        connectRetryDeadline = nil
        idleHoldDeadline = nil
        stopHelping(&fx)
    }

    // MARK: transport events

    /// TcpConnectionConfirmed (event 17): the peer connected to us. Returns why it is refused, if it is.
    mutating func accept(_ connection: ConnectionID, local: IPAddress? = nil, speaker: LocalSpeaker, _ fx: inout Effects) -> String? {
        if config.shutdown { return "neighbor \(config.address) is shut down" }
        if let refusal = maximumPrefixRefusal(at: fx.now) { return refusal }
        // RFC 4271 section 6.8: a connection colliding with an Established one is the one closed.
        if established != nil { return "neighbor \(config.address) already has an Established session" }
        // An earlier inbound connection that did not get anywhere: the peer has given up on it.
        for old in sessions where old.direction == .inbound {
            fx.log(.info, "new inbound connection replaces \(old.id)", peer: id)
            tearDown(old.id, reason: nil, &fx)
        }
        started = true
        idleHoldDeadline = nil
        sessions.append(Session(id: connection, direction: .inbound, state: .active))
        if let i = index(of: connection) { sessions[i].localAddress = local }
        if config.delayOpen > 0, let i = index(of: connection) {
            sessions[i].delayOpenDeadline = fx.now + .seconds(Int(config.delayOpen))
        } else {
            sendOpen(on: connection, speaker: speaker, &fx)
        }
        return nil
    }

    /// Tcp_CR_Acked (event 16): our outbound connect succeeded.
    mutating func connected(_ connection: ConnectionID, local: IPAddress? = nil, speaker: LocalSpeaker, _ fx: inout Effects) {
        guard let i = index(of: connection), sessions[i].state == .connect, !sessions[i].hasSentOpen,
              sessions[i].delayOpenDeadline == nil else { return }
        sessions[i].localAddress = local
        connectRetryDeadline = nil
        if config.delayOpen > 0 {
            sessions[i].delayOpenDeadline = fx.now + .seconds(Int(config.delayOpen))
        } else {
            sendOpen(on: connection, speaker: speaker, &fx)
        }
    }

    /// TcpConnectionFails (event 18) on an outbound connect, or a close on any session.
    mutating func connectionLost(_ connection: ConnectionID, reason: String, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        let session = sessions[i]
        switch session.state {
        case .connect, .active, .idle, .openSent:
            // Connect/Active/OpenSent: back to Active with ConnectRetry running (RFC 4271 8.2.2, OpenSent event 18).
            let recorded: DownReason? = session.state == .openSent ? .closed(reason) : nil
            if session.state == .connect && session.direction == .outbound && !session.hasSentOpen {
                fx.log(.info, "connect to \(config.address) failed: \(reason)", peer: id)
            } else {
                fx.log(.info, "connection \(connection) closed in \(session.state.rawValue): \(reason)", peer: id)
            }
            sessions.remove(at: i)
            if let recorded {
                lastReset = recorded
                activity.lastReset = fx.now
            }
            fx.emit(.close(connection))
            if sessions.isEmpty {
                if config.isDynamic || !started || config.shutdown { return }
                if !config.passive && connectRetryDeadline == nil {
                    connectRetryDeadline = fx.now + .seconds(Int(max(config.connectRetry, 1)))
                }
            }
        case .openConfirm, .established:
            tearDown(connection, reason: .closed(reason), &fx)
        }
    }

    // MARK: messages

    mutating func received(_ bytes: [UInt8], on connection: ConnectionID, speaker: LocalSpeaker, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        sessions[i].framer.append(bytes)
        activity.lastRead = fx.now
        while let i = index(of: connection) {
            let frame: MessageFramer.Frame
            do {
                guard let next = try sessions[i].framer.next() else { return }
                frame = next
            } catch {
                fail(connection, error, &fx)
                return
            }
            messages.received.count(frame.type)
            if frame.type == .update { activity.lastUpdateReceived = fx.now }
            let message: BGPMessage
            do {
                message = try BGPMessage.decode(type: frame.type, body: frame.body, context: sessions[i].framer.context)
            } catch {
                fail(connection, error, &fx)
                return
            }
            handle(message, on: connection, speaker: speaker, &fx)
        }
    }

    /// A decode error: RFC 4271 section 6 (and RFC 7606 for UPDATEs) names the NOTIFICATION.
    mutating func fail(_ connection: ConnectionID, _ error: BGPError, _ fx: inout Effects) {
        recordReset(error, on: connection, &fx)
        let notification = error.notification
            ?? NotificationMessage(code: .finiteStateMachine, subcode: NotificationSubcode.FSM.unspecified)
        notify(connection, notification, &fx)
    }

    private mutating func handle(_ message: BGPMessage, on connection: ConnectionID, speaker: LocalSpeaker, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        let state = sessions[i].state
        if case .notification(let notification) = message {
            fx.log(.warning, "NOTIFICATION received in \(state.rawValue): \(notification)", peer: id)
            tearDown(connection, reason: state >= .openSent ? .received(notification) : nil, &fx)
            return
        }
        switch state {
        case .idle, .connect, .active:
            // Only DelayOpen lets a message arrive before our OPEN; an OPEN ends it (RFC 4271 8.2.2,
            // Connect and Active, event 20), anything else drops the connection.
            if case .open(let open) = message {
                sendOpen(on: connection, speaker: speaker, &fx)
                processOpen(open, on: connection, speaker: speaker, &fx)
            } else {
                fx.log(.warning, "\(message.type) received before OPEN; closing", peer: id)
                tearDown(connection, reason: nil, &fx)
            }
        case .openSent:
            if case .open(let open) = message {
                processOpen(open, on: connection, speaker: speaker, &fx)
            } else {
                unexpected(message, subcode: NotificationSubcode.FSM.unexpectedInOpenSent, on: connection, &fx)
            }
        case .openConfirm:
            if case .keepalive = message {
                becomeEstablished(connection, &fx)
            } else {
                unexpected(message, subcode: NotificationSubcode.FSM.unexpectedInOpenConfirm, on: connection, &fx)
            }
        case .established:
            restartHold(i, &fx)
            switch message {
            case .keepalive, .notification:
                break
            case .update(let update):
                received(update, on: connection, localAS: speaker.localAS, enforceFirstAS: speaker.enforceFirstAS, &fx)
            case .routeRefresh(let refresh):
                received(refresh, on: connection, &fx)
            case .open:
                unexpected(message, subcode: NotificationSubcode.FSM.unexpectedInEstablished, on: connection, &fx)
            }
        }
    }

    private mutating func unexpected(_ message: BGPMessage, subcode: UInt8, on connection: ConnectionID, _ fx: inout Effects) {
        fx.log(.warning, "unexpected \(message.type) in \(state.rawValue)", peer: id)
        notify(connection, NotificationMessage(code: .finiteStateMachine, subcode: subcode), &fx)
    }

    private mutating func sendOpen(on connection: ConnectionID, speaker: LocalSpeaker, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        let open = Negotiation.ourOpen(localAS: speaker.localAS, routerID: speaker.routerID, hostname: speaker.hostname,
                                       gracefulRestartTime: speaker.gracefulRestartTime, restarting: speaker.restarting, peer: config)
        sessions[i].ourOpen = open
        sessions[i].state = .openSent
        sessions[i].delayOpenDeadline = nil
        sessions[i].holdDeadline = fx.now + .seconds(Int(Negotiation.largeHoldTime))
        connectRetryDeadline = nil
        send(.open(open), on: connection, &fx)
    }

    private mutating func processOpen(_ open: OpenMessage, on connection: ConnectionID, speaker: LocalSpeaker, _ fx: inout Effects) {
        guard let i = index(of: connection), let ours = sessions[i].ourOpen else { return }
        let negotiated: NegotiatedSession
        do {
            negotiated = try Negotiation.negotiate(ours: ours, theirs: open, localAS: speaker.localAS, peer: config)
        } catch {
            fx.log(.warning, "OPEN refused: \(error.reason)", peer: id)
            notify(connection, error.notification, &fx)
            return
        }
        guard resolveCollision(keeping: connection, peerIdentifier: open.identifier, peerAS: negotiated.peerAS,
                               speaker: speaker, &fx),
              let j = index(of: connection) else { return }
        sessions[j].negotiated = negotiated
        sessions[j].theirOpen = open
        sessions[j].framer.context = negotiated.receiveContext
        sessions[j].sendContext = negotiated.sendContext
        sessions[j].state = .openConfirm
        sessions[j].holdDeadline = negotiated.holdTime == 0 ? nil : fx.now + .seconds(Int(negotiated.holdTime))
        sessions[j].keepaliveDeadline = negotiated.keepaliveInterval == 0 ? nil : fx.now + .seconds(Int(negotiated.keepaliveInterval))
        send(.keepalive, on: connection, &fx)
    }

    /// RFC 4271 section 6.8. Returns whether `connection` survives. The other connection is
    /// compared if it got as far as OpenSent: its peer is the same, so this OPEN's identifier is
    /// its identifier too.
    private mutating func resolveCollision(keeping connection: ConnectionID, peerIdentifier: IPv4Address, peerAS: UInt32,
                                           speaker: LocalSpeaker, _ fx: inout Effects) -> Bool {
        guard let i = index(of: connection) else { return false }
        let collision = NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.connectionCollisionResolution)
        for other in sessions where other.id != connection && other.state >= .openSent {
            if other.state == .established {
                fx.log(.info, "connection collision with the Established session: closing \(connection)", peer: id)
                notify(connection, collision, recording: false, &fx)
                return false
            }
            // The connection opened by the speaker with the higher identifier stays; with equal
            // identifiers (allowed between ASes, RFC 6286 section 2.3) the higher AS decides.
            let weWin = (speaker.routerID, speaker.localAS) > (peerIdentifier, peerAS)
            let keep: ConnectionDirection = weWin ? .outbound : .inbound
            if sessions[i].direction == keep {
                fx.log(.info, "connection collision: keeping \(connection) (\(keep.rawValue)), closing \(other.id)", peer: id)
                notify(other.id, collision, recording: false, &fx)
            } else {
                fx.log(.info, "connection collision: keeping \(other.id) (\(other.direction.rawValue)), closing \(connection)", peer: id)
                notify(connection, collision, recording: false, &fx)
                return false
            }
        }
        return true
    }

    private mutating func becomeEstablished(_ connection: ConnectionID, _ fx: inout Effects) {
        guard let i = index(of: connection), let negotiated = sessions[i].negotiated else { return }
        sessions[i].state = .established
        restartHold(i, &fx)
        connectionsEstablished += 1
        lastChange = fx.now
        idleHoldSeconds = Peer.initialIdleHold
        connectRetryDeadline = nil
        endOfRIBReceived = []
        // The initial table is empty until the RIB arrives; End-of-RIB tells the peer so (RFC 4724
        // section 2), and FRR waits for it before it considers its own update-delay over.
        let families = negotiated.families.sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }
        sessions[i].pendingWork = families.map { .endOfRIB($0) }
        // Any other connection lost the race (RFC 4271 section 6.8).
        for other in sessions where other.id != connection {
            if other.hasSentOpen {
                notify(other.id, NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.connectionCollisionResolution),
                       recording: false, &fx)
            } else {
                tearDown(other.id, reason: nil, &fx)
            }
        }
        let name = negotiated.peerHostname.map { " (\($0))" } ?? ""
        fx.log(.notice, "session Established with AS \(negotiated.peerAS)\(name), hold time \(negotiated.holdTime) s, families \(families.map(\.description).joined(separator: ", "))", peer: id)
        fx.emit(.sessionEstablished(id))
        fx.ribEvents.append(.established(id))
        sessionCameBack(negotiated, &fx)
        fx.ribEvents.append(.pump(id))
    }

    private mutating func restartHold(_ i: Int, _ fx: inout Effects) {
        guard let negotiated = sessions[i].negotiated, negotiated.holdTime > 0 else { return }
        sessions[i].holdDeadline = fx.now + .seconds(Int(negotiated.holdTime))
    }

    private mutating func received(_ update: UpdateMessage, on connection: ConnectionID, localAS: UInt32, enforceFirstAS: Bool,
                                   _ fx: inout Effects) {
        if let family = update.endOfRIBFamily {
            // RFC 4724 section 2: the peer's initial table is complete.
            endOfRIBReceived.insert(family)
            fx.log(.debug, "End-of-RIB received for \(family)", peer: id)
            endOfRIBArrived(family, &fx)
        }
        // RFC 7606: count, log and carry out what the decoder found (UpdateErrorHandling.swift).
        guard let update = screenOrReset(update, on: connection, localAS: localAS, enforceFirstAS: enforceFirstAS, &fx) else { return }
        // The RIB counts routes (pfxRcd) and ignores families that were not negotiated.
        let families = established?.negotiated?.families ?? []
        let classic = families.contains(.ipv4Unicast) && (!update.nlri.isEmpty || !update.withdrawnRoutes.isEmpty)
        if classic || update.mpReach.map({ families.contains($0.family) }) ?? false
            || update.mpUnreach.map({ families.contains($0.family) }) ?? false {
            fx.ribEvents.append(.update(id, update))
        }
        fx.emit(.received(id, update))
    }

    private mutating func received(_ refresh: RouteRefreshMessage, on connection: ConnectionID, _ fx: inout Effects) {
        guard let i = index(of: connection), let negotiated = sessions[i].negotiated else { return }
        guard refresh.subtype == .request else {
            // Beginning/End of Route Refresh from the peer: stale-route marking belongs to the RIB.
            fx.log(.debug, "ROUTE-REFRESH subtype \(refresh.subtype.rawValue) for \(refresh.family)", peer: id)
            return
        }
        guard negotiated.families.contains(refresh.family) else {
            // RFC 2918 section 4: a request for a family not advertised is ignored.
            fx.log(.info, "ROUTE-REFRESH for \(refresh.family), which was not negotiated: ignored", peer: id)
            return
        }
        // RFC 7313 section 4: with enhanced route refresh the re-advertisement goes between BoRR and EoRR.
        if negotiated.enhancedRouteRefresh {
            sessions[i].pendingWork += [.beginRouteRefresh(refresh.family), .resend(refresh.family), .endRouteRefresh(refresh.family)]
        } else {
            sessions[i].pendingWork.append(.resend(refresh.family))
        }
        fx.ribEvents.append(.pump(id))
    }

    // MARK: sending

    /// The socket can take more: the engine builds the next batch (Engine+RIB.swift).
    mutating func writable(_ connection: ConnectionID, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        sessions[i].writable = true
        if sessions[i].state == .established { fx.ribEvents.append(.pump(id)) }
    }

    /// Several messages in one write, so one `.writable` brings one batch.
    mutating func send(batch messages: [BGPMessage], on connection: ConnectionID, _ fx: inout Effects) {
        guard let i = index(of: connection), !messages.isEmpty else { return }
        var bytes: [UInt8] = []
        for message in messages {
            do {
                bytes += try message.encode(context: sessions[i].sendContext)
                self.messages.sent.count(message.type)
            } catch {
                fx.log(.error, "cannot encode \(message.type): \(error)", peer: id)
            }
        }
        guard !bytes.isEmpty else { return }
        fx.emit(.send(connection, bytes))
        activity.lastWrite = fx.now
        sessions[i].writable = false
    }

    private mutating func send(_ message: BGPMessage, on connection: ConnectionID, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        do {
            let bytes = try message.encode(context: sessions[i].sendContext)
            fx.emit(.send(connection, bytes))
            messages.sent.count(message.type)
            activity.lastWrite = fx.now
            sessions[i].writable = false
        } catch {
            fx.log(.error, "cannot encode \(message.type): \(error)", peer: id)
        }
    }

    /// Sends a NOTIFICATION and closes the session (recording why, unless it only lost a collision).
    private mutating func notify(_ connection: ConnectionID, _ notification: NotificationMessage, recording: Bool = true,
                                 _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        let state = sessions[i].state
        fx.log(state == .established ? .warning : .info, "NOTIFICATION sent in \(state.rawValue): \(notification)", peer: id)
        send(.notification(notification), on: connection, &fx)
        tearDown(connection, reason: recording ? .sent(notification) : nil, &fx)
    }

    /// Closes one session. When it was the last, the peer goes to Idle and, unless stopped, starts
    /// again after IdleHold.
    mutating func tearDown(_ connection: ConnectionID, reason: DownReason?, _ fx: inout Effects) {
        guard let i = index(of: connection) else { return }
        let session = sessions.remove(at: i)
        fx.emit(.close(connection))
        if let reason {
            lastReset = reason
            activity.lastReset = fx.now
        }
        if session.state == .established {
            connectionsDropped += 1
            lastChange = fx.now
            endOfRIBReceived = []
            sessionWentDown(session, reason: reason, &fx)
            let why = reason?.detail ?? "closed"
            fx.log(.notice, "session down: \(why)", peer: id)
            fx.emit(.sessionDown(id, reason: why))
        }
        guard sessions.isEmpty, started, !config.shutdown, !config.isDynamic else { return }
        if reason != nil || session.state == .established {
            // An error or a lost session: Idle, then start again after a growing IdleHold.
            connectRetryDeadline = nil
            idleHoldDeadline = fx.now + .seconds(Int(idleHoldSeconds))
            idleHoldSeconds = min(idleHoldSeconds.multipliedReportingOverflow(by: 2).partialValue, max(config.connectRetry, Peer.initialIdleHold))
        } else if !config.passive && connectRetryDeadline == nil {
            // A connection dropped before OPEN: stay Active and retry as usual.
            connectRetryDeadline = fx.now + .seconds(Int(max(config.connectRetry, 1)))
        }
    }

    // MARK: timers

    mutating func timerFired(_ kind: TimerKind, speaker: LocalSpeaker, _ fx: inout Effects) {
        timers.fired(kind)
        let now = fx.now
        switch kind {
        case .connectRetry:
            guard let deadline = connectRetryDeadline, deadline <= now else { return }
            connectRetryDeadline = nil
            guard started, !config.shutdown, !config.passive, !config.isDynamic,
                  !sessions.contains(where: { $0.state >= .openSent }) else { return }
            // ConnectRetryTimer_Expires (event 9) in Connect: drop the attempt and try again; in Active: try.
            for pending in sessions where pending.direction == .outbound {
                fx.log(.debug, "connect attempt \(pending.id) timed out", peer: id)
                sessions.removeAll { $0.id == pending.id }
                fx.emit(.close(pending.id))
            }
            initiateConnection(&fx)
        case .idleHold:
            guard let deadline = idleHoldDeadline, deadline <= now else { return }
            idleHoldDeadline = nil
            if started { start(&fx, speaker: speaker) }
        case .hold:
            // HoldTimer_Expires (event 10): NOTIFICATION Hold Timer Expired in every state that runs it.
            for session in sessions where (session.holdDeadline.map { $0 <= now } ?? false) {
                notify(session.id, NotificationMessage(code: .holdTimerExpired, subcode: 0), &fx)
            }
        case .keepalive:
            // KeepaliveTimer_Expires (event 11).
            for session in sessions {
                guard let deadline = session.keepaliveDeadline, deadline <= now,
                      let interval = session.negotiated?.keepaliveInterval, let i = index(of: session.id) else { continue }
                sessions[i].keepaliveDeadline = now + .seconds(Int(interval))
                send(.keepalive, on: session.id, &fx)
            }
        case .delayOpen:
            // DelayOpenTimer_Expires (event 12).
            for session in sessions where (session.delayOpenDeadline.map { $0 <= now } ?? false) {
                sendOpen(on: session.id, speaker: speaker, &fx)
            }
        case .gracefulRestart, .stalePath:
            helperTimerFired(kind, &fx)
        case .selectionDeferral:
            break  // engine-wide, handled by the engine
        }
    }

    /// The earliest deadline of each kind, for `TimerSchedule`.
    var desiredTimers: [TimerKind: Instant] {
        var desired: [TimerKind: Instant] = [:]
        desired[.connectRetry] = connectRetryDeadline
        desired[.idleHold] = idleHoldDeadline
        desired[.hold] = sessions.compactMap(\.holdDeadline).min()
        desired[.keepalive] = sessions.compactMap(\.keepaliveDeadline).min()
        desired[.delayOpen] = sessions.compactMap(\.delayOpenDeadline).min()
        desired.merge(helperTimers) { a, _ in a }
        return desired
    }

    mutating func reconcileTimers(_ fx: inout Effects) {
        timers.reconcile(peer: id, desired: desiredTimers, now: fx.now, into: &fx.outputs)
    }

    // MARK: clear

    /// `clear bgp PEER soft out`: advertise every route of the Adj-RIB-Out again, as for a
    /// ROUTE-REFRESH request from the peer, but without BoRR/EoRR (nobody asked; RFC 7313 section 4
    /// makes them the answer to a request).
    mutating func resendAdjRIBOut(_ fx: inout Effects) {
        guard let session = established, let negotiated = session.negotiated, let i = index(of: session.id) else { return }
        for family in negotiated.families.sorted(by: { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }) {
            sessions[i].pendingWork.append(.resend(family))
        }
        fx.ribEvents.append(.pump(id))
    }

    /// `clear bgp PEER soft`: ask the peer to send its routes again (RFC 2918).
    mutating func softClear(_ fx: inout Effects) {
        guard let session = established, let negotiated = session.negotiated else { return }
        guard negotiated.routeRefresh else {
            fx.log(.warning, "peer does not support route refresh; soft clear skipped", peer: id)
            return
        }
        for family in negotiated.families.sorted(by: { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }) {
            send(.routeRefresh(RouteRefreshMessage(family: family)), on: session.id, &fx)
        }
    }
}
