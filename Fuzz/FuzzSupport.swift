// Shared by every fuzz target (compiled into each one by scripts/fuzz; not part of the package).
#if canImport(Glibc)
import Glibc
#endif

/// The input as an array: the decoders under test take `[UInt8]`.
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// An invariant of the code under test failed: print why and abort, so libFuzzer saves the input as a crash.
/// This is a logic bug (a value that does not survive a round trip...), not a memory error.
func fuzzInvariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        let text = Array("fuzz invariant failed: \(message())\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        abort()
    }
}
