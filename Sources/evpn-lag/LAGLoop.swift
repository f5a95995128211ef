// The tool's one thread: poll(2) over the TAP and the member sockets with a 2 ms timeout, carrier read
// every 2 ms (a member losing carrier stops carrying the host's frames within that), the stats file
// rewritten at most every 50 ms when a counter changed, at once on SIGUSR1, and on exit.
#if canImport(Glibc)
import Glibc
#endif

/// Set by the signal handlers, read by the loop (a plain word: the handler only stores).
nonisolated(unsafe) var lagSignalDump: sig_atomic_t = 0
nonisolated(unsafe) var lagSignalStop: sig_atomic_t = 0

struct LAGLoop {
    let options: LAGOptions
    let tap: Int32
    let sockets: [Int32]
    let control: Int32
    var stats: LAGStats
    var duplicates: DuplicateWindow
    var hostMAC: [UInt8] = []
    var active: [Int] = []

    init(options: LAGOptions) throws {
        self.options = options
        tap = try LinuxDevice.openTap(options.tap)
        sockets = try options.members.map(LinuxDevice.openPacketSocket)
        control = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard control >= 0 else { throw SystemError(what: "control socket", code: errno) }
        stats = LAGStats(members: options.members.map { MemberStats(name: $0) })
        duplicates = DuplicateWindow(windowNanoseconds: UInt64(options.windowMilliseconds) * 1_000_000)
    }

    mutating func run() throws {
        // A parent may start us with these blocked (Foundation's Process does): unblock them, or SIGUSR1 would
        // stay pending and never dump.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGUSR1, SIGTERM, SIGINT] { sigaddset(&handled, number) }
        sigprocmask(SIG_UNBLOCK, &handled, nil)
        signal(SIGUSR1) { _ in lagSignalDump = 1 }
        signal(SIGTERM) { _ in lagSignalStop = 1 }
        signal(SIGINT) { _ in lagSignalStop = 1 }
        var fds = ([tap] + sockets).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var lastCarrierCheck: UInt64 = 0
        var lastWrite: UInt64 = 0
        var written = ""
        readLinkState()
        writeStats(&written, force: true)
        while lagSignalStop == 0 {
            _ = poll(&fds, nfds_t(fds.count), 2)
            let now = LinuxDevice.monotonicNanoseconds()
            if now &- lastCarrierCheck >= 2_000_000 {
                readLinkState()
                lastCarrierCheck = now
            }
            if fds[0].revents & Int16(POLLIN) != 0 { fromHost(&buffer) }
            for member in sockets.indices where fds[member + 1].revents & Int16(POLLIN) != 0 {
                fromMember(member, &buffer, now: now)
            }
            if lagSignalDump != 0 {
                lagSignalDump = 0
                stats.signalDumps += 1
                writeStats(&written, force: true)
            } else if now &- lastWrite >= 50_000_000 {
                writeStats(&written, force: false)
                lastWrite = now
            }
        }
        writeStats(&written, force: true)
    }

    /// Carrier of every member and the TAP's MAC (the host may change it after the tool started).
    mutating func readLinkState() {
        var changed = false
        var nowActive: [Int] = []
        for member in options.members.indices {
            let carrier = LinuxDevice.hasCarrier(options.members[member], controlSocket: control)
            if carrier != stats.members[member].carrier { changed = true }
            stats.members[member].carrier = carrier
            if carrier { nowActive.append(member) }
        }
        if changed { stats.carrierChanges += 1 }
        active = nowActive
        if let mac = LinuxDevice.macAddress(options.tap, controlSocket: control) { hostMAC = mac }
    }

    /// Drains the TAP: each frame leaves on the member its flow hashes to.
    mutating func fromHost(_ buffer: inout [UInt8]) {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(tap, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            let sent: Bool = buffer.withUnsafeBytes { bytes in
                let frame = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                guard let member = FlowHash.member(for: frame, active: active) else { return false }
                guard send(sockets[member], frame.baseAddress, count, 0) == count else { return false }
                stats.members[member].tx += 1
                return true
            }
            if sent { stats.fromHost += 1 } else { stats.dropsNoMember += 1 }
        }
    }

    /// Drains one member's socket up to the host, counting echoes and duplicates.
    mutating func fromMember(_ member: Int, _ buffer: inout [UInt8], now: UInt64) {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(sockets[member], $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            buffer.withUnsafeBytes { bytes in
                let frame = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                if count >= 12, hostMAC.count == 6, frame[6..<12].elementsEqual(hostMAC) { stats.echoes += 1 }
                if case .duplicate(let across) = duplicates.record(frame, member: member, now: now) {
                    stats.duplicates += 1
                    if across { stats.duplicatesAcrossMembers += 1 }
                }
                if write(tap, frame.baseAddress, count) == count { stats.toHost += 1 }
            }
            stats.members[member].rx += 1
        }
    }

    /// Rewrites the stats file (temporary file, then rename) when its text changed, or always when forced.
    func writeStats(_ written: inout String, force: Bool) {
        let text = stats.json()
        guard force || text != written else { return }
        let temporary = options.statsPath + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        let complete = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
        close(fd)
        if complete && rename(temporary, options.statsPath) == 0 { written = text }
    }
}
