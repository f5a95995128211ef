// `show bgp neighbors [ADDRESS] [json]` in FRR 8.4's layout (bgpd/bgp_vty.c, bgp_show_peer), checked against
// Tests/Fixtures/frr-json/{vtep1,rr1}-neighbors.{json,txt} (scripts/lab/capture-views-json). JSON: one object
// per peer keyed by its address, FRR's keys in FRR's order. Text: vtysh's lines, one block per peer.
//
// Keys FRR prints that evpnd leaves out, and why, are listed in ControlProtocol.NeighborKeyDifferences (the
// unit and interop tests hold the renderer to that list). Values that are FRR's constants where evpnd has no
// such feature are printed as FRR prints them unconfigured: `localRole`/`remoteRole` "undefined" (no RFC 9234
// roles), `extendedOptionalParametersLength` false (evpnd sends RFC 4271 optional parameters),
// `minBtwnAdvertisementRunsTimerMsecs` 0 (evpnd sends as the socket drains, no MRAI), `depthInq`/`depthOutq`
// 0 (UPDATEs are built when the socket can take them, nothing queues), `capabilitySent/Recv` 0 (no dynamic
// capability).

import BGPCore
import BGPWire
import ControlProtocol

/// What the socket of a peer's session says, read by the runtime (getsockname, getpeername, TCP_INFO).
struct NeighborSocket: Hashable {
    var local: (address: IPAddress, port: UInt16)
    var remote: (address: IPAddress, port: UInt16)
    var roundTripMilliseconds: UInt32?

    static func == (a: NeighborSocket, b: NeighborSocket) -> Bool {
        a.local.address == b.local.address && a.local.port == b.local.port && a.remote.address == b.remote.address
            && a.remote.port == b.remote.port && a.roundTripMilliseconds == b.roundTripMilliseconds
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(local.address)
        hasher.combine(local.port)
        hasher.combine(remote.address)
        hasher.combine(remote.port)
    }
}

/// One peer with what the report needs besides the engine's `PeerDetail`.
struct NeighborView {
    var detail: PeerDetail
    var socket: NeighborSocket?
    var gracefulRestart: GracefulRestartStatus?
    /// FRR's "Local GR Mode", with its `*` when inherited (GracefulRestartReport).
    var localGracefulRestartMode: String
    /// `advertise-all-vni` is on (a VTEP): FRR says so per l2vpn evpn peer.
    var advertiseAllVNI: Bool
    /// Seconds since 1970 now, for `bgpTimerUpEstablishedEpoch`.
    var epochNow: UInt64
}

enum NeighborReport {
    /// FRR's `lastResetCode`: the index of the cause in bgpd.c's `peer_down_str` (PEER_DOWN_* in bgpd.h).
    static let resetCodes: [String: Int] = [
        "Router ID changed": 1, "Remote AS changed": 2, "Local AS change": 3, "Cluster ID changed": 4,
        "RR client config change": 7, "Update source change": 9, "Address family activated": 10,
        "Admin. shutdown": 11, "User reset": 12, "BGP Notification received": 13, "BGP Notification send": 14,
        "Peer closed the session": 15, "Neighbor deleted": 16, "Capability changed": 19, "Passive config change": 20,
        "NSF peer closed the session": 22, "No AFI/SAFI activated for peer": 30, "Waiting for peer OPEN": 32,
        "Reached received prefix count": 33,
    ]

    /// FRR's JSON name of a family (`get_afi_safi_json_str`).
    static func familyKey(_ family: AddressFamily) -> String {
        switch (family.afi, family.safi) {
        case (.ipv4, .unicast): return "ipv4Unicast"
        case (.ipv6, .unicast): return "ipv6Unicast"
        case (.ipv4, .multicast): return "ipv4Multicast"
        case (.ipv6, .multicast): return "ipv6Multicast"
        case (.l2vpn, .evpn): return "l2VpnEvpn"
        default: return "afi\(family.afi.rawValue)Safi\(family.safi.rawValue)"
        }
    }

    /// FRR's text name of a family (`get_afi_safi_str`).
    static func familyName(_ family: AddressFamily) -> String {
        switch (family.afi, family.safi) {
        case (.ipv4, .unicast): return "IPv4 Unicast"
        case (.ipv6, .unicast): return "IPv6 Unicast"
        case (.ipv4, .multicast): return "IPv4 Multicast"
        case (.ipv6, .multicast): return "IPv6 Multicast"
        case (.l2vpn, .evpn): return "L2VPN EVPN"
        default: return "AFI \(family.afi.rawValue) SAFI \(family.safi.rawValue)"
        }
    }

