// The series of the metrics endpoint, on swift-prometheus's registry (rendered by its `emit(into:)`, text
// exposition format 0.0.4). Counters and gauges are set from a `MetricsSnapshot` at scrape time: the core
// keeps plain values and knows nothing of Prometheus. The two histograms (FDB batch latency, engine queue
// delay) are recorded as things happen, through swift-metrics' `Timer` API on the registry's histograms.
//
// Label cardinality is bounded by what is configured or discovered: peers (neighbors and the listen
// limit), VNIs, route types (5), message types (6). Never a series per route or per MAC. The series of a
// peer or VNI that is gone are unregistered at the next scrape.
// Every name, type, label and meaning is listed in docs/OPERATIONS.md (Metrics); keep the two in step.

import BGPCore
import BGPWire
import CoreMetrics
import Prometheus
import VTEP

final class MetricsCollector: @unchecked Sendable {
    // @unchecked: used on the engine queue only (see `Runtime`); the registry itself is thread-safe.
    let registry = PrometheusCollectorRegistry()
    /// FDB batch, issued to acknowledged (VTEPDriver.swift).
    let fdbBatchDuration: CoreMetrics.Timer
    /// How late a periodic probe on the engine queue runs (Runtime+Metrics.swift).
    let engineQueueDelay: CoreMetrics.Timer

    private var counters: [String: (series: Prometheus.Counter, value: UInt64)] = [:]
    private var gauges: [String: Prometheus.Gauge] = [:]
    private var touched: Set<String> = []

