// The engine's per-peer summary in FRR's `show bgp l2vpn evpn summary` shape (ControlProtocol.BGPSummary).

import BGPCore
import BGPWire
import ControlProtocol

enum SummaryReport {
    static func make(_ rows: [PeerSummary], config: EngineConfig, peerGroups: Int, routeCount: Int, epochNow: UInt64) -> BGPSummary {
        var peers: [String: BGPSummary.Peer] = [:]
        for row in rows {
            let established = row.state == .established
            // FRR shows "never" until a session first came up, then the time since it went up or down.
            let everUp = row.connectionsEstablished > 0
            peers[row.address.description] = BGPSummary.Peer(
                remoteAs: row.remoteAS, localAs: row.localAS, msgRcvd: row.messagesReceived, msgSent: row.messagesSent,
                peerUptime: frrUptime(milliseconds: everUp ? row.uptimeMilliseconds : nil),
                peerUptimeMsec: everUp ? row.uptimeMilliseconds : 0,
                peerUptimeEstablishedEpoch: established ? epochNow - row.uptimeMilliseconds / 1000 : nil,
                pfxRcd: UInt64(row.prefixesReceived), pfxSnt: UInt64(row.prefixesSent),
                state: row.stateName,
                peerState: row.state == .idle && row.lastResetDueTo == "Admin. shutdown" ? "Admin" : "OK",
                connectionsEstablished: row.connectionsEstablished, connectionsDropped: row.connectionsDropped,
                lastResetDueTo: row.lastResetDueTo, hostname: row.hostname, desc: row.description,
                dynamicPeer: row.isDynamic ? true : nil,
                idType: row.address.bitLength == 32 ? "ipv4" : "ipv6")
            peers[row.address.description]?.updateErrors = UpdateErrorReport.make(row.updateErrors)
            peers[row.address.description]?.routesDropped = DropReport.make(row.drops)
        }
        var summary = BGPSummary(routerId: config.routerID.description, as: config.localAS, peerGroupCount: peerGroups, peers: peers)
        summary.ribCount = routeCount
        if config.multipathRelax { summary.bestPath.multiPathRelax = "true" }
        var totals = DropCounters()
        for row in rows { totals.add(row.drops) }
        summary.routesDropped = DropReport.make(totals)
        return summary
    }
}
