// The runtime: carries out what the engine asks (connect, send, close, arm timers) with Dispatch sockets and
// timers, and feeds it what happens (connections, bytes, drained buffers, timer expiries, signals, config).
//
// Concurrency (the one place this is said): `Runtime`, `StreamChannel`, `ControlServer` and everything they own
// are confined to the engine queue, one serial DispatchQueue. Every Dispatch handler they install is created
// with that queue as its target, so their state is only touched there; `dispatchPrecondition` checks it in debug
// builds. They are `@unchecked Sendable` for that reason alone: Linux's Dispatch has no serial-queue executor an
// actor could use (ARCHITECTURE.md), so the confinement is by construction rather than by the compiler.

import BGPCore
import BGPWire
import Config
import ControlProtocol
import Dispatch
import Glibc
import Logging

public struct DaemonOptions: Sendable {
    public var configPath: String
    public var socketPath: String
    /// Overrides the BGP listening port (tests run several speakers on one machine).
    public var port: UInt16
    /// Addresses to listen on; by default both wildcards.
    public var listenAddresses: [IPAddress]
    /// SIGTERM, SIGINT, SIGHUP and SIGPIPE handling; off for runtimes inside a test process.
    public var handlesSignals: Bool
    /// RFC 9687 send hold time for every connection; nil: max(8 minutes, 2 x hold time) (SessionSecurity.swift).
    public var sendHoldTime: Duration?
    /// `--metrics ADDRESS:PORT`: the metrics endpoint, over the file's `metrics listen` (Runtime+Metrics.swift).
    public var metricsEndpoint: MetricsEndpointConfig?

    public init(configPath: String, socketPath: String = ControlSocket.defaultPath, port: UInt16 = 179,
                listenAddresses: [IPAddress] = [.v4(IPv4Address(0, 0, 0, 0)), .v6(IPv6Address(high: 0, low: 0))],
                handlesSignals: Bool = true) {
        self.configPath = configPath
        self.socketPath = socketPath
        self.port = port
        self.listenAddresses = listenAddresses
        self.handlesSignals = handlesSignals
    }
}

public struct DaemonStartError: Error, CustomStringConvertible {
    public var description: String
}

public final class Runtime: @unchecked Sendable {
    let queue: DispatchQueue
    let options: DaemonOptions
    let logger: Logger
    var engine: Engine
    var engineConfig: EngineConfig
    var bgpConfig: BGPConfig
    /// Wall-clock second at which the monotonic clock read `startInstant`, for FRR's `peerUptimeEstablishedEpoch`.
    let startEpoch: UInt64
    let startInstant: Instant

    private var listeners: [(fd: Int32, source: DispatchSourceRead)] = []
    var listenerDescriptors: [Int32] { listeners.map(\.fd) }
    /// TCP MD5 keys and GTSM settings applied to the sockets (SessionSecurity.swift).
    var security = SessionSecurityState()
    var connections: [ConnectionID: StreamChannel] = [:]
    /// Outbound connects in progress: the socket and the write source that reports completion.
    private var connecting: [ConnectionID: ConnectAttempt] = [:]
    private var timers: [TimerID: (source: DispatchSourceTimer, generation: UInt64)] = [:]
    private var timerGeneration: UInt64 = 0
    private var nextInboundID: UInt64 = 1
    /// Inputs waiting to be fed; the engine is never re-entered from inside `handle`.
    private var pendingInputs: [EngineInput] = []
    private var feeding = false
    private var signalSources: [DispatchSourceSignal] = []
    private var control: ControlServer?
    /// VTEP mode (`advertise-all-vni`): the netlink side, VTEPDriver.swift.
    var vtep: VTEPDriver?
    /// Address events for `redistribute connected` (ConnectedRoutes.swift).
    var connectedWatcher: ConnectedWatcher?
    /// Kernel routes (BGP unicast best paths, static routes): RouteDriver.swift.
    var routes: RouteDriver?
    /// The Prometheus endpoint when one is configured (Runtime+Metrics.swift).
    var metrics: MetricsEndpoint?
    /// BFD sessions, run on a queue of their own (Runtime+BFD.swift, BFDDriver.swift).
    var bfd = BFDRuntimeState()
    private var stopping = false
    /// systemd notifications, the watchdog and the process title (Supervision.swift).
    lazy var supervision = Supervision(queue: queue, logger: logger)
    /// Called once the daemon has shut down (tests use it; the executable exits).
    var onStopped: (@Sendable () -> Void)?

