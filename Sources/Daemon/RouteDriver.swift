// Kernel routes (issue 15): the netlink half of KernelRoutesState (VTEP/Routes), confined to the engine
// queue like everything the runtime owns (Runtime.swift). Two netlink sockets:
//   - a request socket for dumps and route batches;
//   - an event socket (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK), non-blocking, read by a
//     DispatchSourceRead: the main table's rows feed the reconciler and the next-hop resolver, the local
//     table's rows are the host's own addresses, links give static routes their interfaces.
// At start: subscribe, then dump links, the main table and the local table. ENOBUFS: dump again.
// After every engine input, the unicast prefixes whose best path changed go in, and one round's operations
// go out as one batch on the request socket; failures come back into the reconciler.
//
// On when the configuration has static routes, a neighbor (or listen range) with IPv4 or IPv6 unicast, or
// makes a VTEP (whose remote VTEPs' next hops are tracked here): a reflector of l2vpn evpn alone installs
// nothing, as FRR's bgpd without zebra.
//
// Next-hop tracking of the VTEP (VTEP/Routes/VTEPState+NextHops.swift): after every round here, the
// remote VTEPs the VTEP met are resolved against the main table and their routes held or let through.

import BGPCore
import BGPWire
import Config
import Dispatch
import Logging
import Netlink
import VTEP

final class RouteDriver {
    var state = KernelRoutesState()
    let requests: NetlinkSocket
    let events: NetlinkSocket
    var eventSource: DispatchSourceRead?
    var counters = Counters()

    struct Counters {
        var batches = 0
        var failures = 0
        var overruns = 0
        var resyncs = 0
    }

    init() throws(NetlinkError) {
        var options = NetlinkSocketOptions(groups: [.ipv4Route, .ipv6Route, .link], nonBlocking: true)
        // Room for a burst of deletions (a large withdrawal); an overrun then costs one dump of what is left.
        options.receiveBufferSize = 256 << 20
        events = try NetlinkSocket(options: options)
        // Our own installs are not news (the reconciler and the resolver have them): the kernel drops their
        // echoes (NetlinkSocket-routeFilter.swift).
        try events.ignoreBGPRouteAdds()
        requests = try NetlinkSocket(options: NetlinkSocketOptions())
    }

    func stop() {
        eventSource?.cancel()
        eventSource = nil
    }

    /// Whether the configuration asks for kernel routes.
    static func isWanted(_ config: BGPConfig, _ engine: EngineConfig) -> Bool {
        let unicast: Set<AddressFamily> = [.ipv4Unicast, .ipv6Unicast]
        return !config.staticRoutes.isEmpty || config.router.advertiseAllVNI
            || engine.peers.contains { !$0.families.isDisjoint(with: unicast) }
            || engine.listenRanges.contains { !$0.template.families.isDisjoint(with: unicast) }
    }
}

extension Runtime {
    func startRoutes() throws {
        assertOnQueue()
        guard RouteDriver.isWanted(bgpConfig, engineConfig) else { return }
        let driver: RouteDriver
        do {
            driver = try RouteDriver()
        } catch {
            throw DaemonStartError(description: "kernel routes: cannot open netlink sockets: \(error)")
        }
        routes = driver
        engine.tracksUnicastChanges = true
        driver.state.setStatics(bgpConfig.staticRoutes.map(StaticRouteConfig.init))
        driver.state.setRetainsStale(engine.isDeferringSelection)
        do {
            try resyncRoutes()
        } catch {
            routes = nil
            throw DaemonStartError(description: "kernel routes: cannot read the routing tables: \(error)")
        }
        for prefix in engine.unicastPrefixes { takeUnicast(prefix, driver) }
        let source = DispatchSource.makeReadSource(fileDescriptor: driver.events.fileDescriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.readRouteEvents() }
        source.resume()
        driver.eventSource = source
        runRoutes()
        if let vtep { vtep.state.setNextHopTracking(true) }
        trackVTEPNextHops()
        logger.info("kernel routes: \(bgpConfig.staticRoutes.count) static routes; BGP unicast routes go in as proto bgp metric 20")
    }

