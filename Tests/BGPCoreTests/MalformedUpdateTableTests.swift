// RFC 7606 end to end, in process: every case of the hostile-input table (Tests/MalformedUpdates) sent as
// raw bytes by a route-reflector client (or an eBGP peer for the external cases) to a reflector engine with
// a second client listening. For each: the route is withdrawn or kept as the RFC says, the session stays
// or is reset with the right NOTIFICATION, the case is counted and logged (or, for valid input, not), and
// the other client never gets anything malformed.

import BGPCore
import BGPWire
import MalformedUpdates
import Testing

@Suite struct MalformedUpdateTableTests {
    typealias H = ReflectorHarness
    static let internalSender = MalformedSender(address: [10, 0, 0, 11], asn: H.localAS, localAS: H.localAS)
    static let externalSender = MalformedSender(address: [10, 0, 0, 31], asn: H.e1.asn, localAS: H.localAS)

    static let table: [MalformedCase] = {
        let inside = MalformedCases.all(sender: internalSender).filter { $0.session == .internal }
        let outside = MalformedCases.all(sender: externalSender).filter { $0.session == .external }
        return inside + outside
    }()

    static var attributeCases: [MalformedCase] { table.filter { !$0.name.hasPrefix("EVPN") } }
    static var evpnCases: [MalformedCase] { table.filter { $0.name.hasPrefix("EVPN") } }

    @Test func theTableHoldsAtLeastTheCasesTheIssueAsksFor() {
        // 88 RFC 7606 cases (FRR's topotest count) plus every wrong EVPN length for types 1-5 and unknown types.
        #expect(Self.attributeCases.count >= 88)
        #expect(Self.evpnCases.filter { $0.name.contains("of length") }.count == 5 * 256 - 7)
        #expect(Self.evpnCases.filter { $0.name.contains("unknown route type") }.count == 251)
        let outcomes = Dictionary(grouping: Self.table) { malformed -> String in
            switch malformed.expect {
            case .withdrawn: return "withdrawn"
            case .kept: return malformed.counted ? "kept, counted" : "kept, valid"
            case .reset: return "reset"
            }
        }.mapValues(\.count)
        print("hostile table: \(Self.table.count) cases, \(Self.attributeCases.count) attribute/structure/header/external, "
              + "\(Self.evpnCases.count) EVPN; by outcome \(outcomes.sorted { $0.key < $1.key })")
        let inside = Self.table.filter { $0.session == .internal }
        #expect(Set(inside.map(\.number)).count == inside.count, "route numbers collide")
    }

    @Test(arguments: attributeCases)
    func attributeCase(_ malformed: MalformedCase) {
        Self.check(malformed)
    }

    /// About 1,500 EVPN cases in one test (one line of output each would drown the rest).
    @Test func evpnLengthsAndUnknownRouteTypes() {
        for malformed in Self.evpnCases { Self.check(malformed) }
    }

