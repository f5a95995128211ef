// evpnd as the route reflector of two FRR 8.4 VTEPs (issue 4's Must-show), in network namespaces:
//   a. the VTEPs peer only with evpnd; their hosts ping; FRR holds the other VTEP's type-2 and type-3 routes with
//      ORIGINATOR_ID and CLUSTER_LIST and installs them in its FDB;
//   b. GoBGP 3.10 announces 1,000 type-2 routes with varied attributes (MAC+IPv4, MAC+IPv6, MAC only, type-0 and
//      type-1 ESIs, one or two labels, router MAC) through its CLI and withdraws half; a small raw BGP injector
//      (RawInjector.swift, BGPWire) adds 100 with MAC Mobility (some sticky), which GoBGP's CLI cannot express, and
//      withdraws half: the VTEPs hold exactly the other half of each, attributes intact;
//   c. two evpnd reflectors with one cluster id, one killed mid-test: the VTEPs keep every route and the hosts ping.
//
// Underlay (the ReflectorLab preset, ReflectorLab.swift): one bridge ("fab") in namespace F, every speaker on
// 10.0.0.0/24 through a veth into it:
//   V1 10.0.0.1, V2 10.0.0.2 (FRR zebra+bgpd, br100 + vxlan100, host H1/H2 10.1.0.1/.2 on a veth into br100),
//   R1 10.0.0.253, R2 10.0.0.252 (evpnd, cluster id 10.0.0.254), I 10.0.0.50 (injector), G 10.0.0.51 (GoBGP).

import BGPWire
import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// GoBGP's routes: type 2 in VNI 100's route target, everything `gobgp global rib -a evpn add macadv` can express.
/// Route `n`'s attributes are chosen by k = n / 2, so the half kept (even n) and the half withdrawn (odd n) vary
/// alike: k % 3 picks MAC+IPv4, MAC+IPv6 or MAC only; k % 4 the ESI (none, type 0 arbitrary, type 1 LACP, none);
/// even k two labels (L2 VNI 100 and 5000), odd k one; every 7th k the router-MAC extended community.
enum GoBGPRoutes {
    static let nextHop = "10.0.0.51"
    static let rd = RouteDistinguisher.ipv4(IPv4Address(10, 0, 0, 51), 1)
    static let routerMAC = "aa:bb:cc:00:00:51"
    /// (GoBGP CLI words, the ESI as FRR writes it).
    static let esis: [(cli: String, frr: String)?] = [
        nil,
        ("esi ARBITRARY 11:22:33:44:55:66:77:88:99", "00:11:22:33:44:55:66:77:88:99"),
        ("esi LACP aa:bb:cc:dd:ee:ff 100", "01:aa:bb:cc:dd:ee:ff:00:64:00"),
        nil,
    ]

    static func esi(_ n: Int) -> (cli: String, frr: String)? { esis[(n / 2) % 4] }
    static func twoLabels(_ n: Int) -> Bool { (n / 2) % 2 == 0 }
    static func hasRouterMAC(_ n: Int) -> Bool { (n / 2) % 7 == 0 }

    static func route(_ n: Int) -> MACIPAdvertisementRoute {
        let ip: IPAddress?
        switch (n / 2) % 3 {
        case 0: ip = .v4(IPv4Address(10, 51, UInt8(n >> 8), UInt8(n & 0xff)))
        case 1: ip = .v6(IPv6Address(high: 0xfd00_0100_0000_0000, low: 0x0051_0000 | UInt64(n)))
        default: ip = nil
        }
        return MACIPAdvertisementRoute(
            rd: rd, esi: esi(n).flatMap { EthernetSegmentIdentifier($0.frr) } ?? .zero,
            mac: MACAddress(rawValue: 0x0251_0000_0000 | UInt64(n)), ip: ip, label1: MPLSLabelField(vni: 100),
            label2: twoLabels(n) ? MPLSLabelField(vni: 5000) : nil)
    }

    /// Route `n` as FRR lists it.
    static func prefix(_ n: Int) -> String { EVPNNLRI(route: .macIP(route(n))).route.prefixString }

