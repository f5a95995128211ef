// A deterministic network of engines: in-memory TCP-like links with a fixed one-way delay, and a
// virtual clock that runs events (deliveries, timers) in time order, ties broken by arrival. No
// threads and no sleeping: ten virtual minutes take milliseconds.
//
// A library (not test code) so that the release-mode fabric benchmark (evpn-sim, scripts/bench.d/fabric)
// runs the very same network as Tests/SimulationTests.

import BGPCore
import BGPWire
import VTEP

public struct Network {
    public struct Node {
        public var address: IPAddress
        public var engine: Engine
        public var nextInbound: UInt64 = 1
        /// Timers armed by the engine, with the generation that must still match when they fire.
        public var timers: [TimerID: UInt64] = [:]
        public var received: [(PeerID, UpdateMessage)] = []
        public var log: [String] = []
        /// A VTEP: the VTEP reducer beside the engine and a simulated kernel FDB (nil for a reflector).
        public var vtep: VTEPNode?

        public init(address: IPAddress, engine: Engine) {
            self.address = address
            self.engine = engine
        }
    }

    public struct VTEPNode {
        public var state: VTEPState
        public var kernel: SimulatedKernel
        /// Every FDB operation applied, with when (unless `Network.keepFDBLog` is off).
        public var fdbLog: [(at: Instant, operation: FDBOperation)] = []

        public init(state: VTEPState, kernel: SimulatedKernel) {
            self.state = state
            self.kernel = kernel
        }
    }

    /// One end of a connection.
    public struct End: Hashable {
        public var node: Int
        public var connection: ConnectionID
    }

    public enum Event {
        case input(node: Int, EngineInput)
        case timer(node: Int, TimerID, generation: UInt64)
        /// A VTEP input due later (a DF Wait timer).
        case vtep(node: Int, VTEPInput)
    }

    /// What crossed the links, for the benchmark's figures.
    public struct Traffic: Sendable {
        /// `.send` outputs carried (each one or more BGP messages in one write).
        public var writes = 0
        public var bytes = 0
    }

    public var nodes: [Node] = []
    public var now = Instant(nanoseconds: 0)
    public var delay = Duration.milliseconds(1)
    /// A connect to an unreachable address fails after this long (a SYN timeout).
    public var connectTimeout = Duration.seconds(3)
    /// A binary min-heap on (time, arrival), so hundreds of speakers cost log n per event.
    private var queue: [(at: Instant, seq: UInt64, event: Event)] = []
    private var seq: UInt64 = 0
    private var generation: UInt64 = 0
    public var links: [End: End] = [:]
    /// Pairs of nodes whose link is cut: bytes and connection attempts between them are lost.
    public var cut: Set<[Int]> = []
    /// Nodes switched off: nothing reaches them and nothing leaves them.
    public var stopped: Set<Int> = []
    /// Whether UPDATEs are kept in `Node.received` (large runs keep only End-of-RIB markers).
    public var keepUpdates = true
    /// Whether log lines are kept in `Node.log` (a 2,000-VTEP run would keep millions).
    public var keepLogs = true
    /// Whether FDB operations are kept in `VTEPNode.fdbLog`.
    public var keepFDBLog = true
    public private(set) var traffic = Traffic()
    /// When a VTEP's kernel last changed through an FDB batch: the FDB's convergence time.
    public private(set) var lastFDBChange: Instant?
    public private(set) var fdbOperations = 0
    /// Events run since the start.
    public private(set) var eventsRun = 0
    private var byAddress: [IPAddress: Int] = [:]

    public init() {}

    public mutating func add(_ address: IPAddress, _ config: EngineConfig) -> Int {
        nodes.append(Node(address: address, engine: Engine(config: config)))
        byAddress[address] = nodes.count - 1
        return nodes.count - 1
    }

    public func index(of address: IPAddress) -> Int? { byAddress[address] }

    public func isCut(_ a: Int, _ b: Int) -> Bool {
        if stopped.isEmpty && cut.isEmpty { return false }
        return stopped.contains(a) || stopped.contains(b) || cut.contains([min(a, b), max(a, b)])
    }

    /// Switches a node off, as if its process died with the links staying dark.
    public mutating func stop(_ node: Int) { stopped.insert(node) }

    public mutating func setCut(_ a: Int, _ b: Int, _ value: Bool) {
        if value { cut.insert([min(a, b), max(a, b)]) } else { cut.remove([min(a, b), max(a, b)]) }
    }