    /// Links, the main table and the local table, dumped (start, and after events were lost).
    func resyncRoutes() throws(NetlinkError) {
        guard let driver = routes else { return }
        let links = try driver.requests.listLinks()
        driver.state.setInterfaces(Dictionary(links.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a }))
        driver.state.kernelDump(try driver.requests.dumpRoutes(table: RouteTable.main).compactMap(KernelRouteEntry.init))
        let local = try driver.requests.dumpRoutes(table: RouteTable.local).compactMap(KernelRouteEntry.init)
        driver.state.setLocalAddresses(Set(local.compactMap(Self.localAddress)))
    }

    /// The host address a local-table row stands for (RTN_LOCAL, a full-length prefix).
    static func localAddress(_ row: KernelRouteEntry) -> IPAddress? {
        guard row.type == RouteType.local.rawValue, Int(row.prefix.length) == row.prefix.address.bitLength else { return nil }
        return row.prefix.address
    }

    private func takeUnicast(_ prefix: IPPrefix, _ driver: RouteDriver) {
        let forwarding = engine.unicastForwarding(prefix)
        driver.state.setBGP(prefix, nextHops: forwarding.flatMap { $0.isLocal ? nil : $0.nextHops })
    }

    /// Called by `feed` after every engine input: the unicast best paths that changed go to the kernel now.
    func routesAfterEngineInput() {
        guard let driver = routes else { return }
        let changed = engine.takeUnicastChanges()
        let deferring = engine.isDeferringSelection
        if !changed.isEmpty || deferring != driver.state.reconciler.retainsStale {
            for prefix in changed { takeUnicast(prefix, driver) }
            driver.state.setRetainsStale(deferring)
            runRoutes()
        }
        if let vtep, !vtep.state.nextHops.pending.isEmpty || !changed.isEmpty { trackVTEPNextHops() }
    }

    /// Resolves the VTEP's remote VTEPs against the main table as now known, and tells it what changed.
    func trackVTEPNextHops() {
        guard let driver = routes, let vtep, vtep.state.nextHops.enabled else { return }
        var answers: [IPAddress: Bool] = [:]
        for address in vtep.state.trackedVTEPs {
            let now = driver.state.isReachable(address)
            if vtep.state.nextHops.reachable[address] != now || vtep.state.nextHops.pending.contains(address) { answers[address] = now }
        }
        guard !answers.isEmpty else { return }
        let (engineOutputs, vtepOutputs) = vtep.state.resolveVTEPs(answers, now: Runtime.monotonicNow(), engine: &engine)
        performVTEP(vtepOutputs)
        performOutside(engineOutputs)
    }

    /// One round: plan, send the batch, fold the answers back (a failure parks the row until the next dump).
    func runRoutes() {
        guard let driver = routes else { return }
        for _ in 0..<3 {
            let round = driver.state.round()
            for note in round.notes { logger.notice("kernel routes: \(note)") }
            for conflict in round.conflicts { logger.warning("kernel routes: \(conflict)") }
            guard !round.operations.isEmpty else { return }
            driver.counters.batches += 1
            var results: [KernelOperationResult]
            do {
                let answers = try driver.requests.perform(round.operations.map { NetlinkRequest($0) }, acknowledging: .failuresAndLast)
                results = answers.map(KernelOperationResult.init)
            } catch {
                logger.error("kernel routes: batch of \(round.operations.count) failed: \(error)")
                results = Array(repeating: .unanswered, count: round.operations.count)
            }
            // RTM_DELROUTE answers ESRCH for a route that is not there: gone, as the reconciler wants.
            for i in results.indices where results[i] == .failed(errno: NetlinkErrno.ESRCH.rawValue) {
                if case .delete = round.operations[i] { results[i] = .failed(errno: KernelOperationResult.ENOENT) }
            }
            if logger.logLevel <= .debug {
                for (operation, result) in zip(round.operations, results) { logger.debug("route \(operation): \(result)") }
            }
            if results.contains(.unanswered) {
                logger.warning("kernel routes: acknowledgements lost; dumping the tables again")
                queue.async { [weak self] in self?.resyncRoutesAfterLoss() }
            }
            let failures = driver.state.reconciler.fold(round.operations, results)
            driver.counters.failures += failures.count
            for failure in failures { logger.warning("kernel routes: \(failure)") }
            if failures.isEmpty && !results.contains(where: { $0 != .ok }) { return }
        }
    }

    private func readRouteEvents() {
        guard let driver = routes else { return }
        let result: EventReadResult
        do {
            result = try driver.events.readEvents(maxDatagrams: 4096)
        } catch {
            logger.error("kernel routes: reading netlink events: \(error); resyncing")
            resyncRoutesAfterLoss()
            return
        }
        switch result {
        case .overrun:
            driver.counters.overruns += 1
            logger.warning("kernel routes: netlink events lost (ENOBUFS); dumping the tables again")
            resyncRoutesAfterLoss()
        case .events(let list):
            var links: [String: Int32]?
            var local = driver.state.localAddresses
            for event in list {
                switch event {
                case .newRoute(let route), .deletedRoute(let route):
                    guard let row = KernelRouteEntry(route) else { continue }
                    let added: Bool
                    if case .newRoute = event { added = true } else { added = false }
                    if route.table == RouteTable.main {
                        if added { driver.state.kernelAdded(row) } else { driver.state.kernelRemoved(row) }
                    } else if route.table == RouteTable.local, let address = Self.localAddress(row) {
                        if added { local.insert(address) } else { local.remove(address) }
                    }
                case .newLink(let link):
                    if links == nil { links = driver.state.interfaces }
                    links?[link.name] = link.index
                case .deletedLink(let link):
                    if links == nil { links = driver.state.interfaces }
                    links?[link.name] = nil
                case .malformed(let error):
                    logger.warning("kernel routes: undecodable netlink event (\(error)); resyncing")
                    resyncRoutesAfterLoss()
                    return
                default:
                    continue
                }
            }
            if let links { driver.state.setInterfaces(links) }
            driver.state.setLocalAddresses(local)
            runRoutes()
            trackVTEPNextHops()
        }
    }

    func resyncRoutesAfterLoss() {
        guard let driver = routes else { return }
        driver.counters.resyncs += 1
        do {
            try resyncRoutes()
            runRoutes()
            trackVTEPNextHops()
        } catch {
            logger.error("kernel routes: resync failed: \(error); retrying in 1 s")
            queue.asyncAfter(deadline: .now() + .seconds(1)) { [weak self] in self?.resyncRoutesAfterLoss() }
        }
    }

    /// SIGHUP: the static routes as the new file has them.
    func reloadRoutes() {
        guard let driver = routes else {
            do { try startRoutes() } catch { logger.error("\(error)") }
            return
        }
        driver.state.setStatics(bgpConfig.staticRoutes.map(StaticRouteConfig.init))
        runRoutes()
    }

    /// At stop: without graceful restart, evpnd's routes leave the kernel as zebra's do when it stops; with
    /// it, they stay for the next process to adopt.
    func stopRoutes(keepingRoutes: Bool) {
        guard let driver = routes else { return }
        driver.stop()
        routes = nil
        guard !keepingRoutes else { return }
        let owned = driver.state.reconciler.actual.filter { driver.state.reconciler.isOwned($0.value, at: $0.key) }.map(\.value)
        guard !owned.isEmpty else { return }
        do {
            _ = try driver.requests.perform(owned.map { NetlinkRequest(KernelRouteOperation.delete($0)) }, acknowledging: .failuresAndLast)
            logger.notice("kernel routes: \(owned.count) routes removed at stop")
        } catch {
            logger.error("kernel routes: removing routes at stop: \(error)")
        }
    }
}

extension Runtime {
    /// Whether the kernel can reach `address` by a route other than the default (next-hop tracking), for the
    /// route views' "next hop unreachable" reason; nil when kernel routes are off (nothing is tracked then).
    func nextHopResolves(_ address: IPAddress) -> Bool? {
        routes?.state.isReachable(address)
    }
}