    static func milliseconds(_ d: Duration?) -> UInt64? {
        guard let d else { return nil }
        let (seconds, attoseconds) = d.components
        return UInt64(max(seconds, 0)) * 1000 + UInt64(max(attoseconds, 0) / 1_000_000_000_000_000)
    }

    /// FRR shows these times in whole seconds (its clock ticks in seconds), as milliseconds.
    static func wholeSecondsMilliseconds(_ d: Duration?) -> UInt64? {
        guard let d else { return nil }
        return UInt64(max(d.components.seconds, 0)) * 1000
    }

    // MARK: capabilities, both ways

    struct Capabilities {
        var ours: [Capability]
        var theirs: [Capability]

        func has(_ list: [Capability], _ code: CapabilityCode) -> Bool { list.contains { $0.code == code } }
        /// FRR's words: "advertisedAndReceived", "advertised", "received", or nil for neither.
        func both(_ code: CapabilityCode) -> String? { Self.word(has(ours, code), has(theirs, code)) }

        static func word(_ advertised: Bool, _ received: Bool) -> String? {
            switch (advertised, received) {
            case (true, true): return "advertisedAndReceived"
            case (true, false): return "advertised"
            case (false, true): return "received"
            case (false, false): return nil
            }
        }

        static func text(_ advertised: Bool, _ received: Bool) -> String? {
            switch (advertised, received) {
            case (true, true): return "advertised and received"
            case (true, false): return "advertised"
            case (false, true): return "received"
            case (false, false): return nil
            }
        }

        func families(_ list: [Capability]) -> [AddressFamily] {
            list.compactMap { if case .multiprotocol(let f, _) = $0 { return f } else { return nil } }
        }

        func addPath(_ list: [Capability]) -> [AddressFamily: AddPathEntry.Direction] {
            var result: [AddressFamily: AddPathEntry.Direction] = [:]
            for case .addPath(let entries) in list { for e in entries { result[e.family] = e.direction } }
            return result
        }

        var fqdn: (ours: (String, String)?, theirs: (String, String)?) {
            func find(_ list: [Capability]) -> (String, String)? {
                for case .fqdn(let h, let d) in list { return (h, d) }
                return nil
            }
            return (find(ours), find(theirs))
        }

        var theirGracefulRestart: GracefulRestartCapability? {
            for case .gracefulRestart(let gr) in theirs { return gr }
            return nil
        }

        /// Every family either side named, in AFI/SAFI order.
        var allFamilies: [AddressFamily] {
            Set(families(ours) + families(theirs)).sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }
        }

