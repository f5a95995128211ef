// `evpnctl [-s PATH] show WORDS [--json]` (`bgp l2vpn evpn summary`, `bgp neighbors [ADDRESS]`,
// `bgp l2vpn evpn route detail`, `evpn`, ...): vtysh's words, sent to evpnd's control socket; the daemon renders
// the answer (FRR's JSON or vtysh's text) and this prints it.

import ArgumentParser
import ControlProtocol

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show evpnd's state, as vtysh's `show` does (e.g. `show bgp l2vpn evpn summary`).")

    @OptionGroup var control: ControlSocketOption

    @Flag(name: .long, help: "FRR's JSON layout.")
    var json = false

    @Argument(help: "What to show, in vtysh's words: bgp l2vpn evpn summary, bgp neighbors [ADDRESS], bgp l2vpn evpn route [detail], evpn, evpn vni, ...")
    var words: [String]

    func run() throws {
        let response: ControlResponse
        do {
            response = try ControlClient.send(ControlRequest(command: ["show"] + words, json: json), socketPath: control.socket)
        } catch {
            printError("evpnctl: \(error)")
            throw ExitCode(2)
        }
        guard response.ok else {
            printError("% \(response.error ?? "failed")")
            throw ExitCode(1)
        }
        print(response.output)
    }
}

/// `-s PATH`, accepted before the subcommand (`evpnctl -s PATH show ...`, as the root declares it too) and after it.
struct ControlSocketOption: ParsableArguments {
    @Option(name: [.customShort("s"), .customLong("socket")], help: "evpnd's control socket.")
    var socket: String = ControlSocket.defaultPath
}
