// The BFD shell: the I/O-free `BFDEngine` (module BFD) run on a thread of its own, with its UDP sockets
// (BFDSockets.swift) and a deadline per engine timer. It carries out the engine's runtime contract
// (Sources/BFD/Engine.swift) and hands state changes to the engine queue.
//
// Why a thread of its own, and not a Dispatch queue (docs/DECISIONS.md): BFD's deadlines are tens of
// milliseconds; the engine queue can be busy for seconds with a 500,000-route burst or a full FDB install, so BFD
// cannot share it. A queue of its own was the first design, but each Dispatch timer or socket event needs two
// thread wake-ups (Dispatch's event thread, then a worker), each waiting for a CPU: on the loaded 2-core test
// machine its timers fired up to 85 ms late where FRR's single-threaded bfdd, beside it, sent no gap over 110 ms
// (`scripts/bench.d/bfd-soak`). This thread waits in poll(2) on its sockets and the earliest deadline, so one
// wake-up does the work, and it asks for real-time scheduling (SCHED_FIFO, low priority; it does microseconds of
// work per packet) so other processes' load does not delay it; where that is not allowed it asks for nice -10,
// and says which it got.
//
// What it shares with the engine queue: nothing but `lock`. The thread holds it while it handles an event;
// `apply`, `snapshot` and `stop` (called on the engine queue) take it briefly, and wake the thread through a
// pipe when its deadlines may have changed. State changes go to the engine queue with `async`: this thread never
// waits for the engine.

import BFD
import BGPWire
import Dispatch
import Glibc
import Logging

final class BFDDriver: @unchecked Sendable {
    private let logger: Logger
    private let onChange: @Sendable (BFDStateChange) -> Void
    private let lock = BFDLock()
    private var engine = BFDEngine(random: SystemRandomNumberGenerator())
    private var random = SystemRandomNumberGenerator()
    private var receivers: [(fd: Int32, multihop: Bool)] = []
    /// The pipe `apply` and `stop` write to, to wake the thread from poll(2).
    private let wake: (read: Int32, write: Int32)
    /// Each session's sending socket and the interface index used as the scope of a link-local peer.
    private var senders: [BFDSessionKey: (fd: Int32, scope: UInt32)] = [:]
    /// The engine's armed timers and their deadlines (the engine's clock).
    private var timers: [BFDTimer: Microseconds] = [:]
    private var sessions: [BFDSessionKey: BFDSessionParameters] = [:]
    private var interfaceNames: [Int32: String] = [:]
    private var stopping = false
    private var thread: pthread_t?
    /// Datagrams the kernel delivered without TTL or destination (never expected; counted, dropped).
    private(set) var missingControlMessages: UInt64 = 0
    /// How late this process ran BFD's work (the soak's evidence, docs/OPERATIONS.md "BFD"): timers that fired
    /// late, and datagrams read after the kernel had them, beyond `lateThreshold`, with the largest delay of each.
    private var delays = BFDSchedulingDelays()
    private var sendFailuresLogged: Set<BFDSessionKey> = []

    /// Opens the receiving sockets (UDP 3784 and 4784 on every IPv4 address, and on every IPv6 address when the
    /// system has IPv6) and starts the thread; no session runs until `apply`. Without IPv4 receivers BFD cannot
    /// run (thrown); without IPv6 ones only IPv6 sessions cannot, which is logged.
    init(logger: Logger, onChange: @escaping @Sendable (BFDStateChange) -> Void) throws(Errno) {
        self.logger = logger
        self.onChange = onChange
        var opened: [(fd: Int32, multihop: Bool)] = []
        func closeAll() { for receiver in opened { closeDescriptor(receiver.fd) } }
        for family in [AF_INET, AF_INET6] {
            for port: UInt16 in [3784, 4784] {
                do {
                    opened.append((try BFDSockets.receiver(port: port, family: family), port == 4784))
                } catch {
                    if family == AF_INET6 {
                        logger.warning("BFD over IPv6 is off: cannot open UDP port \(port) on IPv6: \(error)")
                        break
                    }
                    closeAll()
                    throw error
                }
            }
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            let error = Errno.current
            closeAll()
            throw error
        }
        do {
            for fd in ends {
                try Sockets.setNonBlocking(fd)
                try syscall { fcntl(fd, F_SETFD, FD_CLOEXEC) }
            }
        } catch {
            closeAll()
            for fd in ends { closeDescriptor(fd) }
            throw error
        }
        receivers = opened
        wake = (ends[0], ends[1])
        var handle = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&handle, nil, { context in
            guard let context else { return nil }
            Unmanaged<BFDDriver>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<BFDDriver>.fromOpaque(context).release()
            closeAll()
            for fd in ends { closeDescriptor(fd) }
            throw Errno(result)
        }
        thread = handle
    }

    static func now() -> Microseconds { DispatchTime.now().uptimeNanoseconds / 1000 }

