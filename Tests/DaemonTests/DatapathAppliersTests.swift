// The appliers of the multihoming datapath against fake `nft` and `ip` commands: written once, left alone
// while right, healed when changed from outside, errors carry the tool's message; ES ports held with
// protodown or, where refused, admin down, and released (an admin-down port evpnd did not take down stays
// down). The real commands are exercised in Tests/InteropTests/MultihomingDatapathInteropTests.swift.
import Foundation
import Testing
import BGPWire
@testable import Daemon
@testable import VTEP

/// A fake `nft`: the script written last is what `list table` shows (as one string per family).
final class FakeNft: ExternalToolRunning, @unchecked Sendable {
    let lock = NSLock()
    var tables: [String: String] = [:]
    var scripts: [String] = []
    var refuse: String?

    func run(_ arguments: [String], input: String?) throws -> ExternalToolResult {
        lock.withLock {
            if arguments.dropFirst().first == "-f" {
                if let refuse { return ExternalToolResult(status: 1, output: refuse) }
                scripts.append(input ?? "")
                tables = [:]
                // The definitions after the declare/delete lines, by family.
                for family in ["bridge", "inet"] {
                    if let range = input?.range(of: "table \(family) evpnd {") {
                        tables[family] = String(input![range.lowerBound...]).components(separatedBy: "\n}\n").first
                    }
                }
                return ExternalToolResult(status: 0, output: "")
            }
            let family = arguments[3]
            guard let text = tables[family] else { return ExternalToolResult(status: 1, output: "Error: No such file or directory") }
            return ExternalToolResult(status: 0, output: text)
        }
    }
}

/// A fake `ip`: ports with admin state and protodown, some refusing protodown as veth does.
final class FakeIP: ExternalToolRunning, @unchecked Sendable {
    struct Port { var up = true; var protodown = false; var supportsProtodown = true }
    let lock = NSLock()
    var ports: [String: Port] = [:]
    var commands: [String] = []

    func run(_ arguments: [String], input: String?) throws -> ExternalToolResult {
        lock.withLock {
            let words = Array(arguments.dropFirst())
            if words.starts(with: ["-d", "-j", "link", "show", "dev"]) {
                guard let port = ports[words[5]] else { return ExternalToolResult(status: 1, output: "Device does not exist") }
                let flags = port.up ? "[\"BROADCAST\",\"UP\",\"LOWER_UP\"]" : "[\"BROADCAST\"]"
                return ExternalToolResult(status: 0, output: "[{\"ifname\":\"\(words[5])\",\"flags\":\(flags)\(port.protodown ? ",\"proto_down\":true" : "")}]")
            }
            commands.append(words.joined(separator: " "))
            let name = words[3]
            switch Array(words[4...]) {
            case ["protodown", "on"]:
                guard ports[name]?.supportsProtodown == true else { return ExternalToolResult(status: 2, output: "Error: Protodown not supported by device.") }
                ports[name]?.protodown = true
            case ["protodown", "off"]: ports[name]?.protodown = false
            case ["down"]: ports[name]?.up = false
            case ["up"]: ports[name]?.up = true
            default: return ExternalToolResult(status: 1, output: "unexpected")
            }
            return ExternalToolResult(status: 0, output: "")
        }
    }
}

struct DatapathAppliersTests {
    let plan: DatapathFilterPlan

    init() throws {
        plan = try DatapathFilterPlan(.init(segments: [
            .init(port: "server1", peers: [.v4(IPv4Address(10, 0, 0, 1))],
                  vnis: [.init(vni: 100, vxlanDevice: "vxlan100", designatedForwarder: false)]),
        ]))
    }

    @Test func filtersAreWrittenOnceAndHealedWhenChangedOutside() throws {
        let nft = FakeNft()
        let applier = DatapathFilterApplier(nft: "/usr/sbin/nft", runner: nft)
        #expect(try applier.reconcile(plan) == .written(repair: false))
        #expect(nft.scripts == [plan.nftScript])
        #expect(try applier.reconcile(plan) == .unchanged)
        #expect(nft.scripts.count == 1)
        // Someone deletes the bridge table: the next round puts it back.
        nft.lock.withLock { nft.tables["bridge"] = nil }
        #expect(try applier.reconcile(plan) == .written(repair: true))
        #expect(nft.scripts.count == 2)
        // The DF moves here: a new plan, written at once.
        let asDF = try DatapathFilterPlan(.init(segments: [
            .init(port: "server1", peers: [.v4(IPv4Address(10, 0, 0, 1))],
                  vnis: [.init(vni: 100, vxlanDevice: "vxlan100", designatedForwarder: true)]),
        ]))
        #expect(try applier.reconcile(asDF) == .written(repair: false))
        #expect(!(nft.scripts.last ?? "").contains("non-DF"))
        try applier.remove()
        #expect(nft.scripts.last == DatapathFilterPlan.removalScript)
        #expect(nft.tables.isEmpty)
    }

