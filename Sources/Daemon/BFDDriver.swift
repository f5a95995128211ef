// The BFD shell: the I/O-free `BFDEngine` (module BFD) run on a serial queue of its own, with its UDP sockets
// (BFDSockets.swift) and one Dispatch timer per engine timer. It carries out the engine's runtime contract
// (Sources/BFD/Engine.swift) and hands state changes to the engine queue.
//
// Why a queue of its own (docs/DECISIONS.md): BFD's deadlines are tens of milliseconds, the engine queue can be
// busy for seconds with a 500,000-route burst or a full FDB install. Nothing here waits for the engine queue:
// state changes go there with `async`; the engine queue reads BFD state with `sync`, which is short because the
// BFD queue never blocks. Everything this class owns is confined to `queue` (the same rule as Runtime.swift's).

import BFD
import BGPWire
import Dispatch
import Glibc
import Logging

final class BFDDriver: @unchecked Sendable {
    let queue = DispatchQueue(label: "evpnd.bfd", qos: .userInteractive)
    private let logger: Logger
    private let onChange: @Sendable (BFDStateChange) -> Void
    private var engine = BFDEngine(random: SystemRandomNumberGenerator())
    private var random = SystemRandomNumberGenerator()
    private var receivers: [(fd: Int32, multihop: Bool, source: DispatchSourceRead)] = []
    /// Each session's sending socket and the interface index used as the scope of a link-local peer.
    private var senders: [BFDSessionKey: (fd: Int32, scope: UInt32)] = [:]
    private var timers: [BFDTimer: (source: DispatchSourceTimer, generation: UInt64)] = [:]
    private var generation: UInt64 = 0
    private var sessions: [BFDSessionKey: BFDSessionParameters] = [:]
    private var interfaceNames: [Int32: String] = [:]
    /// Datagrams the kernel delivered without TTL or destination (never expected; counted, dropped).
    private(set) var missingControlMessages: UInt64 = 0
    /// How late this process ran BFD's work (the soak's evidence, docs/OPERATIONS.md "BFD"): timers that fired
    /// late, and datagrams read after the kernel had them, beyond `lateThreshold`, with the largest delay of each.
    private var delays = BFDSchedulingDelays()
    private var sendFailuresLogged: Set<BFDSessionKey> = []

    /// Opens the receiving sockets (UDP 3784 and 4784 on every IPv4 address, and on every IPv6 address when the
    /// system has IPv6); nothing runs until `apply`. Without IPv4 receivers BFD cannot run (thrown); without IPv6
    /// ones only IPv6 sessions cannot, which is logged.
    init(logger: Logger, onChange: @escaping @Sendable (BFDStateChange) -> Void) throws(Errno) {
        self.logger = logger
        self.onChange = onChange
        for family in [AF_INET, AF_INET6] {
            for port: UInt16 in [3784, 4784] {
                let fd: Int32
                do {
                    fd = try BFDSockets.receiver(port: port, family: family)
                } catch {
                    if family == AF_INET6 {
                        logger.warning("BFD over IPv6 is off: cannot open UDP port \(port) on IPv6: \(error)")
                        break
                    }
                    for receiver in receivers { receiver.source.cancel() }
                    throw error
                }
                let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
                let multihop = port == 4784
                source.setEventHandler { [weak self] in self?.readAll(fd, multihop: multihop) }
                source.setCancelHandler { closeDescriptor(fd) }
                source.resume()
                receivers.append((fd, multihop, source))
            }
        }
    }

    static func now() -> Microseconds { DispatchTime.now().uptimeNanoseconds / 1000 }

    /// Makes the running sessions these: new ones start, changed ones take their parameters (a Poll Sequence
    /// when Up), missing ones are removed (one AdminDown to the peer).
    func apply(_ wanted: [BFDSessionKey: BFDSessionParameters]) {
        queue.async { [self] in
            for key in sessions.keys where wanted[key] == nil {
                perform(engine.handle(.remove(key), now: Self.now()))
                if let sender = senders.removeValue(forKey: key) { closeDescriptor(sender.fd) }
            }
            for (key, parameters) in wanted.sorted(by: { $0.key.description < $1.key.description })
            where sessions[key] != parameters {
                perform(engine.handle(.configure(key, parameters), now: Self.now()))
            }
            sessions = wanted
        }
    }

    /// Sessions, drop counters and the clock, read together (from the engine queue, for `show bfd peers`).
    func snapshot() -> (statuses: [BFDSessionStatus], drops: BFDDropCounters, now: Microseconds, delays: BFDSchedulingDelays) {
        queue.sync { (engine.statuses, engine.drops, Self.now(), delays) }
    }

    /// Removes every session (the peers hear AdminDown) and closes everything; waits until done.
    func stop() {
        queue.sync {
            for key in sessions.keys { perform(engine.handle(.remove(key), now: Self.now())) }
            sessions = [:]
            for (_, sender) in senders { closeDescriptor(sender.fd) }
            senders = [:]
            for (_, timer) in timers { timer.source.cancel() }
            timers = [:]
            for receiver in receivers { receiver.source.cancel() }
            receivers = []
        }
    }

    // MARK: the engine's outputs

    private func perform(_ outputs: [BFDOutput]) {
        for output in outputs {
            switch output {
            case .send(let key, let bytes):
                send(bytes, for: key)
            case .armTimer(let timer, let at):
                arm(timer, at: at)
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.source.cancel()
            case .stateChanged(let change):
                logger.notice("BFD \(change.key): \(change.from) -> \(change.to) (\(change.diagnostic))")
                onChange(change)
            }
        }
    }

