// Local Ethernet Segments in the running daemon: the configuration mapped for the VTEP, the DF Wait timers on
// the engine queue's clock, and the datapath half (MULTIHOMING.md, "Connecting it to the daemon"): the DF and
// local-bias filters (DatapathFilterApplier) and the ES port hold (ESPortStateApplier).
//
// Both appliers run `nft` and `ip`, which block for milliseconds: they run on a serial queue of their own,
// never on the engine queue. The engine queue, after every VTEP round, builds the filters' input from the
// DF election and the uplinks' state and hands it over when it changed; a periodic round (every 10 s) runs
// both appliers again whatever changed (level-triggered: a table deleted by hand or a port brought up by hand
// during a hold is put back). On stop the tables are removed and the held ports released, so that a switch
// whose evpnd is stopped on purpose does not keep a server's link down (docs/DECISIONS.md).

import BGPCore
import BGPWire
import Config
import Dispatch
import Logging
import VTEP

extension VTEPMultihomingConfig {
    /// The `interface` stanzas that are ESs, `ead-es-frag evi-limit` and `disable-ead-evi-tx`.
    init(_ config: BGPConfig) {
        let segments = config.multihoming.ethernetSegments.compactMap { stanza -> LocalEthernetSegment? in
            guard let esi = stanza.esi else { return nil }
            return LocalEthernetSegment(esi: esi, port: stanza.name, dfAlgorithm: stanza.resolvedDFAlgorithm.algorithm,
                                        dfPreference: stanza.resolvedDFPreference, singleActive: stanza.singleActive)
        }
        self.init(segments: segments, eviLimit: config.router.evpnMultihoming.resolvedEVILimit,
                  sendsEADPerEVI: !config.router.evpnMultihoming.disableEADEVITransmit)
    }
}

/// The datapath half of local multihoming: what was handed over last (engine queue) and the appliers (own queue).
final class MultihomingDatapath: @unchecked Sendable {
    // @unchecked: `lastInput`/`lastUplinksUp`/`periodic` are touched only on the engine queue; the appliers,
    // `uplinksUp`, `filterInput`, `lastError` and `holdTimer` only on `queue`.
    let esPorts: Set<String>
    let uplinks: Set<String>
    let startupDelay: Duration
    private let started = ContinuousClock.now
    private let logger: Logger
    private let queue = DispatchQueue(label: "evpnd.mh-datapath")
    let filters: DatapathFilterApplier
    let portHold: ESPortStateApplier
    var lastInput: DatapathFilterInput?
    var lastUplinksUp: Set<String>?
    var periodic: DispatchSourceTimer?
    private var filterInput: DatapathFilterInput?
    private var uplinksUp: Set<String> = []
    private var lastErrors: [String: String] = [:]
    private var holdGeneration = 0

    init(esPorts: Set<String>, uplinks: Set<String>, startupDelay: Duration, logger: Logger,
         filters: DatapathFilterApplier = DatapathFilterApplier(), portHold: ESPortStateApplier = ESPortStateApplier()) {
        self.esPorts = esPorts
        self.uplinks = uplinks
        self.startupDelay = startupDelay
        self.logger = logger
        self.filters = filters
        self.portHold = portHold
    }

    /// Hands a new input over (nil: keep the last) and runs both appliers on their queue.
    func submit(_ input: DatapathFilterInput?, uplinksUp up: Set<String>?) {
        queue.async {
            if let input { self.filterInput = input }
            if let up { self.uplinksUp = up }
            self.reconcileFilters()
            self.reconcileHold()
        }
    }

    private func reconcileFilters() {
        guard let input = filterInput else { return }
        do {
            let plan = try DatapathFilterPlan(input)
            switch try filters.reconcile(plan) {
            case .unchanged: break
            case .written(let repair):
                logger.notice("multihoming filters \(repair ? "repaired (changed from outside)" : "written"): \(plan.rules.count) rules")
            }
            clearError("filters")
        } catch {
            report("filters", "multihoming filters not applied, the previous ones stay: \(error)")
        }
    }