    /// The `gobgp global rib -a evpn add|del` arguments after the verb (MAC only is written as IP 0.0.0.0).
    static func cli(_ n: Int) -> String {
        let r = route(n)
        return ["macadv", r.mac.description, r.ip?.description ?? "0.0.0.0", esi(n)?.cli, "etag 0",
                "label \(twoLabels(n) ? "100,5000" : "100")", "rd 10.0.0.51:1 rt 65000:100 encap vxlan",
                hasRouterMAC(n) ? "router-mac \(routerMAC)" : nil, "nexthop \(nextHop)"]
            .compactMap { $0 }.joined(separator: " ")
    }

    /// The argument lines of `gobgp global rib -a evpn VERB ...` for each of `numbers`, one route a line, for
    /// `xargs -L 1` (see `ReflectorLab.gobgpBatch`).
    static func batch(_ verb: String, _ numbers: [Int]) -> String {
        numbers.map { "\(verb) \(cli($0))\n" }.joined()
    }
}

/// The injector's routes: what GoBGP 3.10's CLI cannot express, MAC Mobility (every route) with the sticky flag (every
/// other kept route); type 2 in VNI 100's route target, one attribute set per group of 50 so UPDATEs pack.
enum InjectedRoutes {
    static let rd = RouteDistinguisher.ipv4(IPv4Address(10, 0, 0, 50), 1)
    static let esi = EthernetSegmentIdentifier(high: 0x0011, low: 0x2233_4455_6677_8899)

    /// Route `n`: every 4th has IPv6, every 4th+1 IPv4, the rest MAC only; every 3rd an ESI; every 2nd two labels.
    static func route(_ n: Int) -> EVPNNLRI {
        let mac = MACAddress(rawValue: 0x0200_5000_0000 | UInt64(n))
        let ip: IPAddress?
        switch n % 4 {
        case 0: ip = .v6(IPv6Address(high: 0xfd00_0100_0000_0000, low: 0x5000_0000_0000_0000 | UInt64(n)))
        case 1: ip = .v4(IPv4Address(10, 50, UInt8(n >> 8), UInt8(n & 0xff)))
        default: ip = nil
        }
        return EVPNNLRI(route: .macIP(MACIPAdvertisementRoute(
            rd: rd, esi: n % 3 == 0 ? esi : .zero, mac: mac, ip: ip, label1: MPLSLabelField(vni: 100),
            label2: n % 2 == 0 ? MPLSLabelField(vni: 5000) : nil)))
    }

    /// Route `n`'s MAC Mobility: sequence n % 7, sticky for every 4th route.
    static func mobility(_ n: Int) -> ExtendedCommunity? {
        .macMobility(sequence: UInt32(n % 7), sticky: n % 4 == 0)
    }

    static func announce(_ numbers: [Int]) -> [BGPMessage] {
        // Group by attribute set (the mobility community differs).
        let groups = Dictionary(grouping: numbers) { mobility($0).map { $0.rawValue } ?? 0 }
        var messages: [BGPMessage] = []
        for (_, members) in groups.sorted(by: { $0.key < $1.key }) {
            var communities: [ExtendedCommunity] = [.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)]
            if let mm = mobility(members[0]) { communities.append(mm) }
            for chunk in stride(from: 0, to: members.count, by: 50) {
                let routes = members[chunk..<min(chunk + 50, members.count)].map(route)
                messages.append(.update(UpdateMessage(attributes: [
                    PathAttribute(.origin(.igp)),
                    PathAttribute(.asPath(ASPath(segments: []))),
                    PathAttribute(.localPref(100)),
                    PathAttribute(.extendedCommunities(communities)),
                    PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: routes, nextHop: .v4(IPv4Address(10, 0, 0, 50))))),
                ])))
            }
        }
        return messages
    }

    static func withdraw(_ numbers: [Int]) -> [BGPMessage] {
        stride(from: 0, to: numbers.count, by: 50).map { chunk in
            .update(UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(
                family: .l2vpnEVPN, nlri: .evpn(numbers[chunk..<min(chunk + 50, numbers.count)].map(route)))))]))
        }
    }
}

@Suite(.serialized)
struct ReflectorInteropTests {
    static let tools = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ping"]

