// VTEP mode (`advertise-all-vni`): the kernel half of the runtime. Two netlink sockets, both confined to the
// engine queue like everything else the runtime owns (see Runtime.swift):
//   - a request socket without multicast groups and with big buffers, for dumps and FDB batches (a batch's
//     acknowledgements never share the queue with events);
//   - an event socket (RTNLGRP_LINK, RTNLGRP_NEIGH), non-blocking, read by a DispatchSourceRead.
// At start: subscribe first, then dump links, the FDB and the IPv4/IPv6 neighbours (nothing is missed between
// the two), then events. SVI neighbour batches (remote MAC+IP) go on the request socket from this queue.
// ENOBUFS on the event socket: dump both again; the VTEP's level-triggered reconciler heals the rest.
//
// Latency path of a MAC move (the issue's < 100 ms): RTM_NEWNEIGH -> event source -> VTEPState.drive ->
// engine `.originate` -> UPDATE built at once for idle peers (runRIB pumps them) -> socket. The other way,
// UPDATE bytes -> engine -> `afterEngineInput` -> FDB batch, inside the same `feed` round. No debounce.

import BGPCore
import BGPWire
import Config
import Dispatch
import Logging
import Netlink
import VTEP

final class VTEPDriver {
    var state: VTEPState
    let requests: NetlinkSocket
    let events: NetlinkSocket
    /// FDB batches, performed off the engine queue (see FDBWriter).
    let writer: FDBWriter
    var eventSource: DispatchSourceRead?
    var timer: DispatchSourceTimer?
    /// Gratuitous ARPs out, local hosts' ARPs in (NeighbourPackets.swift).
    var packets: NeighbourPackets?
    /// Overruns, resyncs and batches, for the metrics endpoint (MetricsSnapshot.swift).
    var netlinkCounters = NetlinkEventCounters()
    /// Local ESs' filters and port hold (Runtime+Multihoming.swift); nil without ESs.
    var datapath: MultihomingDatapath?

    init(config: VTEPConfig) throws(NetlinkError) {
        state = VTEPState(config: config)
        var eventOptions = NetlinkSocketOptions(groups: [.link, .neighbour, .nexthop], nonBlocking: true)
        // The writer runs beside the engine now, so the echoes of a large install can pile up while the
        // engine decodes UPDATEs: room for about 100,000 of them before ENOBUFS (and a resync) would do.
        eventOptions.receiveBufferSize = 128 << 20
        events = try NetlinkSocket(options: eventOptions)
        // Our own installs are not news (the reconciler's model has them): the kernel drops their echoes.
        try events.ignoreExternallyLearnedAdds()
        requests = try NetlinkSocket(options: NetlinkSocketOptions())
        writer = FDBWriter(socket: try NetlinkSocket(options: NetlinkSocketOptions()))
    }

    func stop() {
        eventSource?.cancel()
        eventSource = nil
        packets = nil
        timer?.cancel()
        timer = nil
    }
}

extension VTEPConfig {
    /// From the parsed configuration; nil when the file does not make this speaker a VTEP.
    init?(_ config: BGPConfig, engine: EngineConfig) {
        guard config.router.advertiseAllVNI else { return nil }
        let vnis = config.router.vnis.map {
            VNIConfig(vni: $0.vni, rd: $0.rd, importRouteTargets: $0.importRouteTargets, exportRouteTargets: $0.exportRouteTargets,
                      importAnyAS: $0.importAnyAS, arpNDSuppress: $0.arpNDSuppress)
        }
        var detection = DuplicateDetection()
        if let written = config.router.duplicateAddressDetection {
            detection.enabled = written.enabled
            detection.maxMoves = written.maxMoves
            detection.window = .seconds(written.seconds)
            switch written.freeze {
            case nil: detection.freeze = .off
            case .permanent: detection.freeze = .permanent
            case .seconds(let n): detection.freeze = .after(.seconds(n))
            }
        }
        self.init(localAS: engine.localAS, routerID: engine.routerID, advertiseAllVNI: true, vnis: vnis,
                  duplicateDetection: detection)
        ignoresEADPerEVI = config.router.evpnMultihoming.disableEADEVIReceive
        autoRouteTargetRFC8365 = config.router.autortRFC8365
        arpNDSuppress = config.router.arpNDSuppress
        multihoming = VTEPMultihomingConfig(config)
    }
}

