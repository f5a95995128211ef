// `show running-config`: the configuration in force, written back in FRR's dialect and in the order FRR 8.4's
// `show running-config` writes a `router bgp` (bgpd/bgpd.c, bgp_config_write): globals, peer groups, neighbors,
// listen ranges, then one block per address family. The text parses back to the same configuration (tested), so
// an operator can save it as a file.

import BGPWire

extension BGPConfig {
    public var runningConfigText: String {
        var lines = ["frr defaults \(profile.rawValue)"]
        if let hostname { lines.append("hostname \(hostname)") }
        if let metrics { lines.append(metrics.line) }
        lines.append("!")
        lines += multihoming.runningConfigLines
        lines.append("router bgp \(router.asn)")
        lines += router.globalLines.map { " " + $0 }
        for group in router.peerGroups {
            lines.append(" neighbor \(group.name) peer-group")
            lines += group.settings.sessionLines.map { " neighbor \(group.name) \($0)" }
        }
        for range in router.listenRanges {
            lines.append(" bgp listen range \(range.prefix) peer-group \(range.peerGroup)")
        }
        for neighbor in router.neighbors {
            let name = neighbor.address.description
            if let group = neighbor.peerGroup {
                // FRR writes `remote-as` before `peer-group` when the member has its own.
                if let own = neighbor.settings.remoteAS { lines.append(" neighbor \(name) remote-as \(own)") }
                lines.append(" neighbor \(name) peer-group \(group)")
                var settings = neighbor.settings
                settings.remoteAS = nil
                lines += settings.sessionLines.map { " neighbor \(name) \($0)" }
            } else {
                lines += neighbor.settings.sessionLines.map { " neighbor \(name) \($0)" }
            }
        }
        for family in [AddressFamily.ipv4Unicast, .ipv6Unicast, .l2vpnEVPN] {
            let body = router.familyLines(family)
            guard !body.isEmpty else { continue }
            lines.append(" !")
            lines.append(" address-family \(family == .l2vpnEVPN ? "l2vpn evpn" : family == .ipv4Unicast ? "ipv4 unicast" : "ipv6 unicast")")
            lines += body.map { "  " + $0 }
            lines.append(" exit-address-family")
        }
        lines.append("exit")
        lines.append("!")
        lines += bfd.runningConfigLines
        return lines.joined(separator: "\n")
    }
}

extension RouterBGPConfig {
    var globalLines: [String] {
        var lines: [String] = []
        if let routerID { lines.append("bgp router-id \(routerID)") }
        if let clusterID { lines.append("bgp cluster-id \(clusterID)") }
        if let ebgpRequiresPolicy { lines.append(ebgpRequiresPolicy ? "bgp ebgp-requires-policy" : "no bgp ebgp-requires-policy") }
        if multipathRelax { lines.append("bgp bestpath as-path multipath-relax") }
        if !defaultIPv4Unicast { lines.append("no bgp default ipv4-unicast") }
        if !enforceFirstAS { lines.append("no bgp enforce-first-as") }
        if let listenLimit { lines.append("bgp listen limit \(listenLimit)") }
        lines += gracefulRestart.lines
        if let keepalive, let holdTime { lines.append("timers bgp \(keepalive) \(holdTime)") }
        return lines
    }

    /// `dup-addr-detection` as written (nothing when the file has no such line: FRR's defaults apply).
    var duplicateAddressDetectionLines: [String] {
        guard let detection = duplicateAddressDetection else { return [] }
        guard detection.enabled else { return ["no dup-addr-detection"] }
        var lines = ["dup-addr-detection max-moves \(detection.maxMoves) time \(detection.seconds)"]
        switch detection.freeze {
        case .seconds(let seconds)?: lines.append("dup-addr-detection freeze \(seconds)")
        case .permanent?: lines.append("dup-addr-detection freeze permanent")
        case nil: break
        }
        return lines
    }