    /// Loads the configuration and builds the runtime; nothing runs until `start`.
    public init(options: DaemonOptions, logger: Logger, queue: DispatchQueue = DispatchQueue(label: "evpnd.engine")) throws {
        self.queue = queue
        self.options = options
        self.logger = logger
        let (config, engineConfig) = try Runtime.loadConfig(path: options.configPath, logger: logger)
        bgpConfig = config
        self.engineConfig = engineConfig
        engine = Engine(config: engineConfig)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        startEpoch = UInt64(now.tv_sec)
        startInstant = Runtime.monotonicNow()
    }

    static func loadConfig(path: String, logger: Logger) throws -> (BGPConfig, EngineConfig) {
        let local = Sockets.localInterfaceAddresses()
        let result = ConfigParser.load(path: path, localAddresses: local)
        for warning in result.warnings { logger.warning("\(warning)") }
        guard let config = result.config else {
            throw DaemonStartError(description: result.errors.map(\.description).joined(separator: "\n"))
        }
        do {
            return (config, try EngineConfig(config, localAddresses: local, systemHostname: Runtime.systemHostname()))
        } catch {
            throw DaemonStartError(description: "\(path): \(error)")
        }
    }

    static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "evpnd" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func monotonicNow() -> Instant { Instant(nanoseconds: DispatchTime.now().uptimeNanoseconds) }

