// A throw-away lab for one interop test: two network namespaces joined by a veth pair, evpnd in one, FRR's bgpd
// or GoBGP in the other. Every name carries a per-run suffix; `close()` removes everything the lab made
// (processes by pid, namespaces, FRR's run directory, temporary files), and tests call it on every path.

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct LabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

enum Tools {
    static let frrDir = "/usr/lib/frr"

    static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/bin"]
        for dir in dirs {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The directory holding the evpnd and evpnctl this test run was built with.
    static func binDirectory() -> String? {
        if let dir = ProcessInfo.processInfo.environment["EVPND_BIN_DIR"] { return dir }
        var candidates: [String] = []
        // The test bundle runs from the build products directory.
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent)
        }
        candidates.append((CommandLine.arguments.first.map { ($0 as NSString).deletingLastPathComponent }) ?? "")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        candidates.append("\(root)/.build/debug")
        return candidates.first { FileManager.default.isExecutableFile(atPath: "\($0)/evpnd") && FileManager.default.isExecutableFile(atPath: "\($0)/evpnctl") }
    }

    /// Whether the lab can run here. Returns nil when it can; otherwise the reason. Under CI=true a missing
    /// prerequisite is a failure (recorded), elsewhere a SKIP line.
    static func missingPrerequisite(needs: [String]) -> String? {
        if getuid() != 0 { return "not root (network namespaces need root)" }
        for tool in ["ip"] + needs where find(tool) == nil { return "\(tool) is not installed" }
        if binDirectory() == nil { return "evpnd/evpnctl binaries not found next to the test bundle (swift build first)" }
        return nil
    }

    /// True when the test should go on. Prints SKIP or records a failure otherwise.
    static func ready(_ test: String, needs: [String]) -> Bool {
        guard let missing = missingPrerequisite(needs: needs) else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("\(test): cannot run under CI: \(missing)")
        } else {
            print("SKIP \(test): \(missing)")
        }
        return false
    }
}

