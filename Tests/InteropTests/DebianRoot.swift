// A fresh Debian bookworm root for one test (scripts/lab/debian-root: a cached debootstrap, unpacked into a
// directory of this run), and a real systemd booted as PID 1 over it. Used by PackageSystemdTests.
//
// systemd-nspawn fails on these machines (no host system bus), so systemd runs the way ../shared/LAB.md found:
// a new PID and mount namespace, inside a network namespace the test made, chrooted into the root. The root is
// bind-mounted onto itself first: systemd's per-unit mount namespacing (ProtectSystem= and the other Protect*
// settings) fails with EINVAL ("Failed to set up mount namespacing") when / is a plain directory under chroot.
// Everything is undone on every path: systemd is killed from outside with SIGKILL (which ends its whole PID
// namespace, and with it the mount namespace), the cgroups it made in the host's hierarchies are removed, and
// the root's directory is deleted without crossing into any mount.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

enum DebianLab {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let rootScript = "\(repositoryRoot)/scripts/lab/debian-root"
    static let tools = ["debootstrap", "chroot", "unshare", "nsenter", "bash", "ip"]

    /// The package scripts/test made (EVPND_DEB), or why the tests cannot run here.
    static func package() -> Result<String, LabError> {
        if getuid() != 0 { return .failure(LabError("not root (debootstrap, chroot and namespaces need root)")) }
        // This recipe is for machines whose PID 1 is not systemd (these): the booted systemd shares the host's
        // cgroup hierarchies, which a host systemd owns; there, systemd-nspawn is the tool.
        if FileManager.default.fileExists(atPath: "/run/systemd/system") {
            return .failure(LabError("the host runs systemd as PID 1: boot a test systemd with systemd-nspawn there"))
        }
        for tool in tools where Tools.find(tool) == nil { return .failure(LabError("\(tool) is not installed")) }
        guard let deb = ProcessInfo.processInfo.environment["EVPND_DEB"] else {
            return .failure(LabError("EVPND_DEB is not set (scripts/test sets it after running scripts/package)"))
        }
        guard FileManager.default.fileExists(atPath: deb) else { return .failure(LabError("EVPND_DEB=\(deb) does not exist")) }
        return .success(deb)
    }

    /// The package's path when the test should go on; otherwise a SKIP line, or a failure under CI=true.
    static func ready(_ test: String, needs: [String] = []) -> String? {
        var result = package()
        if case .success = result, let missing = needs.first(where: { Tools.find($0) == nil }) {
            result = .failure(LabError("\(missing) is not installed"))
        }
        switch result {
        case .success(let deb): return deb
        case .failure(let reason):
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("\(test): cannot run under CI: \(reason)")
            } else {
                print("SKIP \(test): \(reason)")
            }
            return nil
        }
    }

    /// A per-run suffix for names and directories.
    static func suffix() -> String { String(UInt32.random(in: 0..<UInt32.max), radix: 36) }
}

/// Prints what a test shows, one block per step, so a run's log can be quoted as it is.
struct Transcript {
    private var started = Date()

    mutating func step(_ title: String, _ body: String = "") {
        let seconds = String(format: "%6.1f s", Date().timeIntervalSince(started))
        let block = "== [\(seconds)] \(title)\n" + (body.isEmpty ? "" : body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "   \($0)" }.joined(separator: "\n") + "\n")
        // Line by line: one large write was seen to lose a stretch in the middle on its way through swift test.
        for line in block.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { print(line) }
    }
}

/// A bookworm root unpacked from the cache into `/tmp/evpnd-debian-SUFFIX/root`.
final class DebianRoot {
    let dir: String
    var path: String { "\(dir)/root" }

    init(suffix: String) throws {
        dir = "/tmp/evpnd-debian-\(suffix)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        do {
            // The first run on a machine runs debootstrap (minutes); later ones unpack the cached tarball.
            try run([DebianLab.rootScript, path], timeout: 1200)
        } catch {
            remove()
            throw error
        }
    }

    /// A command inside the root (chroot, host network), with a plain PATH and apt kept non-interactive.
    /// /proc is mounted for it, in a mount namespace of its own: a statically linked Swift program reads its
    /// arguments from /proc/self/cmdline, and without /proc `evpnd --version` runs as a plain `evpnd`.
    @discardableResult
    func chroot(_ arguments: [String], check: Bool = true, timeout: TimeInterval = 300) throws -> CommandResult {
        let script = #"mount -t proc proc "$0/proc" && exec chroot "$0" "$@""#
        return try run(["unshare", "--mount", "--propagation", "private", Tools.find("bash") ?? "/bin/bash", "-c", script, path,
                        "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive",
                        "LC_ALL=C.UTF-8"] + arguments, check: check, timeout: timeout)
    }

    /// Copies the package into the root's /root (not /tmp: a booting systemd empties /tmp) and installs it with
    /// apt as an operator would, `apt install ./evpnd_*.deb`, dependencies from Debian's mirror. Returns apt's output.
    func installPackage(_ deb: String) throws -> String {
        let name = (deb as NSString).lastPathComponent
        try? FileManager.default.removeItem(atPath: "\(path)/root/\(name)")
        try FileManager.default.copyItem(atPath: deb, toPath: "\(path)/root/\(name)")
        try chroot(["apt-get", "update", "-q"], timeout: 600)
        // Use-Pty=0: no /dev/pts in a bare chroot (apt would print an error line about its log).
        let result = try chroot(["sh", "-c", "cd /root && apt install -y -q -o Dpkg::Use-Pty=0 ./\(name)"], timeout: 600)
        return result.output
    }

    func write(_ relativePath: String, _ text: String, mode: Int = 0o644) throws {
        let full = "\(path)/\(relativePath)"
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    /// Deletes the root. A mount left under it (none should be: the booted systemd's mounts live in its own
    /// namespace) is detached first, and `rm --one-file-system` never follows one.
    func remove() {
        let mounts = ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                return fields.count > 4 && fields[4].hasPrefix(dir + "/") ? String(fields[4]) : nil
            }
        for mount in mounts.sorted(by: { $0.count > $1.count }) { _ = try? run(["umount", "-l", mount], check: false) }
        _ = try? run(["rm", "-rf", "--one-file-system", dir], check: false, timeout: 300)
    }
}

