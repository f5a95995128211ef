// RFC 7606 end to end: the decoder says which outcome each problem of an UPDATE demands
// (BGPWire/Update.swift, PathAttributeTable.swift); this file is where the session carries it out,
// counts it and logs it.
//
//   outcome            what the session and RIB do                                  counted as
//   session reset      NOTIFICATION with the decoder's code/subcode, session down    sessionReset
//   AFI/SAFI disable   carried out as a session reset (RFC 7606 section 2 allows     afiSafiDisable
//                      it; FRR does the same), NOTIFICATION UPDATE/Optional
//                      Attribute Error
//   treat-as-withdraw  every route the UPDATE announces is withdrawn (if this peer   treatAsWithdraw,
//                      had it) and never reflected (RIB.receive)                     routesWithdrawn
//   attribute discard  the attribute is dropped, the routes are kept (the decoder    attributeDiscard
//                      already left it out of `attributes`)
//
// Checks that need the session (who the peer is) and so cannot live in the decoder:
// - LOCAL_PREF from an external peer is discarded (RFC 7606 section 7.5, RFC 4271 section 5.1.5).
// - From an external peer, an AS_PATH whose first AS is not the peer's, or that holds confederation
//   segments, is malformed (RFC 4271 section 6.3, RFC 5065 section 5.3): treat-as-withdraw
//   (RFC 7606 section 7.2). FRR does the same (`enforce-first-as` is its default; `no bgp enforce-first-as`
//   turns the first-AS half off, for route servers that do not prepend their AS).
// - AS number 0 (RFC 7607 section 2): in AS_PATH the UPDATE is treat-as-withdraw; in AS4_PATH, AGGREGATOR or
//   AS4_AGGREGATOR the attribute is discarded (RFC 7606 sections 7.7 and RFC 6793 section 6 for those). FRR
//   checks the same, so passing one on would make FRR withdraw the route.
// - Attribute parsing that stopped early (a length overran the path attributes) before any
//   MP_REACH_NLRI or MP_UNREACH_NLRI was found leaves the routes of the UPDATE unlocatable:
//   treat-as-withdraw cannot be carried out, so the session is reset with UPDATE Message Error /
//   Attribute Length Error (RFC 7606 sections 4 and 5.3; FRR resets here too).
//
// Every problem is counted per peer (`show bgp l2vpn evpn summary json`, key `updateErrors`) and
// logged once, as one line `malformed UPDATE: attribute=ORIGIN(1) outcome=treat-as-withdraw ...`
// with the peer as metadata. A peer that floods malformed UPDATEs gets its first
// `UpdateErrorCounters.logLinesPerSession` lines per session logged; the rest are only counted.

import BGPWire

/// What RFC 7606 made evpnd do about one peer's malformed messages, since the peer was configured.
public struct UpdateErrorCounters: Hashable, Sendable {
    /// Log lines per session before further problems are only counted.
    public static let logLinesPerSession = 100

    /// UPDATEs handled as withdrawals.
    public var treatAsWithdraw: UInt64 = 0
    /// Routes those UPDATEs announced, each handled as a withdrawal.
    public var routesWithdrawn: UInt64 = 0
    /// Attributes dropped while their UPDATE's routes were kept.
    public var attributeDiscard: UInt64 = 0
    /// Sessions reset for a malformed message (NOTIFICATION sent).
    public var sessionReset: UInt64 = 0
    /// Sessions reset because a family's NLRI could not be parsed (AFI/SAFI disable, carried out as a reset).
    public var afiSafiDisable: UInt64 = 0
    /// EVPN NLRI of a route type evpnd does not know, ignored (RFC 7432 section 7).
    public var unknownRouteTypes: UInt64 = 0
    /// Per attribute and outcome, e.g. "ORIGIN(1) treat-as-withdraw": 2.
    public var byAttribute: [String: UInt64] = [:]

    public init() {}

    /// Every counted event; zero for a peer that never sent anything malformed.
    public var total: UInt64 { treatAsWithdraw + attributeDiscard + sessionReset + afiSafiDisable + unknownRouteTypes }
}

/// The attribute a problem concerns, as logs and counters name it: "ORIGIN(1)", "attribute 99(99)", or "-".
func attributeLabel(_ type: UInt8?) -> String {
    guard let type else { return "-" }
    return "\(PathAttributeTable.name(of: AttributeType(rawValue: type)))(\(type))"
}

