// Every system call of the runtime goes through `syscall`: it retries EINTR and turns -1 into a thrown `Errno`
// (swift-system's way), so no call site forgets either.

import Glibc

public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static var current: Errno { Errno(errno) }

    public var description: String { String(cString: strerror(rawValue)) }

    public static let wouldBlock = Errno(EAGAIN)
    public static let inProgress = Errno(EINPROGRESS)
}

/// Runs `call` until it does not fail with EINTR; a result of -1 throws the errno.
@discardableResult
@inline(__always)
func syscall<Result: BinaryInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = errno
        if error == EINTR { continue }
        throw Errno(error)
    }
}

/// Closes a descriptor; EINTR is not retried (Linux releases the descriptor anyway) and errors are ignored:
/// there is nothing left to do with a descriptor that failed to close.
func closeDescriptor(_ fd: Int32) {
    _ = Glibc.close(fd)
}
