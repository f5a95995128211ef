// `evpn-load inject`: one BGP session that advertises N type-2 routes (and the VNI's type-3 route) in full
// UPDATEs, then End-of-RIB, then optionally withdraws them or moves them at a given rate.
import BGPWire
#if canImport(Glibc)
import Glibc
#endif

struct InjectPlan {
    enum Then: String { case hold, withdraw, move, exit }
    var speaker: Speaker
    var remote: String?
    var listen: String?
    var local: String?
    var port: UInt16
    var routes: RouteSet
    var imet: Bool
    var then: Then
    var rate: Double
    var duration: Double
    var moveNextHop: IPv4Address
    var sync: SyncDirectory?
    var waitReady: Double
    var holdFor: Double?
    var connectTimeout: Double
}

struct Injector {
    var plan: InjectPlan

    func run() throws {
        let routes = plan.routes
        let prepared = Monotonic.nanoseconds()
        var initial = try routes.updates(0..<routes.count, nextHop: routes.nextHop)
        let updatesCount = initial.count
        if plan.imet { initial.append(try routes.imetUpdate()) }
        initial.append(try RouteSet.endOfRIB(routes.unicastLength == nil ? .l2vpnEVPN : .ipv4Unicast))
        let bytes = initial.reduce(0) { $0 + $1.count }
        report("inject", [("what", "prepared"), ("routes", "\(routes.count)"), ("updates", "\(updatesCount)"),
                          ("bytes", "\(bytes)"), ("encode_s", seconds(Monotonic.nanoseconds() - prepared))])

        let connection: BGPConnection
        if let listen = plan.listen {
            let listener = try tcpListen(local: listen, port: plan.port)
            defer { close(listener) }
            let (fd, peer) = try tcpAccept(listener, timeout: plan.connectTimeout)
            connection = BGPConnection(fd: fd, name: peer)
        } else if let remote = plan.remote {
            connection = BGPConnection(fd: try tcpConnect(local: plan.local, remote: remote, port: plan.port,
                                                          timeout: plan.connectTimeout), name: remote)
        } else {
            throw LoadError("inject needs --remote or --listen")
        }
        try connection.establish(plan.speaker, timeout: plan.connectTimeout)
        let start = Monotonic.nanoseconds()
        plan.sync?.write("start", start)
        report("inject", [("what", "established"), ("peer", connection.name), ("t_ns", "\(start)")])
        for message in initial { connection.enqueue(message) }
        try pump(connection, until: { !connection.hasPendingOutput })
        report("inject", [("what", "advertised"), ("routes", "\(routes.count)"), ("imet", plan.imet ? "1" : "0"),
                          ("updates", "\(updatesCount)"), ("send_s", seconds(Monotonic.nanoseconds() - start))])

        switch plan.then {
        case .hold, .exit:
            break
        case .withdraw:
            try waitForReady(connection)
            let withdrawStart = Monotonic.nanoseconds()
            plan.sync?.write("withdraw", withdrawStart)
            var messages = try routes.updates(0..<routes.count, nextHop: routes.nextHop, withdraw: true)
            if plan.imet { messages.append(try routes.imetUpdate(withdraw: true)) }
            for message in messages { connection.enqueue(message) }
            try pump(connection, until: { !connection.hasPendingOutput })
            report("inject", [("what", "withdrawn"), ("routes", "\(routes.count)"),
                              ("send_s", seconds(Monotonic.nanoseconds() - withdrawStart))])
        case .move:
            try waitForReady(connection)
            try move(connection)
        }
        if plan.then != .exit {
            // Holding: the peer ending the session now (a sink that got everything and left) is the end, not a failure.
            let deadline = plan.holdFor.map { Monotonic.nanoseconds() + UInt64($0 * 1e9) }
            do {
                try pump(connection, until: { deadline.map { Monotonic.nanoseconds() >= $0 } ?? false })
            } catch {
                report("inject", [("what", "closed"), ("by", "peer"), ("reason", "\"\(error)\"")])
                return
            }
        }
        connection.shutdown()
        report("inject", [("what", "closed")])
    }

