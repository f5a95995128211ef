// The two-namespace preset of the interop harness (Harness/): namespaces A and B joined by a veth pair,
// evpnd in A, FRR's bgpd or GoBGP in B. Every name carries the testbed's per-run suffix; `close()` removes
// everything the lab made, and `withLab` calls it on every path.

import ControlProtocol
import Foundation
import Testing

final class Lab: @unchecked Sendable {
    let testbed: Testbed
    var suffix: String { testbed.suffix }
    var dir: String { testbed.dir }
    var bin: String { testbed.bin }
    /// Namespace of evpnd ("a") and of the other speaker ("b").
    let nsA: String
    let nsB: String
    let addressA: String
    let addressB: String
    /// The veth ends in A and B (15 characters at most, the kernel's limit).
    let vethA: String
    let vethB: String
    let evpndNode: EvpndNode
    let frrNode: FRRNode
    let gobgpNode: GoBGPNode

    /// `subnet`: the third octet of 10.213.X.0/24, different per test so logs are easy to tell apart.
    init(subnet: Int) throws {
        testbed = try Testbed()
        addressA = "10.213.\(subnet).1"
        addressB = "10.213.\(subnet).2"
        vethA = String("va\(testbed.suffix)".prefix(15))
        vethB = String("vb\(testbed.suffix)".prefix(15))
        nsA = testbed.name("a")
        nsB = testbed.name("b")
        evpndNode = testbed.evpnd(in: nsA, stem: "evpnd")
        // `frr.conf`, `evpnd.conf`, `gobgp.toml`: the names suites know (they rewrite them to reload).
        frrNode = testbed.frr("frr", in: nsB, daemons: [.bgpd], configFile: "frr.conf")
        gobgpNode = testbed.gobgp(in: nsB)
        do {
            try testbed.addNamespace("a")
            try testbed.addNamespace("b")
            try testbed.addVeth(.init(namespace: nsA, name: vethA), .init(namespace: nsB, name: vethB))
            try testbed.addAddress("\(addressA)/24", on: vethA, in: nsA)
            try testbed.addAddress("\(addressB)/24", on: vethB, in: nsB)
        } catch {
            close()
            throw error
        }
    }

    /// Removes everything this lab made; safe to call twice.
    func close() { testbed.close() }

    func write(_ name: String, _ text: String) throws -> String { try testbed.write(name, text) }

    // MARK: evpnd

    var evpndSocket: String { evpndNode.socket }
    var evpndLog: String { evpndNode.log }
    var evpnd: Process? { evpndNode.process }
    var evpndLogText: String { evpndNode.logText }

    func startEvpnd(config: String) throws { try evpndNode.start(config: config) }
    func evpndSummary() throws -> BGPSummary { try evpndNode.summary() }
    func evpndPeer(_ address: String) -> BGPSummary.Peer? { evpndNode.peer(address) }
    func evpndResources() throws -> (fds: Int, rssKB: Int) { try evpndNode.resources() }

    // MARK: FRR

    var frrName: String { frrNode.name }
    var frrLog: String { frrNode.log }

    func startFRR(config: String) throws { try frrNode.start(config: config) }
    func restartFRR() throws { try frrNode.restart() }
    func killFRR() { frrNode.kill() }
    /// The pid of bgpd of FRR instance `name` (this lab's is `frrName`).
    func frrPID(_ name: String) -> Int32? { livePID(inFile: "/var/run/frr/\(name)/bgpd.pid") }
    func vtysh(_ command: String) throws -> String { try frrNode.vtysh(command) }
    func frrSummary() throws -> [String: Any] { try frrNode.summary() }
    func frrPeer(_ address: String) -> [String: Any]? { frrNode.peer(address) }

    // MARK: GoBGP

    func startGoBGP(config: String) throws { try gobgpNode.start(config: config) }
    func gobgp(_ arguments: [String]) throws -> String { try gobgpNode.gobgp(arguments) }
}

/// Runs `body` with a fresh lab and closes it afterwards, whatever happens.
func withLab(subnet: Int, _ body: (Lab) throws -> Void) throws {
    let lab = try Lab(subnet: subnet)
    defer { lab.close() }
    do {
        try body(lab)
    } catch {
        print("--- evpnd log of the failed test ---\n\(lab.evpndLogText.suffix(4000))")
        throw error
    }
}