    func assertOnQueue() {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(queue))
        #endif
    }

    // MARK: start and stop

    /// Opens the listeners and the control socket, installs the signal handlers and starts the engine.
    /// Throws if no listener or the control socket could be opened; runs the rest on the queue.
    public func start() throws {
        try queue.sync { () throws -> Void in
            for address in options.listenAddresses {
                do {
                    let fd = try Sockets.tcpListener(address, port: options.port)
                    let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
                    source.setEventHandler { [weak self] in self?.acceptAll(fd) }
                    source.setCancelHandler { closeDescriptor(fd) }
                    source.resume()
                    listeners.append((fd, source))
                    logger.info("listening on \(address) port \(options.port)")
                } catch {
                    // An IPv6-less namespace still runs on IPv4; only no listener at all is fatal.
                    logger.warning("cannot listen on \(address) port \(options.port): \(error)")
                }
            }
            guard !listeners.isEmpty else {
                throw DaemonStartError(description: "cannot listen on port \(options.port) on any address")
            }
            applyListenerSecurity()
            let control = ControlServer(path: options.socketPath, queue: queue, logger: logger) { [weak self] request in
                self?.answer(request) ?? .failure("daemon is stopping")
            }
            do {
                try control.start()
            } catch {
                for listener in listeners { listener.source.cancel() }
                listeners.removeAll()
                throw error
            }
            self.control = control
            if options.handlesSignals { installSignalHandlers() }
            logger.info("evpnd started: AS \(engineConfig.localAS), router-id \(engineConfig.routerID), \(engineConfig.peers.count) neighbors, \(engineConfig.listenRanges.count) listen ranges")
            do {
                try startVTEP()
                try startRoutes()
                try startMetrics()
                startConnectedWatcher()
            } catch {
                for listener in listeners { listener.source.cancel() }
                listeners.removeAll()
                control.stop()
                self.control = nil
                stopVTEP()
                stopRoutes(keepingRoutes: true)
                throw error
            }
            startBFD()
            feed(.start)
            supervision.started(peerStatus)
        }
    }

    private func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if number == SIGHUP { self.reload() } else { self.stop(reason: number == SIGTERM ? "SIGTERM" : "SIGINT") }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Graceful stop: every session gets a Cease/Administrative Shutdown (the engine sends it when its peer is shut
    /// down by configuration), buffers get a moment to drain, then everything is closed.
    public func stop(reason: String) {
        assertOnQueue()
        guard !stopping else { return }
        stopping = true
        if engineConfig.restartsGracefully {
            stopForGracefulRestart(reason: reason)
            return
        }
        logger.notice("stopping (\(reason)): sending Cease to every peer")
        supervision.stopping()
        var shutdownConfig = engineConfig
        shutdownConfig.peers = shutdownConfig.peers.map { var p = $0; p.shutdown = true; return p }
        shutdownConfig.listenRanges = shutdownConfig.listenRanges.map { var r = $0; r.template.shutdown = true; return r }
        feed(.configure(shutdownConfig))
        waitForDrain(deadline: DispatchTime.now() + .milliseconds(1500))
    }

    private func waitForDrain(deadline: DispatchTime) {
        let pending = connections.values.contains { !$0.isClosed && $0.pendingOutput > 0 }
        if pending && DispatchTime.now() < deadline {
            queue.asyncAfter(deadline: .now() + .milliseconds(20)) { [weak self] in self?.waitForDrain(deadline: deadline) }
            return
        }
        finishStop()
    }

    func finishStop() {
        for (_, channel) in connections { channel.closeNow() }
        connections.removeAll()
        for (_, pending) in connecting { pending.abandon() }
        connecting.removeAll()
        for (_, timer) in timers { timer.source.cancel() }
        timers.removeAll()
        for listener in listeners { listener.source.cancel() }
        listeners.removeAll()
        for source in signalSources { source.cancel() }
        signalSources.removeAll()
        control?.stop()
        stopBFD()
        stopVTEP()
        stopRoutes(keepingRoutes: engineConfig.restartsGracefully)
        stopMetrics()
        connectedWatcher?.source?.cancel()
        connectedWatcher = nil
        control = nil
        logger.notice("stopped")
        onStopped?()
    }

    /// SIGHUP: the new file is checked first; a bad one leaves everything as it runs.
    func reload() {
        assertOnQueue()
        supervision.reloading()
        defer { supervision.reloaded(peerStatus) }
        do {
            let (config, newEngineConfig) = try Runtime.loadConfig(path: options.configPath, logger: logger)
            bgpConfig = config
            engineConfig = newEngineConfig
            logger.notice("configuration reloaded from \(options.configPath)")
            applyListenerSecurity()
            feed(.configure(newEngineConfig))
            reconfigureMetrics()
            startBFD()
            reloadRoutes()
        } catch {
            logger.error("reload refused, the running configuration stays: \(error)")
        }
    }

    // MARK: feeding the engine

    /// Feeds one input and carries out the outputs, then whatever inputs those produced, until none are left.
    func feed(_ input: EngineInput) {
        assertOnQueue()
        pendingInputs.append(input)
        guard !feeding else { return }
        feeding = true
        defer { feeding = false }
        var index = 0
        while index < pendingInputs.count {
            let next = pendingInputs[index]
            index += 1
            // The VTEP sees the Loc-RIB changes of every input at once (received routes reach the FDB now).
            let outputs = engine.handle(next, now: Runtime.monotonicNow()) + vtepAfterEngineInput()
            routesAfterEngineInput()
            var sentTo: [ConnectionID] = []
            for output in outputs { perform(output, sentTo: &sentTo) }
            // Pull-based sending: a connection whose bytes all went out can take more at once.
            for id in sentTo where connections[id]?.canTakeMore == true && connections[id]?.pendingOutput == 0 {
                pendingInputs.append(.writable(id))
            }
            if index > 4096 {
                // Let sockets and timers run; carry on with the rest shortly.
                pendingInputs.removeFirst(index)
                index = 0
                let rest = pendingInputs
                pendingInputs = []
                queue.async { [weak self] in for input in rest { self?.feed(input) } }
                return
            }
        }
        pendingInputs.removeAll(keepingCapacity: true)
    }

    /// Engine outputs produced outside `feed` (the VTEP drives the engine itself): carried out as `feed`
    /// would, then whatever inputs that raised.
    func performOutside(_ outputs: [EngineOutput]) {
        var sentTo: [ConnectionID] = []
        for output in outputs { perform(output, sentTo: &sentTo) }
        for id in sentTo where connections[id]?.canTakeMore == true && connections[id]?.pendingOutput == 0 {
            pendingInputs.append(.writable(id))
        }
        if !feeding, !pendingInputs.isEmpty { feed(pendingInputs.removeFirst()) }
    }

    private func perform(_ output: EngineOutput, sentTo: inout [ConnectionID]) {
        switch output {
        case .connect(let id, let remote, let port, let source):
            connect(id, to: remote, port: port, source: source)
        case .send(let id, let bytes):
            guard let channel = connections[id] else { return }
            channel.send(bytes)
            if !sentTo.contains(id) { sentTo.append(id) }
        case .close(let id):
            if let channel = connections.removeValue(forKey: id) {
                channel.closeAfterFlush()
            } else if let pending = connecting.removeValue(forKey: id) {
                pending.abandon()
            }
        case .refuse(let id, let reason):
            logger.info("connection refused: \(reason)")
            connections.removeValue(forKey: id)?.closeNow()
        case .armTimer(let id, let after):
            arm(id, after: after)
        case .cancelTimer(let id):
            timers.removeValue(forKey: id)?.source.cancel()
        case .log(let event):
            log(event)
        case .sessionEstablished(let peer):
            logger.debug("session established", metadata: ["peer": "\(peer)"])
            supervision.peersChanged(peerStatus)
            bfdPeerEstablished(peer)
        case .sessionDown(let peer, let reason):
            logger.debug("session down: \(reason)", metadata: ["peer": "\(peer)"])
            supervision.peersChanged(peerStatus)
            bfdPeerDown(peer)
        case .received:
            break  // The RIB lives in the engine; the runtime has nothing to do with an UPDATE yet.
        }
    }

    /// One log line for an engine or VTEP event, with the peer as metadata when there is one.
    func log(_ event: BGPCore.LogEvent) {
        let level: Logger.Level
        switch event.level {
        case .debug: level = .debug
        case .info: level = .info
        case .notice: level = .notice
        case .warning: level = .warning
        case .error: level = .error
        }
        logger.log(level: level, "\(event.message)", metadata: event.metadata)
    }

    // MARK: timers

    private func arm(_ id: TimerID, after: Duration) {
        timers.removeValue(forKey: id)?.source.cancel()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = after.components
        let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), leeway: .milliseconds(10))
        timerGeneration += 1
        let generation = timerGeneration
        timer.setEventHandler { [weak self] in
            // A timer replaced or cancelled since is not news any more.
            guard let self, let current = self.timers[id], current.generation == generation else { return }
            self.timers[id] = nil
            current.source.cancel()
            self.feed(.timerFired(id))
        }
        timers[id] = (timer, generation)
        timer.resume()
    }

    // MARK: connections

    private func acceptAll(_ listener: Int32) {
        // EMFILE and friends: logged, and the next readiness event tries again.
        Sockets.acceptPending(listener, failed: { logger.warning("accept: \($0)") }) { fd, remote in
            guard let (remoteAddress, remotePort) = remote.endpoint,
                  let (localAddress, _) = Sockets.localAddress(fd)?.endpoint, !stopping else {
                closeDescriptor(fd)
                return
            }
            try? Sockets.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            secureAccepted(fd, from: remoteAddress, local: localAddress)
            let id = ConnectionID(nextInboundID)
            nextInboundID = nextInboundID % (ConnectionID.engineRangeStart - 1) + 1
            attach(fd, as: id)
            logger.debug("accepted \(remoteAddress) port \(remotePort) as \(id)")
            feed(.connectionAccepted(id, remote: remoteAddress, remotePort: remotePort, local: localAddress))
        }
    }

    private func connect(_ id: ConnectionID, to remote: IPAddress, port: UInt16, source: IPAddress?) {
        if let refusal = connectedCheckRefusal(remote) {
            pendingInputs.append(.connectionFailed(id, reason: refusal))
            return
        }
        do {
            let (fd, connected) = try Sockets.startConnect(to: remote, port: port, source: source) { fd in
                self.secureOutbound(fd, to: remote)
            }
            if connected {
                attach(fd, as: id)
                pendingInputs.append(.connectionEstablished(id, local: Sockets.localAddress(fd)?.endpoint?.0))
                return
            }
            let attempt = ConnectAttempt(fd: fd, queue: queue)
            connecting[id] = attempt
            attempt.start { [weak self] in self?.connectCompleted(id) }
        } catch {
            pendingInputs.append(.connectionFailed(id, reason: "connect to \(remote) port \(port): \(error)"))
        }
    }

    private func connectCompleted(_ id: ConnectionID) {
        guard let pending = connecting[id], !pending.isHandingOver else { return }
        if let error = Sockets.connectResult(pending.fd) {
            connecting[id] = nil
            pending.abandon()
            feed(.connectionFailed(id, reason: "connect: \(error)"))
            return
        }
        // Still `connecting` until the hand-over (a close meanwhile abandons it, and the descriptor is closed).
        pending.handOver { [weak self] fd in
            guard let self, self.connecting[id] === pending else {
                closeDescriptor(fd)
                return
            }
            self.connecting[id] = nil
            self.attach(fd, as: id)
            // Our end of the session: the next hop of unicast routes set to self.
            self.feed(.connectionEstablished(id, local: Sockets.localAddress(fd)?.endpoint?.0))
        }
    }

    private func attach(_ fd: Int32, as id: ConnectionID) {
        let channel = StreamChannel(fd: fd, queue: queue, sendHoldTime: sendHoldTime)
        connections[id] = channel
        channel.start { [weak self] event in
            guard let self else { return }
            switch event {
            case .bytes(let bytes):
                self.feed(.received(id, bytes))
            case .drained:
                if self.connections[id] != nil { self.feed(.writable(id)) }
            case .closed(let reason):
                self.connections[id] = nil
                self.feed(.connectionClosed(id, reason: reason))
            }
        }
    }

    // MARK: control requests

    func answer(_ request: ControlRequest) -> ControlResponse {
        assertOnQueue()
        let words = request.command
        // Before the l2vpn evpn route commands: `show bgp l2vpn evpn neighbors` is a neighbor report.
        if let response = answerNeighbors(request) { return response }
        if let response = answerUnicast(request) { return response }
        if let response = answerKernelRoutes(request) { return response }
        switch words {
        case ["show", "bgp", "l2vpn", "evpn", "summary"], ["show", "bgp", "evpn", "summary"]:
            let summary = withBFDStatus(SummaryReport.make(summaryRowsWithVTEPDrops(), config: engineConfig,
                                                           peerGroups: bgpConfig.router.peerGroups.count,
                                                           routeCount: engine.routeCount, epochNow: epochNow()))
            if request.json {
                do {
                    return ControlResponse(ok: true, output: try summary.jsonText())
                } catch {
                    return .failure("cannot encode the summary: \(error)")
                }
            }
            return ControlResponse(ok: true, output: summary.tableText())
        case _ where words.starts(with: ["show", "bgp", "l2vpn", "evpn"]) || words.starts(with: ["show", "bgp", "evpn"]):
            let rest = words.dropFirst(words[2] == "l2vpn" ? 4 : 3)
            return RouteReport.answer(rest, json: request.json, engine: engine, routerID: engineConfig.routerID,
                                      hostname: engineConfig.hostname, notUsed: (vtep?.state.routesNotUsed ?? [:]).mapValues(\.reason))
                ?? .failure("unknown command: \(words.joined(separator: " "))")
        default:
            if let response = answerGracefulRestart(request) { return response }
            if let response = answerEVPNGlobal(request) { return response }
            if let response = answerBFD(request) { return response }
            if let response = answerVTEP(request) { return response }
            if let response = answerOperation(request) { return response }
            return .failure("unknown command: \(words.joined(separator: " "))")
        }
    }

    /// Seconds since 1970 now, from the monotonic clock and the wall clock read at start (no jumps).
    func epochNow() -> UInt64 {
        startEpoch + Runtime.monotonicNow().duration(since: startInstant).components.seconds.magnitude
    }

    /// For tests: the engine's summary, read on the queue.
    public func summary() -> [PeerSummary] {
        queue.sync { engine.summary(now: Runtime.monotonicNow()) }
    }

    /// For tests: stop and wait until everything is closed.
    public func stopAndWait() {
        let done = DispatchSemaphore(value: 0)
        queue.async {
            self.onStopped = { done.signal() }
            self.stop(reason: "requested")
        }
        done.wait()
    }
}