extension Peer {
    /// What to do with an UPDATE once the session's own checks have run.
    enum Screened {
        case proceed(UpdateMessage)
        case reset(BGPError)
    }

    /// Applies the checks that need the session, then counts and logs every problem of the UPDATE.
    mutating func screen(_ update: UpdateMessage, on connection: ConnectionID, localAS: UInt32, enforceFirstAS: Bool = true,
                         _ fx: inout Effects) -> Screened {
        var update = update
        let negotiated = established?.negotiated
        let carriesRoutes = update.mpReach.map { !$0.nlri.isEmpty } ?? false || !update.nlri.isEmpty

        if update.attributeListTruncated && update.mpReach == nil && update.mpUnreach == nil && update.nlri.isEmpty {
            let cause = update.problems.first { $0.code == .attributeLength || $0.code == .malformedAttributeList }
            let error = BGPError(.attributeLength,
                                 .sessionReset(NotificationMessage(code: .update, subcode: NotificationSubcode.Update.attributeLengthError)),
                                 "path attributes could not be parsed to their end (\(cause?.reason ?? "length overrun")) and no "
                                 + "MP_REACH_NLRI or MP_UNREACH_NLRI was found before: the routes cannot be located",
                                 offset: cause?.offset, attributeType: cause?.attributeType)
            return .reset(error)
        }

        if let negotiated, negotiated.peerAS != localAS {
            if update.attributes.contains(where: { $0.type == .localPref }) {
                update.attributes.removeAll { $0.type == .localPref }
                update.problems.append(BGPError(.malformedAttributeList, .attributeDiscard,
                                                "LOCAL_PREF from an external peer is discarded (RFC 7606 section 7.5)",
                                                attributeType: AttributeType.localPref.rawValue))
            }
            if carriesRoutes, case .asPath(let path)? = update.attribute(.asPath),
               !update.problems.contains(where: { $0.attributeType == AttributeType.asPath.rawValue }),
               let reason = Self.externalASPathProblem(path, peerAS: negotiated.peerAS, enforceFirstAS: enforceFirstAS) {
                update.problems.append(BGPError(.malformedASPath, .treatAsWithdraw, reason,
                                                attributeType: AttributeType.asPath.rawValue))
            }
        }

        Self.checkASZero(&update)

        let routes = (update.mpReach?.nlri.count ?? 0) + update.nlri.count
        let outcome = update.outcome
        for problem in update.problems {
            // The UPDATE's outcome is the most severe one; a discard beside a withdraw changes nothing more.
            record(problem, applied: outcome == .treatAsWithdraw ? .treatAsWithdraw : problem.outcome,
                   routes: routes, on: connection, &fx)
        }
        if outcome == .treatAsWithdraw {
            updateErrors.treatAsWithdraw += 1
            updateErrors.routesWithdrawn += UInt64(routes)
        }
        if let skipped = update.mpReach?.skippedRouteTypes, !skipped.isEmpty {
            updateErrors.unknownRouteTypes += UInt64(skipped.count)
            logUpdateError("unknown EVPN route type(s) \(skipped.map(String.init).joined(separator: ",")) ignored "
                           + "(RFC 7432 section 7)", on: connection, level: .info, &fx)
        }
        if let skipped = update.mpUnreach?.skippedRouteTypes, !skipped.isEmpty {
            updateErrors.unknownRouteTypes += UInt64(skipped.count)
        }
        return .proceed(update)
    }

    /// The UPDATE to go on with, or nil when the session was reset instead.
    mutating func screenOrReset(_ update: UpdateMessage, on connection: ConnectionID, localAS: UInt32, enforceFirstAS: Bool = true,
                                _ fx: inout Effects) -> UpdateMessage? {
        switch screen(update, on: connection, localAS: localAS, enforceFirstAS: enforceFirstAS, &fx) {
        case .proceed(let screened):
            return screened
        case .reset(let error):
            fail(connection, error, &fx)
            return nil
        }
    }

