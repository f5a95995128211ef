// evpnd and evpnctl run where /proc is not mounted (a chroot before `mount -t proc`): the Swift runtime cannot
// find their arguments there, and they must say so instead of running with defaults (evpnd would start a
// daemon on `evpnd --check ...`). /proc is hidden with a tmpfs in a private mount namespace (`unshare -rm`,
// no root needed where user namespaces are allowed).

import Foundation
import Testing

@Suite(.serialized)
struct LostCommandLineTests {
    /// Runs `binary arguments...` with /proc covered by an empty tmpfs, or nil (and SKIP) if this machine cannot.
    static func runWithoutProc(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String)? {
        let probe = try Binaries.runTool("/usr/bin/unshare", ["-rm", "sh", "-c", "mount -t tmpfs none /proc && test ! -e /proc/self/maps"])
        guard probe?.status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("hiding /proc needs unshare -rm (user and mount namespaces) (CI=true): \(probe?.error ?? "no /usr/bin/unshare")")
            } else {
                print("SKIP: hiding /proc needs unshare -rm (user and mount namespaces)")
            }
            return nil
        }
        let dir = try #require(Binaries.directory, "evpnd and evpnctl are not built next to the tests")
        return try #require(try Binaries.runTool("/usr/bin/unshare",
            ["-rm", "sh", "-c", "mount -t tmpfs none /proc && exec \"$0\" \"$@\"", "\(dir)/\(name)"] + arguments))
    }

    @Test(arguments: [
        ("evpnd", ["--version"]),
        ("evpnd", ["--check", "--config", "/nonexistent/evpnd.conf"]),
        ("evpnctl", ["decode", "/nonexistent"]),
    ])
    func refusesToRunWithoutItsArguments(name: String, arguments: [String]) throws {
        guard let result = try Self.runWithoutProc(name, arguments) else { return }
        #expect(result.status == 1, "\(result.error)")
        #expect(result.output.isEmpty, "\(result.output)")
        #expect(result.error == "\(name): cannot read its command line: the Swift runtime finds it through /proc/self/maps, "
            + "which cannot be read here (is /proc mounted? in a chroot: mount -t proc proc /proc)\n")
    }

    /// The same invocation with /proc mounted reaches the program's own code: the check does not misfire.
    @Test func runsNormallyWithProc() throws {
        let version = try Binaries.run("evpnd", ["--version"])
        #expect(version.status == 0)
        #expect(!version.output.isEmpty)
        #expect(!version.error.contains("cannot read its command line"))
        let decode = try Binaries.run("evpnctl", ["decode", "/nonexistent"])
        #expect(decode.status == 2)
        #expect(decode.error == "evpnctl decode: cannot read /nonexistent: The operation could not be completed. The file doesn’t exist.\n")
    }
}