    /// Keeps the session alive (reads and discards what the peer sends, answers nothing but the hold
    /// timer) until `done` or a stop signal.
    private func pump(_ connection: BGPConnection, timeoutMilliseconds: Int32 = 10, until done: () -> Bool) throws {
        var pfd = pollfd(fd: connection.fd, events: 0, revents: 0)
        while !done() {
            guard stopRequested == 0 else { return }
            pfd.events = Int16(POLLIN) | (connection.hasPendingOutput ? Int16(POLLOUT) : 0)
            _ = poll(&pfd, 1, timeoutMilliseconds)
            try connection.receive { _ in }
            connection.keepaliveIfDue(now: Monotonic.nanoseconds())
            guard connection.flush() else { throw LoadError("\(connection.name): send: \(errnoText())") }
        }
    }

    /// With `--sync DIR` and `--wait-ready S`: waits (keeping the session up) until a sink wrote DIR/ready.
    private func waitForReady(_ connection: BGPConnection) throws {
        guard let sync = plan.sync, plan.waitReady > 0 else { return }
        let deadline = Monotonic.nanoseconds() + UInt64(plan.waitReady * 1e9)
        var ready = false
        try pump(connection, timeoutMilliseconds: 20) {
            ready = sync.read("ready") != nil
            return ready || Monotonic.nanoseconds() >= deadline
        }
        guard ready || stopRequested != 0 else { throw LoadError("no sink wrote \(sync.path)/ready within \(Int(plan.waitReady)) s") }
    }

    /// `rate` moves a second for `duration` seconds, paced against the clock (a late tick sends what is
    /// due, so the offered rate holds even if a tick is missed). Moves due in one tick share pass, next hop,
    /// sequence and stamp, so they go out together in as few UPDATEs as fit.
    private func move(_ connection: BGPConnection) throws {
        let routes = plan.routes
        let total = Int(plan.rate * plan.duration)
        let begin = Monotonic.nanoseconds()
        plan.sync?.write("moves-start", begin)
        var sent = 0
        var updates = 0
        var maxBacklog = 0
        var pfd = pollfd(fd: connection.fd, events: 0, revents: 0)
        while sent < total, stopRequested == 0 {
            let now = Monotonic.nanoseconds()
            let due = min(total, Int(Double(now - begin) / 1e9 * plan.rate))
            while sent < due {
                let pass = sent / routes.count
                let passEnd = (pass + 1) * routes.count
                let end = min(due, passEnd)
                let first = sent % routes.count
                let nextHop = pass % 2 == 0 ? plan.moveNextHop : routes.nextHop
                let extra = [ExtendedCommunity.macMobility(sequence: MoveSchedule.sequence(move: sent, routes: routes.count)),
                             RouteSet.stamp(Monotonic.stampMicroseconds())]
                let messages = try routes.updates(first..<(first + end - sent), nextHop: nextHop, extra: extra)
                for message in messages { connection.enqueue(message) }
                updates += messages.count
                sent = end
            }
            maxBacklog = max(maxBacklog, connection.queuedBytes)
            guard connection.flush() else { throw LoadError("\(connection.name): send: \(errnoText())") }
            pfd.events = Int16(POLLIN) | (connection.hasPendingOutput ? Int16(POLLOUT) : 0)
            _ = poll(&pfd, 1, 1)
            try connection.receive { _ in }
            connection.keepaliveIfDue(now: Monotonic.nanoseconds())
        }
        try pump(connection, until: { !connection.hasPendingOutput })
        let elapsed = Monotonic.nanoseconds() - begin
        plan.sync?.write("moves", UInt64(sent))
        report("inject", [("what", "moved"), ("moves", "\(sent)"), ("updates", "\(updates)"),
                          ("rate", formatDecimal(Double(sent) / (Double(elapsed) / 1e9), places: 0)),
                          ("elapsed_s", seconds(elapsed)), ("max_backlog_bytes", "\(maxBacklog)")])
    }
}