/// A non-blocking connect in progress: a write source reports completion. The descriptor is closed by the
/// source's cancel handler (Dispatch's rule) unless it is handed over, and then it is handed over by that
/// handler: new sources on the same descriptor must wait until Dispatch is done with the old one. A
/// `StreamChannel` made on it right after `cancel()`, as before, is the likely cause of a libdispatch crash
/// seen once in a CI soak of 200 session flaps (`_dispatch_source_refs_finalize_unregistration` on the
/// manager thread, merging an event for a source being unregistered).
final class ConnectAttempt {
    let fd: Int32
    private let source: DispatchSourceWrite
    private let ownership: Ownership

    final class Ownership {
        /// Set by `handOver`; cleared by `abandon`. Called by the cancel handler instead of closing.
        var receiver: ((Int32) -> Void)?
        var handingOver = false
    }

    init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        ownership = Ownership()
        source.setCancelHandler { [ownership] in
            if let receiver = ownership.receiver {
                ownership.receiver = nil
                receiver(fd)
            } else {
                closeDescriptor(fd)
            }
        }
    }

    func start(_ completed: @escaping () -> Void) {
        source.setEventHandler(handler: completed)
        source.resume()
    }

    /// Whether the connect completed and the descriptor is on its way to `receiver`.
    var isHandingOver: Bool { ownership.handingOver }

    /// Connected: once the source is cancelled (on the source's queue), `receiver` gets the descriptor,
    /// which then belongs to it.
    func handOver(_ receiver: @escaping (Int32) -> Void) {
        ownership.handingOver = true
        ownership.receiver = receiver
        source.cancel()
    }

    /// Failed or no longer wanted (also while handing over): the descriptor is closed once the source is
    /// cancelled.
    func abandon() {
        ownership.receiver = nil
        source.cancel()
    }
}
