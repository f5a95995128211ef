// Netlink's nexthop objects to the VTEP's plain values and back (KernelMapping.swift does links and FDB rows).

import BGPWire
import Netlink
import VTEP

extension KernelNexthop {
    init(_ nexthop: Nexthop) {
        let target: Target
        switch nexthop.target {
        case .gateway(let address, nil):
            target = IPAddress(address).map(Target.vtep) ?? .other
        case .group(let members, .multipath) where members.allSatisfy({ $0.weight == 1 }):
            target = .group(members.map(\.id))
        default:
            target = .other
        }
        self.init(id: nexthop.id, target: target, isFDB: nexthop.isFDB)
    }
}

extension NetlinkRequest {
    /// The request for one nexthop operation (`KernelNexthop.Target.other` is never evpnd's, so never
    /// added or replaced; its delete needs only the id).
    init?(_ operation: NexthopOperation) {
        let entry = operation.entry
        if case .delete = operation {
            self = .deleteNexthop(id: entry.id)
            return
        }
        let nexthop: Nexthop
        switch entry.target {
        case .vtep(let address): nexthop = .fdbVTEP(id: entry.id, vtep: InetAddress(address))
        case .group(let members): nexthop = .fdbGroup(id: entry.id, members: members)
        case .other: return nil
        }
        switch operation {
        case .add, .append: self = .addNexthop(nexthop)
        case .replace: self = .replaceNexthop(nexthop)
        case .delete: return nil
        }
    }
}

extension Runtime {
    /// One batch of nexthop operations, through the FDB writer's queue (in order with the FDB batches);
    /// failures and lost acknowledgements come back as the FDB's do.
    func performNexthops(_ operations: [NexthopOperation]) {
        guard let driver = vtep else { return }
        var sent: [NexthopOperation] = []
        var requests: [NetlinkRequest] = []
        for operation in operations {
            guard let request = NetlinkRequest(operation) else { continue }
            sent.append(operation)
            requests.append(request)
        }
        guard !requests.isEmpty else { return }
        let issued = sent
        driver.writer.performNexthops(requests) { [weak self] outcome in
            guard let self else { return }
            self.queue.async { self.finishNexthops(issued, outcome) }
        }
    }

    private func finishNexthops(_ operations: [NexthopOperation], _ outcome: Result<[RequestOutcome], NetlinkError>) {
        assertOnQueue()
        guard let driver = vtep else { return }
        let results: [KernelOperationResult]
        switch outcome {
        case .success(let answers): results = answers.map(KernelOperationResult.init)
        case .failure(let error):
            logger.error("VTEP: nexthop batch of \(operations.count) failed: \(error)")
            results = Array(repeating: .unanswered, count: operations.count)
        }
        for (operation, result) in zip(operations, results) {
            if result != .ok {
                logger.warning("VTEP: nexthop \(operation): \(result)")
            } else if logger.logLevel <= .trace {
                logger.trace("nexthop \(operation): ok")
            }
        }
        if results.contains(.unanswered) {
            queue.async { [weak self] in self?.resyncAfterLoss() }
        }
        if results.contains(where: { $0 != .ok }) {
            let (engineOutputs, more) = driver.state.drive(.nexthopResults(operations, results), now: Runtime.monotonicNow(), engine: &engine)
            performVTEP(more)
            performOutside(engineOutputs)
        }
    }
}
