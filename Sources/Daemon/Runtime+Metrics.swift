// The metrics endpoint in the runtime: started with the daemon when the configuration (`metrics listen
// ADDRESS PORT`) or `--metrics ADDRESS:PORT` names an address, off otherwise; moved or stopped on reload.
// A scrape reads the engine's and the VTEP's plain counters on the engine queue (MetricsSnapshot.swift)
// and the collector renders them; a probe timer measures the engine queue's delay.

import BGPCore
import BGPWire
import Config
import Dispatch
import Logging
import VTEP

final class MetricsEndpoint {
    let config: MetricsEndpointConfig
    let server: MetricsServer
    let collector: MetricsCollector
    /// The last body and when it was made: scrapes closer together than `refreshInterval` get it again.
    var cached: (body: [UInt8], at: UInt64)?
    var probe: DispatchSourceTimer?
    /// When the probe should run next (uptime nanoseconds).
    var probeDue: UInt64 = 0

    /// Short enough that no scraper sees stale values (Prometheus scrapes every 15 s by default), long enough
    /// that a flood of scrapes costs little (a VNI's MAC figures are counted from the MAC table).
    static let refreshInterval: UInt64 = 250_000_000
    /// The engine queue delay probe's period.
    static let probeInterval: UInt64 = 100_000_000

    init(config: MetricsEndpointConfig, server: MetricsServer, collector: MetricsCollector) {
        self.config = config
        self.server = server
        self.collector = collector
    }

    func stop() {
        probe?.cancel()
        probe = nil
        server.stop()
    }
}

extension Runtime {
    /// The endpoint the configuration asks for: the flag's over the file's.
    var wantedMetricsEndpoint: MetricsEndpointConfig? { options.metricsEndpoint ?? bgpConfig.metrics }

    /// Opens the endpoint if one is wanted. A port that cannot be bound stops the start (as the BGP port does).
    func startMetrics() throws {
        assertOnQueue()
        guard let wanted = wantedMetricsEndpoint else { return }
        let fd: Int32
        do {
            fd = try Sockets.tcpListener(wanted.address, port: wanted.port)
        } catch {
            throw DaemonStartError(description: "cannot listen for metrics on \(wanted): \(error)")
        }
        let collector = MetricsCollector()
        let server = MetricsServer(queue: queue, logger: logger) { [weak self] in self?.metricsBody() ?? [] }
        server.start(listening: fd)
        let endpoint = MetricsEndpoint(config: wanted, server: server, collector: collector)
        metrics = endpoint
        startQueueDelayProbe(endpoint)
        logger.info("metrics endpoint http://\(wanted)/metrics")
    }

    func stopMetrics() {
        metrics?.stop()
        metrics = nil
    }

    /// After a reload: a new address moves the endpoint (the series start over), none stops it.
    func reconfigureMetrics() {
        guard wantedMetricsEndpoint != metrics?.config else { return }
        stopMetrics()
        do {
            try startMetrics()
        } catch {
            logger.error("\(error); the metrics endpoint is off")
        }
    }

    /// The port the endpoint is bound to (tests give port 0).
    public var metricsPort: UInt16? { queue.sync { metrics?.server.boundPort } }

    func metricsBody() -> [UInt8] {
        assertOnQueue()
        guard let endpoint = metrics else { return [] }
        let now = DispatchTime.now().uptimeNanoseconds
        if let cached = endpoint.cached, now &- cached.at < MetricsEndpoint.refreshInterval { return cached.body }
        let body = endpoint.collector.render(metricsSnapshot(requests: endpoint.server.counts))
        endpoint.cached = (body, now)
        return body
    }

    func metricsSnapshot(requests: MetricsRequestCounts) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.peers = engine.summary(now: Runtime.monotonicNow()).map { summary in
            MetricsSnapshot.Peer(summary: summary, routes: engine.routeCounts(of: PeerID(summary.address)) ?? PeerRouteCounts())
        }
        snapshot.ribRoutes = engine.routeCount
        if let driver = vtep {
            snapshot.vtep = MetricsSnapshot.VTEP(counters: driver.state.counters, vnis: driver.state.vniStatistics(),
                                                 drift: driver.state.fdbDrift, netlink: driver.netlinkCounters)
        }
        snapshot.requests = requests
        return snapshot
    }

    /// A timer that should run every `probeInterval`: how late it runs is how long work ahead of it held
    /// the engine queue (decoding a burst of UPDATEs, a large FDB round).
    private func startQueueDelayProbe(_ endpoint: MetricsEndpoint) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        endpoint.probeDue = DispatchTime.now().uptimeNanoseconds + MetricsEndpoint.probeInterval
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: endpoint.probeDue), repeating: .nanoseconds(Int(MetricsEndpoint.probeInterval)),
                       leeway: .milliseconds(1))
        timer.setEventHandler { [weak endpoint] in
            guard let endpoint else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            let due = endpoint.probeDue
            endpoint.collector.engineQueueDelay.recordNanoseconds(Int64(clamping: now > due ? now - due : 0))
            // The next due time after now (fires skipped while the queue was held are not counted twice).
            endpoint.probeDue = due + MetricsEndpoint.probeInterval * (1 + (now > due ? (now - due) / MetricsEndpoint.probeInterval : 0))
        }
        endpoint.probe = timer
        timer.resume()
    }

    /// The writer's time for one FDB batch (VTEPDriver.swift).
    func recordFDBBatch(nanoseconds: UInt64) {
        metrics?.collector.fdbBatchDuration.recordNanoseconds(Int64(clamping: nanoseconds))
    }
}