    public mutating func schedule(_ event: Event, after: Duration = .zero) {
        seq += 1
        queue.append((now + after, seq, event))
        var i = queue.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.earlier(queue[i], queue[parent]) else { break }
            queue.swapAt(i, parent)
            i = parent
        }
    }

    private static func earlier(_ a: (at: Instant, seq: UInt64, event: Event), _ b: (at: Instant, seq: UInt64, event: Event)) -> Bool {
        (a.at, a.seq) < (b.at, b.seq)
    }

    private mutating func popFirst() -> (at: Instant, seq: UInt64, event: Event) {
        queue.swapAt(0, queue.count - 1)
        let first = queue.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < queue.count && Self.earlier(queue[l], queue[m]) { m = l }
            if r < queue.count && Self.earlier(queue[r], queue[m]) { m = r }
            if m == i { break }
            queue.swapAt(i, m)
            i = m
        }
        return first
    }

    /// Runs every event due up to `end` and leaves the clock there.
    public mutating func run(for duration: Duration) {
        let end = now + duration
        while true {
            guard let next = queue.first, next.at <= end else { break }
            let item = popFirst()
            now = max(now, item.at)
            eventsRun += 1
            switch item.event {
            case .input(let node, let input):
                deliver(input, to: node)
            case .timer(let node, let timer, let gen):
                guard nodes[node].timers[timer] == gen else { continue }
                nodes[node].timers[timer] = nil
                deliver(.timerFired(timer), to: node)
            case .vtep(let node, let input):
                if !stopped.contains(node) { runVTEP(node, [input]) }
            }
        }
        now = end
    }

    public mutating func deliver(_ input: EngineInput, to node: Int) {
        if stopped.contains(node) { return }
        let outputs = nodes[node].engine.handle(input, now: now)
        for output in outputs { perform(output, at: node) }
        // (An input that changed no route leaves the VTEP alone: moving its state out and back in
        // for nothing was a tenth of a MAC storm's time.)
        if nodes[node].vtep != nil {
            let changed = nodes[node].engine.takeLocRIBChanges()
            if !changed.isEmpty { runVTEP(node, [.locRIBChanged(changed)]) }
        }
    }

    /// Feeds a VTEP node's reducer (with its engine in the loop) and its kernel until both are quiet.
    /// The kernel answers at once: convergence times are BGP's.
    public mutating func runVTEP(_ node: Int, _ inputs: [VTEPInput]) {
        guard var vtep = nodes[node].vtep else { return }
        nodes[node].vtep = nil
        var queue = inputs
        var rounds = 0
        while !queue.isEmpty && rounds < 10_000 {
            rounds += 1
            let input = queue.removeFirst()
            if case .locRIBChanged(let keys) = input, keys.isEmpty { continue }
            let (engineOutputs, vtepOutputs) = vtep.state.drive(input, now: now, engine: &nodes[node].engine)
            for output in engineOutputs { perform(output, at: node) }
            for output in vtepOutputs {
                switch output {
                case .fdb(let batch):
                    if keepFDBLog { for op in batch { vtep.fdbLog.append((now, op)) } }
                    fdbOperations += batch.count
                    lastFDBChange = now
                    queue.append(.fdbResults(batch, vtep.kernel.apply(batch)))
                case .neighbours(let batch):
                    queue.append(.neighbourResults(batch, vtep.kernel.applyNeighbours(batch)))
                case .nexthops(let batch):
                    queue.append(.nexthopResults(batch, vtep.kernel.applyNexthops(batch)))
                case .log(let event):
                    if keepLogs { nodes[node].log.append("\(now.nanoseconds / 1_000_000) ms vtep \(event)") }
                case .setNeighSuppress(let port, _, let on):
                    _ = vtep.kernel.setNeighSuppress(port: port, on)
                case .engine, .armTimer, .announce:
                    break
                case .armDFTimer(let token, let after):
                    // The DF Wait, on the simulation's clock (VTEPState+Multihoming.swift).
                    schedule(.vtep(node: node, .dfTimerFired(token)), after: after)
                }
            }
            queue += vtep.kernel.takeEvents()
        }
        nodes[node].vtep = vtep
    }

    /// The data plane or an operator changed a VTEP's kernel: its events go to the VTEP now.
    public mutating func kernel(_ node: Int, _ change: (inout SimulatedKernel) -> Void) {
        guard nodes[node].vtep != nil else { return }
        change(&nodes[node].vtep!.kernel)
        let events = nodes[node].vtep!.kernel.takeEvents()
        runVTEP(node, events)
    }

    /// The process on `node` dies and starts again with `config`: its connections close on the peers'
    /// side, its timers are gone, a VTEP's kernel stays and the new process dumps it.
    public mutating func restartProcess(_ node: Int, _ config: EngineConfig, downFor: Duration, vtep: VTEPConfig? = nil,
                                        whileDown: (inout Network) -> Void = { _ in }) {
        kill(node, closeConnections: true)
        whileDown(&self)
        run(for: downFor)
        revive(node, config, vtep: vtep)
    }

    /// The process on `node` dies. With `closeConnections`, its peers see each connection close (a
    /// process exit: the kernel sends FIN/RST); without, they hear nothing (a machine losing power)
    /// and find out by their hold timers. Either way its connections are gone for good.
    public mutating func kill(_ node: Int, closeConnections: Bool) {
        for (me, other) in links where me.node == node {
            links[me] = nil
            links[other] = nil
            if closeConnections {
                schedule(.input(node: other.node, .connectionClosed(other.connection, reason: "Connection reset by peer")), after: delay)
            }
        }
        nodes[node].timers = [:]
        stopped.insert(node)
    }

    /// A process killed by `kill` starts again with `config`, a fresh engine (and VTEP reducer over
    /// the kernel as it was, when `vtep` is given).
    public mutating func revive(_ node: Int, _ config: EngineConfig, vtep: VTEPConfig? = nil) {
        stopped.remove(node)
        nodes[node].timers = [:]
        nodes[node].engine = Engine(config: config)
        if let vtep, var old = nodes[node].vtep {
            old.state = VTEPState(config: vtep)
            nodes[node].vtep = old
            let links = old.kernel.links.values.sorted { $0.index < $1.index }
            runVTEP(node, [.configure(vtep), .links(links), .fdbDump(old.kernel.dump())])
        }
        deliver(.start, to: node)
    }

    /// Carries out outputs an engine gave outside `deliver` (a call such as `Engine.retainRouteTargets`).
    public mutating func perform(_ outputs: [EngineOutput], at node: Int) {
        for output in outputs { perform(output, at: node) }
        if nodes[node].vtep != nil {
            let changed = nodes[node].engine.takeLocRIBChanges()
            if !changed.isEmpty { runVTEP(node, [.locRIBChanged(changed)]) }
        }
    }

    private mutating func perform(_ output: EngineOutput, at node: Int) {
        switch output {
        case .connect(let connection, let remote, _, _):
            let me = End(node: node, connection: connection)
            guard let target = index(of: remote), !isCut(node, target) else {
                schedule(.input(node: node, .connectionFailed(connection, reason: "Connection timed out")), after: connectTimeout)
                return
            }
            let inbound = ConnectionID(nodes[target].nextInbound)
            nodes[target].nextInbound += 1
            let other = End(node: target, connection: inbound)
            links[me] = other
            links[other] = me
            schedule(.input(node: target, .connectionAccepted(inbound, remote: nodes[node].address, remotePort: 40000,
                                                              local: nodes[target].address)), after: delay)
            schedule(.input(node: target, .writable(inbound)), after: delay)
            schedule(.input(node: node, .connectionEstablished(connection)), after: delay)
            schedule(.input(node: node, .writable(connection)), after: delay)
        case .send(let connection, let bytes):
            let me = End(node: node, connection: connection)
            guard let other = links[me] else { return }
            if !isCut(node, other.node) {
                traffic.writes += 1
                traffic.bytes += bytes.count
                schedule(.input(node: other.node, .received(other.connection, bytes)), after: delay)
                // The runtime's queue drained once the bytes are on their way.
                schedule(.input(node: node, .writable(connection)), after: delay)
            }
        case .close(let connection), .refuse(let connection, _):
            let me = End(node: node, connection: connection)
            guard let other = links.removeValue(forKey: me) else { return }
            links[other] = nil
            if !isCut(node, other.node) {
                schedule(.input(node: other.node, .connectionClosed(other.connection, reason: "Connection reset by peer")), after: delay)
            }
        case .armTimer(let timer, let after):
            generation += 1
            nodes[node].timers[timer] = generation
            schedule(.timer(node: node, timer, generation: generation), after: after)
        case .cancelTimer(let timer):
            nodes[node].timers[timer] = nil
        case .log(let event):
            if keepLogs { nodes[node].log.append("\(now.nanoseconds / 1_000_000) ms \(event)") }
        case .received(let peer, let update):
            if keepUpdates || update.endOfRIBFamily != nil { nodes[node].received.append((peer, update)) }
        case .sessionEstablished, .sessionDown:
            break
        }
    }

    public func summary(_ node: Int, peer: IPAddress) -> PeerSummary? {
        nodes[node].engine.summary(now: now).first { $0.address == peer }
    }
}
