// Against the running kernel, in a network namespace of the test's own (unique name, deleted on every path).
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns). Without it: a SKIP line, or a failure under CI=true.
// The lab (bridge, VXLAN device, veth) is made with `ip`; everything under test goes through the Netlink module.
import Foundation
import Glibc
import Testing
@testable import Netlink

/// A namespace holding br100, vxlan100 (VNI 100, local 10.0.1.1, nolearning) and a veth port.
final class LabNamespace {
    let name: String
    var path: String { "/var/run/netns/\(name)" }

    init() throws {
        name = "evpnd-nl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Self.ip(["netns", "add", name])
        do {
            for args in [
                ["link", "add", "br100", "type", "bridge"],
                ["link", "add", "vxlan100", "type", "vxlan", "id", "100", "dstport", "4789", "local", "10.0.1.1", "nolearning"],
                ["link", "add", "veth0", "type", "veth", "peer", "name", "veth0p"],
                ["link", "set", "vxlan100", "master", "br100"],
                ["link", "set", "veth0", "master", "br100"],
                ["link", "set", "br100", "up"], ["link", "set", "vxlan100", "up"], ["link", "set", "veth0", "up"],
            ] {
                try Self.ip(["-n", name] + args)
            }
        } catch {
            try? Self.ip(["netns", "del", name])
            throw error
        }
    }

    deinit { try? Self.ip(["netns", "del", name]) }

    struct CommandFailed: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var description: String { "\(command) exited with \(status)" }
    }

    static func ip(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CommandFailed(command: "ip " + args.joined(separator: " "), status: p.terminationStatus) }
    }

    /// True when the live tests can run; otherwise prints SKIP (or records a failure under CI=true).
    static func available() -> Bool {
        if geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("live netlink tests need root and /usr/sbin/ip (CI=true)")
        } else {
            print("SKIP: live netlink tests need root and /usr/sbin/ip")
        }
        return false
    }
}

@Suite("Live kernel: links, FDB batches, events", .serialized)
struct LiveKernelTests {
    func mac(_ i: Int) -> EthernetAddress { EthernetAddress(value: 0x0200_0100_0000 + UInt64(i)) }

    @Test func linksAndFDBLifecycle() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let events = try NetlinkSocket(networkNamespace: lab.path, options: NetlinkSocketOptions(groups: [.neighbour, .link], nonBlocking: true))

        // Links: the VXLAN device's VNI, local address, learning flag, port and bridge.
        let links = try socket.listLinks()
        let bridge = try #require(links.first { $0.name == "br100" })
        let vxlanLink = try #require(links.first { $0.name == "vxlan100" })
        #expect(bridge.kind == .bridge)
        #expect(vxlanLink.vxlan == VXLANInfo(vni: 100, local: InetAddress("10.0.1.1"), learning: false, port: 4789))
        #expect(vxlanLink.masterIndex == UInt32(bridge.index))
        #expect(links.first { $0.name == "veth0" }?.masterIndex == UInt32(bridge.index))
        #expect(try socket.link(named: "vxlan100") == vxlanLink)
        #expect(try socket.link(named: "no-such-device") == nil)
        let device = vxlanLink.index

        // 1,000 remote MACs in one batch, every acknowledgement read back.
        let remote = InetAddress("10.0.2.2")!
        let adds = (0..<1000).map { NetlinkRequest.addFDB(.remoteMAC(mac($0), device: device, vtep: remote)) }
        let outcomes = try socket.perform(adds)
        #expect(outcomes.count == 1000)
        #expect(outcomes.allSatisfy { $0.isOK }, "\(outcomes.filter { !$0.isOK }.prefix(3))")

        var dumped = try socket.dumpFDB(device: device).filter { $0.flags.contains(.self) && $0.mac != .zero }
        #expect(dumped.count == 1000)
        #expect(dumped.allSatisfy { $0.destination == remote && $0.flags.contains(.extLearned) && $0.ifindex == device })
        #expect(Set(dumped.map(\.mac)) == Set((0..<1000).map(mac)))

