// `evpnctl [-s PATH] clear bgp [l2vpn evpn] '*'|PEER [soft [in|out]]`: vtysh's words, sent to evpnd's control socket.
// Hard: the session is reset (Cease/Administrative Reset) and comes back; soft: ROUTE-REFRESH, the session stays.
// Exit status: 0 done, 1 refused (unknown neighbor, unsupported form), 2 evpnd cannot be reached.

import ArgumentParser
import ControlProtocol

struct Clear: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reset BGP sessions, as vtysh's `clear bgp` does: clear bgp '*'|PEER [soft [in|out]].")

    @OptionGroup var control: ControlSocketOption

    @Argument(help: "In vtysh's words: bgp [l2vpn evpn] '*'|PEER [soft [in|out]]. Quote '*' for the shell.")
    var words: [String]

    func run() throws {
        let response: ControlResponse
        do {
            response = try ControlClient.send(ControlRequest(command: ["clear"] + words), socketPath: control.socket)
        } catch {
            printError("evpnctl: \(error)")
            throw ExitCode(2)
        }
        guard response.ok else {
            printError("% \(response.error ?? "failed")")
            throw ExitCode(1)
        }
        if !response.output.isEmpty { print(response.output) }
    }
}
