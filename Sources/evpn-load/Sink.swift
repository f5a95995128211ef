// `evpn-load sink`: one or more BGP sessions that receive routes and time them. It counts distinct type-2
// routes per session (route i of an injector with the same `--mac-base` is slot i of an array; any other
// route goes to a set), records when each session first holds 1 route, 50 %, 99 % and 100 % of `--expect`,
// and, for moves, the delay from the injector's stamp in the route to its arrival here.
import BGPWire
#if canImport(Glibc)
import Glibc
#endif

struct SinkPlan {
    var speaker: Speaker
    var remote: String?
    var locals: [String]
    var listen: String?
    var sessions: Int
    var port: UInt16
    var expect: Int
    var macBase: UInt64
    var timeout: Double
    var sync: SyncDirectory?
    var moves: Bool
    var grace: Double
    var connectTimeout: Double
}

final class SinkSession {
    let connection: BGPConnection
    /// Per route index: 0 never seen; otherwise the highest MAC Mobility sequence seen + 1.
    var slots: [UInt32]
    var distinct = 0
    var others = Set<MACIPKey>()
    var imet = Set<MACIPKey>()
    var withdrawals = 0
    var endOfRIB = false
    var updates = 0
    var malformed = 0
    /// Monotonic ns when the session first held 1, 50 %, 99 %, 100 % of the expected routes.
    var reached: [UInt64?] = [nil, nil, nil, nil]
    /// Routes whose last move has not arrived yet (known once the injector wrote how many moves it sent).
    var pendingMoves: Int?
    var latencies: [UInt32] = []

    init(connection: BGPConnection, expect: Int) {
        self.connection = connection
        slots = [UInt32](repeating: 0, count: expect)
    }
}

final class Sink {
    let plan: SinkPlan
    /// How many moves the injector sent, once it said so.
    private var movesSent = 0

    init(plan: SinkPlan) { self.plan = plan }
    static let thresholds: [Double] = [0, 0.5, 0.99, 1.0]
    static let names = ["first_s", "p50_s", "p99_s", "all_s"]

    func run() throws -> Bool {
        var sessions: [SinkSession] = []
        if let listen = plan.listen {
            let listener = try tcpListen(local: listen, port: plan.port)
            defer { close(listener) }
            for _ in 0..<plan.sessions {
                let (fd, peer) = try tcpAccept(listener, timeout: plan.connectTimeout)
                let connection = BGPConnection(fd: fd, name: peer)
                try connection.establish(plan.speaker, timeout: plan.connectTimeout)
                sessions.append(SinkSession(connection: connection, expect: plan.expect))
            }
        } else if let remote = plan.remote {
            for local in plan.locals.isEmpty ? [nil] : plan.locals.map(Optional.some) {
                let fd = try tcpConnect(local: local, remote: remote, port: plan.port, timeout: plan.connectTimeout)
                let connection = BGPConnection(fd: fd, name: local ?? remote)
                var speaker = plan.speaker
                if let local, let id = IPv4Address(local), plan.locals.count > 1 { speaker.routerID = id }
                try connection.establish(speaker, timeout: plan.connectTimeout)
                sessions.append(SinkSession(connection: connection, expect: plan.expect))
            }
        } else {
            throw LoadError("sink needs --remote or --listen")
        }
        let established = Monotonic.nanoseconds()
        report("sink", [("what", "established"), ("sessions", "\(sessions.count)"), ("t_ns", "\(established)")])

        let deadline = established + UInt64(plan.timeout * 1e9)
        var readyAt: UInt64?
        var moves: Int?
        var movesSeenAt: UInt64?
        var failure: String?
        var pfds = sessions.map { pollfd(fd: $0.connection.fd, events: Int16(POLLIN), revents: 0) }
        loop: while stopRequested == 0 {
            let now = Monotonic.nanoseconds()
            if now >= deadline { failure = "timeout"; break }
            _ = poll(&pfds, nfds_t(pfds.count), 20)
            for (i, session) in sessions.enumerated() {
                do {
                    if pfds[i].revents != 0 { try receive(session) }
                    session.connection.keepaliveIfDue(now: Monotonic.nanoseconds())
                    session.connection.flush()
                } catch {
                    failure = "\(error)"
                    break loop
                }
                pfds[i].revents = 0
            }
            if readyAt == nil, sessions.allSatisfy({ $0.distinct >= plan.expect }) {
                readyAt = Monotonic.nanoseconds()
                plan.sync?.write("ready", readyAt ?? 0)
                if !plan.moves { break }
            }
            guard plan.moves, readyAt != nil else { continue }
            if moves == nil, let count = plan.sync?.read("moves") {
                moves = Int(count)
                movesSeenAt = Monotonic.nanoseconds()
                for session in sessions { startMoveCheck(session, moves: Int(count)) }
            }
            if let seen = movesSeenAt {
                if sessions.allSatisfy({ $0.pendingMoves == 0 }) { break }
                if Monotonic.nanoseconds() - seen > UInt64(plan.grace * 1e9) { failure = "moves missing after \(plan.grace) s grace"; break }
            }
        }
        return summarize(sessions, established: established, moves: moves, failure: failure)
    }

