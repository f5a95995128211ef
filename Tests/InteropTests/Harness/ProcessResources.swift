import Foundation

/// What a daemon holds, read from /proc: the descriptors it keeps and its resident memory.
///
/// A control query (`evpnctl`, `vtysh`) that has just returned can leave the daemon's end of its Unix socket open
/// for a moment: the daemon closes it after the reply is flushed, on its own queue, while the client may already have
/// read the reply and exited. Such a socket is a query in flight, not a resource held, so it is not counted: the
/// descriptor figures compare what the daemon keeps (listeners, peers, netlink, timers), not the timing of the last
/// query. A Unix socket counts as in flight when `/proc/PID/net/unix` shows it connected (state 03); a listener and
/// an unconnected datagram socket are counted.
enum ProcessResources {
    static func read(_ pid: Int32) throws -> (fds: Int, rssKB: Int) {
        let fdDirectory = "/proc/\(pid)/fd"
        let entries = try FileManager.default.contentsOfDirectory(atPath: fdDirectory)
        let inFlight = connectedUnixInodes(pid)
        let kept = entries.filter { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)"),
                  target.hasPrefix("socket:["), target.hasSuffix("]") else { return true }
            return !inFlight.contains(String(target.dropFirst("socket:[".count).dropLast()))
        }
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        return (kept.count, kb)
    }

    /// Inodes of the connected Unix stream sockets in the process's network namespace.
    /// Columns of /proc/net/unix: Num RefCount Protocol Flags Type St Inode [Path].
    private static func connectedUnixInodes(_ pid: Int32) -> Set<String> {
        guard let table = try? String(contentsOfFile: "/proc/\(pid)/net/unix", encoding: .utf8) else { return [] }
        var inodes = Set<String>()
        for row in table.split(separator: "\n").dropFirst() {
            let columns = row.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count >= 7, columns[4] == "0001", columns[5] == "03" else { continue }
            inodes.insert(String(columns[6]))
        }
        return inodes
    }
}