    private func send(_ bytes: [UInt8], for key: BFDSessionKey) {
        var sender = senders[key]
        if sender == nil {
            do {
                // A link-local peer (or local address) is reached through its interface: the index is its scope.
                let scope = key.interface.map(BFDSockets.interfaceIndex) ?? 0
                if key.peer.isIPv6LinkLocal && scope == 0 { throw Errno(ENODEV) }
                let family = key.peer.isIPv4 ? AF_INET : AF_INET6
                let fd = try BFDSockets.sender(family: family, local: key.local.map(IPAddress.init), interface: key.interface,
                                               scope: scope, random: &random)
                sender = (fd, key.peer.isIPv6LinkLocal ? scope : 0)
                senders[key] = sender
            } catch {
                if sendFailuresLogged.insert(key).inserted { logger.warning("BFD \(key): cannot open a socket: \(error)") }
                return
            }
        }
        guard let sender else { return }
        if let error = BFDSockets.send(sender.fd, bytes, to: IPAddress(key.peer), scope: sender.scope, port: key.port) {
            // Lost like any packet; said once per session so a dead route does not fill the log.
            if sendFailuresLogged.insert(key).inserted { logger.info("BFD \(key): send failed: \(error)") }
        } else {
            sendFailuresLogged.remove(key)
        }
    }

    private func arm(_ timer: BFDTimer, at deadline: Microseconds) {
        timers.removeValue(forKey: timer)?.source.cancel()
        let source = DispatchSource.makeTimerSource(queue: queue)
        // A tight leeway: jitter is already in the deadline, and a late packet costs the peer's detection time.
        source.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline * 1000), leeway: .microseconds(500))
        generation += 1
        let mine = generation
        source.setEventHandler { [weak self] in
            guard let self, let current = self.timers[timer], current.generation == mine else { return }
            self.timers[timer] = nil
            current.source.cancel()
            let now = Self.now()
            self.delays.timerFired(late: now > deadline ? now - deadline : 0)
            if timer.kind == .detection {
                // Packets the kernel already holds count before the Detection Time is declared expired: when this
                // queue ran late, the timer's event may come before the socket's, though the peer's packet
                // arrived in time. (A packet read here re-arms the timer; the engine then ignores this expiry.)
                for receiver in self.receivers { self.readAll(receiver.fd, multihop: receiver.multihop) }
            }
            // Dispatch may fire a hair early; the engine ignores an expiry before its deadline.
            self.perform(self.engine.handle(.timerExpired(timer), now: max(Self.now(), deadline)))
        }
        timers[timer] = (source, mine)
        source.resume()
    }

    // MARK: reception

    private func readAll(_ fd: Int32, multihop: Bool) {
        while true {
            let datagram: BFDDatagram?
            do {
                datagram = try BFDSockets.receive(fd)
            } catch {
                logger.warning("BFD: receive: \(error)")
                return
            }
            guard let datagram else { return }
            guard let ttl = datagram.ttl, let destination = datagram.destination, let source = datagram.source else {
                missingControlMessages &+= 1
                continue
            }
            if let receivedAt = datagram.receivedAt {
                let now = BFDSockets.realtime()
                delays.packetRead(late: now > receivedAt ? (now - receivedAt) / 1000 : 0)
            }
            let packet = BFDReceivedPacket(bytes: datagram.bytes, source: BFDAddress(source),
                                           destination: BFDAddress(destination),
                                           interface: interfaceName(datagram.interfaceIndex), ttl: ttl, multihop: multihop)
            perform(engine.handle(.received(packet), now: Self.now()))
        }
    }

    private func interfaceName(_ index: Int32) -> String? {
        if let name = interfaceNames[index] { return name }
        let name = BFDSockets.interfaceName(index)
        if let name { interfaceNames[index] = name }
        return name
    }
}

extension BFDAddress {
    init(_ address: IPAddress) {
        switch address {
        case .v4(let v4): self = .v4(v4.rawValue)
        case .v6(let v6): self = .v6(high: v6.high, low: v6.low)
        }
    }

    var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }
}

extension IPAddress {
    init(_ address: BFDAddress) {
        switch address {
        case .v4(let v4): self = .v4(IPv4Address(rawValue: v4))
        case .v6(let high, let low): self = .v6(IPv6Address(high: high, low: low))
        }
    }
}

/// How late the BFD queue ran (microseconds): what tells a late process from a late peer when a session drops.
struct BFDSchedulingDelays {
    /// Delays above this are counted (a third of the shortest Detection Time in common use, 3 x 100 ms).
    static let lateThreshold: Microseconds = 50_000
    var lateTimers: UInt64 = 0
    var largestTimerDelay: Microseconds = 0
    var latePackets: UInt64 = 0
    var largestPacketDelay: Microseconds = 0

    mutating func timerFired(late: Microseconds) {
        if late > Self.lateThreshold { lateTimers &+= 1 }
        largestTimerDelay = max(largestTimerDelay, late)
    }

    mutating func packetRead(late: Microseconds) {
        if late > Self.lateThreshold { latePackets &+= 1 }
        largestPacketDelay = max(largestPacketDelay, late)
    }

    var textLines: [String] {
        ["BFD timers fired over \(Self.lateThreshold / 1000) ms late: \(lateTimers) (largest delay \(largestTimerDelay / 1000) ms)",
         "BFD packets read over \(Self.lateThreshold / 1000) ms after arrival: \(latePackets) (largest delay \(largestPacketDelay / 1000) ms)"]
    }
}
