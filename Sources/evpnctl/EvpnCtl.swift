// evpnctl: the operator's CLI for evpnd. Commands mirror vtysh's; `--json` uses FRR's keys.
import ArgumentParser

@main
struct EvpnCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evpnctl",
        abstract: "Query and control evpnd, and decode captured BGP messages.",
        subcommands: [Decode.self, Show.self]
    )
    @OptionGroup var control: ControlSocketOption
}
