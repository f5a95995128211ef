// What a killed test run leaves behind. `Testbed.close()` removes everything on every path a test can take,
// but a test process killed outright (SIGKILL from a timeout, a runner killed by hand) runs no cleanup, and its
// namespaces, FRR run directories and work folder outlive it. Each work folder records the process that owns
// it (pid and the kernel's start time, so a reused pid is not mistaken for the owner); the first testbed of
// every test process removes the labs whose owner is gone, so a killed run never poisons the next one.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum StaleLabs {
    static let workPrefix = "/tmp/evpnd-interop-"
    static let ownerFile = "owner"

    /// Writes this process's identity into the work folder `dir`.
    static func markOwned(_ dir: String) throws {
        try "\(getpid()) \(startTime(of: getpid()) ?? "?")\n".write(toFile: "\(dir)/\(ownerFile)", atomically: true,
                                                                      encoding: .utf8)
    }

    private static let sweep: Void = {
        for suffix in abandonedSuffixes() { remove(suffix: suffix) }
    }()

    /// Removes abandoned labs, once per test process.
    static func sweepOnce() { _ = sweep }

    /// The suffixes of work folders whose recorded owner no longer runs. A folder without an owner file is
    /// left alone: it is not known to be a testbed's.
    static func abandonedSuffixes() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return [] }
        return names.compactMap { name -> String? in
            guard name.hasPrefix("evpnd-interop-") else { return nil }
            let dir = "/tmp/\(name)"
            guard let text = try? String(contentsOfFile: "\(dir)/\(ownerFile)", encoding: .utf8) else { return nil }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            guard fields.count == 2, let pid = Int32(fields[0]) else { return nil }
            let alive = startTime(of: pid).map { $0 == fields[1] } ?? false
            return alive ? nil : String(name.dropFirst("evpnd-interop-".count))
        }
    }

    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), nil if it does not run.
    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3 (state); the start time is field 22.
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        return rest.count > 19 ? String(rest[19]) : nil
    }

    /// Everything a testbed with `suffix` makes: its namespaces (with what runs in them), FRR's run directories
    /// and the work folder.
    static func remove(suffix: String) {
        let tail = "-\(suffix)"
        if let list = try? run(["ip", "netns", "list"], check: false).output {
            for line in list.split(separator: "\n") {
                guard let name = line.split(separator: " ").first.map(String.init),
                      name.hasPrefix("evpnd-"), name.hasSuffix(tail) else { continue }
                if let pids = try? run(["ip", "netns", "pids", name], check: false).output {
                    for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
                }
                _ = try? run(["ip", "netns", "del", name], check: false)
            }
        }
        if let runs = try? FileManager.default.contentsOfDirectory(atPath: "/var/run/frr") {
            for name in runs where name.hasPrefix("evpnd-") && name.hasSuffix(tail) {
                try? FileManager.default.removeItem(atPath: "/var/run/frr/\(name)")
            }
        }
        try? FileManager.default.removeItem(atPath: "\(workPrefix)\(suffix)")
    }
}
