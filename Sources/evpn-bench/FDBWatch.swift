// `evpn-bench fdb-watch`: times remote MACs arriving in and leaving a VXLAN device's FDB, from the kernel's own
// notifications (RTNLGRP_NEIGH), not by polling. Scenario 3 of scripts/bench (scripts/bench.d/vtep).
//
//   ip netns exec NS evpn-bench fdb-watch --dev vxlan100 --count N [--dst 10.0.0.99] [--timeout 120]
//
// Counts the device's own rows (`MAC dev DEV dst VTEP self`, the row that forwards; the bridge's `master` row
// beside it is not counted) whose destination is --dst (any unicast destination without it). Prints, tab
// separated, with CLOCK_MONOTONIC seconds (the same clock as `evpn-bench now` and evpn-load):
//   READY    t          subscribed, with the rows already present counted (start the load after this line)
//   ADD      first|half|all  t
//   DEL      first|half|all  t     (after all N were present, until none is left)
//   OVERRUN  t          events were lost (ENOBUFS); the count was re-read from a dump, the figure is suspect
//   TIMEOUT  add|del    present-count
// and exits 0 when all N came and went, 1 on timeout.
//
// The socket is read in a tight loop with a hand-written parser of the few fields it needs (nlmsghdr, ndmsg,
// NDA_LLADDR, NDA_DST): decoding 200,000 notifications with the full typed decoder would take CPU time from
// the daemon under test on this 2-core machine.

import Netlink
#if canImport(Glibc)
import Glibc
#endif

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

struct BenchArguments {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ words: ArraySlice<String>, flags known: Set<String> = []) throws(BenchUsageError) {
        var i = words.startIndex
        while i < words.endIndex {
            let word = words[i]
            guard word.hasPrefix("--") else { throw BenchUsageError("unexpected argument '\(word)'") }
            let name = String(word.dropFirst(2))
            if known.contains(name) {
                flags.insert(name)
                i += 1
                continue
            }
            guard i + 1 < words.endIndex else { throw BenchUsageError("\(word) needs a value") }
            values[name] = words[i + 1]
            i += 2
        }
    }

    func string(_ name: String, default value: String? = nil) throws(BenchUsageError) -> String {
        guard let v = values[name] ?? value else { throw BenchUsageError("--\(name) is required") }
        return v
    }

    func int(_ name: String, default value: Int? = nil) throws(BenchUsageError) -> Int {
        guard let text = values[name] else {
            guard let value else { throw BenchUsageError("--\(name) is required") }
            return value
        }
        guard let v = Int(text), v >= 0 else { throw BenchUsageError("--\(name) '\(text)' is not a non-negative number") }
        return v
    }

    func address(_ name: String) throws(BenchUsageError) -> InetAddress? {
        guard let text = values[name] else { return nil }
        guard let a = InetAddress(text) else { throw BenchUsageError("--\(name) '\(text)' is not an IP address") }
        return a
    }
}

struct BenchUsageError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

