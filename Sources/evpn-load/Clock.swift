// Time for evpn-load: CLOCK_MONOTONIC, which every network namespace of one host shares (network
// namespaces do not virtualize clocks), so an injector and a sink in different namespaces read the same
// clock and a timestamp written by one is meaningful to the other.
#if canImport(Glibc)
import Glibc
#endif

enum Monotonic {
    /// Nanoseconds since an arbitrary, host-wide origin.
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    static func seconds() -> Double { Double(nanoseconds()) / 1e9 }

    /// The move stamp carried in routes: microseconds, modulo 2^48 (it wraps after about 8.9 years).
    static func stampMicroseconds() -> UInt64 { (nanoseconds() / 1000) & 0xffff_ffff_ffff }
}

/// Files through which an injector and its sinks agree on times and counts (`--sync DIR`):
/// `start` (the injector's first UPDATE, monotonic ns), `ready` (every sink holds every route),
/// `moves` (the number of moves the injector sent, written when it has sent the last).
struct SyncDirectory {
    var path: String

    func write(_ name: String, _ value: UInt64) {
        let temporary = "\(path)/.\(name).\(getpid())"
        guard let file = fopen(temporary, "w") else { return }
        fputs("\(value)\n", file)
        fclose(file)
        rename(temporary, "\(path)/\(name)")  // atomic: a reader never sees half a number
    }

    func read(_ name: String) -> UInt64? {
        guard let file = fopen("\(path)/\(name)", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return UInt64(text.trimmingCharacters(in: " \n"))
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

/// Set by SIGINT/SIGTERM; the loops check it and end cleanly (reporting what they have).
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

func installStopHandlers() {
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
    signal(SIGPIPE, SIG_IGN)
}

/// One result line: `evpn-load ROLE key=value ...`, machine-readable (scripts/bench parses it).
func report(_ role: String, _ pairs: [(String, String)]) {
    print("evpn-load \(role) " + pairs.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
    fflush(nil)  // all streams: `stdout` is shared mutable state to Swift 6
}

func seconds(_ nanoseconds: UInt64) -> String { formatDecimal(Double(nanoseconds) / 1e9, places: 4) }

func formatDecimal(_ value: Double, places: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { vsnprintf(&buffer, 64, "%.\(places)f", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