extension Runtime {
    /// Opens the netlink sockets and loads the kernel's state when the configuration asks for a VTEP.
    func startVTEP() throws {
        assertOnQueue()
        guard let config = VTEPConfig(bgpConfig, engine: engineConfig) else { return }
        let driver: VTEPDriver
        do {
            driver = try VTEPDriver(config: config)
        } catch {
            throw DaemonStartError(description: "VTEP: cannot open netlink sockets: \(error)")
        }
        vtep = driver
        driveVTEP(.configure(config))
        do {
            try resyncVTEP()
        } catch {
            vtep = nil
            throw DaemonStartError(description: "VTEP: cannot read links and FDB: \(error)")
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: driver.events.fileDescriptor, queue: queue)
        // The socket object owns and closes the descriptor; the source only watches it.
        source.setEventHandler { [weak self] in self?.readKernelEvents() }
        source.resume()
        driver.eventSource = source
        startNeighbourPackets()
        startMultihomingDatapath(driver)
        logger.info("VTEP mode: \(driver.state.vnis.count) VNIs in service")
    }

    /// A full dump of links and FDB into the VTEP (start, and after events were lost).
    func resyncVTEP() throws(NetlinkError) {
        guard let driver = vtep else { return }
        let links = try driver.requests.listLinks().map(KernelLink.init)
        driveVTEP(.links(links))
        let rows = try driver.requests.dumpFDB().map(KernelFDBEntry.init)
        driveVTEP(.fdbDump(rows))
        let neighbours = try driver.requests.dumpIPNeighbours().compactMap(KernelNeighbourEntry.init)
        driveVTEP(.neighbourDump(neighbours))
        driveVTEP(.nexthopDump(try driver.requests.dumpNexthops(fdbOnly: true).map(KernelNexthop.init)))
    }

    private func readKernelEvents() {
        guard let driver = vtep else { return }
        let result: EventReadResult
        do {
            // Each notification is one datagram, and a large install echoes two per MAC while the TCP
            // reads that cause them interleave with this handler: 256 a turn let the queue grow to
            // ENOBUFS and a full dump at 100,000 MACs (scripts/bench.d/vtep). 4096 keeps it drained.
            result = try driver.events.readEvents(maxDatagrams: 4096)
        } catch {
            logger.error("VTEP: reading netlink events: \(error); resyncing")
            resyncAfterLoss()
            return
        }
        switch result {
        case .overrun:
            driver.netlinkCounters.overruns += 1
            logger.warning("VTEP: netlink events lost (ENOBUFS); dumping links and FDB again")
            resyncAfterLoss()
        case .events(let list):
            // Every event of one read is one VTEP round (one reconciler pass, one FDB batch): the
            // kernel's echoes of a 10,000-MAC install come in reads of up to 4096.
            var inputs: [VTEPInput] = []
            inputs.reserveCapacity(list.count)
            for event in list {
                if case .malformed(let error) = event {
                    if !inputs.isEmpty { driveVTEP(.batch(inputs)) }
                    logger.warning("VTEP: undecodable netlink event (\(error)); resyncing")
                    resyncAfterLoss()
                    return
                }
                if let input = VTEPInput(event) { inputs.append(input) }
            }
            if inputs.count == 1 {
                driveVTEP(inputs[0])
            } else if !inputs.isEmpty {
                driveVTEP(.batch(inputs))
            }
        }
    }

    func resyncAfterLoss() {
        vtep?.netlinkCounters.resyncs += 1
        do {
            try resyncVTEP()
        } catch {
            logger.error("VTEP: resync failed: \(error); retrying in 1 s")
            queue.asyncAfter(deadline: .now() + .seconds(1)) { [weak self] in self?.resyncAfterLoss() }
        }
    }

