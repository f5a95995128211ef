// The VTEP's `.setNeighSuppress` outputs carried out: one RTM_NEWLINK on the request socket, from the engine
// queue (a handful per VNI at most: the VTEP asks again only when a link message shows the flag changed).
// A refusal is logged; the VTEP does not retry until the next full link dump (VTEPState+Suppression.swift).

import Netlink

extension Runtime {
    func setNeighSuppress(port: Int32, name: String, on: Bool) {
        assertOnQueue()
        guard let driver = vtep else { return }
        let outcome: RequestOutcome
        do {
            outcome = try driver.requests.perform([.setNeighSuppress(port: port, on)]).first ?? .unanswered
        } catch {
            logger.error("VTEP: neigh_suppress \(on ? "on" : "off") on \(name): \(error)")
            return
        }
        switch outcome {
        case .ok:
            logger.debug("VTEP: neigh_suppress \(on ? "on" : "off") on \(name)")
        case .failed(let failure):
            logger.warning("VTEP: the kernel refused neigh_suppress \(on ? "on" : "off") on \(name): \(failure)")
        case .unanswered:
            logger.warning("VTEP: no answer to neigh_suppress \(on ? "on" : "off") on \(name); dumping links again")
            queue.async { [weak self] in self?.resyncAfterLoss() }
        }
    }
}