    /// `activate` and `route-reflector-client` lines of one family, groups first, then `advertise-all-vni`.
    func familyLines(_ family: AddressFamily) -> [String] {
        var lines: [String] = []
        let named = peerGroups.map { ($0.name, $0.settings) } + neighbors.map { ($0.address.description, $0.settings) }
        for (name, settings) in named {
            // ipv4 unicast is on by default unless `no bgp default ipv4-unicast`: only the difference is written.
            if let on = settings.activated[family], on != (family == .ipv4Unicast && defaultIPv4Unicast) {
                lines.append(on ? "neighbor \(name) activate" : "no neighbor \(name) activate")
            }
            if settings.routeReflectorClient[family] == true { lines.append("neighbor \(name) route-reflector-client") }
            if let limit = settings.maximumPrefix[family] { lines.append("neighbor \(name) \(limit.commandText)") }
            if let allow = settings.allowAsIn[family] { lines.append("neighbor \(name) \(allow.commandText)") }
            switch settings.nextHopSelf[family] {
            case .on?: lines.append("neighbor \(name) next-hop-self")
            case .force?: lines.append("neighbor \(name) next-hop-self force")
            case nil: break
            }
        }
        for prefix in networks where (prefix.address.bitLength == 32 ? AddressFamily.ipv4Unicast : .ipv6Unicast) == family { lines.append("network \(prefix)") }
        if redistributeConnected.contains(family) { lines.append("redistribute connected") }
        if let paths = maximumPaths[family] {
            if let n = paths.ebgp { lines.append("maximum-paths \(n)") }
            if let n = paths.ibgp { lines.append("maximum-paths ibgp \(n)") }
        }
        if family == .l2vpnEVPN {
            if advertiseAllVNI { lines.append("advertise-all-vni") }
            lines += evpnMultihoming.lines
            lines += duplicateAddressDetectionLines
            for stanza in vnis {
                lines.append("vni \(stanza.vni)")
                if let rd = stanza.rd { lines.append(" rd \(rd)") }
                // A target in both lists is written once as `both`, as FRR's running config does.
                for target in stanza.importRouteTargets {
                    lines.append(" route-target \(stanza.exportRouteTargets.contains(target) ? "both" : "import") \(target)")
                }
                for target in stanza.exportRouteTargets where !stanza.importRouteTargets.contains(target) {
                    lines.append(" route-target export \(target)")
                }
                for number in stanza.importAnyAS { lines.append(" route-target import *:\(number)") }
                lines.append("exit-vni")
            }
            if autortRFC8365 { lines.append("autort rfc8365-compatible") }
        }
        return lines
    }
}

extension NeighborSettings {
    /// The `neighbor NAME ...` words of everything written for this neighbor or group, outside address families.
    var sessionLines: [String] {
        var lines: [String] = []
        if let remoteAS { lines.append("remote-as \(remoteAS)") }
        if let description { lines.append("description \(description)") }
        if shutdown == true { lines.append("shutdown") }
        if let port { lines.append("port \(port)") }
        if passive == true { lines.append("passive") }
        if let password { lines.append("password \(password)") }
        if let ttlSecurityHops { lines.append("ttl-security hops \(ttlSecurityHops)") }
        if let ebgpMultihop { lines.append(ebgpMultihop == 255 ? "ebgp-multihop" : "ebgp-multihop \(ebgpMultihop)") }
        if disableConnectedCheck == true { lines.append("disable-connected-check") }
        if let updateSource { lines.append("update-source \(updateSource)") }
        if extendedNextHop == true { lines.append("capability extended-nexthop") }
        if let keepalive, let holdTime { lines.append("timers \(keepalive) \(holdTime)") }
        if let connectRetry { lines.append("timers connect \(connectRetry)") }
        if let gracefulRestart { lines.append(gracefulRestart.command) }
        if let bfd { lines += bfd.lines }
        return lines
    }
}
