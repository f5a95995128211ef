// How the evpnd process takes its stop and reload signals.

import Dispatch
import Glibc

/// SIGTERM, SIGINT and SIGHUP, blocked in every thread and taken by the main thread with sigwait.
///
/// Why not Dispatch signal sources: on Linux, libdispatch registers a signal source asynchronously on its manager
/// thread, and `dispatchMain()` leaves the main thread in sigsuspend with every signal unblocked. A SIGTERM sent
/// right after READY=1 (tests do; so may systemd) could reach the process before the registration and be lost
/// to SIG_IGN: evpnd then never stopped (about one start in two in a stress loop here). Blocked from the first
/// line of `run`, before any thread exists (threads inherit the mask), a signal stays pending until sigwait
/// takes it, whenever it comes.
let stopAndReloadSignals: sigset_t = {
    var set = sigset_t()
    sigemptyset(&set)
    for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, number) }
    return set
}()

func blockStopAndReloadSignals() {
    var set = stopAndReloadSignals
    pthread_sigmask(SIG_BLOCK, &set, nil)
}

/// The main thread's life once the daemon runs: each signal is handed to the engine queue.
func waitForSignals(_ runtime: Runtime) -> Never {
    signal(SIGPIPE, SIG_IGN)
    while true {
        var set = stopAndReloadSignals
        var number: Int32 = 0
        guard sigwait(&set, &number) == 0 else { continue }
        switch number {
        case SIGHUP: runtime.queue.async { runtime.reload() }
        case SIGTERM: runtime.queue.async { runtime.stop(reason: "SIGTERM") }
        default: runtime.queue.async { runtime.stop(reason: "SIGINT") }
        }
    }
}