/// One line straight to standard output (unbuffered: the script reads it while we run).
func emit(_ fields: String...) {
    let line = fields.joined(separator: "\t") + "\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}

/// Seconds with microseconds, e.g. "12345.000123".
func stamp(_ t: Double) -> String {
    let micros = Int64((t * 1e6).rounded())
    let fraction = String(micros % 1_000_000)
    return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
}

/// The device's ifindex (and its bridge's), by name, in the current network namespace.
func resolveDevice(_ name: String) throws -> (index: Int32, bridge: Int32?) {
    let socket = try NetlinkSocket()
    guard let link = try socket.link(named: name) else { throw BenchUsageError("no device named \(name) in this namespace") }
    return (link.index, link.masterIndex.map { Int32(bitPattern: $0) })
}

func fdbWatch(_ words: ArraySlice<String>) throws {
    let args = try BenchArguments(words)
    let deviceName = try args.string("dev")
    let expected = try args.int("count")
    let wanted = try args.address("dst")
    let timeout = Double(try args.int("timeout", default: 120))
    guard expected > 0 else { throw BenchUsageError("--count must be at least 1") }
    let device = try resolveDevice(deviceName).index

    var options = NetlinkSocketOptions(groups: [.neighbour], nonBlocking: true)
    options.receiveBufferSize = 256 << 20
    let events = try NetlinkSocket(options: options)
    let requests = try NetlinkSocket()

    func counts(_ entry: FDBEntry) -> Bool {
        guard entry.ifindex == device, !entry.isBridgeRow, entry.mac != .zero, let d = entry.destination else { return false }
        return wanted == nil || d == wanted
    }
    // Subscribed first, then dumped: nothing falls between the two.
    var present = Set<UInt64>()
    func recount() throws {
        present = Set(try requests.dumpFDB(device: device).filter(counts).map { $0.mac.value })
    }
    try recount()
    emit("READY", stamp(monotonicSeconds()), String(present.count))

    var milestones = WatchMilestones(expected: expected)
    let deadline = monotonicSeconds() + timeout
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 8)
    defer { buffer.deallocate() }
    let wantedBytes: [UInt8]? = wanted?.bytes

    func progress(_ t: Double) { milestones.update(present.count, at: t) }

    // Rows already all there at READY (a watcher started on a settled FDB to time a removal): ADD all now.
    progress(monotonicSeconds())

    while true {
        if !milestones.adding, present.isEmpty {
            emit("DEL", "all", stamp(monotonicSeconds()))
            return
        }
        let now = monotonicSeconds()
        if now > deadline {
            emit("TIMEOUT", milestones.adding ? "add" : "del", String(present.count))
            exit(1)
        }
        var pfd = pollfd(fd: events.fileDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(min(1000, max(1, (deadline - now) * 1000))))
        if ready <= 0 { continue }
        // Drain everything queued before looking at the clock again: a burst is stamped when it was read.
        while true {
            let n = recv(events.fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ENOBUFS {
                    emit("OVERRUN", stamp(monotonicSeconds()))
                    try recount()
                    progress(monotonicSeconds())
                    continue
                }
                break
            }
            let t = monotonicSeconds()
            parseNeighbourDatagram(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), device: device, wanted: wantedBytes) { added, mac in
                if added { present.insert(mac) } else { present.remove(mac) }
                progress(t)
            }
        }
    }
}

/// Walks the netlink messages of one datagram and calls `body(added, mac)` for every AF_BRIDGE neighbour
/// notification on `device` that has a destination (and the wanted one, if given) and a non-zero MAC.
///   nlmsghdr: len(4) type(2) flags(2) seq(4) pid(4)
///   ndmsg:    family(1) pad(3) ifindex(4) state(2) flags(1) type(1)
///   rtattr:   len(2) type(2) payload, padded to 4
func parseNeighbourDatagram(_ bytes: UnsafeRawBufferPointer, device: Int32, wanted: [UInt8]?, _ body: (Bool, UInt64) -> Void) {
    var offset = 0
    while offset + 16 <= bytes.count {
        let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard length >= 16, offset + length <= bytes.count else { return }
        let type = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
        defer { offset += (length + 3) & ~3 }
        guard type == 28 || type == 29, length >= 28 else { continue }  // RTM_NEWNEIGH, RTM_DELNEIGH
        let ndm = offset + 16
        guard bytes[ndm] == 7 else { continue }  // AF_BRIDGE
        guard bytes.loadUnaligned(fromByteOffset: ndm + 4, as: Int32.self) == device else { continue }
        var mac: UInt64 = 0
        var hasDestination = false
        var destinationMatches = wanted == nil
        var attribute = ndm + 12
        let end = offset + length
        while attribute + 4 <= end {
            let alen = Int(bytes.loadUnaligned(fromByteOffset: attribute, as: UInt16.self))
            let atype = bytes.loadUnaligned(fromByteOffset: attribute + 2, as: UInt16.self) & 0x3FFF
            guard alen >= 4, attribute + alen <= end else { break }
            let payload = attribute + 4
            let size = alen - 4
            if atype == 2, size == 6 {  // NDA_LLADDR
                for i in 0..<6 { mac = mac << 8 | UInt64(bytes[payload + i]) }
            } else if atype == 1 {  // NDA_DST
                hasDestination = true
                if let wanted, wanted.count == size {
                    destinationMatches = (0..<size).allSatisfy { bytes[payload + $0] == wanted[$0] }
                }
            }
            attribute += (alen + 3) & ~3
        }
        guard hasDestination, destinationMatches, mac != 0 else { continue }
        body(type == 28, mac)
    }
}
