// `show bgp neighbors [ADDRESS] [json]` on the control socket: the engine's PeerDetail, the graceful restart
// status, and what the session's socket says (addresses, ports, round-trip time), rendered by NeighborReport.
// `show bgp neighbors ... graceful-restart` stays with GracefulRestartReport.swift.

import BGPCore
import BGPWire
import ControlProtocol
import Glibc

extension Runtime {
    /// nil when `request` is not this command.
    func answerNeighbors(_ request: ControlRequest) -> ControlResponse? {
        var words = request.command
        guard words.count >= 3, words.starts(with: ["show", "bgp"]) else { return nil }
        // FRR takes `show bgp [l2vpn evpn] neighbors`; the family words do not change the answer here.
        if words.count >= 5, words[2] == "l2vpn", words[3] == "evpn" { words.removeSubrange(2..<4) }
        guard words.count >= 3, words[2] == "neighbors" || words[2] == "neighbor",
              !words.contains("graceful-restart") else { return nil }
        var rest = Array(words.dropFirst(3))
        let json = request.json || rest.last == "json"
        if rest.last == "json" { rest.removeLast() }
        guard rest.count <= 1 else { return .failure("unknown command: \(request.command.joined(separator: " "))") }
        var address: IPAddress?
        if let word = rest.first {
            guard let parsed = IPAddress(word) else { return .failure("malformed neighbor address: \(word)") }
            address = parsed
        }
        let now = Runtime.monotonicNow()
        let details = engine.peerDetails(now: now, address: address)
        if address != nil && details.isEmpty {
            // FRR's words (and, in JSON, its object).
            return json ? ControlResponse(ok: true, output: "{\n  \"bgpNoSuchNeighbor\":true\n}")
                        : .failure("No such neighbor in this view/vrf")
        }
        let statuses = Dictionary(engine.gracefulRestartStatus(now: now).map { ($0.peer.address, $0) }, uniquingKeysWith: { a, _ in a })
        let epoch = epochNow()
        let views = details.map { detail -> NeighborView in
            let status = statuses[detail.summary.address]
            let report = GracefulRestartReport(statuses: [], inherited: { self.inheritsGracefulRestartMode($0) })
            return NeighborView(
                detail: detail,
                socket: detail.summary.state >= .openSent ? detail.connection.flatMap(neighborSocket) : nil,
                gracefulRestart: status,
                localGracefulRestartMode: status.map(report.localMode) ?? "Helper",
                advertiseAllVNI: bgpConfig.router.advertiseAllVNI, epochNow: epoch)
        }
        if json { return ControlResponse(ok: true, output: NeighborReport.json(views).frrPretty) }
        return ControlResponse(ok: true, output: NeighborReport.text(views))
    }

    /// The session socket's two ends and TCP's smoothed round-trip time, nil if the connection is gone.
    func neighborSocket(_ connection: ConnectionID) -> NeighborSocket? {
        guard let fd = connections[connection]?.fd,
              let local = Sockets.localAddress(fd)?.endpoint,
              let remote = Self.remoteAddress(fd)?.endpoint else { return nil }
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        let rtt: UInt32? = getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 ? info.tcpi_rtt / 1000 : nil
        return NeighborSocket(local: local, remote: remote, roundTripMilliseconds: rtt)
    }

    static func remoteAddress(_ fd: Int32) -> SocketAddress? {
        var remote = SocketAddress()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &remote.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        remote.length = length
        return remote
    }
}
