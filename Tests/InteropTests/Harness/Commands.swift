// Commands and waiting for the interop harness: finding the tools, running a command (or a daemon that forks
// itself away) to completion, starting a long-running process inside a namespace, polling for a condition, and
// the small file and pidfile helpers every node type uses.

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

/// The harness's own helpers, in a namespace of their own so that suites can name theirs freely.
enum Harness {
    /// Starts `arguments` inside `namespace` (`ip netns exec` execs the command, so the Process's pid is the
    /// command's own) with stdout and stderr to `logPath`; `appendLog` keeps what an earlier run wrote there.
    /// The caller hands the process to a `Testbed` so that it is killed on every path.
    static func launch(in namespace: String, _ arguments: [String], logPath: String, appendLog: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace] + arguments
        if !appendLog || !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        if appendLog { handle.seekToEndOfFile() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `ping -c COUNT -i 0.2 -W 1 TARGET` from `namespace`: true when it got replies.
    static func ping(from namespace: String, to target: String, count: Int = 3) -> Bool {
        ((try? run(["ip", "netns", "exec", namespace, "ping", "-c", String(count), "-i", "0.2", "-W", "1", target], check: false))?.status ?? 1) == 0
    }

    /// A file's text, or "" when it cannot be read (a log not written yet).
    static func fileText(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Parses `text` as a JSON object.
    static func jsonObject(_ text: String, what: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw LabError("\(what) is not a JSON object: \(text.prefix(300))")
        }
        return object
    }
}

/// Writes a file of a lab's work folder, readable by FRR's daemons (they read their config as user frr).
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