    /// Builds the fabric with two FRR VTEPs peering with `reflectors` (role, address), starts the evpnd
    /// reflectors, and waits until every session is up and the hosts ping.
    static func withFabric(reflectors: [(String, String)], extraNodes: [(String, String)] = [],
                           passiveClients: [String] = [], _ body: (ReflectorLab) throws -> Void) throws {
        let lab = try ReflectorLab()
        defer { lab.close() }
        do {
            for (role, address) in reflectors + extraNodes { try lab.addNode(role, address: address) }
            try lab.addVTEP(1)
            try lab.addVTEP(2)
            for (role, address) in reflectors {
                try lab.startReflector(role, address: address, clients: ["10.0.0.1", "10.0.0.2"], passive: passiveClients,
                                       others: reflectors.map(\.1).filter { $0 != address })
            }
            let addresses = reflectors.map(\.1)
            for i in 1...2 { try lab.startFRRVTEP(i, reflectors: addresses) }
            let up = waitUntil(40, interval: 0.5) {
                (1...2).allSatisfy { i in addresses.allSatisfy { lab.frrPeerState(i, $0) == "Established" } }
            }
            try #require(up, "FRR sessions: \((1...2).map { i in addresses.map { "V\(i)-\($0): \(lab.frrPeerState(i, $0) ?? "?")" } })")
            // The hosts ping once FRR has the other VTEP's IMET route (flooding) and MAC routes.
            let pinged = waitUntil(30, interval: 0.5) { lab.ping(from: 1, to: 2) }
            try #require(pinged, "H1 cannot ping H2 through the evpnd reflector")
            try body(lab)
        } catch {
            for (role, _) in reflectors { print("--- evpnd \(role) log ---\n\(lab.logText(role).suffix(3000))") }
            throw error
        }
    }

    /// Paths FRR VTEP `i` holds whose next hop is `vtep`.
    static func paths(_ lab: ReflectorLab, on i: Int, from vtep: String, detail: Bool = false) -> [(rd: String, prefix: String, path: [String: Any])] {
        lab.frrPaths(i, detail: detail).filter { (($0.path["nexthops"] as? [[String: Any]])?.first?["ip"] as? String) == vtep }
    }