    private func receive(_ session: SinkSession) throws {
        try session.connection.receive { frame in
            guard frame.type == .update else { return }
            session.updates += 1
            let now = Monotonic.nanoseconds()
            do {
                let endOfRIB = try UpdateScanner.scan(frame.body, reach: { type, route, attributes in
                    self.reach(session, type: type, route: route, attributes: attributes, now: now)
                }, unreach: { type, route in
                    if type == 2, let key = UpdateScanner.macIPKey(route) {
                        let index = key.mac &- plan.macBase
                        if index < UInt64(plan.expect) {
                            if session.slots[Int(index)] & 0x8000_0000 == 0, session.slots[Int(index)] != 0 {
                                session.slots[Int(index)] |= 0x8000_0000
                                session.withdrawals += 1
                            }
                        } else if session.others.remove(key) != nil {
                            session.withdrawals += 1
                        }
                    } else if type == 3, let key = UpdateScanner.imetKey(route) {
                        session.imet.remove(key)
                    }
                })
                if endOfRIB { session.endOfRIB = true }
            } catch {
                session.malformed += 1
                if session.malformed <= 3 { report("sink", [("what", "malformed"), ("session", session.connection.name), ("error", "\"\(error)\"")]) }
            }
        }
    }

    private func reach(_ session: SinkSession, type: UInt8, route: ArraySlice<UInt8>, attributes: ScannedAttributes, now: UInt64) {
        if type == 3 {
            if let key = UpdateScanner.imetKey(route) { session.imet.insert(key) }
            return
        }
        guard type == 2, let key = UpdateScanner.macIPKey(route) else { return }
        let index = key.mac &- plan.macBase
        guard index < UInt64(plan.expect) else {
            session.others.insert(key)
            return
        }
        let i = Int(index)
        let old = session.slots[i]
        let sequence = attributes.mobilitySequence ?? 0
        if old == 0 {
            session.distinct += 1
            for (t, fraction) in Self.thresholds.enumerated() where session.reached[t] == nil {
                if session.distinct >= max(1, Int((Double(plan.expect) * fraction).rounded(.up))) { session.reached[t] = now }
            }
        }
        let value = sequence &+ 1
        if value > old & 0x7fff_ffff || old & 0x8000_0000 != 0 {
            if let pending = session.pendingMoves, old & 0x7fff_ffff < final(i) + 1, value >= final(i) + 1 {
                session.pendingMoves = pending - 1
            }
            session.slots[i] = value
            if let stamp = attributes.stamp {
                let nowMicroseconds = (now / 1000) & 0xffff_ffff_ffff
                let delay = (nowMicroseconds &- stamp) & 0xffff_ffff_ffff
                session.latencies.append(UInt32(clamping: delay))
            }
        }
    }

    private func final(_ i: Int) -> UInt32 { MoveSchedule.finalSequence(index: i, moves: movesSent, routes: plan.expect) }

    private func startMoveCheck(_ session: SinkSession, moves: Int) {
        movesSent = moves
        var pending = 0
        for i in 0..<plan.expect where session.slots[i] & 0x7fff_ffff < final(i) + 1 { pending += 1 }
        session.pendingMoves = pending
    }

    private func summarize(_ sessions: [SinkSession], established: UInt64, moves: Int?, failure: String?) -> Bool {
        let origin = plan.sync?.read("start") ?? established
        func relative(_ t: UInt64?) -> String { t.map { $0 >= origin ? seconds($0 - origin) : "-" + seconds(origin - $0) } ?? "none" }
        for session in sessions {
            var pairs = [("what", "session"), ("session", session.connection.name), ("routes", "\(session.distinct)"),
                         ("other_routes", "\(session.others.count)"), ("imet", "\(session.imet.count)"),
                         ("withdrawn", "\(session.withdrawals)"), ("updates", "\(session.updates)"),
                         ("malformed", "\(session.malformed)"), ("eor", session.endOfRIB ? "1" : "0")]
            for (t, name) in Self.names.enumerated() { pairs.append((name, relative(session.reached[t]))) }
            report("sink", pairs)
        }
        let minimum = sessions.map(\.distinct).min() ?? 0
        let complete = minimum >= plan.expect
        var pairs = [("what", "summary"), ("sessions", "\(sessions.count)"), ("expect", "\(plan.expect)"),
                     ("min_routes", "\(minimum)"),
                     ("fraction", formatDecimal(plan.expect == 0 ? 1 : Double(minimum) / Double(plan.expect), places: 4)),
                     ("complete", complete ? "1" : "0")]
        // The slowest session decides: "every sink has reached it".
        for (t, name) in Self.names.enumerated() {
            let times = sessions.map { $0.reached[t] }
            pairs.append((name, times.contains(where: { $0 == nil }) ? "none" : relative(times.compactMap { $0 }.max())))
        }
        if let failure { pairs.append(("error", "\"\(failure)\"")) }
        report("sink", pairs)
        var ok = complete && failure == nil
        if plan.moves {
            let all = sessions.flatMap(\.latencies).sorted()
            func percentile(_ p: Double) -> String {
                all.isEmpty ? "none" : formatDecimal(Double(all[min(all.count - 1, Int(Double(all.count) * p))]) / 1000, places: 2)
            }
            // Before the injector said how many moves it sent, nothing can be counted as lost: report "unknown".
            let lost = moves == nil ? nil : sessions.reduce(0) { $0 + ($1.pendingMoves ?? 0) }
            report("sink", [("what", "moves"), ("moves", moves.map { "\($0)" } ?? "none"), ("samples", "\(all.count)"),
                            ("p50_ms", percentile(0.5)), ("p99_ms", percentile(0.99)), ("max_ms", percentile(1.0)),
                            ("lost", lost.map { "\($0)" } ?? "unknown")])
            ok = ok && lost == 0
        }
        return ok
    }
}
