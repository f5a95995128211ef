// The bytes of a combined FDB request (FDBCombining): the device row's request with NTF_MASTER added, as
// `bridge fdb add MAC dev vxlanN dst VTEP self master extern_learn` sends it (strace, iproute2 6.1), and
// the separate requests byte for byte as before.

import BGPWire
import Foundation
import Glibc
@testable import Daemon
import Netlink
import Testing
import VTEP

@Suite struct FDBCombinedRequestTests {
    static let mac = MACAddress(rawValue: 0x0200_0000_0001)
    static let device = FDBIntent.remoteMAC(mac, device: 11, bridge: 10, vtep: IPAddress("10.0.0.99")!).entry
    static let bridge = FDBIntent.bridgeRow(mac, device: 11, bridge: 10).entry

    static func bytes(_ request: NetlinkRequest) -> [UInt8] {
        var out: [UInt8] = []
        request.encode(sequence: 7, portID: 9, into: &out)
        return out
    }

    @Test(arguments: [false, true]) func combinedIsTheDeviceRequestWithMaster(_ delete: Bool) {
        let ops: [FDBOperation] = delete ? [.delete(Self.bridge), .delete(Self.device)] : [.add(Self.device), .add(Self.bridge)]
        let requests = FDBCombining.requests(for: ops)
        #expect(requests.count == 1)
        guard let only = requests.first else { return }
        let combined = Self.bytes(NetlinkRequest(only, of: ops))
        var expected = Self.bytes(NetlinkRequest(delete ? ops[1] : ops[0]))
        // nlmsghdr (16), then ndmsg: family, pad, pad16, ifindex (4), state (2), flags (1) at 26.
        #expect(expected[26] == 0x12)  // NTF_SELF | NTF_EXT_LEARNED
        expected[26] = 0x16            // | NTF_MASTER
        #expect(combined == expected)
        #expect(combined.count == 48)  // LLADDR and DST, as iproute2 sends it
        #expect(combined[16] == 7)     // AF_BRIDGE
        // The fallback's separate requests are the ones planned before combining existed.
        for (i, op) in ops.enumerated() {
            #expect(Self.bytes(NetlinkRequest(.single(i), of: ops)) == Self.bytes(NetlinkRequest(op)))
        }
        // The bridge row alone: NTF_MASTER | NTF_EXT_LEARNED on the VXLAN port, no NDA_DST (40 bytes).
        let bridgeAlone = Self.bytes(NetlinkRequest(delete ? ops[0] : ops[1]))
        #expect(bridgeAlone.count == 40)
        #expect(bridgeAlone[26] == 0x14)
    }
}

/// The writer against the running kernel, in a namespace of the test's own: combined requests install and
/// remove both rows, and a refused one falls back to the two separate requests, whose answers are the rows'.
/// Needs root and /usr/sbin/ip (a SKIP line without them, a failure under CI=true).
@Suite(.serialized) struct FDBWriterLiveTests {
    static func ip(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw LabFailure(text: "ip \(args.joined(separator: " ")) exited \(p.terminationStatus)") }
    }

    struct LabFailure: Error, CustomStringConvertible { var text: String; var description: String { text } }

    static func available() -> Bool {
        if geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("live FDB writer tests need root and /usr/sbin/ip (CI=true)")
        } else {
            print("SKIP: live FDB writer tests need root and /usr/sbin/ip")
        }
        return false
    }

    @Test func combinedRequestsAndTheirFallback() throws {
        guard Self.available() else { return }
        let ns = "evpnd-fdbw-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Self.ip(["netns", "add", ns])
        defer { try? Self.ip(["netns", "del", ns]) }
        for args in [
            ["link", "add", "br100", "type", "bridge"],
            ["link", "add", "vxlan100", "type", "vxlan", "id", "100", "dstport", "4789", "local", "10.0.1.1", "nolearning"],
            ["link", "set", "vxlan100", "master", "br100"],
            ["link", "set", "br100", "up"], ["link", "set", "vxlan100", "up"],
        ] { try Self.ip(["-n", ns] + args) }
        let socket = try NetlinkSocket(networkNamespace: "/var/run/netns/\(ns)")
        let device = try #require(try socket.link(named: "vxlan100")).index
        let bridge = try #require(try socket.link(named: "br100")).index
        let vtep = IPAddress("10.0.2.2")!
        func mac(_ n: UInt64) -> MACAddress { MACAddress(rawValue: 0x0200_0200_0000 | n) }
        func dev(_ n: UInt64) -> KernelFDBEntry { FDBIntent.remoteMAC(mac(n), device: device, bridge: bridge, vtep: vtep).entry }
        func br(_ n: UInt64) -> KernelFDBEntry { FDBIntent.bridgeRow(mac(n), device: device, bridge: bridge).entry }
        func rows() throws -> (device: Set<UInt64>, bridge: Set<UInt64>) {
            let all = try socket.dumpFDB().filter { $0.ifindex == device && $0.flags.contains(.extLearned) }
            let isDevice = { (e: FDBEntry) in e.flags.contains(.self) }
            return (Set(all.filter(isDevice).map(\.mac.value)), Set(all.filter { !isDevice($0) }.map(\.mac.value)))
        }
        // MAC 3's device row is there already (as if an earlier evpnd put it there): its combined add is
        // refused (the bridge's table takes it, the device's says EEXIST), and both rows go again alone.
        let writer = FDBWriter(socket: socket)
        _ = try writer.write([.add(dev(3))])
        let adds: [FDBOperation] = [.add(dev(1)), .add(dev(2)), .add(dev(3)), .add(br(1)), .add(br(2)), .add(br(3))]
        #expect(FDBCombining.requests(for: adds).count == 3)
        let added = try writer.write(adds)
        #expect(Array(added[0...1]) == [.ok, .ok])
        #expect(added[3...4].allSatisfy { $0 == .ok })
        #expect(added[2] == .failed(errno: FDBOperationResult.EEXIST), "the device row's own answer, from its separate request")
        #expect(added[5] == .ok || added[5] == .failed(errno: FDBOperationResult.EEXIST), "\(added[5])")
        var now = try rows()
        #expect(now.device == Set([1, 2, 3].map { mac($0).rawValue }))
        #expect(now.bridge == Set([1, 2, 3].map { mac($0).rawValue }))

        // MAC 2's bridge row is gone already: its combined delete stops at the bridge (ENOENT) and the
        // device row is then deleted by its own request.
        _ = try writer.write([.delete(br(2))])
        let deletes: [FDBOperation] = [.delete(br(1)), .delete(br(2)), .delete(dev(1)), .delete(dev(2))]
        let removed = try writer.write(deletes)
        #expect(removed == [.ok, .failed(errno: FDBOperationResult.ENOENT), .ok, .ok])
        now = try rows()
        #expect(now.device == [mac(3).rawValue])
        #expect(now.bridge == [mac(3).rawValue])
    }
}
