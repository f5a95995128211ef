// Standard error and standard input with write(2) and read(2): FileHandle is full Foundation's, and full
// Foundation links ICU's data (about 40 MB) into the static release binary (docs/DECISIONS.md).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` and a newline to standard error, unbuffered as FileHandle.standardError was.
func printError(_ text: String) {
    writeStandardError(text + "\n")
}

func writeStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(2, $0.baseAddress.map { $0 + written }, $0.count - written) }
        if n < 0 && errno == EINTR { continue }
        // Nothing more can be said if standard error itself fails.
        guard n > 0 else { return }
        written += n
    }
}

/// libc's exit(3), named apart from ParsableCommand's `exit(withError:)`, which hides it inside a command.
func exitProcess(_ status: Int32) -> Never {
    exit(status)
}

/// A failed read(2) of standard input, with errno's text (strerror).
struct StandardInputError: Error, CustomStringConvertible {
    let code: Int32
    var description: String { String(cString: strerror(code)) }
}

/// Everything on standard input, up to end of file.
func readStandardInput() throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw StandardInputError(code: errno)
        }
        if n == 0 { return bytes }
        bytes += chunk[0..<n]
    }
}
