// The Swift runtime on Linux does not take argv from main(): it finds the initial stack in /proc/self/maps and
// walks back from `environ` to argc and argv (stdlib/public/stubs/CommandLine.cpp, ArgvGrabber). Without /proc,
// e.g. in a chroot that has not mounted it, CommandLine.arguments is empty, and ArgumentParser would run
// `evpnd --check ...` or `evpnd --version` as a plain `evpnd` starting with every default. An exec'd program
// always has argc >= 1 (Linux supplies an empty argv[0] when the caller passes none), so 0 means lost.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum LostCommandLine {
    static let message = "evpnd: cannot read its command line: the Swift runtime finds it through /proc/self/maps, "
        + "which cannot be read here (is /proc mounted? in a chroot: mount -t proc proc /proc)\n"

    /// Exits with status 1 and `message` on standard error if the arguments were lost.
    static func exitIfLost() {
        guard CommandLine.argc == 0 else { return }
        let bytes = Array(message.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(1)
    }
}