    /// RFC 7607 section 2: AS 0 anywhere an AS is carried.
    static func checkASZero(_ update: inout UpdateMessage) {
        var discarded: [AttributeType] = []
        for attribute in update.attributes {
            switch attribute.value {
            case .asPath(let path) where path.segments.contains(where: { $0.asns.contains(0) }):
                update.problems.append(BGPError(.malformedASPath, .treatAsWithdraw, "AS_PATH holds AS 0 (RFC 7607)",
                                                attributeType: AttributeType.asPath.rawValue))
            case .as4Path(let path) where path.segments.contains(where: { $0.asns.contains(0) }):
                discarded.append(.as4Path)
            case .aggregator(let aggregator) where aggregator.asn == 0:
                discarded.append(.aggregator)
            case .as4Aggregator(let aggregator) where aggregator.asn == 0:
                discarded.append(.as4Aggregator)
            default:
                break
            }
        }
        for type in discarded {
            update.attributes.removeAll { $0.type == type }
            update.problems.append(BGPError(.optionalAttribute, .attributeDiscard,
                                            "\(PathAttributeTable.name(of: type)) holds AS 0 (RFC 7607)", attributeType: type.rawValue))
        }
    }

    /// RFC 4271 section 6.3 (first AS, unless `no bgp enforce-first-as`) and RFC 5065 section 5.3 (no
    /// confederation segments from outside).
    static func externalASPathProblem(_ path: ASPath, peerAS: UInt32, enforceFirstAS: Bool = true) -> String? {
        if path.segments.contains(where: { $0.type == .confedSequence || $0.type == .confedSet }) {
            return "AS_PATH from an external peer holds confederation segments"
        }
        guard enforceFirstAS else { return nil }
        guard let first = path.segments.first, first.type == .sequence, first.asns.first == peerAS else {
            return "AS_PATH from an external peer does not start with its AS \(peerAS) (\(path.description.isEmpty ? "empty" : path.description))"
        }
        return nil
    }

    /// Counts one problem and logs it once.
    private mutating func record(_ problem: BGPError, applied: ErrorOutcome, routes: Int, on connection: ConnectionID,
                                 _ fx: inout Effects) {
        let label = attributeLabel(problem.attributeType)
        if applied == .attributeDiscard { updateErrors.attributeDiscard += 1 }
        updateErrors.byAttribute["\(label) \(applied.name)", default: 0] += 1
        var line = "malformed UPDATE: attribute=\(label) outcome=\(applied.name) error=\(problem.code.rawValue)"
        if applied == .treatAsWithdraw { line += " routes=\(routes)" }
        if problem.outcome != applied { line += " (attribute \(problem.outcome.name))" }
        line += " reason=\"\(problem.reason)\""
        logUpdateError(line, on: connection, level: .warning, &fx)
    }

    /// A decode error that ends the session: counted, logged once; the caller sends the NOTIFICATION.
    mutating func recordReset(_ error: BGPError, on connection: ConnectionID, _ fx: inout Effects) {
        let label = attributeLabel(error.attributeType)
        switch error.outcome {
        case .afiSafiDisable: updateErrors.afiSafiDisable += 1
        default: updateErrors.sessionReset += 1
        }
        updateErrors.byAttribute["\(label) \(error.outcome.name)", default: 0] += 1
        var line = "malformed message: attribute=\(label) outcome=\(error.outcome.name) error=\(error.code.rawValue)"
        if let notification = error.notification { line += " notification=\"\(notification)\"" }
        if case .afiSafiDisable(let family, _) = error.outcome { line += " family=\(family) (carried out as a session reset)" }
        line += " reason=\"\(error.reason)\""
        if let offset = error.offset { line += " offset=\(offset)" }
        // A reset ends the session, so it cannot flood: always logged.
        fx.log(.warning, line, peer: id)
    }

    private mutating func logUpdateError(_ line: String, on connection: ConnectionID, level: LogEvent.Level, _ fx: inout Effects) {
        if updateErrorLog.connection != connection { updateErrorLog = (connection, 0) }
        updateErrorLog.lines += 1
        let limit = UpdateErrorCounters.logLinesPerSession
        if updateErrorLog.lines < limit {
            fx.log(level, line, peer: id)
        } else if updateErrorLog.lines == limit {
            fx.log(level, line + "; further malformed UPDATEs on this session are only counted", peer: id)
        }
    }
}

extension Engine {
    /// RFC 7606 counters of one peer (nil for an unknown peer).
    public func updateErrors(of peer: PeerID) -> UpdateErrorCounters? { peers[peer]?.updateErrors }
}
