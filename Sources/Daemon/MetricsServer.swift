// The metrics endpoint's TCP side: a listener on the configured address, one request per connection
// (HTTPRequestHead.swift), answered from the engine queue and closed. Confined to the engine queue like
// the rest of the runtime (see `Runtime`), served by the same Dispatch sources as the control socket.
//
// What keeps a client from hurting the daemon (docs/OPERATIONS.md, Metrics):
// - at most `maxConnections` open at once: at the cap, the connection that has waited longest without
//   finishing its request (or, answered, without closing) is closed to make room (so clients that never finish cannot lock scrapers out);
//   when every open connection is being answered, the new one is closed instead;
// - a request head over 8 KiB is answered 431 and closed (the buffer never grows past that);
// - a connection gets `readDeadline` to send its head (408 then) and `lifetime` in all, after which it is
//   dropped even if it does not read its answer or close;
// - the body is built at most once per `MetricsEndpoint.refreshInterval`, so a flood of scrapes costs
//   a copy of the last body each, not a walk of the daemon's state.

import Dispatch
import Glibc
import Logging

/// How many requests got each status, since start (read by the collector: `evpnd_metrics_requests_total`).
struct MetricsRequestCounts: Hashable, Sendable {
    var byStatus: [Int: UInt64] = [:]
    /// Connections closed at the cap: an unfinished one to make room, or the new one when none was unfinished.
    var evicted: UInt64 = 0
    var refused: UInt64 = 0
}

final class MetricsServer: @unchecked Sendable {
    let queue: DispatchQueue
    let logger: Logger
    let body: () -> [UInt8]
    static let maxConnections = 16
    let readDeadline: DispatchTimeInterval
    let lifetime: DispatchTimeInterval
    private var listener: (fd: Int32, source: DispatchSourceRead)?
    private var clients: [ObjectIdentifier: Client] = [:]
    private(set) var counts = MetricsRequestCounts()
    private var acceptCount: UInt64 = 0

    final class Client {
        let channel: StreamChannel
        var buffer: [UInt8] = []
        var answered = false
        /// Answered, all of it handed to the kernel, our side shut: waiting for the client to close.
        var lingering = false
        var deadline: DispatchSourceTimer?
        /// Accept order, to find the longest-waiting.
        let sequence: UInt64
        init(channel: StreamChannel, sequence: UInt64) {
            self.channel = channel
            self.sequence = sequence
        }
    }

    init(queue: DispatchQueue, logger: Logger,
         readDeadline: DispatchTimeInterval = .seconds(5), lifetime: DispatchTimeInterval = .seconds(15),
         body: @escaping () -> [UInt8]) {
        self.queue = queue
        self.logger = logger
        self.readDeadline = readDeadline
        self.lifetime = lifetime
        self.body = body
    }

    /// Listens on `fd` (a bound, listening socket, which this server now owns).
    func start(listening fd: Int32) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptAll(fd) }
        source.setCancelHandler { closeDescriptor(fd) }
        source.resume()
        listener = (fd, source)
    }

    /// The port actually bound (port 0 in tests picks a free one).
    var boundPort: UInt16? { listener.flatMap { Sockets.localAddress($0.fd)?.endpoint?.port } }

    var openConnections: Int {
        pruneClosed()
        return clients.count
    }

    func stop() {
        if let (fd, source) = listener {
            // Refuse new connections now (a reload that moves the endpoint frees the old address at once): the
            // descriptor itself may be closed only by the cancel handler, which runs after this turn of the queue.
            shutdown(fd, Int32(SHUT_RDWR))
            source.cancel()
        }
        listener = nil
        for (_, client) in clients {
            client.deadline?.cancel()
            client.channel.closeNow()
        }
        clients.removeAll()
    }

    private func acceptAll(_ fd: Int32) {
        Sockets.acceptPending(fd, failed: { logger.warning("metrics endpoint accept: \($0)") }) { clientFD, _ in
            // Answered clients close themselves once their answer is out (no event for that): count only the open.
            if clients.count >= Self.maxConnections { pruneClosed() }
            if clients.count >= Self.maxConnections {
                guard let oldest = clients.values.filter({ !$0.answered || $0.lingering })
                    .min(by: { $0.sequence < $1.sequence }) else {
                    counts.refused += 1
                    closeDescriptor(clientFD)
                    return
                }
                counts.evicted += 1
                oldest.channel.closeNow()
                forget(oldest)
            }
            acceptCount += 1
            let channel = StreamChannel(fd: clientFD, queue: queue, highWater: 1 << 20, hardLimit: 64 << 20)
            let client = Client(channel: channel, sequence: acceptCount)
            let key = ObjectIdentifier(client)
            clients[key] = client
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + readDeadline, leeway: .milliseconds(100))
            timer.setEventHandler { [weak self, weak client] in
                guard let self, let client else { return }
                self.deadlinePassed(client)
            }
            client.deadline = timer
            timer.resume()
            channel.start { [weak self, weak client] event in
                guard let self, let client else { return }
                switch event {
                case .bytes(let bytes): self.received(bytes, from: client)
                case .drained: break
                case .closed: self.forget(client)
                }
            }
        }
    }

    private func pruneClosed() {
        for client in clients.values where client.channel.isClosed { forget(client) }
    }

    private func forget(_ client: Client) {
        client.deadline?.cancel()
        client.deadline = nil
        clients[ObjectIdentifier(client)] = nil
    }

    private func deadlinePassed(_ client: Client) {
        if client.answered {
            // It never read its answer: drop it.
            client.channel.closeNow()
            forget(client)
            return
        }
        respond(.error(.requestTimeout, "no complete request within the read deadline"), to: client)
    }

    private func received(_ bytes: [UInt8], from client: Client) {
        guard !client.answered else { return }  // bytes after the request: ignored, the connection is closing
        client.buffer += bytes
        switch HTTPRequestHead.parse(client.buffer) {
        case .incomplete:
            return
        case .failure(let status, let why):
            logger.debug("metrics endpoint: \(status.rawValue) \(why)")
            respond(.error(status, why), to: client)
        case .request(let head):
            guard head.path == "/metrics" else {
                respond(.error(.notFound, "only /metrics is served"), to: client)
                return
            }
            var response = HTTPResponse(status: .ok, contentType: HTTPResponse.exposition, body: body())
            response.omitsBody = head.method == .head
            respond(response, to: client)
        }
    }

    private func respond(_ response: HTTPResponse, to client: Client) {
        client.answered = true
        client.buffer = []
        counts.byStatus[response.status.rawValue, default: 0] += 1
        // From now on the deadline is the connection's whole lifetime.
        client.deadline?.schedule(deadline: .now() + lifetime, leeway: .milliseconds(100))
        client.channel.send(response.bytes)
        if !client.channel.isClosed && client.channel.pendingOutput == 0 {
            // All of it is with the kernel: shut our side and wait for the client to close (what it still sends
            // is read and dropped), RFC 9112 section 9.6's lingering close. Closing with its bytes unread would
            // send a reset, which can make the client's TCP drop the answer it has not read yet (a client still
            // sending an oversized head would see ECONNRESET instead of 431).
            shutdown(client.channel.fd, Int32(SHUT_WR))
            client.lingering = true
            return
        }
        client.channel.closeAfterFlush()
        if client.channel.isClosed { forget(client) }
    }
}
