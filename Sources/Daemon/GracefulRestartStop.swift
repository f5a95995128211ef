// Stopping for a graceful restart (RFC 4724): with `bgp graceful-restart`, SIGTERM (and so `systemctl
// restart`) ends the process as a crash would, minus the crash: no NOTIFICATION, so every helper keeps
// our routes as stale; and the VTEP is detached before anything else, so no route leaving the RIB
// turns into an FDB delete. The kernel FDB stays as it is for the next evpnd to adopt
// (FDBReconciler+Retention.swift). SIGKILL needs nothing: the kernel closes the sockets, the FDB stays.

extension Runtime {
    func stopForGracefulRestart(reason: String) {
        assertOnQueue()
        logger.notice("stopping (\(reason)) for a graceful restart: sessions closed without NOTIFICATION, kernel FDB left in place")
        supervision.stopping()
        stopVTEP()
        finishStop()
    }
}
