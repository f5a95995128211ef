// evpnctl: the operator's CLI for evpnd. Commands mirror vtysh's; `--json` uses FRR's keys.
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct EvpnCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evpnctl",
        abstract: "Query and control evpnd, and decode captured BGP messages.",
        subcommands: [Decode.self, Show.self, Clear.self]
    )
    @OptionGroup var control: ControlSocketOption

    /// Exit status scripts can rely on: 0 done, 1 the command failed or is unknown (to evpnctl or to evpnd),
    /// 2 evpnd cannot be reached (or, for `decode`, the input cannot be read). ArgumentParser's own usage
    /// status (64) is folded into 1.
    static func main() {
        // Without /proc the Swift runtime cannot find argv (see evpnd's LostCommandLine.swift): say so rather
        // than print the usage, as an empty command line would.
        if CommandLine.argc == 0 {
            printError("evpnctl: cannot read its command line: the Swift runtime finds it through /proc/self/maps, "
                + "which cannot be read here (is /proc mounted? in a chroot: mount -t proc proc /proc)")
            exitProcess(1)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exitProcess(1)
            }
            exit(withError: error)
        }
    }
}