/// Runs a command that daemonizes (FRR's `-d`) with posix_spawn and waitpid: Foundation's Process would wait for
/// the daemon it leaves behind. Output goes to `logPath`.
func runDaemonizing(_ arguments: [String], logPath: String) throws {
    guard let executable = Tools.find(arguments[0]) else { throw LabError("\(arguments[0]) not found") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments.dropFirst()).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard status == 0 else { throw LabError("posix_spawn \(executable): \(String(cString: strerror(status)))") }
    var exitStatus: Int32 = 0
    while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
    guard exitStatus == 0 else {
        throw LabError("\(arguments.joined(separator: " ")) failed (\(exitStatus)): \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }
}

@discardableResult
// The default limit is generous: interop suites run side by side, and a namespace being deleted by one
// holds the kernel's RTNL lock, so another suite's plain `ip link set` was seen waiting over 30 s.
func run(_ arguments: [String], check: Bool = true, timeout: TimeInterval = 120) throws -> CommandResult {
    guard let executable = Tools.find(arguments[0]) else { throw LabError("\(arguments[0]) not found") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = Array(arguments.dropFirst())
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes while the process runs so a chatty command cannot fill a pipe and stall.
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        throw LabError("timed out after \(Int(timeout)) s: \(arguments.joined(separator: " "))")
    }
    process.waitUntilExit()
    let result = CommandResult(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                               error: String(decoding: errData, as: UTF8.self))
    if check && result.status != 0 {
        throw LabError("\(arguments.joined(separator: " ")) exited \(result.status): \(result.error)\(result.output)")
    }
    return result
}

/// Polls `condition` every `interval` until it holds or `timeout` passes.
func waitUntil(_ timeout: TimeInterval, interval: TimeInterval = 0.2, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}

final class Lab: @unchecked Sendable {
    let suffix: String
    let dir: String
    let bin: String
    /// Namespace of evpnd ("a") and of the other speaker ("b").
    let nsA: String
    let nsB: String
    let addressA: String
    let addressB: String
    private var pids: [Int32] = []
    private var frrNames: [String] = []
    private var processes: [Process] = []

    /// `subnet`: the third octet of 10.213.X.0/24, different per test so logs are easy to tell apart.
    init(subnet: Int) throws {
        suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        dir = "/tmp/evpnd-interop-\(suffix)"
        bin = Tools.binDirectory() ?? ".build/debug"
        nsA = "evpnd-a-\(suffix)"
        nsB = "evpnd-b-\(suffix)"
        addressA = "10.213.\(subnet).1"
        addressB = "10.213.\(subnet).2"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        do {
            try run(["ip", "netns", "add", nsA])
            try run(["ip", "netns", "add", nsB])
            let vethA = "va\(suffix)".prefix(15)
            let vethB = "vb\(suffix)".prefix(15)
            try run(["ip", "link", "add", String(vethA), "type", "veth", "peer", "name", String(vethB)])
            try run(["ip", "link", "set", String(vethA), "netns", nsA])
            try run(["ip", "link", "set", String(vethB), "netns", nsB])
            for (ns, veth, address) in [(nsA, String(vethA), addressA), (nsB, String(vethB), addressB)] {
                try run(["ip", "-n", ns, "link", "set", "lo", "up"])
                try run(["ip", "-n", ns, "addr", "add", "\(address)/24", "dev", veth])
                try run(["ip", "-n", ns, "link", "set", veth, "up"])
            }
        } catch {
            close()
            throw error
        }
    }

    /// Removes everything this lab made; safe to call twice.
    func close() {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for pid in pids { kill(pid, SIGKILL) }
        for name in frrNames {
            if let pid = frrPID(name) { kill(pid, SIGKILL) }
        }
        for process in processes { process.waitUntilExit() }
        pids = []
        processes = []
        // Deleting a namespace deletes the veth pair with it.
        for ns in [nsA, nsB] { _ = try? run(["ip", "netns", "del", ns], check: false) }
        for name in frrNames { try? FileManager.default.removeItem(atPath: "/var/run/frr/\(name)") }
        frrNames = []
        try? FileManager.default.removeItem(atPath: dir)
    }

    func write(_ name: String, _ text: String) throws -> String { try writeLabFile("\(dir)/\(name)", text) }

    // MARK: evpnd

    var evpndSocket: String { "\(dir)/evpnd.sock" }
    var evpndLog: String { "\(dir)/evpnd.log" }
    private(set) var evpnd: Process?

    func startEvpnd(config: String) throws {
        let path = try write("evpnd.conf", config)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
        // `ip netns exec` execs the command: the Process's pid is evpnd's.
        process.arguments = ["netns", "exec", nsA, "\(bin)/evpnd", "--config", path, "--socket", evpndSocket, "--log-level", "debug"]
        _ = FileManager.default.createFile(atPath: evpndLog, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: evpndLog))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        evpnd = process
        guard waitUntil(10, { FileManager.default.fileExists(atPath: evpndSocket) }) else {
            throw LabError("evpnd did not open its control socket; log:\n\(evpndLogText)")
        }
    }

    var evpndLogText: String { (try? String(contentsOfFile: evpndLog, encoding: .utf8)) ?? "" }

    func evpndSummary() throws -> BGPSummary {
        let result = try run(["\(bin)/evpnctl", "-s", evpndSocket, "show", "bgp", "l2vpn", "evpn", "summary", "--json"])
        return try JSONDecoder().decode(BGPSummary.self, from: Data(result.output.utf8))
    }

    func evpndPeer(_ address: String) -> BGPSummary.Peer? { (try? evpndSummary())?.peers[address] }

    /// Descriptors evpnd keeps and its resident memory (kB), from /proc (`ProcessResources`).
    func evpndResources() throws -> (fds: Int, rssKB: Int) {
        guard let pid = evpnd?.processIdentifier else { throw LabError("evpnd is not running") }
        return try ProcessResources.read(pid)
    }

    // MARK: FRR

    var frrName: String { "evpnd-frr-\(suffix)" }
    var frrLog: String { "/var/run/frr/\(frrName)/bgpd.log" }
    private var frrConfigPath = ""

    func startFRR(config: String) throws {
        frrConfigPath = try write("frr.conf", config)
        let runDir = "/var/run/frr/\(frrName)"
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        frrNames.append(frrName)
        try run(["chown", "frr:frr", "/var/run/frr", runDir])
        try restartFRR()
    }

    func restartFRR() throws {
        try? FileManager.default.removeItem(atPath: "/var/run/frr/\(frrName)/bgpd.pid")
        try runDaemonizing(["ip", "netns", "exec", nsB, "\(Tools.frrDir)/bgpd", "-d", "-N", frrName, "-f", frrConfigPath,
                            "-u", "frr", "-g", "frr", "--no_zebra"], logPath: "\(dir)/bgpd-start.log")
        guard waitUntil(10, { frrPID(frrName) != nil && (try? vtysh("show bgp summary json")) != nil }) else {
            throw LabError("FRR bgpd did not start")
        }
    }

    func frrPID(_ name: String) -> Int32? { livePID(inFile: "/var/run/frr/\(name)/bgpd.pid") }

    func killFRR() {
        if let pid = frrPID(frrName) {
            kill(pid, SIGKILL)
            _ = waitUntil(5) { kill(pid, 0) != 0 }
        }
    }

    func vtysh(_ command: String) throws -> String {
        try run(["vtysh", "-N", frrName, "-c", command]).output
    }

    /// FRR's `show bgp l2vpn evpn summary json`, peers keyed by address.
    func frrSummary() throws -> [String: Any] {
        let text = try vtysh("show bgp l2vpn evpn summary json")
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw LabError("FRR summary is not a JSON object: \(text)")
        }
        return object
    }

    func frrPeer(_ address: String) -> [String: Any]? {
        ((try? frrSummary())?["peers"] as? [String: Any])?[address] as? [String: Any]
    }

    // MARK: GoBGP

    func startGoBGP(config: String) throws {
        processes.append(try startGoBGPDaemon(namespace: nsB, configPath: try write("gobgp.toml", config), logDirectory: dir))
    }

    func gobgp(_ arguments: [String]) throws -> String {
        try run(["ip", "netns", "exec", nsB, "gobgp", "-u", "127.0.0.1", "-p", "50051"] + arguments).output
    }
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

/// Writes a file of a lab's work folder, readable by FRR's daemons (they read their config as user frr).
/// gobgpd in a namespace, with its API on the namespace's loopback and its log in `logDirectory/gobgpd.log`.
func startGoBGPDaemon(namespace: String, configPath: String, logDirectory: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
    process.arguments = ["netns", "exec", namespace, Tools.find("gobgpd") ?? "gobgpd", "-f", configPath,
                         "--api-hosts", "127.0.0.1:50051", "-l", "warn"]
    _ = FileManager.default.createFile(atPath: "\(logDirectory)/gobgpd.log", contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(logDirectory)/gobgpd.log"))
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
}

func writeLabFile(_ path: String, _ text: String) throws -> String {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    return path
}

/// The pid a daemon's pidfile names, if that process is alive.
func livePID(inFile path: String) -> Int32? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0 else { return nil }
    return pid
}
