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
}
