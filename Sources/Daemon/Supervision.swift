// What the daemon tells its supervisor and its operator about its life: systemd (READY, STATUS, WATCHDOG, RELOADING,
// STOPPING, see SystemdNotify.swift) and the process title `ps` shows. One object, told by the runtime when it has
// started, when a session comes up or goes down, around a reload and when it stops. Confined to the engine queue
// (see `Runtime`); the watchdog timer runs there too, so a stuck queue stops the pings and systemd restarts us.

import BGPCore
import Dispatch
import Glibc
import Logging

final class Supervision: @unchecked Sendable {
    let notifier: SystemdNotifier
    private let queue: DispatchQueue
    private let logger: Logger
    private var watchdog: DispatchSourceTimer?
    private var lastStatus: String?
    private var lastTitle: String?

    init(queue: DispatchQueue, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        self.queue = queue
        self.logger = logger
        self.notifier = notifier
    }

    /// The config is loaded and the listeners are up.
    func started(_ status: PeerStatus) {
        report(status, prefix: "READY=1\n")
        if let interval = notifier.watchdogInterval, notifier.isEnabled, watchdog == nil {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let (seconds, attoseconds) = interval.components
            let nanoseconds = max(1_000_000, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
            timer.schedule(deadline: .now(), repeating: .nanoseconds(nanoseconds), leeway: .milliseconds(5))
            timer.setEventHandler { [notifier] in notifier.notify("WATCHDOG=1") }
            timer.resume()
            watchdog = timer
            logger.info("systemd watchdog: pinging every \(interval)")
        }
    }

    func peersChanged(_ status: PeerStatus) {
        report(status, prefix: "")
    }

    func reloading() {
        // MONOTONIC_USEC lets systemd 253+ match the reload with its request (Type=notify-reload); older ones ignore it.
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        notifier.notify("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=\(microseconds)")
        lastStatus = nil
    }

    func reloaded(_ status: PeerStatus) {
        report(status, prefix: "READY=1\n")
    }

    func stopping() {
        notifier.notify("STOPPING=1\nSTATUS=stopping: sending Cease to every peer")
        watchdog?.cancel()
        watchdog = nil
    }

    private func report(_ status: PeerStatus, prefix: String) {
        let text = "\(status.established)/\(status.total) peers established"
        if !prefix.isEmpty || text != lastStatus {
            notifier.notify("\(prefix)STATUS=\(text)")
            lastStatus = text
        }
        let title = ProcessTitle.text(reflector: status.reflector, address: status.address,
                                      established: status.established, total: status.total)
        if title != lastTitle {
            ProcessTitle.set(title)
            lastTitle = title
        }
    }
}

/// What the status line and the process title say.
struct PeerStatus: Hashable {
    var reflector: Bool
    var address: String
    var established: Int
    var total: Int
}

extension Runtime {
    /// The peer counts as `show bgp l2vpn evpn summary` would give them, and the role: a reflector has clients.
    var peerStatus: PeerStatus {
        let rows = engine.summary(now: Runtime.monotonicNow())
        let reflector = engineConfig.peers.contains(where: \.routeReflectorClient)
            || engineConfig.listenRanges.contains { $0.template.routeReflectorClient }
        return PeerStatus(reflector: reflector, address: "\(engineConfig.routerID)",
                          established: rows.count { $0.state == .established }, total: rows.count)
    }
}
