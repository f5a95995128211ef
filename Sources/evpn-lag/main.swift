// evpn-lag: an emulated link aggregation for a test host, because this kernel has no bonding or team
// driver (docs/TESTING.md, "A server with two links"). Joins member interfaces into one TAP device: the
// host's frames are hashed over the members with carrier, every member's frames go up to the host, and the
// duplicates and echoes that EVPN multihoming must prevent are counted in a stats file.
#if canImport(Glibc)
import Glibc
#endif

/// A line on stderr (fd 2 directly: Glibc's `stderr` is a shared mutable global to Swift 6).
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

do {
    let options = try LAGOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    var loop = try LAGLoop(options: options)
    try loop.run()
} catch let error as LAGOptions.UsageError {
    printError("evpn-lag: \(error)\n\(LAGOptions.usage)")
    exit(64)
} catch {
    printError("evpn-lag: \(error)")
    exit(1)
}
