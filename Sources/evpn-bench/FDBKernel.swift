// `evpn-bench fdb-kernel`: the kernel's own limit for scenario 3. Adds N remote MACs to a VXLAN device's FDB
// with the fastest netlink batches this tool can make (Netlink's `perform`: as many requests per sendmsg as the
// socket buffers allow, acknowledgements read as they come), then deletes them, and prints how long each took.
//
//   ip netns exec NS evpn-bench fdb-kernel --dev vxlan100 --count N --dst 10.0.0.99 [--rows pair|combined|self]
//
// --rows says which rows make "one MAC", as a VTEP needs them:
//   pair      two requests per MAC, the device's `dst VTEP self extern_learn` row and the bridge's `master
//             extern_learn` row (what zebra and evpnd install)
//   combined  the same two rows from one request (NTF_SELF|NTF_MASTER: rtnl_fdb_add hands it to the bridge
//             and then to the device)
//   self      only the device's row (a lower bound: no bridge row)
// Prints, tab separated, CLOCK_MONOTONIC seconds:
//   KADD  start  end  failed      KDEL  start  end  failed
// MACs are 02:00:66:xx:xx:xx, apart from the daemons' test ranges.

import Netlink
#if canImport(Glibc)
import Glibc
#endif

func fdbKernel(_ words: ArraySlice<String>) throws {
    let args = try BenchArguments(words)
    let deviceName = try args.string("dev")
    let count = try args.int("count")
    guard let vtep = try args.address("dst") else { throw BenchUsageError("--dst is required") }
    let rows = try args.string("rows", default: "combined")
    let base = UInt64(try args.int("mac-base", default: 0x0200_6600_0000))
    let device = try resolveDevice(deviceName).index

    var adds: [NetlinkRequest] = []
    var deletes: [NetlinkRequest] = []
    adds.reserveCapacity(count * 2)
    deletes.reserveCapacity(count * 2)
    for i in 0..<count {
        let mac = EthernetAddress(value: base + UInt64(i))
        let remote = FDBEntry.remoteMAC(mac, device: device, vtep: vtep)
        let bridge = FDBEntry.bridgeRow(mac, device: device)
        switch rows {
        case "pair":
            adds += [.replaceFDB(remote), .replaceFDB(bridge)]
            deletes += [.deleteFDB(remote), .deleteFDB(bridge)]
        case "combined":
            var both = remote
            both.flags = [.self, .master, .extLearned]
            adds.append(.replaceFDB(both))
            deletes.append(.deleteFDB(both))
        case "self":
            adds.append(.replaceFDB(remote))
            deletes.append(.deleteFDB(remote))
        default:
            throw BenchUsageError("--rows '\(rows)': expected pair, combined or self")
        }
    }
    let socket = try NetlinkSocket()
    func timed(_ label: String, _ requests: [NetlinkRequest]) throws {
        let start = monotonicSeconds()
        // The fastest batch: only failures answer, and the last request of each datagram (as evpnd sends them).
        let outcomes = try socket.perform(requests, acknowledging: .failuresAndLast)
        let end = monotonicSeconds()
        let failed = outcomes.filter { !$0.isOK }
        emit(label, stamp(start), stamp(end), String(failed.count))
        if let first = failed.first { FileHandleStderr.write("evpn-bench fdb-kernel: \(label): \(failed.count) failed, first: \(first)\n") }
    }
    try timed("KADD", adds)
    // A pause between the two, as the daemons get one (the watcher reports the end of the adds first).
    usleep(200_000)
    try timed("KDEL", deletes)
}

enum FileHandleStderr {
    static func write(_ text: String) {
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
