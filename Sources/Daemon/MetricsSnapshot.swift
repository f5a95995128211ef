// What one scrape reads from the daemon, as plain values: the engine's and the VTEP's counters and the
// runtime's own. Taken on the engine queue; the collector (MetricsCollector.swift) maps it to series.

import BGPCore
import VTEP

struct MetricsSnapshot {
    struct Peer {
        var summary: PeerSummary
        var routes: PeerRouteCounts
    }

    struct VTEP {
        var counters: VTEPCounters
        var vnis: [VNIStatistics]
        var drift: FDBDriftCounters
        var netlink: NetlinkEventCounters
    }

    var peers: [Peer] = []
    /// Routes in the Loc-RIB (destinations with at least one path).
    var ribRoutes = 0
    var vtep: VTEP?
    var requests = MetricsRequestCounts()
}

/// The VTEP driver's netlink figures (VTEPDriver.swift), since start.
struct NetlinkEventCounters: Hashable, Sendable {
    /// Event socket overruns (ENOBUFS): events were lost.
    var overruns: UInt64 = 0
    /// Full dumps of links and FDB after a loss (overrun, unreadable event, lost acknowledgements).
    var resyncs: UInt64 = 0
    /// FDB batches sent, and those the kernel refused as a whole (socket error).
    var fdbBatches: UInt64 = 0
    var fdbBatchErrors: UInt64 = 0
}