    /// One VTEP input with the engine in the loop; the outputs of both are carried out.
    func driveVTEP(_ input: VTEPInput) {
        assertOnQueue()
        guard let driver = vtep else { return }
        let (engineOutputs, vtepOutputs) = driver.state.drive(input, now: Runtime.monotonicNow(), engine: &engine)
        performVTEP(vtepOutputs)
        performOutside(engineOutputs)
        checkMultihomingDatapath()
    }

    /// Called by `feed` after every engine input: the Loc-RIB changes it made go through the VTEP now
    /// (received routes reach the FDB in the same round). Returns the engine outputs that produced.
    func vtepAfterEngineInput() -> [EngineOutput] {
        guard let driver = vtep else { return [] }
        let (engineOutputs, vtepOutputs) = driver.state.afterEngineInput(now: Runtime.monotonicNow(), engine: &engine)
        performVTEP(vtepOutputs)
        checkMultihomingDatapath()
        return engineOutputs
    }

    func performVTEP(_ outputs: [VTEPOutput]) {
        guard let driver = vtep else { return }
        for output in outputs {
            switch output {
            case .engine(let input):
                // `drive` feeds these itself; one arriving here is fed like any other input.
                feed(input)
            case .fdb(let operations):
                // The kernel's time on the writer's thread, the engine's on this one: the two cores
                // overlap (the reconciler has already applied the operations to its model).
                driver.netlinkCounters.fdbBatches += 1
                let issued = DispatchTime.now().uptimeNanoseconds
                driver.writer.perform(operations) { [weak self] outcome in
                    guard let self else { return }
                    let elapsed = DispatchTime.now().uptimeNanoseconds &- issued
                    self.queue.async {
                        self.recordFDBBatch(nanoseconds: elapsed)
                        self.finishFDBBatch(operations, outcome)
                    }
                }
            case .neighbours(let operations):
                performNeighbours(operations)
            case .nexthops(let operations):
                performNexthops(operations)
            case .setNeighSuppress(let port, let name, let on):
                setNeighSuppress(port: port, name: name, on: on)
            case .announce(let announcement):
                sendAnnouncement(announcement)
            case .log(let event):
                log(event)
            case .armTimer(let after):
                driver.timer?.cancel()
                let timer = DispatchSource.makeTimerSource(queue: queue)
                let (seconds, attoseconds) = after.components
                let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
                timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), leeway: .milliseconds(10))
                timer.setEventHandler { [weak self] in
                    guard let self, let driver = self.vtep else { return }
                    driver.timer?.cancel()
                    driver.timer = nil
                    self.driveVTEP(.timerFired)
                }
                driver.timer = timer
                timer.resume()
            case .armDFTimer(let token, let after):
                armDFTimer(token, after: after)
            }
        }
    }

    /// The writer's answer to one batch, back on the engine queue.
    private func finishFDBBatch(_ operations: [FDBOperation], _ outcome: Result<[FDBOperationResult], NetlinkError>) {
        assertOnQueue()
        guard let driver = vtep else { return }
        let results: [FDBOperationResult]
        switch outcome {
        case .success(let answers):
            results = answers
        case .failure(let error):
            driver.netlinkCounters.fdbBatchErrors += 1
            logger.error("VTEP: FDB batch of \(operations.count) failed: \(error)")
            results = Array(repeating: .unanswered, count: operations.count)
        }
        if logger.logLevel <= .trace {
            for (operation, result) in zip(operations, results) {
                logger.trace("FDB \(operation): \(result)", metadata: ["mac": "\(operation.entry.mac)"])
            }
        }
        // Failures go back in (EEXIST turns into a replace, others park the row); lost
        // acknowledgements mean the model may be wrong: dump again.
        if results.contains(.unanswered) {
            logger.warning("VTEP: acknowledgements of an FDB batch were lost; dumping the FDB again")
            queue.async { [weak self] in self?.resyncAfterLoss() }
        }
        if results.contains(where: { $0 != .ok }) {
            let (engineOutputs, more) = driver.state.drive(.fdbResults(operations, results), now: Runtime.monotonicNow(), engine: &engine)
            performVTEP(more)
            performOutside(engineOutputs)
        }
    }

    /// One batch of SVI neighbour operations, on the request socket, on this queue: a remote MAC+IP is one
    /// request (a MAC's FDB rows are two, and the FDB's volume is what the writer's thread is for).
    private func performNeighbours(_ operations: [NeighbourOperation]) {
        guard let driver = vtep else { return }
        let results: [KernelOperationResult]
        do {
            let answers = try driver.requests.perform(operations.map { NetlinkRequest($0) }, acknowledging: .failuresAndLast)
            results = answers.map(KernelOperationResult.init)
        } catch {
            logger.error("VTEP: neighbour batch of \(operations.count) failed: \(error)")
            results = Array(repeating: .unanswered, count: operations.count)
        }
        if logger.logLevel <= .trace {
            for (operation, result) in zip(operations, results) { logger.trace("neighbour \(operation): \(result)") }
        }
        if results.contains(.unanswered) {
            logger.warning("VTEP: acknowledgements of a neighbour batch were lost; dumping again")
            queue.async { [weak self] in self?.resyncAfterLoss() }
        }
        if results.contains(where: { $0 != .ok }) {
            let (engineOutputs, more) = driver.state.drive(.neighbourResults(operations, results), now: Runtime.monotonicNow(), engine: &engine)
            performVTEP(more)
            performOutside(engineOutputs)
        }
    }

    func stopVTEP() {
        vtep?.datapath?.stop()
        vtep?.stop()
        vtep = nil
    }
}

