// Golden bytes captured from real FRR 8.4 and GoBGP 3.10 sessions (Tests/Fixtures/README.md says
// how): every message decodes without a problem and re-encodes to exactly the captured bytes.
import Testing
@testable import BGPWire

@Suite struct GoldenBytesTests {
    @Test(arguments: Fixtures.streamNames)
    func everyMessageRoundTrips(_ name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let (messages, error) = MessageStreamDecoder.decodeAll(bytes)
        #expect(error == nil, "\(name): \(String(describing: error))")
        #expect(!messages.isEmpty)
        var reencoded: [UInt8] = []
        for message in messages {
            let decoded = try message.result.get()
            if case .update(let update) = decoded {
                #expect(update.problems.isEmpty, "\(name)@\(message.offset): \(update.problems)")
                #expect(update.mpReach?.skippedRouteTypes ?? [] == [], "\(name)@\(message.offset)")
            }
            let encoded = try decoded.encode(context: message.context)
            #expect(encoded == Array(bytes[message.offset..<(message.offset + message.length)]),
                    "\(name)@\(message.offset): \(message.type) re-encodes differently")
            reencoded += encoded
        }
        #expect(reencoded == bytes)
    }

    @Test func fixturesArePresent() {
        // The captures are the contract with FRR and GoBGP; losing them must fail loudly.
        #expect(Fixtures.streamNames.count >= 4, "Tests/Fixtures holds \(Fixtures.streamNames)")
    }

    /// What FRR's VTEP and reflector sent, as FRR itself names the routes.
    @Test func frrSessionCarriesTheSeedsRoutes() throws {
        var prefixes: Set<String> = []
        var reflected = false
        var sawPMSI = false
        var sawEndOfRIB = false
        var sawMobility = false
        var capabilities: Set<String> = []
        for name in Fixtures.streamNames where name.hasPrefix("frr-vtep-to-rr.") {
            for message in MessageStreamDecoder.decodeAll(try Fixtures.bytes(name)).messages {
                switch try message.result.get() {
                case .open(let open):
                    capabilities.formUnion(open.capabilities.map(\.name))
                case .update(let update):
                    if update.endOfRIBFamily == .l2vpnEVPN { sawEndOfRIB = true }
                    // The host move in the capture: FRR advertises the MAC again with sequence 1.
                    if case .extendedCommunities(let list)? = update.attribute(.extendedCommunities),
                       list.contains(where: { $0.kind == .macMobility(sequence: 1, sticky: false) }) { sawMobility = true }
                    if case .evpn(let routes)? = update.mpReach?.nlri {
                        prefixes.formUnion(routes.map { "\($0.route.rd) \($0.route.prefixString)" })
                    }
                    if update.attribute(.originatorID) != nil, update.attribute(.clusterList) != nil { reflected = true }
                    if case .pmsiTunnel(let tunnel)? = update.attribute(.pmsiTunnel) {
                        sawPMSI = tunnel.tunnelType == .ingressReplication && tunnel.ingressReplicationEndpoint != nil
                    }
                default: break
                }
            }
        }
        #expect(prefixes.contains { $0.hasSuffix("[3]:[0]:[32]:[10.0.0.1]") }, "\(prefixes.sorted())")
        #expect(prefixes.contains { $0.contains("[2]:[0]:[48]:") && $0.contains(":[32]:[") })
        #expect(prefixes.contains { $0.contains("[2]:[0]:[48]:") && $0.contains(":[128]:[") })
        #expect(reflected, "the reflector's UPDATEs carry ORIGINATOR_ID and CLUSTER_LIST")
        #expect(sawPMSI)
        #expect(sawEndOfRIB)
        #expect(sawMobility)
        #expect(capabilities.isSuperset(of: ["multiprotocol", "route-refresh", "enhanced-route-refresh", "4-octet-as", "fqdn", "graceful-restart"]),
                "\(capabilities.sorted())")
    }

    /// GoBGP's injected routes cover every route type and the attribute variety the issue lists.
    @Test func gobgpSessionCoversEveryRouteType() throws {
        var routeTypes: Set<UInt8> = []
        var twoLabels = false
        var esi = false
        var ipv6 = false
        var rdTypes: Set<UInt16> = []
        for name in Fixtures.streamNames where name.hasPrefix("gobgp-to-frr") && name.contains("gobgp-to-frr.bin") {
            for message in MessageStreamDecoder.decodeAll(try Fixtures.bytes(name)).messages {
                guard case .update(let update) = try message.result.get() else { continue }
                guard case .evpn(let routes)? = update.mpReach?.nlri else { continue }
                for entry in routes {
                    routeTypes.insert(entry.route.routeType)
                    rdTypes.insert(entry.route.rd.type)
                    if case .macIP(let r) = entry.route {
                        if r.label2 != nil { twoLabels = true }
                        if !r.esi.isZero { esi = true }
                        if case .v6? = r.ip { ipv6 = true }
                    }
                    if case .inclusiveMulticast(let r) = entry.route, case .v6 = r.originatorIP { ipv6 = true }
                }
            }
        }
        #expect(routeTypes == [1, 2, 3, 4, 5], "\(routeTypes.sorted())")
        #expect(twoLabels)
        #expect(esi)
        #expect(ipv6)
        #expect(rdTypes.isSuperset(of: [0, 1, 2]), "\(rdTypes.sorted())")
    }
}
