// evpn-load's sink reads UPDATEs with its own single-pass scanner (not BGPWire's decoder), so it is checked
// here against what BGPWire encodes: every route the injector packs is found once, with its key, its MAC
// Mobility sequence and move stamp; withdrawals and End-of-RIB are told apart; bad lengths are errors.
import BGPWire
import Testing
@testable import evpn_load

struct EvpnLoadTests {
    func routeSet(count: Int, ip: UInt32? = 0x0a80_0000) -> RouteSet {
        RouteSet(count: count, vni: 100, rd: .ipv4(IPv4Address(10, 0, 0, 10), 100), macBase: 0x0200_0000_0000,
                 ipBase: ip, nextHop: IPv4Address(10, 0, 0, 10), localAS: 65000, remoteAS: 65000, routeTargetAS: 65000)
    }

    /// The body (after the 19-octet header) of one encoded message.
    func body(_ message: [UInt8]) -> [UInt8] { Array(message.dropFirst(BGPMessageHeader.length)) }

    @Test(arguments: [UInt32(0x0a80_0000), nil])
    func scannerFindsEveryPackedRoute(ip: UInt32?) throws {
        let set = routeSet(count: 1000, ip: ip)
        let messages = try set.updates(0..<1000, nextHop: set.nextHop)
        #expect(messages.allSatisfy { $0.count <= 4096 })
        #expect(messages.count < 12, "full UPDATEs: \(messages.count) messages for 1,000 routes")
        var macs: [UInt64] = []
        for message in messages {
            let endOfRIB = try UpdateScanner.scan(body(message), reach: { type, route, attributes in
                #expect(type == 2)
                #expect(attributes.mobilitySequence == nil && attributes.stamp == nil)
                if let key = UpdateScanner.macIPKey(route) {
                    macs.append(key.mac)
                    #expect(key.rd == RouteDistinguisher.ipv4(IPv4Address(10, 0, 0, 10), 100).rawValue)
                }
            }, unreach: { _, _ in Issue.record("no withdrawals expected") })
            #expect(!endOfRIB)
        }
        #expect(macs == (0..<1000).map { 0x0200_0000_0000 + UInt64($0) })
        // The same MAC with and without an IP address are different routes.
        let withIP = try #require(UpdateScanner.macIPKey(routeSlice(routeSet(count: 1).route(0))))
        let withoutIP = try #require(UpdateScanner.macIPKey(routeSlice(routeSet(count: 1, ip: nil).route(0))))
        #expect(withIP != withoutIP)
    }

    func routeSlice(_ nlri: EVPNNLRI) -> ArraySlice<UInt8> {
        var writer = WireWriter()
        nlri.route.encode(into: &writer)
        return writer.bytes[2...]
    }

    @Test func movesCarrySequenceAndStamp() throws {
        let set = routeSet(count: 10)
        let stamp: UInt64 = 0x0000_1234_5678_9abc
        let messages = try set.updates(3..<7, nextHop: IPv4Address(10, 255, 0, 2),
                                       extra: [.macMobility(sequence: 7), RouteSet.stamp(stamp)])
        #expect(messages.count == 1)
        var seen: [(UInt64, UInt32?, UInt64?)] = []
        try UpdateScanner.scan(body(messages[0]), reach: { _, route, attributes in
            if let key = UpdateScanner.macIPKey(route) { seen.append((key.mac - 0x0200_0000_0000, attributes.mobilitySequence, attributes.stamp)) }
        }, unreach: { _, _ in })
        #expect(seen.map(\.0) == [3, 4, 5, 6])
        #expect(seen.allSatisfy { $0.1 == 7 && $0.2 == stamp })
    }

    @Test func withdrawalsAndEndOfRIB() throws {
        let set = routeSet(count: 200)
        var withdrawn = 0
        for message in try set.updates(0..<200, nextHop: set.nextHop, withdraw: true) {
            let endOfRIB = try UpdateScanner.scan(body(message), reach: { _, _, _ in Issue.record("no routes expected") },
                                                  unreach: { type, route in
                                                      if type == 2, UpdateScanner.macIPKey(route) != nil { withdrawn += 1 }
                                                  })
            #expect(!endOfRIB)
        }
        #expect(withdrawn == 200)
        #expect(try UpdateScanner.scan(body(try RouteSet.endOfRIB()), reach: { _, _, _ in }, unreach: { _, _ in }))
        var imet = 0
        try UpdateScanner.scan(body(try set.imetUpdate()), reach: { type, route, _ in
            if type == 3, UpdateScanner.imetKey(route) != nil { imet += 1 }
        }, unreach: { _, _ in })
        #expect(imet == 1)
    }

    @Test func truncatedUpdatesAreErrorsNotCrashes() throws {
        let message = body(try routeSet(count: 50).updates(0..<50, nextHop: IPv4Address(10, 0, 0, 10))[0])
        // Every prefix of a valid body either scans (it may end on a boundary) or throws; none traps.
        var errors = 0
        for length in stride(from: 0, to: message.count, by: 7) {
            do {
                try UpdateScanner.scan(Array(message.prefix(length)), reach: { _, _, _ in }, unreach: { _, _ in })
            } catch {
                errors += 1
            }
        }
        #expect(errors > 0)
        var corrupt = message
        corrupt[2] = 0xff  // Total Path Attribute Length far beyond the body
        #expect(throws: ScanError.self) {
            try UpdateScanner.scan(corrupt, reach: { _, _, _ in }, unreach: { _, _ in })
        }
    }

    @Test(arguments: [(moves: 0, routes: 10), (moves: 7, routes: 10), (moves: 30, routes: 10), (moves: 35, routes: 10)])
    func finalSequenceMatchesTheSchedule(moves: Int, routes: Int) {
        // Replay the injector's schedule and compare with the sink's closed form.
        var sequence = [UInt32](repeating: 0, count: routes)
        for j in 0..<moves { sequence[j % routes] = MoveSchedule.sequence(move: j, routes: routes) }
        for i in 0..<routes {
            #expect(MoveSchedule.finalSequence(index: i, moves: moves, routes: routes) == sequence[i])
        }
    }
}
