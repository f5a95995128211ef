// Reads a whole file with plain system calls: this module stays free of Foundation.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct FileReadError: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { String(cString: strerror(errno)) }
}

enum FileReader {
    static func read(_ path: String) throws -> [UInt8] {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw FileReadError(errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { readSyscall(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileReadError(errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            // A configuration is small; refuse to slurp a device or a huge file.
            if bytes.count > 16 << 20 { throw FileReadError(errno: EFBIG) }
        }
    }
}

#if canImport(Glibc)
private let readSyscall = Glibc.read
#elseif canImport(Darwin)
private let readSyscall = Darwin.read
#endif
