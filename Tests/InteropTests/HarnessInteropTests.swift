// The interop harness itself (Harness/): a test that fails half-way leaves nothing behind. A `Lab` with evpnd and
// FRR's bgpd, plus on the same testbed a VTEP namespace with a bridge, a VXLAN port, a host, an FRR instance with
// zebra and bgpd, and a gobgpd; the body then throws. Afterwards no namespace, process, FRR run directory or
// work folder of the run is left.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct HarnessInteropTests {
    struct PlannedFailure: Error {}

    /// A process is gone when it does not exist or is a zombie waiting for a parent that is not ours.
    static func gone(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return true }
        let stat = Harness.fileText("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func aFailedTestLeavesNothingBehind() throws {
        guard Tools.ready("harness cleanup", needs: ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "gobgpd", "bridge"]) else { return }
        var namespaces: [String] = []
        var pids: [Int32] = []
        var runDirectories: [String] = []
        var folder = ""
        #expect(throws: PlannedFailure.self) {
            try withLab(subnet: 90) { lab in
                folder = lab.dir
                try lab.startPassiveFRR()
                try lab.startEvpnd(config: Configs.evpnd(routerID: lab.addressA, neighbor: lab.addressB))
                let testbed = lab.testbed
                let vtep = try testbed.addNamespace("v")
                try testbed.addVeth(.init(namespace: vtep, name: "uplink"), .init(namespace: lab.nsB, name: "to-v"))
                try testbed.addAddress("10.213.90.3/24", on: "uplink", in: vtep)
                try testbed.addVXLANBridge(vni: 100, local: "10.213.90.3", in: vtep, bridgeMAC: "02:00:00:00:90:ff",
                                           vxlanMAC: "02:00:00:00:90:64")
                let host = try testbed.addHost("h", mac: "aa:bb:cc:00:90:01", ip: "10.1.90.1", vtep: vtep, port: "host1")
                let frr = testbed.frr("vfrr", in: vtep, daemons: [.zebra, .bgpd])
                try frr.start(config: Configs.frr(name: frr.name, routerID: "10.213.90.3", neighborLines: [
                    "neighbor \(lab.addressA) remote-as 65001",
                ], activate: lab.addressA))
                let gobgp = testbed.gobgp(in: host)
                try gobgp.start(config: Configs.gobgp(asn: 65003, routerID: "10.1.90.1", neighbor: "10.1.90.2", peerAS: 65003))
                #expect(waitUntil(10) { (try? gobgp.gobgp(["global"])) != nil }, "gobgpd did not answer")

                namespaces = [lab.nsA, lab.nsB, vtep, host]
                pids = [lab.evpnd?.processIdentifier, lab.frrPID(lab.frrName), frr.pid(.zebra), frr.pid(.bgpd)].compactMap { $0 }
                runDirectories = [lab.frrNode.runDirectory, frr.runDirectory]
                let listed = try run(["ip", "netns", "list"]).output
                #expect(namespaces.allSatisfy { listed.contains($0) }, "\(listed)")
                #expect(pids.count == 4 && !pids.contains(where: Self.gone), "\(pids)")
                #expect(runDirectories.allSatisfy { FileManager.default.fileExists(atPath: $0) })
                throw PlannedFailure()
            }
        }
        let listed = try run(["ip", "netns", "list"]).output
        #expect(!namespaces.isEmpty && namespaces.allSatisfy { !listed.contains($0) }, "left: \(listed)")
        #expect(!pids.isEmpty && pids.allSatisfy(Self.gone), "still running: \(pids.filter { !Self.gone($0) })")
        #expect(!runDirectories.isEmpty && runDirectories.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(!folder.isEmpty && !FileManager.default.fileExists(atPath: folder))
        #expect(Soak.processes(mentioning: folder).isEmpty, "an evpnd of the run is left")
    }

    /// A run killed outright (SIGKILL: no cleanup ran) leaves its lab; the next test process removes it, and
    /// never a lab whose owner still runs.
    @Test func aKilledRunsLabIsRemovedByTheNextRun() throws {
        guard Tools.ready("stale lab sweep", needs: ["ip"]) else { return }
        let live = try Testbed()
        defer { live.close() }
        _ = try live.addNamespace("live")

        let suffix = "k" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: "/bin/sleep")
        owner.arguments = ["60"]
        try owner.run()
        let pid = owner.processIdentifier
        let started = try #require(StaleLabs.startTime(of: pid))
        let folder = StaleLabs.workPrefix + suffix
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "\(pid) \(started)\n".write(toFile: "\(folder)/\(StaleLabs.ownerFile)", atomically: true, encoding: .utf8)
        let namespace = "evpnd-k-\(suffix)"
        try run(["ip", "netns", "add", namespace])
        let runDirectory = "/var/run/frr/evpnd-k-\(suffix)"
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let inside = Process()
        inside.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        inside.arguments = ["ip", "netns", "exec", namespace, "sleep", "60"]
        try inside.run()
        #expect(waitUntil(5) { ((try? run(["ip", "netns", "pids", namespace], check: false).output) ?? "").contains(where: \.isNumber) })

        #expect(!StaleLabs.abandonedSuffixes().contains(suffix), "a lab whose owner runs is not abandoned")
        kill(pid, SIGKILL)
        owner.waitUntilExit()
        let abandoned = StaleLabs.abandonedSuffixes()
        #expect(abandoned.contains(suffix))
        #expect(!abandoned.contains(live.suffix), "this process's own lab is not abandoned")

        StaleLabs.remove(suffix: suffix)
        inside.waitUntilExit()
        #expect(!(try run(["ip", "netns", "list"]).output.contains(namespace)))
        #expect(!FileManager.default.fileExists(atPath: runDirectory))
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(try run(["ip", "netns", "list"]).output.contains(live.name("live")))
    }
}
