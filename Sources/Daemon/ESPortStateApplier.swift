// Holds ES ports down as VTEP's ESPortHold says: protodown where the device supports it (macvlan, vxlan,
// most hardware drivers; the port stays administratively up and the server sees no carrier), admin down
// otherwise (veth refuses protodown: "Protodown not supported by device"). Level-triggered: each
// `reconcile` reads every ES port's state back with `ip -d -j link show` and changes only what differs,
// so a port brought up by hand during a hold is held again. A port evpnd set admin down is set up again on
// release; a port an operator set down is never brought up (evpnd did not take it down). Uses `ip`, like
// the nft applier uses `nft` (docs/DECISIONS.md).

import VTEP

public final class ESPortStateApplier: @unchecked Sendable {
    public enum Method: String, Hashable, Sendable {
        case protodown
        case adminDown = "admin-down"
    }

    /// One ES port as `show` reports it.
    public struct PortState: Hashable, Sendable {
        public var held: Bool
        public var method: Method?
        public var reasons: [String]
    }

    public let ip: String
    let runner: any ExternalToolRunning
    /// Ports evpnd set admin down (protodown refused), to bring up again on release.
    public private(set) var adminDowned: Set<String> = []
    /// Ports that refused protodown once: admin down for them from then on.
    private var noProtodown: Set<String> = []
    public private(set) var ports: [String: PortState] = [:]

    public init(ip: String = "/usr/sbin/ip", runner: any ExternalToolRunning = SpawnedTool()) {
        self.ip = ip
        self.runner = runner
    }

    struct LinkState: Equatable {
        var adminUp: Bool
        var protodown: Bool
    }

    /// Applies `hold` to `allPorts` (every ES port: those not in `hold.heldPorts` are released). Returns one
    /// line per change for the log ("server1: protodown on (startup-delay)"). A port that does not exist is
    /// skipped (it may come later; the next round sees it).
    @discardableResult
    public func reconcile(_ hold: ESPortHold, allPorts: Set<String>) throws -> [String] {
        var changes: [String] = []
        for port in allPorts.sorted() {
            guard let state = try linkState(port) else { ports[port] = nil; continue }
            let held = hold.heldPorts.contains(port)
            let reasons = held ? hold.reasons.sorted().map(\.rawValue) : []
            if held {
                if !noProtodown.contains(port) {
                    if !state.protodown {
                        let result = try runner.run([ip, "link", "set", "dev", port, "protodown", "on"], input: nil)
                        if result.status == 0 {
                            changes.append("\(port): protodown on (\(hold.reasonText))")
                        } else if result.output.contains("not supported") {
                            noProtodown.insert(port)
                        } else {
                            throw ExternalToolError(description: "ip link set \(port) protodown on: \(result.output)")
                        }
                    }
                }
                if noProtodown.contains(port) {
                    if state.adminUp {
                        try runChecked([ip, "link", "set", "dev", port, "down"])
                        adminDowned.insert(port)
                        changes.append("\(port): admin down, protodown not supported (\(hold.reasonText))")
                    }
                }
                ports[port] = PortState(held: true, method: noProtodown.contains(port) ? .adminDown : .protodown, reasons: reasons)
            } else {
                if state.protodown {
                    try runChecked([ip, "link", "set", "dev", port, "protodown", "off"])
                    changes.append("\(port): protodown off")
                }
                if adminDowned.contains(port) {
                    if !state.adminUp {
                        try runChecked([ip, "link", "set", "dev", port, "up"])
                        changes.append("\(port): admin up")
                    }
                    adminDowned.remove(port)
                }
                ports[port] = PortState(held: false, method: nil, reasons: [])
            }
        }
        return changes
    }

    /// Releases every port evpnd holds (on stop).
    @discardableResult
    public func releaseAll(_ allPorts: Set<String>) throws -> [String] {
        try reconcile(ESPortHold(ESPortHoldInput(ports: allPorts, uplinks: [], uplinksUp: [], sinceStart: .zero, startupDelay: .zero)),
                      allPorts: allPorts)
    }

    private func runChecked(_ arguments: [String]) throws {
        let result = try runner.run(arguments, input: nil)
        guard result.status == 0 else {
            throw ExternalToolError(description: "\(arguments.dropFirst().joined(separator: " ")): \(result.output)")
        }
    }

    /// The port's admin and protodown state from `ip -d -j link show dev PORT`; nil if it does not exist.
    func linkState(_ port: String) throws -> LinkState? {
        let result = try runner.run([ip, "-d", "-j", "link", "show", "dev", port], input: nil)
        guard result.status == 0 else { return nil }
        return Self.parseLinkState(result.output)
    }

    /// From iproute2's JSON: `"flags":[...,"UP",...]` and `"proto_down":true` (absent when off).
    static func parseLinkState(_ json: String) -> LinkState? {
        guard let flagsStart = json.firstRange(of: "\"flags\":[") else { return nil }
        let flags = json[flagsStart.upperBound...].prefix { $0 != "]" }
        let adminUp = flags.split(separator: ",").contains { $0 == "\"UP\"" }
        let protodown = json.contains("\"proto_down\":true")
        return LinkState(adminUp: adminUp, protodown: protodown)
    }
}