        // Failures in the middle of a batch come back on the right request.
        let mixed = try socket.perform([
            .addFDB(.remoteMAC(mac(0), device: device, vtep: remote)),  // exists
            .addFDB(.remoteMAC(mac(5000), device: device, vtep: remote)),
            .deleteFDB(.remoteMAC(mac(6000), device: device, vtep: remote)),  // absent
            .replaceFDB(.remoteMAC(mac(1), device: device, vtep: InetAddress("10.0.3.3")!)),
        ])
        #expect(mixed.count == 4)
        if case .failed(let f) = mixed[0] { #expect(f.errno == .EEXIST) } else { Issue.record("add of an existing entry: \(mixed[0])") }
        #expect(mixed[1] == .ok)
        if case .failed(let f) = mixed[2] { #expect(f.errno == .ENOENT) } else { Issue.record("delete of a missing entry: \(mixed[2])") }
        #expect(mixed[3] == .ok)
        // The same answers when only failures and the last request answer (what the FDB writer asks for).
        let quiet = try socket.perform([
            .addFDB(.remoteMAC(mac(0), device: device, vtep: remote)),  // exists
            .addFDB(.remoteMAC(mac(5001), device: device, vtep: remote)),
            .deleteFDB(.remoteMAC(mac(6000), device: device, vtep: remote)),  // absent
            .replaceFDB(.remoteMAC(mac(5001), device: device, vtep: InetAddress("10.0.3.3")!)),
        ], acknowledging: .failuresAndLast)
        if case .failed(let f) = quiet[0] { #expect(f.errno == .EEXIST) } else { Issue.record("add of an existing entry: \(quiet[0])") }
        #expect(quiet[1] == .ok)
        if case .failed(let f) = quiet[2] { #expect(f.errno == .ENOENT) } else { Issue.record("delete of a missing entry: \(quiet[2])") }
        #expect(quiet[3] == .ok)
        #expect(try socket.perform([.deleteFDB(.remoteMAC(mac(5001), device: device, vtep: InetAddress("10.0.3.3")!))],
                                   acknowledging: .failuresAndLast) == [.ok])
        do {
            try socket.addFDB(.remoteMAC(mac(0), device: device, vtep: remote))
            Issue.record("adding an existing entry succeeded")
        } catch {
            guard case .request(let f) = error else { Issue.record("\(error)"); return }
            #expect(f.errno == .EEXIST)
        }

        // Replace moved MAC 1 to another VTEP.
        dumped = try socket.dumpFDB(device: device)
        #expect(dumped.first { $0.mac == mac(1) && $0.flags.contains(.self) }?.destination == InetAddress("10.0.3.3"))

        // The bridge row, as zebra installs it beside the VXLAN row.
        try socket.replaceFDB(.bridgeRow(mac(2), device: device))
        let bridgeRows = try socket.dumpFDB(bridge: bridge.index).filter { $0.mac == mac(2) && $0.isBridgeRow }
        #expect(bridgeRows.count == 1)
        #expect(bridgeRows.first?.flags.contains(.extLearned) == true)
        #expect(bridgeRows.first?.master == UInt32(bridge.index))

        // Flood list: one 00:00:00:00:00:00 entry appended per remote VTEP.
        try socket.appendFDB(.flood(device: device, vtep: InetAddress("10.0.2.2")!))
        try socket.appendFDB(.flood(device: device, vtep: InetAddress("10.0.3.3")!))
        let flood = try socket.dumpFDB(device: device).filter { $0.mac == .zero }
        #expect(Set(flood.compactMap(\.destination)) == [InetAddress("10.0.2.2")!, InetAddress("10.0.3.3")!])
        #expect(flood.allSatisfy { $0.state.contains(.permanent) })
        try socket.deleteFDB(.flood(device: device, vtep: InetAddress("10.0.2.2")!))
        #expect(try socket.dumpFDB(device: device).filter { $0.mac == .zero }.compactMap(\.destination) == [InetAddress("10.0.3.3")!])

        // Delete them all in one batch.
        let deletes = (0..<1000).map { NetlinkRequest.deleteFDB(.remoteMAC(mac($0), device: device, vtep: $0 == 1 ? InetAddress("10.0.3.3")! : remote)) }
        #expect(try socket.perform(deletes).allSatisfy { $0.isOK })
        #expect(try socket.dumpFDB(device: device).filter { $0.flags.contains(.self) && $0.mac != .zero && $0.mac != mac(5000) }.isEmpty)

        // Events: drain what the work above produced (or the overrun it caused), then one add and one delete.
        var drained = 0
        while case .events(let batch) = try events.readEvents(), !batch.isEmpty { drained += batch.count }
        let watched = mac(7777)
        try socket.addFDB(.remoteMAC(watched, device: device, vtep: remote))
        try socket.deleteFDB(.remoteMAC(watched, device: device, vtep: remote))
        var seen: [NetlinkEvent] = []
        for _ in 0..<50 where seen.count < 2 {
            if case .events(let batch) = try events.readEvents() {
                seen += batch.filter {
                    switch $0 {
                    case .newFDB(let e), .deletedFDB(let e): return e.mac == watched
                    default: return false
                    }
                }
            }
            usleep(10_000)
        }
        #expect(seen.count == 2)
        if seen.count == 2 {
            guard case .newFDB(let added) = seen[0], case .deletedFDB(let removed) = seen[1] else {
                Issue.record("expected an add then a delete: \(seen)")
                return
            }
            #expect(added.destination == remote && added.flags.contains(.extLearned))
            #expect(removed.mac == watched)
        }
    }

    /// The event socket's filter (NetlinkSocket-filter.swift): our own extern_learn adds are dropped in the
    /// kernel; their deletion, a static bridge row and a row without the flag still arrive.
    @Test func externallyLearnedAddsAreFilteredOut() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let events = try NetlinkSocket(networkNamespace: lab.path, options: NetlinkSocketOptions(groups: [.neighbour], nonBlocking: true))
        try events.ignoreExternallyLearnedAdds()
        let device = try #require(try socket.link(named: "vxlan100")).index
        let port = try #require(try socket.link(named: "veth0")).index
        let remote = InetAddress("10.0.2.2")!
        let ours = mac(100), staticRow = mac(101)
        try socket.addFDB(.remoteMAC(ours, device: device, vtep: remote))  // self, extern_learn: dropped
        try socket.replaceFDB(.bridgeRow(ours, device: device))             // master, extern_learn: dropped
        try socket.addFDB(FDBEntry(mac: staticRow, ifindex: port, flags: [.master], state: .permanent))  // kept
        try socket.appendFDB(.flood(device: device, vtep: remote))  // self, no extern_learn: kept
        try socket.deleteFDB(.remoteMAC(ours, device: device, vtep: remote))  // deletion: kept
        var seen: [String] = []
        for _ in 0..<30 {
            if case .events(let batch) = try events.readEvents() {
                for event in batch {
                    switch event {
                    case .newFDB(let e): seen.append("add \(e.mac)\(e.isBridgeRow ? " bridge" : "")")
                    case .deletedFDB(let e): seen.append("del \(e.mac)\(e.isBridgeRow ? " bridge" : "")")
                    default: break
                    }
                }
            }
            if seen.count >= 3 { usleep(50_000); if case .events(let more) = try events.readEvents() { #expect(more.isEmpty, "\(more)") }; break }
            usleep(10_000)
        }
        #expect(seen == ["add \(staticRow) bridge", "add \(EthernetAddress.zero)", "del \(ours)"])
    }

    @Test func eventOverrunIsReported() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        var small = NetlinkSocketOptions(groups: [.neighbour], nonBlocking: true)
        small.receiveBufferSize = 4096
        let events = try NetlinkSocket(networkNamespace: lab.path, options: small)
        let device = try #require(try socket.link(named: "vxlan100")).index
        let adds = (0..<500).map { NetlinkRequest.addFDB(.remoteMAC(mac($0), device: device, vtep: InetAddress("10.0.2.2")!)) }
        #expect(try socket.perform(adds).allSatisfy { $0.isOK })
        // 500 notifications cannot fit a 4 KiB queue: the reader must be told to resync.
        var sawOverrun = false
        for _ in 0..<10 {
            if case .overrun = try events.readEvents() { sawOverrun = true; break }
        }
        #expect(sawOverrun)
        // After the overrun, reading goes on normally.
        _ = try events.readEvents()
    }

    @Test func batchOfTenThousand() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let device = try #require(try socket.link(named: "vxlan100")).index
        let count = 10_000
        let adds = (0..<count).map { NetlinkRequest.replaceFDB(.remoteMAC(mac($0), device: device, vtep: InetAddress("10.0.2.2")!)) }
        let clock = ContinuousClock()
        var outcomes: [RequestOutcome] = []
        var start = clock.now
        outcomes = try socket.perform(adds)
        let addTime = clock.now - start
        #expect(outcomes.allSatisfy { $0.isOK })
        var entries: [FDBEntry] = []
        start = clock.now
        entries = try socket.dumpFDB(device: device)
        let dumpTime = clock.now - start
        #expect(entries.filter { $0.flags.contains(.self) }.count == count)
        let deletes = (0..<count).map { NetlinkRequest.deleteFDB(.remoteMAC(mac($0), device: device, vtep: InetAddress("10.0.2.2")!)) }
        start = clock.now
        outcomes = try socket.perform(deletes)
        let deleteTime = clock.now - start
        #expect(outcomes.allSatisfy { $0.isOK })
        func rate(_ d: Duration) -> Int {
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            return Int(Double(count) / seconds)
        }
        print("netlink batch: \(count) FDB replace with ACKs in \(addTime) (\(rate(addTime))/s); dump in \(dumpTime); "
            + "\(count) deletes in \(deleteTime) (\(rate(deleteTime))/s); rcvbuf \(socket.receiveBufferSize), sndbuf \(socket.sendBufferSize)")
    }
}
