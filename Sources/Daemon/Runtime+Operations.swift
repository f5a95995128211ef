// The operator's control commands that are not reports: `show running-config` and `clear bgp`, in vtysh's words.
//
//   show running-config
//   clear bgp [l2vpn evpn] *|PEER                 hard: Cease/Administrative Reset, then the session comes back
//   clear bgp [l2vpn evpn] *|PEER soft in         ROUTE-REFRESH (RFC 2918) for every negotiated family
//   clear bgp [l2vpn evpn] *|PEER soft out        the Adj-RIB-Out is advertised again in full
//   clear bgp [l2vpn evpn] *|PEER soft            both, as in FRR
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
        // FRR's meaning: `soft` alone is both directions.
        let (hard, softIn, softOut): (Bool, Bool, Bool)
        switch mode {
        case []:
            (hard, softIn, softOut) = (true, false, false)
        case ["soft"]:
            (hard, softIn, softOut) = (false, true, true)
        case ["soft", "in"], ["in"]:
            (hard, softIn, softOut) = (false, true, false)
        case ["soft", "out"], ["out"]:
            (hard, softIn, softOut) = (false, false, true)
        default:
            return .failure("unknown command: \(words.joined(separator: " "))")
        }
        logger.notice("clear bgp \(([targetWord] + mode).joined(separator: " ")): requested on the control socket")
        if hard || softIn { feed(.clear(target, soft: softIn)) }
        if softOut { feed(.resendAdjRIBOut(target)) }
        return ControlResponse(ok: true, output: "")
    }
}