/// Performs FDB batches in order on a serial queue of its own, with a netlink socket only it uses, and
/// hands each batch's answers to a completion. The one thing in evpnd that runs off the engine queue
/// (docs/DECISIONS.md): installing 100,000 remote MACs is about as much kernel time (rtnl_fdb_add) as
/// engine time (decode, RIB, VTEP), and on two cores the two now overlap instead of adding up
/// (scripts/bench.d/vtep). Batches keep their order; the reconciler applied each to its model when it
/// planned it, so the engine need not wait, and failures and lost acknowledgements come back as before.
final class FDBWriter: @unchecked Sendable {
    // @unchecked: `socket` is touched only by blocks on `queue`, which is serial.
    private let socket: NetlinkSocket
    private let queue = DispatchQueue(label: "evpnd.fdb-writer")

    init(socket: NetlinkSocket) { self.socket = socket }

    func perform(_ operations: [FDBOperation], then completion: @escaping @Sendable (Result<[FDBOperationResult], NetlinkError>) -> Void) {
        queue.async {
            do throws(NetlinkError) {
                completion(.success(try self.write(operations)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// One answer per operation. The device and bridge rows of a MAC go as one request where they can
    /// (FDBCombining); when such a request is refused, both go again as the two separate requests, in
    /// a second batch, and those answers are the rows' answers (the first one says nothing per row).
    /// Nexthop requests, on this queue so they keep their place between the FDB batches around them
    /// (groups before the MACs that name them, group deletes after the MACs left).
    func performNexthops(_ requests: [NetlinkRequest], then completion: @escaping @Sendable (Result<[RequestOutcome], NetlinkError>) -> Void) {
        queue.async {
            do throws(NetlinkError) {
                completion(.success(try self.socket.perform(requests)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    func write(_ operations: [FDBOperation]) throws(NetlinkError) -> [FDBOperationResult] {
        // Batches come from `FDBCombining.batches`, each MAC's two rows side by side.
        let requests = FDBCombining.adjacentRequests(for: operations)
        // Only failures answer, and the last request of each datagram (as zebra sends them: no NLM_F_ACK).
        let answers = try socket.perform(requests.map { NetlinkRequest($0, of: operations) }, acknowledging: .failuresAndLast)
        var (results, retry) = FDBCombining.spread(answers.map(FDBOperationResult.init), of: requests,
                                                   operationCount: operations.count)
        if !retry.isEmpty {
            let again = try socket.perform(retry.map { NetlinkRequest(operations[$0]) }, acknowledging: .failuresAndLast)
            for (i, answer) in zip(retry, again) { results[i] = FDBOperationResult(answer) }
        }
        return results
    }
}