    /// Makes the running sessions these: new ones start, changed ones take their parameters (a Poll Sequence
    /// when Up), missing ones are removed (one AdminDown to the peer).
    func apply(_ wanted: [BFDSessionKey: BFDSessionParameters]) {
        lock.withLock {
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
        wakeThread()
    }

    /// Sessions, drop counters, the clock and the lateness figures, read together (for `show bfd peers`).
    func snapshot() -> (statuses: [BFDSessionStatus], drops: BFDDropCounters, now: Microseconds, delays: BFDSchedulingDelays) {
        lock.withLock { (engine.statuses, engine.drops, Self.now(), delays) }
    }

    /// Removes every session (the peers hear AdminDown), stops the thread and closes everything; waits until done.
    func stop() {
        let running: pthread_t? = lock.withLock {
            for key in sessions.keys { perform(engine.handle(.remove(key), now: Self.now())) }
            sessions = [:]
            for (_, sender) in senders { closeDescriptor(sender.fd) }
            senders = [:]
            timers = [:]
            stopping = true
            defer { thread = nil }
            return thread
        }
        wakeThread()
        if let running { pthread_join(running, nil) }
        for receiver in receivers { closeDescriptor(receiver.fd) }
        receivers = []
        closeDescriptor(wake.read)
        closeDescriptor(wake.write)
    }

    private func wakeThread() {
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)  // a full pipe already means "wake up"
    }

    // MARK: the thread

    private func run() {
        raisePriority()
        var pollSet = [pollfd](repeating: pollfd(fd: -1, events: Int16(POLLIN), revents: 0), count: receivers.count + 1)
        for (index, receiver) in receivers.enumerated() { pollSet[index].fd = receiver.fd }
        pollSet[receivers.count].fd = wake.read
        while true {
            let timeout: Int32 = lock.withLock {
                if stopping { return Int32.min }
                guard let next = timers.values.min() else { return -1 }
                let now = Self.now()
                // poll(2) counts milliseconds: rounded up, so it never returns before the deadline on purpose.
                return next <= now ? 0 : Int32(clamping: (next - now + 999) / 1000)
            }
            if timeout == Int32.min { return }
            for index in pollSet.indices { pollSet[index].revents = 0 }
            let ready = poll(&pollSet, nfds_t(pollSet.count), timeout)
            if ready < 0 && errno != EINTR {
                logger.error("BFD: poll: \(Errno.current); BFD stops")
                return
            }
            lock.withLock {
                if pollSet[receivers.count].revents != 0 { drainWakePipe() }
                for (index, receiver) in receivers.enumerated() where pollSet[index].revents != 0 {
                    readAll(receiver.fd, multihop: receiver.multihop)
                }
                fireDueTimers()
            }
        }
    }

    /// SCHED_FIFO at a low real-time priority, else nice -10, else as it is; logged once. Both with
    /// SCHED_RESET_ON_FORK: a thread created from this one (Dispatch starts workers from whichever thread
    /// enqueues work, and this one enqueues state changes on the engine queue) must not inherit either, or
    /// the engine's route bursts would run at real-time priority.
    private func raisePriority() {
        var parameters = sched_param()
        parameters.sched_priority = 10
        // sched_setscheduler(0, ...) acts on the calling thread on Linux.
        if sched_setscheduler(0, SCHED_FIFO | BFDSocketConstants.scheduleResetOnFork, &parameters) == 0 {
            logger.info("BFD thread: real-time scheduling (SCHED_FIFO, priority 10)")
            return
        }
        parameters.sched_priority = 0
        // On Linux setpriority(PRIO_PROCESS, 0) sets the calling thread's nice value only (setpriority(2), BUGS).
        if sched_setscheduler(0, SCHED_OTHER | BFDSocketConstants.scheduleResetOnFork, &parameters) == 0,
           setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10) == 0 {
            logger.info("BFD thread: SCHED_FIFO not allowed, nice -10")
        } else {
            logger.warning("BFD thread: neither SCHED_FIFO nor nice -10 allowed (\(Errno.current)); normal priority")
        }
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wake.read, &buffer, buffer.count) > 0 {}
    }

    /// Every timer whose deadline has come, earliest first. Before a detection expiry the sockets are read
    /// again: a packet the kernel already holds counts (it re-arms the timer; the engine ignores the stale expiry).
    private func fireDueTimers() {
        while true {
            let now = Self.now()
            guard let (timer, deadline) = timers.filter({ $0.value <= now }).min(by: { $0.value < $1.value }) else { return }
            timers[timer] = nil
            delays.timerFired(late: now - deadline)
            if timer.kind == .detection {
                for receiver in receivers { readAll(receiver.fd, multihop: receiver.multihop) }
            }
            perform(engine.handle(.timerExpired(timer), now: max(Self.now(), deadline)))
        }
    }

    // MARK: the engine's outputs

    private func perform(_ outputs: [BFDOutput]) {
        for output in outputs {
            switch output {
            case .send(let key, let bytes):
                send(bytes, for: key)
            case .armTimer(let timer, let at):
                timers[timer] = at
            case .cancelTimer(let timer):
                timers[timer] = nil
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

/// How late the BFD thread ran (microseconds): what tells a late process from a late peer when a session drops.
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

/// A pthread mutex (FoundationEssentials has no NSLock; the Synchronization module's Mutex wants its state
/// inside it, and the driver's state is many fields).
final class BFDLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