    private func reconcileHold() {
        guard !esPorts.isEmpty else { return }
        let hold = ESPortHold(ESPortHoldInput(ports: esPorts, uplinks: uplinks, uplinksUp: uplinksUp,
                                              sinceStart: ContinuousClock.now - started, startupDelay: startupDelay))
        do {
            for line in try portHold.reconcile(hold, allPorts: esPorts) { logger.notice("ES port \(line)") }
            clearError("hold")
        } catch {
            report("hold", "ES port hold not applied: \(error)")
        }
        if let after = hold.decideAgainAfter {
            holdGeneration += 1
            let generation = holdGeneration
            let (seconds, attoseconds) = after.components
            let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
            queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds) + .milliseconds(5)) {
                guard generation == self.holdGeneration else { return }
                self.reconcileHold()
            }
        }
    }

    /// Each failure logged once until it changes or clears (the periodic round would repeat it every 10 s).
    private func report(_ what: String, _ message: String) {
        guard lastErrors[what] != message else { return }
        lastErrors[what] = message
        logger.error("\(message)")
    }

    private func clearError(_ what: String) { lastErrors[what] = nil }

    /// Waits until every round handed over so far has run (tests).
    func waitUntilIdle() { queue.sync {} }

    /// Removes the tables and releases the held ports; waits for it.
    func stop() {
        periodic?.cancel()
        periodic = nil
        queue.sync {
            holdGeneration += 1
            do {
                if filterInput != nil { try filters.remove() }
            } catch {
                logger.error("multihoming filters not removed on stop: \(error)")
            }
            do {
                for line in try portHold.releaseAll(esPorts) { logger.notice("ES port \(line) (evpnd stopping)") }
            } catch {
                logger.error("ES ports not released on stop: \(error)")
            }
        }
    }
}

extension Runtime {
    /// At VTEP start, when the configuration has ESs or uplinks: the datapath half and its periodic round.
    func startMultihomingDatapath(_ driver: VTEPDriver) {
        assertOnQueue()
        let interfaces = bgpConfig.multihoming.interfaces
        let esPorts = Set(driver.state.config.multihoming.segments.map(\.port))
        let uplinks = Set(interfaces.filter(\.uplink).map(\.name))
        guard !esPorts.isEmpty else { return }
        let delay = Duration.seconds(bgpConfig.multihoming.resolvedStartupDelay)
        let datapath = MultihomingDatapath(esPorts: esPorts, uplinks: uplinks, startupDelay: delay, logger: logger)
        driver.datapath = datapath
        if delay > .zero { logger.notice("ES ports \(esPorts.sorted().joined(separator: ", ")) held for startup-delay \(delay)") }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .seconds(10), repeating: .seconds(10), leeway: .seconds(1))
        timer.setEventHandler { [weak self] in
            guard let self, let driver = self.vtep, let datapath = driver.datapath else { return }
            let state = driver.state
            datapath.submit(DatapathFilterInput(multihoming: state.multihoming), uplinksUp: state.linksUp(among: datapath.uplinks))
        }
        datapath.periodic = timer
        timer.resume()
        checkMultihomingDatapath()
    }

    /// After a VTEP round: the filters' input and the uplinks' state, handed over when either changed.
    func checkMultihomingDatapath() {
        guard let driver = vtep, let datapath = driver.datapath else { return }
        let input = DatapathFilterInput(multihoming: driver.state.multihoming)
        let up = driver.state.linksUp(among: datapath.uplinks)
        guard input != datapath.lastInput || up != datapath.lastUplinksUp else { return }
        datapath.lastInput = input
        datapath.lastUplinksUp = up
        datapath.submit(input, uplinksUp: up)
    }

    /// A DF Wait timer: one `.dfTimerFired` later (stale ones are ignored by the reducer, so none is cancelled).
    func armDFTimer(_ token: DFTimerToken, after: Duration) {
        let (seconds, attoseconds) = after.components
        let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak self] in
            guard let self, self.vtep != nil else { return }
            self.driveVTEP(.dfTimerFired(token))
        }
    }
}