    @Test func nftsRefusalIsAnErrorWithItsMessage() {
        let nft = FakeNft()
        nft.refuse = "Error: Could not process rule: No such file or directory"
        let applier = DatapathFilterApplier(nft: "/usr/sbin/nft", runner: nft)
        #expect(throws: ExternalToolError(description: "nft refused the multihoming filters: Error: Could not process rule: No such file or directory")) {
            try applier.reconcile(plan)
        }
    }

    @Test func countersDoNotCountAsAChange() {
        let listed = "\t\tiifname \"vxlan100\" oifname \"es1\" counter packets 12 bytes 1008 drop comment \"non-DF vni 100\""
        #expect(DatapathFilterApplier.withoutCounters(listed) == "\t\tiifname \"vxlan100\" oifname \"es1\" counter drop comment \"non-DF vni 100\"")
    }

    @Test func dropCountsByComment() throws {
        final class Listing: ExternalToolRunning, @unchecked Sendable {
            func run(_ arguments: [String], input: String?) throws -> ExternalToolResult {
                ExternalToolResult(status: 0, output: """
                table bridge evpnd {
                \tchain forward {
                \t\tiifname "vxlan100" oifname "es1" ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 counter packets 1000 bytes 98000 drop comment "non-DF vni 100"
                \t\tmeta mark & 0x00ff0000 == 0x00010000 oifname "es1" counter packets 7 bytes 686 drop comment "local bias 10.0.0.1"
                \t}
                }
                """)
            }
        }
        let applier = DatapathFilterApplier(runner: Listing())
        #expect(try applier.dropCounts() == ["non-DF vni 100": 1000, "local bias 10.0.0.1": 7])
    }

    func hold(since: Duration, uplinksUp: Set<String> = ["uplink1"]) -> ESPortHold {
        ESPortHold(ESPortHoldInput(ports: ["server1", "server2"], uplinks: ["uplink1"], uplinksUp: uplinksUp,
                                   sinceStart: since, startupDelay: .seconds(60)))
    }

    @Test func portsAreHeldWithProtodownOrAdminDownAndReleased() throws {
        let ip = FakeIP()
        ip.ports = ["server1": .init(), "server2": .init(supportsProtodown: false)]
        let applier = ESPortStateApplier(ip: "/usr/sbin/ip", runner: ip)
        let changes = try applier.reconcile(hold(since: .seconds(1)), allPorts: ["server1", "server2"])
        #expect(changes == ["server1: protodown on (startup-delay)", "server2: admin down, protodown not supported (startup-delay)"])
        #expect(ip.ports["server1"]?.protodown == true && ip.ports["server1"]?.up == true)
        #expect(ip.ports["server2"]?.up == false)
        #expect(applier.ports["server2"] == .init(held: true, method: .adminDown, reasons: ["startup-delay"]))
        // Level-triggered: nothing to do while it stays so; an operator's `ip link set server2 up` is undone.
        #expect(try applier.reconcile(hold(since: .seconds(2)), allPorts: ["server1", "server2"]).isEmpty)
        ip.lock.withLock { ip.ports["server2"]?.up = true }
        #expect(try applier.reconcile(hold(since: .seconds(3)), allPorts: ["server1", "server2"])
                == ["server2: admin down, protodown not supported (startup-delay)"])
        // Startup delay over: released.
        #expect(try applier.reconcile(hold(since: .seconds(61)), allPorts: ["server1", "server2"])
                == ["server1: protodown off", "server2: admin up"])
        #expect(ip.ports["server1"]?.protodown == false && ip.ports["server2"]?.up == true)
        // Every uplink down: held again, for that reason.
        #expect(try applier.reconcile(hold(since: .seconds(70), uplinksUp: []), allPorts: ["server1", "server2"])
                == ["server1: protodown on (uplink-down)", "server2: admin down, protodown not supported (uplink-down)"])
        try applier.releaseAll(["server1", "server2"])
        #expect(ip.ports["server1"]?.protodown == false && ip.ports["server2"]?.up == true)
    }

    @Test func aPortTheOperatorTookDownStaysDown() throws {
        let ip = FakeIP()
        ip.ports = ["server1": .init(up: false, supportsProtodown: false)]
        let applier = ESPortStateApplier(ip: "/usr/sbin/ip", runner: ip)
        #expect(try applier.reconcile(hold(since: .seconds(1)), allPorts: ["server1"]).isEmpty)
        #expect(try applier.reconcile(hold(since: .seconds(100)), allPorts: ["server1"]).isEmpty)
        #expect(ip.ports["server1"]?.up == false)
        #expect(!ip.commands.contains("link set dev server1 up"))
    }

    @Test func aMissingPortIsSkipped() throws {
        let applier = ESPortStateApplier(ip: "/usr/sbin/ip", runner: FakeIP())
        #expect(try applier.reconcile(hold(since: .seconds(1)), allPorts: ["gone"]).isEmpty)
        #expect(applier.ports["gone"] == nil)
    }
}