    /// Runs one case on a fresh reflector and checks everything it must lead to.
    static func check(_ malformed: MalformedCase) {
        let sender = malformed.session == .external ? H.e1 : H.c1
        var h = H(peers: [H.c1, H.c2, H.e1])
        let mac = MalformedCases.mac(malformed.number)
        func isR(_ route: EVPNRoute) -> Bool { route.prefixString.contains(mac) }
        func present() -> Bool { h.engine.routes().contains { $0.paths.contains { isR($0.route) } } }

        // R, announced cleanly first.
        let clean = MalformedCases.cleanAnnouncement(malformed.number, sender: malformed.session == .external ? externalSender : internalSender,
                                                     session: malformed.session)
        h.record(h.engine.handle(.received(sender.connection, clean), now: h.now))
        h.drain()
        guard present(), h.announced(H.c2).contains(where: { isR($0.0) }) else {
            Issue.record("\(malformed): the clean announcement of R did not get through")
            return
        }
        h.got = [:]

        let outputs = h.engine.handle(.received(sender.connection, malformed.message), now: h.now)
        h.record(outputs)
        h.drain()

        let notifications = outputs.compactMap { output -> NotificationMessage? in
            guard case .send(let connection, let bytes) = output, connection == sender.connection,
                  case .notification(let n)? = try? BGPMessage.decode(message: bytes, context: H.context) else { return nil }
            return n
        }
        let lines = outputs.compactMap { output -> String? in
            guard case .log(let event) = output, event.peer == sender.id,
                  event.message.hasPrefix("malformed ") else { return nil }
            return event.message
        }
        let counters = h.engine.updateErrors(of: sender.id) ?? UpdateErrorCounters()

        switch malformed.expect {
        case .withdrawn:
            #expect(!present(), "\(malformed): R still in the Loc-RIB")
            #expect(h.withdrawn(H.c2).contains(where: isR), "\(malformed): R not withdrawn towards c2")
            #expect(!h.announced(H.c2).contains { isR($0.0) }, "\(malformed): R announced again")
            #expect(h.engine.state(of: sender.id) == .established, "\(malformed): session \(String(describing: h.engine.state(of: sender.id)))")
            #expect(notifications.isEmpty, "\(malformed): \(notifications)")
            #expect(counters.treatAsWithdraw == 1 && counters.routesWithdrawn >= 1, "\(malformed): \(counters)")
        case .kept(let discarded):
            #expect(present(), "\(malformed): R gone")
            #expect(!h.withdrawn(H.c2).contains(where: isR), "\(malformed): R withdrawn towards c2")
            #expect(h.engine.state(of: sender.id) == .established, "\(malformed): session \(String(describing: h.engine.state(of: sender.id)))")
            #expect(notifications.isEmpty, "\(malformed): \(notifications)")
            if let discarded {
                let held = h.engine.routes().flatMap(\.paths).filter { isR($0.route) }.flatMap(\.attributes)
                // An unknown non-transitive attribute is kept as received (it is only never passed on).
                if malformed.counted {
                    #expect(!held.contains { $0.type.rawValue == discarded }, "\(malformed): attribute \(discarded) held")
                }
                #expect(!h.announced(H.c2).contains { isR($0.0) && $0.1.attributes.contains { $0.type.rawValue == discarded } },
                        "\(malformed): attribute \(discarded) passed on")
            }
        case .reset(let code, let subcode):
            #expect(notifications.map { [$0.code.rawValue, $0.subcode] } == [[code, subcode]],
                    "\(malformed): NOTIFICATIONs \(notifications)")
            #expect(h.engine.state(of: sender.id) != .established, "\(malformed): session still up")
            #expect(!present(), "\(malformed): R outlived the session")
            #expect(h.withdrawn(H.c2).contains(where: isR), "\(malformed): R not withdrawn towards c2")
            #expect(counters.sessionReset + counters.afiSafiDisable == 1, "\(malformed): \(counters)")
            #expect(lines.filter { $0.hasPrefix("malformed message:") }.count == 1, "\(malformed): \(lines)")
        }

        // Counted and logged once per problem, with the attribute and the outcome; valid input is neither.
        if malformed.counted {
            #expect(counters.total >= 1, "\(malformed): not counted")
            #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("attribute=") && $0.contains("outcome=") }
                    || counters.unknownRouteTypes == 1, "\(malformed): \(lines)")
            #expect(Set(lines).count == lines.count, "\(malformed): a line logged twice: \(lines)")
        } else {
            #expect(counters.total == 0, "\(malformed): counted \(counters)")
            #expect(lines.isEmpty, "\(malformed): logged \(lines)")
        }
        if malformed.name.contains("unknown route type") {
            #expect(counters.unknownRouteTypes == 1, "\(malformed): \(counters)")
        }

        // Nothing malformed goes on: what c2 got decodes cleanly, only known route types, canonical flags.
        for update in h.updates(H.c2) {
            #expect(update.problems.isEmpty, "\(malformed): c2 got \(update.problems)")
            for route in update.mpReach.flatMap({ reach -> [EVPNNLRI]? in
                if case .evpn(let list) = reach.nlri { return list } else { return nil } }) ?? [] {
                #expect((1...5).contains(route.route.routeType), "\(malformed): route type \(route.route.routeType) passed on")
            }
            for attribute in update.attributes where attribute.type != .mpReachNLRI && attribute.type != .mpUnreachNLRI {
                if case .unknown = attribute.value {
                    #expect(attribute.flags.contains(.optional) && attribute.flags.contains(.transitive)
                            && attribute.flags.contains(.partial), "\(malformed): unknown attribute \(attribute) passed on so")
                } else {
                    let canonical = PathAttribute(attribute.value).flags
                    #expect(attribute.flags.subtracting([.partial, .extendedLength]) == canonical,
                            "\(malformed): \(attribute.type.rawValue) passed on with flags \(attribute.flags.rawValue)")
                }
            }
        }
    }

    /// A flood of malformed UPDATEs is counted in full, logged only up to the per-session limit.
    @Test func aFloodIsCountedButLoggedOnlyUpToTheLimit() {
        var h = H(peers: [H.c1, H.c2])
        var logged = 0
        let floods = UpdateErrorCounters.logLinesPerSession + 50
        for n in 0..<floods {
            var list = MalformedCases.cleanAttributes(n + 1, sender: Self.internalSender, session: .internal)
            list[0] = MalformedCases.attr(0x40, 1, [9])
            let outputs = h.engine.handle(.received(H.c1.connection, MalformedCases.update(list)), now: h.now)
            logged += outputs.filter { if case .log(let e) = $0 { return e.message.hasPrefix("malformed UPDATE") } else { return false } }.count
        }
        let counters = h.engine.updateErrors(of: H.c1.id)
        #expect(counters?.treatAsWithdraw == UInt64(floods))
        #expect(counters?.byAttribute["ORIGIN(1) treat-as-withdraw"] == UInt64(floods))
        #expect(logged == UpdateErrorCounters.logLinesPerSession)
        #expect(h.engine.state(of: H.c1.id) == .established)
    }

    /// The counters reach the summary the control socket reports.
    @Test func countersAreInTheSummary() {
        var h = H(peers: [H.c1, H.c2])
        var list = MalformedCases.cleanAttributes(1, sender: Self.internalSender, session: .internal)
        list.append(MalformedCases.attr(0xc0, 7, [1, 2]))
        h.record(h.engine.handle(.received(H.c1.connection, MalformedCases.update(list)), now: h.now))
        let row = h.engine.summary(now: h.now).first { $0.address == .v4(H.c1.address) }
        #expect(row?.updateErrors.attributeDiscard == 1)
        #expect(row?.updateErrors.byAttribute == ["AGGREGATOR(7) attribute-discard": 1])
        #expect(h.engine.summary(now: h.now).first { $0.address == .v4(H.c2.address) }?.updateErrors.total == 0)
    }
}