    @Test func frrVTEPsReachEachOtherThroughEvpnd() throws {
        guard Tools.ready("FRR VTEPs through the evpnd reflector", needs: Self.tools) else { return }
        let started = Date()
        try Self.withFabric(reflectors: [("R1", "10.0.0.253")]) { lab in
            #expect(lab.ping(from: 2, to: 1))
            for (me, other) in [(1, 2), (2, 1)] {
                let otherVTEP = "10.0.0.\(other)"
                // Type 2 (the other host's MAC) and type 3 (IMET), reflected: ORIGINATOR_ID is the other VTEP,
                // CLUSTER_LIST holds the cluster id. FRR 8.4 shows both only in its detail JSON.
                var reflected: [(rd: String, prefix: String, path: [String: Any])] = []
                let complete = waitUntil(15, interval: 0.5) {
                    reflected = Self.paths(lab, on: me, from: otherVTEP, detail: true)
                    return reflected.contains { $0.prefix.hasPrefix("[2]:") && $0.prefix.contains("aa:bb:cc:00:01:0\(other)") }
                        && reflected.contains { $0.prefix == "[3]:[0]:[32]:[\(otherVTEP)]" }
                }
                #expect(complete, "V\(me) holds \(reflected.map(\.prefix))")
                for route in reflected {
                    #expect(route.path["originatorId"] as? String == otherVTEP, "\(route.prefix): \(route.path)")
                    #expect(((route.path["clusterList"] as? [String: Any])?["list"] as? [String])?.contains(ReflectorLab.clusterID) == true,
                            "\(route.prefix): \(route.path)")
                }
                // Installed in the kernel: the other host's MAC and the flood entry, both towards the other VTEP.
                let fdbOK = waitUntil(10, interval: 0.5) {
                    let fdb = lab.fdb(me)
                    return fdb.contains("aa:bb:cc:00:01:0\(other) dst \(otherVTEP)") && fdb.contains("00:00:00:00:00:00 dst \(otherVTEP)")
                }
                #expect(fdbOK, "V\(me) FDB:\n\(lab.fdb(me))")
            }
            // evpnd's own view: the same routes, in FRR's JSON and table.
            let json = try lab.evpnctl("R1", ["bgp", "l2vpn", "evpn", "route", "--json"])
            let report = try JSONDecoder().decode(EVPNRouteReport.self, from: Data(json.utf8))
            #expect(report.numPrefix >= 4, "\(json)")
            let table = try lab.evpnctl("R1", ["bgp", "l2vpn", "evpn"])
            #expect(table.contains("Route Distinguisher: ") && table.contains("*>i[3]:[0]:[32]:[10.0.0.1]"), "\(table)")
        }
        print("reflector test a: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    @Test func injectedRoutesReachVTEPsAndHalfAreWithdrawn() throws {
        guard Tools.ready("1,000 injected routes through the evpnd reflector", needs: Self.tools + ["gobgpd", "gobgp"]) else { return }
        let started = Date()
        try Self.withFabric(reflectors: [("R1", "10.0.0.253")], extraNodes: [("I", "10.0.0.50"), ("G", "10.0.0.51")],
                            passiveClients: ["10.0.0.50", "10.0.0.51"]) { lab in
            try lab.startGoBGP(role: "G", address: "10.0.0.51", reflector: "10.0.0.253")
            // GoBGP's CLI has no MAC Mobility: a raw BGP injector adds 100 routes with it (some sticky).
            let injector = try RawInjector(namespace: lab.ns("I"), source: "10.0.0.50", to: "10.0.0.253", asn: 65000,
                                           routerID: IPv4Address(10, 0, 0, 50))
            defer { injector.close() }
            let up = waitUntil(20, interval: 0.3) {
                ["10.0.0.50", "10.0.0.51"].allSatisfy { lab.reflectorPeerState("R1", $0) == "Established" }
            }
            try #require(up, "GoBGP \(lab.reflectorPeerState("R1", "10.0.0.51") ?? "?"), injector \(lab.reflectorPeerState("R1", "10.0.0.50") ?? "?")")

            let count = 1000, mobilityCount = 100
            try injector.send(InjectedRoutes.announce(Array(0..<mobilityCount)))
            // GoBGP: 1,000 type-2 routes, one `gobgp global rib add` each, from one xargs inside its namespace.
            var clock = Date()
            try lab.gobgpBatch("G", "add", GoBGPRoutes.batch("add", Array(0..<count)))
            let addSeconds = Date().timeIntervalSince(clock)
            for i in 1...2 {
                #expect(waitUntil(60, interval: 1) { Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count == count },
                        "V\(i) has \(Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count) of GoBGP's \(count)")
                #expect(waitUntil(10, interval: 0.5) { Self.paths(lab, on: i, from: "10.0.0.50").count == mobilityCount },
                        "V\(i) has \(Self.paths(lab, on: i, from: "10.0.0.50").count) of the injector's \(mobilityCount)")
            }
            print("GoBGP added \(count) routes in \(String(format: "%.1f", addSeconds)) s, on both VTEPs (with the injector's "
                  + "\(mobilityCount)) \(String(format: "%.1f", Date().timeIntervalSince(clock))) s after the first add")

