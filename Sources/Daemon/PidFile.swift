// `--pidfile PATH` for runs outside systemd, with libbsd's pidfile(3): the file is opened and locked (flock) before
// the daemon starts, so a second evpnd given the same path refuses to start and names the pid that holds it; the
// pid is written once the daemon runs; the file is removed on a clean exit.

import CBSD
import Glibc

public struct PidFileError: Error, CustomStringConvertible {
    public var description: String
}

public final class PidFile: @unchecked Sendable {
    // Touched by the main thread before the daemon starts and by the exit path after it stopped, never at once.
    private var handle: OpaquePointer?
    public let path: String

    /// Opens and locks `path`; throws if another process holds it (naming its pid) or the file cannot be made.
    public init(path: String) throws {
        self.path = path
        var other: pid_t = 0
        guard let handle = pidfile_open(path, 0o644, &other) else {
            let error = errno
            if error == EEXIST {
                throw PidFileError(description: "another evpnd (pid \(other)) holds the pidfile \(path)")
            }
            throw PidFileError(description: "cannot open the pidfile \(path): \(String(cString: strerror(error)))")
        }
        self.handle = handle
    }

    /// Writes this process's pid.
    public func write() throws {
        guard let handle, pidfile_write(handle) == 0 else {
            throw PidFileError(description: "cannot write the pidfile \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Unlocks and removes the file.
    public func remove() {
        guard let handle else { return }
        _ = pidfile_remove(handle)
        self.handle = nil
    }
}