@Suite struct MalformedUpdateLogTests {
    typealias H = ReflectorHarness

    /// One line per problem, naming the attribute and the outcome, with the peer as the event's peer.
    @Test func oneLineNamesThePeerTheAttributeAndTheOutcome() {
        var h = H(peers: [H.c1, H.c2])
        let sender = MalformedSender(address: [10, 0, 0, 11], asn: H.localAS, localAS: H.localAS)
        var list = MalformedCases.cleanAttributes(1, sender: sender, session: .internal)
        list[0] = MalformedCases.attr(0x40, 1, [3])
        let outputs = h.engine.handle(.received(H.c1.connection, MalformedCases.update(list)), now: h.now)
        let events = outputs.compactMap { output -> LogEvent? in
            if case .log(let event) = output, event.message.hasPrefix("malformed") { return event }
            return nil
        }
        #expect(events.count == 1)
        #expect(events.first?.peer == H.c1.id)
        #expect(events.first?.level == .warning)
        #expect(events.first?.message.hasPrefix("malformed UPDATE: attribute=ORIGIN(1) outcome=treat-as-withdraw error=invalidOrigin routes=1") == true,
                "\(events.first?.message ?? "")")
    }

    /// A reset is logged once, as the reset, and not again as a generic decode failure.
    @Test func aResetIsLoggedOnce() {
        var h = H(peers: [H.c1, H.c2])
        let sender = MalformedSender(address: [10, 0, 0, 11], asn: H.localAS, localAS: H.localAS)
        var list = MalformedCases.cleanAttributes(1, sender: sender, session: .internal)
        list.append(MalformedCases.attr(0x40, 99, [1]))
        let outputs = h.engine.handle(.received(H.c1.connection, MalformedCases.update(list)), now: h.now)
        let lines = outputs.compactMap { output -> String? in
            if case .log(let event) = output, event.message.contains("malformed") || event.message.contains("attribute 99") { return event.message }
            return nil
        }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.hasPrefix("malformed message: attribute=attribute 99(99) outcome=session-reset error=unrecognizedWellKnownAttribute") == true,
                "\(lines)")
        #expect(h.engine.updateErrors(of: H.c1.id)?.sessionReset == 1)
    }
}
