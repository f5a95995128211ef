// The operator's control commands that are not reports: `show running-config` and `clear bgp`, in vtysh's words.
//
//   show running-config
//   clear bgp [l2vpn evpn] *|PEER                 hard: Cease/Administrative Reset, then the session comes back
//   clear bgp [l2vpn evpn] *|PEER soft [in|out]   soft: ROUTE-REFRESH (RFC 2918) for every negotiated family
//   clear bgp [l2vpn evpn] *|PEER in|out          FRR's short form of `soft in|out`
//
// A failed or unknown command answers `ok: false`, which evpnctl turns into exit status 1.

import BGPCore
import BGPWire
import ControlProtocol

extension Runtime {
    /// nil when `request` is none of these commands.
    func answerOperation(_ request: ControlRequest) -> ControlResponse? {
        let words = request.command
        if words == ["show", "running-config"] {
            return ControlResponse(ok: true, output: bgpConfig.runningConfigText)
        }
        guard words.starts(with: ["clear", "bgp"]) else { return nil }
        var rest = Array(words.dropFirst(2))
        if rest.starts(with: ["l2vpn", "evpn"]) { rest.removeFirst(2) } else if rest.first == "evpn" { rest.removeFirst() }
        guard let targetWord = rest.first else { return .failure("clear bgp: give '*' or a neighbor address") }
        let target: PeerID?
        if targetWord == "*" {
            target = nil
        } else if let address = IPAddress(targetWord) {
            guard engine.summary(now: Runtime.monotonicNow()).contains(where: { $0.address == address }) else {
                return .failure("clear bgp: no neighbor \(targetWord)")
            }
            target = PeerID(address)
        } else {
            return .failure("clear bgp: '\(targetWord)' is neither '*' nor a neighbor address")
        }
        let mode = Array(rest.dropFirst())
        let soft: Bool
        switch mode {
        case []:
            soft = false
        case ["soft"], ["soft", "in"], ["in"]:
            soft = true
        case ["soft", "out"], ["out"]:
            // Adj-RIB-Out is re-sent on every change already; an explicit re-advertisement is not in the engine yet.
            return .failure("clear bgp \(targetWord) soft out is not supported yet; use 'soft in' or a hard clear")
        default:
            return .failure("unknown command: \(words.joined(separator: " "))")
        }
        logger.notice("clear bgp \(targetWord)\(soft ? " soft" : ""): requested on the control socket")
        feed(.clear(target, soft: soft))
        return ControlResponse(ok: true, output: "")
    }
}