            // Withdraw the odd-numbered half of each: `gobgp global rib del` with the same arguments.
            let withdrawn = (0..<count).filter { $0 % 2 == 1 }
            clock = Date()
            try injector.send(InjectedRoutes.withdraw((0..<mobilityCount).filter { $0 % 2 == 1 }))
            try lab.gobgpBatch("G", "del", GoBGPRoutes.batch("del", withdrawn))
            let delSeconds = Date().timeIntervalSince(clock)
            let kept = (0..<count).filter { $0 % 2 == 0 }
            let keptPrefixes = Set(kept.map(GoBGPRoutes.prefix))
            let keptMobility = (0..<mobilityCount).filter { $0 % 2 == 0 }
            let keptMobilityPrefixes = Set(keptMobility.map { InjectedRoutes.route($0).route.prefixString })
            #expect(keptPrefixes.count == kept.count && Set(withdrawn.map(GoBGPRoutes.prefix)).isDisjoint(with: keptPrefixes))
            for i in 1...2 {
                #expect(waitUntil(60, interval: 1) { Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count == kept.count },
                        "V\(i) has \(Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count) of GoBGP's routes, expected \(kept.count)")
                #expect(waitUntil(10, interval: 0.5) { Self.paths(lab, on: i, from: "10.0.0.50").count == keptMobility.count },
                        "V\(i) has \(Self.paths(lab, on: i, from: "10.0.0.50").count) of the injector's, expected \(keptMobility.count)")
                let seconds = Date().timeIntervalSince(clock)

                // Exactly the routes not withdrawn, counted by prefix, each with its attributes as FRR shows them.
                let detail = lab.frrPaths(i, detail: true)
                let fromGoBGP = detail.filter { Self.nextHop($0.path) == GoBGPRoutes.nextHop }
                let fromInjector = detail.filter { Self.nextHop($0.path) == "10.0.0.50" }
                let seenGoBGP = Set(fromGoBGP.map(\.prefix)), seenInjector = Set(fromInjector.map(\.prefix))
                #expect(fromGoBGP.count == kept.count && seenGoBGP == keptPrefixes,
                        "V\(i): GoBGP's \(fromGoBGP.count) paths; missing \(keptPrefixes.subtracting(seenGoBGP).sorted().prefix(5)), extra \(seenGoBGP.subtracting(keptPrefixes).sorted().prefix(5))")
                #expect(fromInjector.count == keptMobility.count && seenInjector == keptMobilityPrefixes,
                        "V\(i): the injector's \(fromInjector.count) paths, missing \(keptMobilityPrefixes.subtracting(seenInjector).sorted().prefix(5))")
                print("V\(i): \(seenGoBGP.count) of GoBGP's and \(seenInjector.count) of the injector's routes, "
                      + "\(String(format: "%.1f", seconds)) s after the withdrawals began")

                // GoBGP's routes: every kept one checked.
                let byPrefix = Dictionary(fromGoBGP.map { ($0.prefix, $0.path) }, uniquingKeysWith: { a, _ in a })
                var wrong: [String] = []
                for n in kept {
                    let prefix = GoBGPRoutes.prefix(n)
                    guard let path = byPrefix[prefix] else { continue }  // reported above
                    let communities = (path["extendedCommunity"] as? [String: Any])?["string"] as? String ?? ""
                    let text = "\(path)"
                    let esi = GoBGPRoutes.esi(n)?.frr
                    var problems: [String] = []
                    // FRR writes the labels as "VNI": "100/5000" (two) or "100" (one).
                    let vni = GoBGPRoutes.twoLabels(n) ? "100/5000" : "100"
                    if path["VNI"] as? String != vni { problems.append("VNI \(path["VNI"] ?? "none"), expected \(vni)") }
                    if !communities.contains("RT:65000:100") || !communities.contains("ET:8") {
                        problems.append("communities \(communities)")
                    }
                    if communities.contains("Rmac:\(GoBGPRoutes.routerMAC)") != GoBGPRoutes.hasRouterMAC(n) {
                        problems.append("router MAC: \(communities)")
                    }
                    if path["esi"] as? String != esi { problems.append("ESI \(path["esi"] ?? "none"), expected \(esi ?? "none")") }
                    if path["originatorId"] as? String != GoBGPRoutes.nextHop { problems.append("originator \(path["originatorId"] ?? "none")") }
                    if !text.contains(ReflectorLab.clusterID) { problems.append("cluster list: \(path["clusterList"] ?? "none")") }
                    if !problems.isEmpty { wrong.append("\(prefix): \(problems.joined(separator: "; "))") }
                }
                #expect(wrong.isEmpty, "V\(i): \(wrong.count) of GoBGP's routes with wrong attributes: \(wrong.prefix(5))")
                #expect(seenGoBGP.contains { $0.contains(":[128]:[fd00:100::51:") } && seenGoBGP.contains { $0.contains(":[32]:[10.51.") }
                        && seenGoBGP.contains { !$0.contains("]:[32]:[") && !$0.contains("]:[128]:[") },
                        "IPv4, IPv6 and MAC-only routes are among GoBGP's")

                // The injector's: MAC Mobility with and without the sticky flag.
                let injected = Dictionary(fromInjector.map { ($0.prefix, $0.path) }, uniquingKeysWith: { a, _ in a })
                var sticky = 0
                for n in keptMobility {
                    let prefix = InjectedRoutes.route(n).route.prefixString
                    guard let path = injected[prefix], let mm = InjectedRoutes.mobility(n),
                          case .macMobility(let seq, let isSticky) = mm.kind else { continue }
                    let communities = (path["extendedCommunity"] as? [String: Any])?["string"] as? String ?? ""
                    #expect(communities.contains(isSticky ? "MM:\(seq), sticky MAC" : "MM:\(seq)")
                            && (isSticky || !communities.contains("sticky")), "\(prefix): \(communities)")
                    #expect(communities.contains("RT:65000:100"), "\(prefix): \(communities)")
                    #expect(path["VNI"] as? String == "100/5000", "\(prefix): both labels: \(path)")
                    #expect(path["originatorId"] as? String == "10.0.0.50")
                    #expect(path["esi"] as? String == (n % 3 == 0 ? "00:11:22:33:44:55:66:77:88:99" : nil), "\(prefix): ESI: \(path)")
                    if isSticky { sticky += 1 }
                }
                #expect(sticky == keptMobility.count / 2, "V\(i): \(sticky) sticky MACs")
            }
            print("GoBGP withdrew \(withdrawn.count) routes in \(String(format: "%.1f", delSeconds)) s")
        }
        print("reflector test b: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    static func nextHop(_ path: [String: Any]) -> String? {
        (path["nexthops"] as? [[String: Any]])?.first?["ip"] as? String
    }

    @Test func twoReflectorsOneStopsVTEPsKeepEverything() throws {
        guard Tools.ready("two evpnd reflectors, one stopped", needs: Self.tools) else { return }
        let started = Date()
        try Self.withFabric(reflectors: [("R1", "10.0.0.253"), ("R2", "10.0.0.252")]) { lab in
            #expect(waitUntil(20, interval: 0.5) { lab.reflectorPeerState("R1", "10.0.0.252") == "Established" },
                    "the reflectors peer with each other")
            func counts() -> [Int] { (1...2).map { lab.frrPaths($0).count } }
            // Each VTEP: its own routes plus the other's, each of the other's twice (once per reflector).
            _ = waitUntil(10, interval: 0.5) {
                (1...2).allSatisfy { i in Self.paths(lab, on: i, from: "10.0.0.\(3 - i)").count >= 4 }
            }
            Thread.sleep(forTimeInterval: 2)
            let prefixesBefore = (1...2).map { i in Set(lab.frrPaths(i).map { "\($0.rd) \($0.prefix)" }) }
            let reflectedBefore = (1...2).map { i in Self.paths(lab, on: i, from: "10.0.0.\(3 - i)").count }
            print("before: paths \(counts()), reflected \(reflectedBefore), prefixes \(prefixesBefore.map(\.count))")
            #expect(reflectedBefore.allSatisfy { $0 >= 4 })

            let r1 = try #require(lab.reflectors["R1"])
            kill(r1.processIdentifier, SIGKILL)
            r1.waitUntilExit()
            #expect(waitUntil(15, interval: 0.5) { (1...2).allSatisfy { lab.frrPeerState($0, "10.0.0.253") != "Established" } },
                    "the VTEPs notice R1 is gone (hold timer 9 s)")
            Thread.sleep(forTimeInterval: 10)
            let prefixesAfter = (1...2).map { i in Set(lab.frrPaths(i).map { "\($0.rd) \($0.prefix)" }) }
            #expect(prefixesAfter == prefixesBefore, "every route kept: lost \(zip(prefixesBefore, prefixesAfter).map { $0.subtracting($1) })")
            for i in 1...2 {
                let reflected = Self.paths(lab, on: i, from: "10.0.0.\(3 - i)")
                // One path per route now (through R2), every route still there.
                #expect(Set(reflected.map(\.prefix)).count * 2 == reflectedBefore[i - 1], "V\(i): \(reflected.count) paths")
            }
            #expect(lab.ping(from: 1, to: 2) && lab.ping(from: 2, to: 1), "hosts still ping through R2")
        }
        print("reflector test c: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
