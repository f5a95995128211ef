// The interop harness's one place for namespaces and links: every test builds its topology on a `Testbed`,
// which names everything with a per-run suffix and removes everything it made in `close()` (processes by pid,
// FRR instances, namespaces with whatever still runs in them, FRR's run directories, the work folder).
// Presets (`Lab`, `ReflectorLab`, `VTEPFabric`) are topologies built from these pieces; the nodes (`EvpndNode`,
// `FRRNode`, `GoBGPNode`) start daemons in its namespaces and hand their processes to it.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class Testbed: @unchecked Sendable {
    /// Per-run: a test's namespaces, FRR instances and files never collide with another run's.
    let suffix: String
    /// The work folder: configurations, logs, control sockets.
    let dir: String
    /// Where evpnd and evpnctl are.
    let bin: String

    private let lock = NSLock()
    private var namespaces: [String] = []
    private var processes: [Process] = []
    /// Run before the namespaces go: stops what is not a `Process` of ours (FRR's self-daemonizing daemons).
    private var stoppers: [() -> Void] = []
    /// Removed last: FRR's run directories.
    private var paths: [String] = []

    init() throws {
        suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        dir = "/tmp/evpnd-interop-\(suffix)"
        bin = Tools.binDirectory() ?? ".build/debug"
        StaleLabs.sweepOnce()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try StaleLabs.markOwned(dir)
    }

    /// The per-run name of `role`: a namespace ("evpnd-a-k3x9q1") or an FRR instance.
    func name(_ role: String) -> String { "evpnd-\(role)-\(suffix)" }

    func write(_ name: String, _ text: String) throws -> String { try writeLabFile("\(dir)/\(name)", text) }

    // MARK: what close() removes

    func adopt(_ process: Process) { lock.withLock { processes.append(process) } }
    func onClose(_ stop: @escaping () -> Void) { lock.withLock { stoppers.append(stop) } }
    func removeOnClose(_ path: String) { lock.withLock { paths.append(path) } }

    /// Removes everything this testbed made; safe to call twice.
    func close() {
        let (processes, stoppers, namespaces, paths) = lock.withLock {
            defer { self.processes = []; self.stoppers = []; self.namespaces = []; self.paths = []}
            return (self.processes, self.stoppers, self.namespaces, self.paths)
        }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for stop in stoppers { stop() }
        for process in processes { process.waitUntilExit() }
        for name in namespaces.reversed() {
            // Anything still running in it (a ping left behind by a failed test) goes first.
            if let pids = try? run(["ip", "netns", "pids", name], check: false).output {
                for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            }
            // Deleting a namespace deletes its links (and a veth's peer) with it.
            _ = try? run(["ip", "netns", "del", name], check: false)
        }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: namespaces and links

    /// A namespace for `role` with its loopback up; `ipv6: false` turns IPv6 off in it.
    @discardableResult
    func addNamespace(_ role: String, ipv6: Bool = true) throws -> String {
        let ns = name(role)
        try run(["ip", "netns", "add", ns])
        lock.withLock { namespaces.append(ns) }
        try run(["ip", "-n", ns, "link", "set", "lo", "up"])
        if !ipv6 {
            try run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        }
        return ns
    }

    /// One end of a veth pair: its namespace, its name there and, if given, its MAC address.
    struct End {
        var namespace: String
        var name: String
        var mac: String? = nil
    }

    /// A veth pair between two namespaces (both ends left down).
    func addVeth(_ a: End, _ b: End) throws {
        try run(["ip", "link", "add", "name", a.name, "netns", a.namespace] + (a.mac.map { ["address", $0] } ?? [])
                + ["type", "veth", "peer", "name", b.name, "netns", b.namespace] + (b.mac.map { ["address", $0] } ?? []))
    }

    /// `address` (with its prefix length) on `device`, which is then brought up.
    func addAddress(_ address: String, on device: String, in ns: String) throws {
        try run(["ip", "-n", ns, "addr", "add", address, "dev", device])
        try run(["ip", "-n", ns, "link", "set", device, "up"])
    }

    func addRoute(_ prefix: String, via gateway: String, in ns: String) throws {
        try run(["ip", "-n", ns, "route", "add", prefix, "via", gateway])
    }

    func enableForwarding(in ns: String) throws {
        try run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
    }

    /// A Linux bridge, up.
    func addBridge(_ bridge: String, in ns: String, mac: String? = nil) throws {
        try run(["ip", "-n", ns, "link", "add", bridge] + (mac.map { ["address", $0] } ?? []) + ["type", "bridge"])
        try run(["ip", "-n", ns, "link", "set", bridge, "up"])
    }

    /// Makes `port` a port of `bridge` and brings it up.
    func attach(_ port: String, to bridge: String, in ns: String) throws {
        try run(["ip", "-n", ns, "link", "set", port, "master", bridge])
        try run(["ip", "-n", ns, "link", "set", port, "up"])
    }

    // MARK: VTEPs and hosts

    /// A VTEP's data plane for `vni`: bridge `br<vni>` with port `vxlan<vni>` (dstport 4789, `local`, no
    /// learning: the control plane fills the FDB), the MAC addresses given so FDB rows are predictable.
    func addVXLANBridge(vni: Int, local: String, in ns: String, bridgeMAC: String, vxlanMAC: String) throws {
        let (bridge, vxlan) = ("br\(vni)", "vxlan\(vni)")
        try run(["ip", "-n", ns, "link", "add", bridge, "address", bridgeMAC, "type", "bridge"])
        try run(["ip", "-n", ns, "link", "add", vxlan, "address", vxlanMAC, "type", "vxlan", "id", String(vni),
                 "dstport", "4789", "local", local, "nolearning"])
        try attach(vxlan, to: bridge, in: ns)
        try run(["ip", "-n", ns, "link", "set", bridge, "up"])
    }

    /// A host: namespace `role` whose `eth0` (MAC `mac`, address `ip`/24 if given) is the veth peer of port
    /// `port` of `bridge` in `vtep`. `up: false` leaves eth0 down (a host that arrives later).
    @discardableResult
    func addHost(_ role: String, mac: String, ip: String?, up: Bool = true, ipv6: Bool = true,
                 vtep: String, port: String, portMAC: String? = nil, bridge: String = "br100") throws -> String {
        let host = try addNamespace(role, ipv6: ipv6)
        try addVeth(End(namespace: host, name: "eth0", mac: mac), End(namespace: vtep, name: port, mac: portMAC))
        try attach(port, to: bridge, in: vtep)
        if let ip { try run(["ip", "-n", host, "addr", "add", "\(ip)/24", "dev", "eth0"]) }
        if up { try run(["ip", "-n", host, "link", "set", "eth0", "up"]) }
        return host
    }

    /// `bridge fdb show dev DEVICE` in `ns`, "" when it cannot be read.
    func fdb(in ns: String, device: String = "vxlan100") -> String {
        (try? run(["bridge", "-n", ns, "fdb", "show", "dev", device]).output) ?? ""
    }
}
