// `evpn-bench route-watch`: times IPv4 routes of one protocol arriving in and leaving the kernel's main table,
// from the kernel's own notifications (RTNLGRP_IPV4_ROUTE), not by polling: the route-installation scenario of
// scripts/bench (scripts/bench.d/routes).
//
//   ip netns exec NS evpn-bench route-watch --count N --within 100.64.0.0/10 [--proto 186] [--timeout 120]
//
// Counts main-table IPv4 routes of protocol --proto whose destination lies in --within. Prints, like fdb-watch,
// READY t n / ADD first|half|all t / DEL first|half|all t / OVERRUN t / TIMEOUT add|del n (CLOCK_MONOTONIC).
//
//   nlmsghdr: len(4) type(2) flags(2) seq(4) pid(4)
//   rtmsg:    family(1) dst_len(1) src_len(1) tos(1) table(1) protocol(1) scope(1) type(1) flags(4)
//   rtattr:   len(2) type(2) payload, padded to 4 (RTA_DST = 1, RTA_TABLE = 15)

import Netlink
#if canImport(Glibc)
import Glibc
#endif

func routeWatch(_ words: ArraySlice<String>) throws {
    let args = try BenchArguments(words)
    let expected = try args.int("count")
    let proto = UInt8(clamping: try args.int("proto", default: 186))
    let timeout = Double(try args.int("timeout", default: 120))
    let within = try args.string("within")
    let parts = within.split(separator: "/")
    guard parts.count == 2, case .v4(let base)? = InetAddress(String(parts[0])), let length = Int(parts[1]), (0...32).contains(length) else {
        throw BenchUsageError("--within '\(within)' is not an IPv4 prefix")
    }
    let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
    guard expected > 0 else { throw BenchUsageError("--count must be at least 1") }

    var options = NetlinkSocketOptions(groups: [.ipv4Route], nonBlocking: true)
    options.receiveBufferSize = 512 << 20
    let events = try NetlinkSocket(options: options)
    let requests = try NetlinkSocket()
    func counts(_ route: IPRoute) -> Bool {
        guard route.table == RouteTable.main, route.protocol.rawValue == proto, case .v4(let d) = route.destination else { return false }
        return d & mask == base & mask
    }
    var present = Set<UInt32>()
    func recount() throws {
        present = []
        for route in try requests.dumpRoutes(table: RouteTable.main) where counts(route) {
            if case .v4(let d) = route.destination { present.insert(d) }
        }
    }
    try recount()
    emit("READY", stamp(monotonicSeconds()), String(present.count))

    var milestones = WatchMilestones(expected: expected)
    func progress(_ t: Double) { milestones.update(present.count, at: t) }
    progress(monotonicSeconds())
    let deadline = monotonicSeconds() + timeout
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 8)
    defer { buffer.deallocate() }
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
        if poll(&pfd, 1, Int32(min(1000, max(1, (deadline - now) * 1000)))) <= 0 { continue }
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
            parseRouteDatagram(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), protocol: proto) { added, destination in
                guard destination & mask == base & mask else { return }
                if added { present.insert(destination) } else { present.remove(destination) }
                progress(t)
            }
        }
    }
}

/// Calls `body(added, destination)` for every AF_INET main-table route notification of protocol `proto`.
func parseRouteDatagram(_ bytes: UnsafeRawBufferPointer, protocol proto: UInt8, _ body: (Bool, UInt32) -> Void) {
    var offset = 0
    while offset + 16 <= bytes.count {
        let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard length >= 16, offset + length <= bytes.count else { return }
        let type = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
        defer { offset += (length + 3) & ~3 }
        guard type == 24 || type == 25, length >= 28 else { continue }  // RTM_NEWROUTE, RTM_DELROUTE
        let rtm = offset + 16
        guard bytes[rtm] == 2, bytes[rtm + 5] == proto else { continue }  // AF_INET, rtm_protocol
        var table = UInt32(bytes[rtm + 4])
        var destination: UInt32 = 0
        var attribute = rtm + 12
        let end = offset + length
        while attribute + 4 <= end {
            let alen = Int(bytes.loadUnaligned(fromByteOffset: attribute, as: UInt16.self))
            let atype = bytes.loadUnaligned(fromByteOffset: attribute + 2, as: UInt16.self) & 0x3FFF
            guard alen >= 4, attribute + alen <= end else { break }
            let p = attribute + 4
            if atype == 1, alen == 8 {
                destination = UInt32(bytes[p]) << 24 | UInt32(bytes[p + 1]) << 16 | UInt32(bytes[p + 2]) << 8 | UInt32(bytes[p + 3])
            } else if atype == 15, alen == 8 {
                table = bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self)
            }
            attribute += (alen + 3) & ~3
        }
        guard table == RouteTable.main else { continue }
        body(type == 24, destination)
    }
}