    static let fdbBatchBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]
    static let queueDelayBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    init() {
        let fdb = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "evpnd", metricName: "fdb_batch_duration", unitName: "seconds",
                                             helpText: "Time from issuing an FDB netlink batch to its last acknowledgement."),
            buckets: Self.fdbBatchBuckets)
        fdbBatchDuration = CoreMetrics.Timer(label: "evpnd_fdb_batch_duration_seconds", dimensions: [], handler: fdb)
        let delay = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "evpnd", metricName: "engine_queue_delay", unitName: "seconds",
                                             helpText: "How late a periodic probe ran on the engine queue (its work ahead of the probe)."),
            buckets: Self.queueDelayBuckets)
        engineQueueDelay = CoreMetrics.Timer(label: "evpnd_engine_queue_delay_seconds", dimensions: [], handler: delay)
    }

    /// The exposition of everything, after setting the series from `snapshot`.
    func render(_ snapshot: MetricsSnapshot) -> [UInt8] {
        update(snapshot)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }

    // MARK: the series

    func update(_ snapshot: MetricsSnapshot) {
        touched.removeAll(keepingCapacity: true)
        for peer in snapshot.peers { updatePeer(peer) }
        gauge("rib_routes", "Routes in the Loc-RIB (l2vpn evpn), each once whatever its number of paths.", [],
              Double(snapshot.ribRoutes))
        if let vtep = snapshot.vtep { updateVTEP(vtep) }
        for (status, count) in snapshot.requests.byStatus.sorted(by: { $0.key < $1.key }) {
            counter("metrics_requests_total", "Requests to this endpoint, by the HTTP status answered.",
                    [("code", String(status))], count)
        }
        counter("metrics_connections_evicted_total",
                "Connections closed unanswered at the connection cap to make room: the longest-waiting unfinished request.",
                [], snapshot.requests.evicted)
        counter("metrics_connections_refused_total", "New connections closed at once: every open connection was being answered.",
                [], snapshot.requests.refused)
        removeUntouched()
    }

    /// Session states in FSM order, as `evpnd_bgp_peer_state` reports them.
    static func stateNumber(_ state: SessionState) -> Int {
        switch state {
        case .idle: return 1
        case .connect: return 2
        case .active: return 3
        case .openSent: return 4
        case .openConfirm: return 5
        case .established: return 6
        }
    }

    private func updatePeer(_ peer: MetricsSnapshot.Peer) {
        let summary = peer.summary
        let p = [("peer", summary.address.description)]
        gauge("bgp_peer_state", "BGP session state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established.",
              p, Double(Self.stateNumber(summary.state)))
        let up = summary.state == .established ? Double(summary.uptimeMilliseconds) / 1000 : 0
        gauge("bgp_peer_uptime_seconds", "Seconds since the session reached Established; 0 while it is not.", p, up)
        counter("bgp_peer_connections_established_total", "Times the session reached Established.", p,
                summary.connectionsEstablished)
        counter("bgp_peer_connections_dropped_total", "Times an Established session went down.", p, summary.connectionsDropped)
        for (direction, counts) in [("received", summary.messages.received), ("sent", summary.messages.sent)] {
            let help = direction == "received" ? "BGP messages received from the peer, by type."
                                               : "BGP messages sent to the peer, by type."
            for (type, value) in [("open", counts.opens), ("update", counts.updates), ("notification", counts.notifications),
                                  ("keepalive", counts.keepalives), ("route_refresh", counts.routeRefreshes),
                                  ("other", counts.other)] {
                counter("bgp_messages_\(direction)_total", help, p + [("type", type)], value)
            }
        }
        for type in RouteTypeCounts.routeTypes {
            let labels = p + [("afi_safi", "l2vpn_evpn"), ("route_type", String(type))]
            counter("bgp_routes_received_total",
                    "Routes the peer announced, each announcement counted (also those then withdrawn as malformed or dropped as loops).",
                    labels, UInt64(peer.routes.received[type]))
            gauge("bgp_routes_accepted", "Paths from the peer held in the Adj-RIB-In (FRR's pfxRcd).", labels,
                  Double(peer.routes.accepted[type]))
            gauge("bgp_routes_advertised", "Routes in the peer's Adj-RIB-Out (FRR's pfxSnt).", labels,
                  Double(peer.routes.advertised[type]))
        }
        let errors = summary.updateErrors
        for (outcome, value) in [("treat_as_withdraw", errors.treatAsWithdraw), ("attribute_discard", errors.attributeDiscard),
                                 ("session_reset", errors.sessionReset), ("afi_safi_disable", errors.afiSafiDisable),
                                 ("unknown_route_type", errors.unknownRouteTypes)] {
            counter("bgp_update_errors_total", "Malformed UPDATE problems from the peer, by the RFC 7606 outcome carried out.",
                    p + [("outcome", outcome)], value)
        }
        counter("bgp_update_error_routes_withdrawn_total", "Routes handled as withdrawn because their UPDATE was treat-as-withdraw (RFC 7606).",
                p, errors.routesWithdrawn)
    }

    private func updateVTEP(_ vtep: MetricsSnapshot.VTEP) {
        for vni in vtep.vnis {
            let v = [("vni", String(vni.vni))]
            gauge("evpn_vni_macs", "MACs in force in the VNI, by where they are: local (a port here) or remote (a remote VTEP).",
                  v + [("location", "local")], Double(vni.localMACs))
            gauge("evpn_vni_macs", "MACs in force in the VNI, by where they are: local (a port here) or remote (a remote VTEP).",
                  v + [("location", "remote")], Double(vni.remoteMACs))
            gauge("evpn_vni_duplicate_macs", "MACs detected as duplicates (RFC 7432 section 15.1) in the VNI.", v,
                  Double(vni.duplicateMACs))
            gauge("evpn_vni_frozen_macs", "Duplicate MACs held frozen in the VNI (dup-addr-detection freeze).", v,
                  Double(vni.frozenMACs))
            gauge("evpn_vni_remote_vteps", "Remote VTEPs in the VNI's flood list.", v, Double(vni.remoteVTEPs))
            let events = vtep.counters.byVNI[vni.vni] ?? VNIEventCounts()
            let moves = "MAC moves decided by RFC 7432 section 15 mobility, by where the MAC went."
            counter("evpn_mac_moves_total", moves, v + [("to", "local")], UInt64(events.movesToLocal))
            counter("evpn_mac_moves_total", moves, v + [("to", "remote")], UInt64(events.movesToRemote))
            counter("evpn_duplicates_detected_total", "MACs found to be duplicates (too many moves in the detection window).",
                    v, UInt64(events.duplicatesDetected))
        }
        let c = vtep.counters
        counter("fdb_operations_total", "FDB operations (add, replace, append, delete) issued to the kernel.", [],
                UInt64(c.fdbOperations))
        counter("fdb_failures_total", "FDB operations the kernel refused (other than EEXIST and ENOENT, which are healed).", [],
                UInt64(c.fdbFailures))
        counter("fdb_conflicts_total", "FDB rows evpnd wanted but found held by a row that is not its own (left alone).", [],
                UInt64(c.fdbConflicts))
        counter("fdb_drift_found_total", "FDB rows found out of place after being in place (deleted or changed behind evpnd's back).",
                [], UInt64(vtep.drift.found))
        counter("fdb_drift_repaired_total", "Operations issued to repair drifted FDB rows.", [], UInt64(vtep.drift.repaired))
        counter("fdb_batches_total", "FDB netlink batches sent.", [], vtep.netlink.fdbBatches)
        counter("fdb_batch_errors_total", "FDB batches that failed as a whole (a netlink socket error).", [],
                vtep.netlink.fdbBatchErrors)
        counter("netlink_overruns_total", "Netlink event socket overruns (ENOBUFS): kernel events were lost.", [],
                vtep.netlink.overruns)
        counter("netlink_resyncs_total", "Full link and FDB dumps after events or acknowledgements were lost.", [],
                vtep.netlink.resyncs)
    }

    // MARK: setting values

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        labels.reduce(name) { $0 + "\u{1}" + $1.0 + "=" + $1.1 }
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "evpnd", metricName: name, unitName: "", helpText: help)
    }

    /// A counter set to a value the core counted. A value below the last one (a peer removed and configured
    /// again) starts the series over, which Prometheus reads as a counter reset.
    private func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: UInt64) {
        let key = Self.key(name, labels)
        touched.insert(key)
        let clamped = Int64(clamping: value)
        if let existing = counters[key] {
            guard existing.value != value else { return }
            if value > existing.value {
                existing.series.increment(by: clamped - Int64(clamping: existing.value))
            } else {
                existing.series.reset()
                existing.series.increment(by: clamped)
            }
            counters[key] = (existing.series, value)
            return
        }
        let series = registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
        series.reset()
        series.increment(by: clamped)
        counters[key] = (series, value)
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
        let key = Self.key(name, labels)
        touched.insert(key)
        if let existing = gauges[key] {
            existing.set(value)
            return
        }
        let series = registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
        series.set(value)
        gauges[key] = series
    }

    /// Series of peers and VNIs that are gone.
    private func removeUntouched() {
        for (key, entry) in counters where !touched.contains(key) {
            registry.unregisterCounter(entry.series)
            counters[key] = nil
        }
        for (key, series) in gauges where !touched.contains(key) {
            registry.unregisterGauge(series)
            gauges[key] = nil
        }
    }
}
