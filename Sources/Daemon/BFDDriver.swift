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
    private var receivers: [(fd: Int32, source: DispatchSourceRead)] = []
    private var senders: [BFDSessionKey: Int32] = [:]
    private var timers: [BFDTimer: (source: DispatchSourceTimer, generation: UInt64)] = [:]
    private var generation: UInt64 = 0
    private var sessions: [BFDSessionKey: BFDSessionParameters] = [:]
    private var interfaceNames: [Int32: String] = [:]
    /// Datagrams the kernel delivered without TTL or destination (never expected; counted, dropped).
    private(set) var missingControlMessages: UInt64 = 0
    private var sendFailuresLogged: Set<BFDSessionKey> = []

    /// Opens the receiving sockets (UDP 3784 and 4784 on every IPv4 address); nothing runs until `apply`.
    init(logger: Logger, onChange: @escaping @Sendable (BFDStateChange) -> Void) throws(Errno) {
        self.logger = logger
        self.onChange = onChange
        for port: UInt16 in [3784, 4784] {
            let fd: Int32
            do {
                fd = try BFDSockets.receiver(port: port)
            } catch {
                for receiver in receivers { receiver.source.cancel() }
                throw error
            }
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            let multihop = port == 4784
            source.setEventHandler { [weak self] in self?.readAll(fd, multihop: multihop) }
            source.setCancelHandler { closeDescriptor(fd) }
            source.resume()
            receivers.append((fd, source))
        }
    }

    static func now() -> Microseconds { DispatchTime.now().uptimeNanoseconds / 1000 }

    /// Makes the running sessions these: new ones start, changed ones take their parameters (a Poll Sequence
    /// when Up), missing ones are removed (one AdminDown to the peer).
    func apply(_ wanted: [BFDSessionKey: BFDSessionParameters]) {
        queue.async { [self] in
            for key in sessions.keys where wanted[key] == nil {
                perform(engine.handle(.remove(key), now: Self.now()))
                if let fd = senders.removeValue(forKey: key) { closeDescriptor(fd) }
            }
            for (key, parameters) in wanted.sorted(by: { $0.key.description < $1.key.description })
            where sessions[key] != parameters {
                perform(engine.handle(.configure(key, parameters), now: Self.now()))
            }
            sessions = wanted
        }
    }

    /// Sessions, drop counters and the clock, read together (from the engine queue, for `show bfd peers`).
    func snapshot() -> (statuses: [BFDSessionStatus], drops: BFDDropCounters, now: Microseconds) {
        queue.sync { (engine.statuses, engine.drops, Self.now()) }
    }

    /// Removes every session (the peers hear AdminDown) and closes everything; waits until done.
    func stop() {
        queue.sync {
            for key in sessions.keys { perform(engine.handle(.remove(key), now: Self.now())) }
            sessions = [:]
            for (_, fd) in senders { closeDescriptor(fd) }
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
        guard case .v4(let peer) = key.peer else { return }  // IPv6 sessions are not started (see apply's caller)
        var fd = senders[key]
        if fd == nil {
            var local: IPv4Address?
            if case .v4(let address)? = key.local { local = IPv4Address(rawValue: address) }
            do {
                fd = try BFDSockets.sender(local: local, interface: key.interface, random: &random)
                senders[key] = fd
            } catch {
                if sendFailuresLogged.insert(key).inserted { logger.warning("BFD \(key): cannot open a socket: \(error)") }
                return
            }
        }
        guard let fd else { return }
        if let error = BFDSockets.send(fd, bytes, to: IPv4Address(rawValue: peer), port: key.port) {
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
            guard let ttl = datagram.ttl, let destination = datagram.destination else {
                missingControlMessages &+= 1
                continue
            }
            let packet = BFDReceivedPacket(bytes: datagram.bytes, source: .v4(datagram.source.rawValue),
                                           destination: .v4(destination.rawValue),
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
}