        var addPathFamilies: [AddressFamily] {
            Set(addPath(ours).keys).union(addPath(theirs).keys).sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }
        }

        /// RFC 9494's Long-Lived Graceful Restart capability, which evpnd reads only to report it.
        static let longLivedGracefulRestart = CapabilityCode(rawValue: 71)

        /// The families of the peer's LLGR capability: AFI (2), SAFI (1), flags (1), stale time (3) each.
        var longLivedFamilies: [AddressFamily] {
            for case .unknown(let code, let value) in theirs where code == Self.longLivedGracefulRestart.rawValue {
                return stride(from: 0, to: value.count - value.count % 7, by: 7).map {
                    AddressFamily(afi: AFI(rawValue: UInt16(value[$0]) << 8 | UInt16(value[$0 + 1])), safi: SAFI(rawValue: value[$0 + 2]))
                }
            }
            return []
        }

        /// FRR's routeRefresh word: which of the new (2) and old (128) codes the peer sent.
        var routeRefresh: String? {
            let advertised = has(ours, .routeRefresh) || has(ours, .routeRefreshCisco)
            let new = has(theirs, .routeRefresh), old = has(theirs, .routeRefreshCisco)
            let suffix = new && old ? "OldNew" : old ? "Old" : "New"
            switch (advertised, new || old) {
            case (true, true): return "advertisedAndReceived" + suffix
            case (true, false): return "advertised"
            case (false, true): return "received" + suffix
            case (false, false): return nil
            }
        }

        var routeRefreshText: String? {
            let advertised = has(ours, .routeRefresh) || has(ours, .routeRefreshCisco)
            let new = has(theirs, .routeRefresh), old = has(theirs, .routeRefreshCisco)
            let which = new && old ? "(old & new)" : old ? "(old)" : "(new)"
            switch (advertised, new || old) {
            case (true, true): return "advertised and received" + which
            case (true, false): return "advertised"
            case (false, true): return "received" + which
            case (false, false): return nil
            }
        }
    }

    // MARK: JSON

    static func json(_ views: [NeighborView]) -> JSONValue {
        .object(views.map { ($0.detail.summary.address.description, peerJSON($0)) })
    }

    static func peerJSON(_ view: NeighborView) -> JSONValue {
        let d = view.detail
        let s = d.summary
        let established = s.state == .established
        let internalLink = s.remoteAS == s.localAS
        var o: [(String, JSONValue)] = [
            ("remoteAs", .int(s.remoteAS)), ("localAs", .int(s.localAS)),
            (internalLink ? "nbrInternalLink" : "nbrExternalLink", .bool(true)),
            ("localRole", .string("undefined")), ("remoteRole", .string("undefined")),
        ]
        if let desc = s.description { o.append(("nbrDesc", .string(desc))) }
        if let hostname = s.hostname { o.append(("hostname", .string(hostname))) }
        if let group = s.peerGroup { o.append(("peerGroup", .string(group))) }
        o += [
            ("bgpVersion", .int(4)),
            ("remoteRouterId", .string((d.remoteRouterID ?? IPv4Address(rawValue: 0)).description)),
            ("localRouterId", .string(d.localRouterID.description)),
            ("bgpState", .string(s.stateName)),
        ]
        if established {
            o += [
                ("bgpTimerUpMsec", .int(s.uptimeMilliseconds)),
                ("bgpTimerUpString", .string(frrUptime(milliseconds: s.uptimeMilliseconds))),
                ("bgpTimerUpEstablishedEpoch", .int(view.epochNow - s.uptimeMilliseconds / 1000)),
            ]
        }
        if let read = wholeSecondsMilliseconds(d.sinceLastRead) { o.append(("bgpTimerLastRead", .int(read))) }
        if let write = wholeSecondsMilliseconds(d.sinceLastWrite) { o.append(("bgpTimerLastWrite", .int(write))) }
        if let update = wholeSecondsMilliseconds(d.sinceLastUpdateReceived) { o.append(("bgpInUpdateElapsedTimeMsecs", .int(update))) }
        let holdTime = d.negotiated?.holdTime ?? d.configuredHoldTime
        let keepalive = d.negotiated?.keepaliveInterval ?? d.configuredKeepalive
        o += [
            ("bgpTimerConfiguredHoldTimeMsecs", .int(UInt64(d.configuredHoldTime) * 1000)),
            ("bgpTimerConfiguredKeepAliveIntervalMsecs", .int(UInt64(d.configuredKeepalive) * 1000)),
            ("bgpTimerHoldTimeMsecs", .int(UInt64(holdTime) * 1000)),
            ("bgpTimerKeepAliveIntervalMsecs", .int(UInt64(keepalive) * 1000)),
            ("extendedOptionalParametersLength", .bool(false)),
        ]
        if established { o.append(("neighborCapabilities", capabilitiesJSON(view))) }
        o.append(("gracefulRestartInfo", gracefulRestartJSON(view)))
        o.append(("messageStats", messageStatsJSON(s.messages)))
        o.append(("minBtwnAdvertisementRunsTimerMsecs", .int(0)))
        o.append(("addressFamilyInfo", .object(d.configuredFamilies.map { (familyKey($0), familyJSON($0, view)) })))
        o += [("connectionsEstablished", .int(s.connectionsEstablished)), ("connectionsDropped", .int(s.connectionsDropped))]
        if let dueTo = s.lastResetDueTo {
            if let since = wholeSecondsMilliseconds(d.sinceLastReset) { o.append(("lastResetTimerMsecs", .int(since))) }
            o.append(("lastResetDueTo", .string(dueTo)))
            if let code = resetCodes[dueTo] { o.append(("lastResetCode", .int(code))) }
        }
        if internalLink {
            o.append(("internalBgpNbrMaxHopsAway", .int(255)))
        } else {
            o.append(("externalBgpNbrMaxHopsAway", .int(1)))
        }
        if let socket = view.socket {
            o += [
                ("hostLocal", .string(socket.local.address.description)), ("portLocal", .int(socket.local.port)),
                ("hostForeign", .string(socket.remote.address.description)), ("portForeign", .int(socket.remote.port)),
                ("nexthop", .string(socket.local.address.description)),
            ]
        } else {
            // FRR's words for a peer without a connection.
            o += [("hostLocal", .string("Unknown")), ("portLocal", .int(-1)),
                  ("hostForeign", .string("Unknown")), ("portForeign", .int(-1))]
        }
        o.append(("connectRetryTimer", .int(d.connectRetry)))
        if s.state != .established, let next = milliseconds(d.untilNextConnect) {
            o.append(("nextConnectTimerDueInMsecs", .int(next)))
        }
        if let rtt = view.socket?.roundTripMilliseconds { o.append(("estimatedRttInMsecs", .int(rtt))) }
        return .object(o)
    }

    static func capabilitiesJSON(_ view: NeighborView) -> JSONValue {
        let caps = Capabilities(ours: view.detail.advertisedCapabilities, theirs: view.detail.receivedCapabilities)
        var o: [(String, JSONValue)] = []
        if let w = caps.both(.fourOctetAS) { o.append(("4byteAs", .string(w))) }
        if let w = caps.both(.extendedMessage) { o.append(("extendedMessage", .string(w))) }
        if !caps.addPathFamilies.isEmpty {
            let ours = caps.addPath(caps.ours), theirs = caps.addPath(caps.theirs)
            o.append(("addPath", .object(caps.addPathFamilies.map { family in
                var f: [(String, JSONValue)] = []
                let (mine, peer) = (ours[family], theirs[family])
                if let w = Capabilities.word(mine?.canSend == true, peer?.canSend == true) { f.append(("tx" + w.capitalizedFirst, .bool(true))) }
                if let w = Capabilities.word(mine?.canReceive == true, peer?.canReceive == true) { f.append(("rx" + w.capitalizedFirst, .bool(true))) }
                return (familyKey(family), .object(f))
            })))
        }
        if let w = caps.both(Capabilities.longLivedGracefulRestart) {
            // RFC 9494: evpnd does not implement it; FRR 8.4 sends it (with no families) to every peer.
            o.append(("longLivedGracefulRestart", .string(w)))
            // FRR lists the peer's families only when the peer sent the capability.
            if caps.has(caps.theirs, Capabilities.longLivedGracefulRestart) {
                o.append(("longLivedGracefulRestartByPeer", .object(caps.longLivedFamilies.map { (familyKey($0), .object([])) })))
            }
        }
        if let w = caps.routeRefresh { o.append(("routeRefresh", .string(w))) }
        if let w = caps.both(.enhancedRouteRefresh) { o.append(("enhancedRouteRefresh", .string(w))) }
        let ourFamilies = Set(caps.families(caps.ours)), theirFamilies = Set(caps.families(caps.theirs))
        o.append(("multiprotocolExtensions", .object(caps.allFamilies.compactMap { family in
            guard let w = Capabilities.word(ourFamilies.contains(family), theirFamilies.contains(family)) else { return nil }
            return (familyKey(family), .object([(w, .bool(true))]))
        })))
        let (ourName, theirName) = caps.fqdn
        if ourName != nil || theirName != nil {
            o.append(("hostName", .object([
                ("advHostName", .string(ourName.map { $0.0.isEmpty ? "n/a" : $0.0 } ?? "n/a")),
                ("advDomainName", .string(ourName.map { $0.1.isEmpty ? "n/a" : $0.1 } ?? "n/a")),
                ("rcvHostName", .string(theirName.map { $0.0.isEmpty ? "n/a" : $0.0 } ?? "n/a")),
                ("rcvDomainName", .string(theirName.map { $0.1.isEmpty ? "n/a" : $0.1 } ?? "n/a")),
            ])))
        }
        if let w = caps.both(.gracefulRestart) {
            o.append(("gracefulRestart", .string(w)))
            if let gr = caps.theirGracefulRestart {
                o.append(("gracefulRestartRemoteTimerMsecs", .int(UInt64(gr.restartTime) * 1000)))
                if gr.families.isEmpty {
                    o.append(("addressFamiliesByPeer", .string("none")))
                } else {
                    o.append(("addressFamiliesByPeer", .object(gr.families.map { f in
                        (familyKey(f.family), .object([("endOfRibSentAfterUpdate", .bool(false)),
                                                       ("preserved", .bool(f.forwardingPreserved))]))
                    })))
                }
            }
        }
        return .object(o)
    }

    static func gracefulRestartJSON(_ view: NeighborView) -> JSONValue {
        var o: [(String, JSONValue)] = []
        let established = view.detail.summary.state == .established
        let families = view.detail.negotiated.map { Array($0.families) } ?? []
        // FRR prints both, empty, while no session is up. evpnd tracks End-of-RIB for l2vpn evpn, its family.
        let evpn = established && families.contains(.l2vpnEVPN)
        let gr = view.gracefulRestart
        o.append(("endOfRibSend", .object(evpn && gr?.endOfRIBSent == true ? [("l2VpnEvpn", .bool(true))] : [])))
        o.append(("endOfRibRecv", .object(evpn && gr?.endOfRIBReceived == true ? [("l2VpnEvpn", .bool(true))] : [])))
        o.append(("localGrMode", .string(view.localGracefulRestartMode)))
        o.append(("remoteGrMode", .string(view.gracefulRestart?.remoteMode ?? "NotApplicable")))
        let peerCapability = view.gracefulRestart?.peerCapability
        o.append(("rBit", .bool(peerCapability?.restarting ?? false)))
        o.append(("nBit", .bool(peerCapability?.notificationSupport ?? false)))
        o.append(("timers", .object([
            ("configuredRestartTimer", .int(view.gracefulRestart?.configuredRestartTime ?? 0)),
            ("receivedRestartTimer", .int(peerCapability?.restartTime ?? 0)),
        ])))
        return .object(o)
    }

    static func messageStatsJSON(_ m: MessageCounters) -> JSONValue {
        .object([
            ("depthInq", .int(0)), ("depthOutq", .int(0)),
            ("opensSent", .int(m.sent.opens)), ("opensRecv", .int(m.received.opens)),
            ("notificationsSent", .int(m.sent.notifications)), ("notificationsRecv", .int(m.received.notifications)),
            ("updatesSent", .int(m.sent.updates)), ("updatesRecv", .int(m.received.updates)),
            ("keepalivesSent", .int(m.sent.keepalives)), ("keepalivesRecv", .int(m.received.keepalives)),
            ("routeRefreshSent", .int(m.sent.routeRefreshes)), ("routeRefreshRecv", .int(m.received.routeRefreshes)),
            ("capabilitySent", .int(0)), ("capabilityRecv", .int(0)),
            ("totalSent", .int(m.sent.total)), ("totalRecv", .int(m.received.total)),
        ])
    }

    static func familyJSON(_ family: AddressFamily, _ view: NeighborView) -> JSONValue {
        let d = view.detail
        var o: [(String, JSONValue)] = []
        if let group = d.summary.peerGroup { o.append(("peerGroupMember", .string(group))) }
        if d.routeReflectorClient { o.append(("routeReflectorClient", .bool(true))) }
        if family == .l2vpnEVPN {
            // FRR keeps the EVPN next hop unchanged towards every peer; so does evpnd (the VTEP address).
            o.append(("unchangedNextHopPropogatedToNbr", .bool(true)))
        }
        o.append(("commAttriSentToNbr", .string("extendedAndStandard")))
        if family == .l2vpnEVPN && view.advertiseAllVNI { o.append(("advertiseAllVnis", .bool(true))) }
        // evpnd's RIB counts routes per peer over every family it carries (l2vpn evpn today).
        let counted = family == .l2vpnEVPN
        o.append(("acceptedPrefixCounter", .int(counted ? d.summary.prefixesReceived : 0)))
        // FRR counts what it sent only for a peer in an update group, i.e. with a session up.
        if d.summary.state == .established { o.append(("sentPrefixCounter", .int(counted ? d.summary.prefixesSent : 0))) }
        return .object(o)
    }

    // MARK: text

    static func text(_ views: [NeighborView]) -> String {
        views.map(peerText).joined(separator: "\n")
    }

    static func peerText(_ view: NeighborView) -> String {
        let d = view.detail
        let s = d.summary
        let internalLink = s.remoteAS == s.localAS
        var out = "BGP neighbor is \(s.address), remote AS \(s.remoteAS), local AS \(s.localAS), \(internalLink ? "internal" : "external") link\n"
        out += "  Local Role: undefined\n  Remote Role: undefined\n"
        if let desc = s.description { out += " Description: \(desc)\n" }
        if let hostname = s.hostname { out += "Hostname: \(hostname)\n" }
        if let group = s.peerGroup { out += " Member of peer-group \(group) for session parameters\n" }
        out += "  BGP version 4, remote router ID \(d.remoteRouterID ?? IPv4Address(rawValue: 0)), local router ID \(d.localRouterID)\n"
        out += "  BGP state = \(s.stateName)"
        if s.state == .established { out += ", up for \(frrUptime(milliseconds: s.uptimeMilliseconds))" }
        out += "\n"
        func ago(_ duration: Duration?) -> String { duration.map { frrUptime(milliseconds: milliseconds($0)) } ?? "never" }
        out += "  Last read \(ago(d.sinceLastRead)), Last write \(ago(d.sinceLastWrite))\n"
        let holdTime = d.negotiated?.holdTime ?? d.configuredHoldTime
        let keepalive = d.negotiated?.keepaliveInterval ?? d.configuredKeepalive
        out += "  Hold time is \(holdTime) seconds, keepalive interval is \(keepalive) seconds\n"
        out += "  Configured hold time is \(d.configuredHoldTime) seconds, keepalive interval is \(d.configuredKeepalive) seconds\n"
        if s.state == .established { out += capabilitiesText(view) }
        out += gracefulRestartText(view)
        let m = s.messages
        out += "  Message statistics:\n    Inq depth is 0\n    Outq depth is 0\n"
        out += "                         Sent       Rcvd\n"
        func row(_ name: String, _ sent: UInt64, _ received: UInt64) -> String {
            "    " + name + String(repeating: " ", count: max(0, 15 - name.count)) + RouteReport.pad(String(sent), 10) + " " + RouteReport.pad(String(received), 10) + "\n"
        }
        out += row("Opens:", m.sent.opens, m.received.opens)
        out += row("Notifications:", m.sent.notifications, m.received.notifications)
        out += row("Updates:", m.sent.updates, m.received.updates)
        out += row("Keepalives:", m.sent.keepalives, m.received.keepalives)
        out += row("Route Refresh:", m.sent.routeRefreshes, m.received.routeRefreshes)
        out += row("Capability:", 0, 0)
        out += row("Total:", m.sent.total, m.received.total)
        out += "  Minimum time between advertisement runs is 0 seconds\n\n"
        for family in d.configuredFamilies {
            out += " For address family: \(familyName(family))\n"
            if let group = s.peerGroup { out += "  \(group) peer-group member\n" }
            if d.routeReflectorClient { out += "  Route-Reflector Client\n" }
            if family == .l2vpnEVPN { out += "  NEXT_HOP is propagated unchanged to this neighbor\n" }
            out += "  Community attribute sent to this neighbor(all)\n"
            if family == .l2vpnEVPN && view.advertiseAllVNI { out += "  advertise-all-vni\n" }
            out += "  \(family == .l2vpnEVPN ? s.prefixesReceived : 0) accepted prefixes\n\n"
        }
        out += "  Connections established \(s.connectionsEstablished); dropped \(s.connectionsDropped)\n"
        if let dueTo = s.lastResetDueTo {
            out += "  Last reset \(ago(d.sinceLastReset)),  \(dueTo)\n"
        } else {
            out += "  Last reset never\n"
        }
        out += internalLink ? "  Internal BGP neighbor may be up to 255 hops away.\n" : "  External BGP neighbor may be up to 1 hops away.\n"
        if let socket = view.socket {
            out += "Local host: \(socket.local.address), Local port: \(socket.local.port)\n"
            out += "Foreign host: \(socket.remote.address), Foreign port: \(socket.remote.port)\n"
            out += "Nexthop: \(socket.local.address)\n"
        }
        out += "BGP Connect Retry Timer in Seconds: \(d.connectRetry)\n"
        if s.state != .established, let next = d.untilNextConnect {
            out += "Next connect timer due in \(next.components.seconds) seconds\n"
        }
        if let rtt = view.socket?.roundTripMilliseconds { out += "Estimated round trip time: \(rtt) ms\n" }
        return out
    }

    static func capabilitiesText(_ view: NeighborView) -> String {
        let caps = Capabilities(ours: view.detail.advertisedCapabilities, theirs: view.detail.receivedCapabilities)
        var out = "  Neighbor capabilities:\n"
        func line(_ name: String, _ code: CapabilityCode) {
            if let w = Capabilities.text(caps.has(caps.ours, code), caps.has(caps.theirs, code)) { out += "    \(name): \(w)\n" }
        }
        line("4 Byte AS", .fourOctetAS)
        line("Extended Message", .extendedMessage)
        if !caps.addPathFamilies.isEmpty {
            out += "    AddPath:\n"
            let ours = caps.addPath(caps.ours), theirs = caps.addPath(caps.theirs)
            for family in caps.addPathFamilies {
                if let w = Capabilities.text(ours[family]?.canSend == true, theirs[family]?.canSend == true) {
                    out += "      \(familyName(family)): TX \(w)\n"
                }
                if let w = Capabilities.text(ours[family]?.canReceive == true, theirs[family]?.canReceive == true) {
                    out += "      \(familyName(family)): RX \(w)\n"
                }
            }
        }
        if let w = Capabilities.text(caps.has(caps.ours, Capabilities.longLivedGracefulRestart),
                                     caps.has(caps.theirs, Capabilities.longLivedGracefulRestart)) {
            out += "    Long-lived Graceful Restart: \(w)\n"
            if caps.has(caps.theirs, Capabilities.longLivedGracefulRestart) {
                out += "      Address families by peer:\n" + caps.longLivedFamilies.map { "        \(familyName($0))\n" }.joined()
            }
        }
        if let w = caps.routeRefreshText { out += "    Route refresh: \(w)\n" }
        line("Enhanced Route Refresh", .enhancedRouteRefresh)
        let ourFamilies = Set(caps.families(caps.ours)), theirFamilies = Set(caps.families(caps.theirs))
        for family in caps.allFamilies {
            if let w = Capabilities.text(ourFamilies.contains(family), theirFamilies.contains(family)) {
                out += "    Address Family \(familyName(family)): \(w)\n"
            }
        }
        let (ourName, theirName) = caps.fqdn
        if ourName != nil || theirName != nil {
            func name(_ n: (String, String)?) -> String {
                "(name: \(n.map { $0.0.isEmpty ? "n/a" : $0.0 } ?? "n/a"),domain name: \(n.map { $0.1.isEmpty ? "n/a" : $0.1 } ?? "n/a"))"
            }
            var w = "    Hostname Capability:"
            if ourName != nil { w += " advertised \(name(ourName))" }
            if theirName != nil { w += " received \(name(theirName))" }
            out += w + "\n"
        }
        if let w = Capabilities.text(caps.has(caps.ours, .gracefulRestart), caps.has(caps.theirs, .gracefulRestart)) {
            out += "    Graceful Restart Capability: \(w)\n"
            if let gr = caps.theirGracefulRestart {
                out += "      Remote Restart timer is \(gr.restartTime) seconds\n"
                out += "      Address families by peer:\n"
                out += gr.families.isEmpty ? "        none\n"
                    : gr.families.map { "        \(familyName($0.family))(\($0.forwardingPreserved ? "preserved" : "not preserved"))\n" }.joined()
            }
        }
        return out
    }

    static func gracefulRestartText(_ view: NeighborView) -> String {
        var out = "  Graceful restart information:\n"
        if let gr = view.gracefulRestart, view.detail.summary.state == .established,
           view.detail.negotiated?.families.contains(.l2vpnEVPN) == true {
            out += "    End-of-RIB send: \(gr.endOfRIBSent ? "L2VPN EVPN" : "")\n"
            out += "    End-of-RIB received: \(gr.endOfRIBReceived ? "L2VPN EVPN" : "")\n"
        }
        let capability = view.gracefulRestart?.peerCapability
        out += "    Local GR Mode: \(view.localGracefulRestartMode)\n"
        out += "    Remote GR Mode: \(view.gracefulRestart?.remoteMode ?? "NotApplicable")\n"
        out += "    R bit: \(capability?.restarting == true ? "True" : "False")\n"
        out += "    N bit: \(capability?.notificationSupport == true ? "True" : "False")\n"
        out += "    Timers:\n"
        out += "      Configured Restart Time(sec): \(view.gracefulRestart?.configuredRestartTime ?? 0)\n"
        out += "      Received Restart Time(sec): \(capability?.restartTime ?? 0)\n"
        return out
    }
}

private extension String {
    /// "advertisedAndReceived" -> "AdvertisedAndReceived", for FRR's "txAdvertisedAndReceived".
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