/// systemd 252 as PID 1 in its own PID and mount namespace over a DebianRoot, inside network namespace `netns`.
final class BootedSystemd {
    let pid: Int32
    private let launcher: Process
    private let cgroupsBefore: Set<String>

    init(root: DebianRoot, netns: String, consoleLog: String) throws {
        cgroupsBefore = Self.cgroupDirectories()
        let script = """
            set -e
            mount --bind "$0" "$0"
            mount -t proc proc "$0/proc"
            mount --rbind /sys "$0/sys"
            mount --rbind /dev "$0/dev"
            exec chroot "$0" /usr/bin/env -i container=other /lib/systemd/systemd --system
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
        // `ip netns exec` and unshare exec in turn: the Process's pid is unshare's, and its one child is PID 1.
        process.arguments = ["netns", "exec", netns, Tools.find("unshare") ?? "unshare", "--pid", "--fork", "--mount",
                             "--propagation", "private", Tools.find("bash") ?? "/bin/bash", "-c", script, root.path]
        _ = FileManager.default.createFile(atPath: consoleLog, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: consoleLog))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        launcher = process
        var child: Int32?
        _ = waitUntil(10) {
            let text = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children",
                                    encoding: .utf8)) ?? ""
            child = text.split(separator: " ").first.flatMap { Int32($0) }
            return child != nil
        }
        guard let child else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw LabError("systemd did not start: \((try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? "")")
        }
        pid = child
    }

    /// A command in systemd's namespaces and root, as if typed on that machine.
    @discardableResult
    func exec(_ arguments: [String], check: Bool = true, timeout: TimeInterval = 120) throws -> CommandResult {
        try run(["nsenter", "-t", String(pid), "-m", "-p", "-r", "-w", "/usr/bin/env", "-i",
                 "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_COLORS=0", "LC_ALL=C.UTF-8"] + arguments,
                check: check, timeout: timeout)
    }

    /// `systemctl show -p` properties of a unit.
    func properties(_ unit: String, _ names: [String]) throws -> [String: String] {
        let output = try exec(["systemctl", "show", unit, "-p", names.joined(separator: ",")]).output
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }

    /// Kills systemd from outside (SIGKILL to PID 1 ends every process of its PID namespace) and removes the
    /// cgroups it made in the host's hierarchies. Safe to call twice.
    func stop() {
        kill(pid, SIGKILL)
        if launcher.isRunning { kill(launcher.processIdentifier, SIGKILL) }
        launcher.waitUntilExit()
        _ = waitUntil(10) { kill(pid, 0) != 0 }
        // A cgroup can be removed once its last process is gone, which may lag the kill by a moment.
        _ = waitUntil(10, interval: 0.5) {
            let leftover = Self.cgroupDirectories().subtracting(cgroupsBefore)
            for directory in leftover.sorted(by: { $0.count > $1.count }) { rmdir(directory) }
            return Self.cgroupDirectories().subtracting(cgroupsBefore).isEmpty
        }
    }

    /// systemd in a container without a cgroup namespace of its own makes init.scope, system.slice... in the
    /// hierarchies it sees, which are the host's (rbind of /sys). Every directory there, to tell its own apart.
    static func cgroupDirectories() -> Set<String> {
        var result = Set<String>()
        guard let hierarchies = try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup") else { return result }
        for hierarchy in hierarchies {
            let base = "/sys/fs/cgroup/\(hierarchy)"
            guard let walker = FileManager.default.enumerator(atPath: base) else { continue }
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(base)/\(relative)", isDirectory: &isDirectory), isDirectory.boolValue {
                    result.insert("\(base)/\(relative)")
                }
            }
        }
        return result
    }
}
