// The DF election finite state machine of RFC 8584 section 2.1, for the local Ethernet Segments of this switch.
//
// Runtime contract (the same as the other reducers): the runtime feeds `DFInput`s in order with the current
// `Instant`; `handle` performs no I/O and returns `DFOutput`s. `.armTimer(token, after:)` asks for one
// `.timerFired(token)` after that long; a token that is no longer current when it fires is ignored, so the
// runtime never needs to cancel a timer.
//
//   INIT     --ES_UP (local ES configured and its port up)--> DF_WAIT, DF Wait timer armed (3 s, RFC 7432 8.5)
//   DF_WAIT  --RCVD_ES / LOST_ES--> DF_WAIT: recorded; the timer keeps running (RFC 8584 section 2.1)
//   DF_WAIT  --DF_TIMER--> DF_CALC --> DF_DONE: roles computed and reported
//   DF_DONE  --RCVD_ES / LOST_ES / VLAN_CHANGE (VNI set)--> DF_CALC --> DF_DONE, at once
//   any      --ES_DOWN--> INIT: not DF on any VNI
//
// Until the timer fires the switch is not DF anywhere (FRR's "df-delay"), so a switch that joins or restarts
// never takes over before it has heard the others' type-4 routes.

import BGPWire

public enum DFInput: Sendable, Equatable {
    /// ES_UP: a local ES with our own candidate (our type-4 route's originator, algorithm and preference).
    case localESUp(EthernetSegmentIdentifier, ESCandidate)
    /// ES_DOWN: the ES's port went down or its configuration was removed.
    case localESDown(EthernetSegmentIdentifier)
    /// RCVD_ES: another switch's type-4 route for the ES (new or changed).
    case remoteESRoute(EthernetSegmentIdentifier, ESCandidate)
    /// LOST_ES: that switch's type-4 route was withdrawn.
    case remoteESWithdrawn(EthernetSegmentIdentifier, originator: IPAddress)
    /// VLAN_CHANGE: the VNIs present on the switch (every local ES carries every VNI, one bridge per VNI).
    case vnis(Set<UInt32>)
    case timerFired(DFTimerToken)
}

public struct DFTimerToken: Hashable, Sendable {
    public var esi: EthernetSegmentIdentifier
    public var generation: Int
}

public enum DFOutput: Sendable, Equatable {
    case armTimer(DFTimerToken, after: Duration)
    /// The VNIs on which this switch is now DF for the ES (all others: non-DF). Sent whenever it changes.
    case roles(EthernetSegmentIdentifier, designatedForwarder: Set<UInt32>)
}

public struct DFStateMachine: Sendable {
    public enum Phase: Hashable, Sendable {
        case wait
        case done
    }

    public struct Segment: Hashable, Sendable {
        public var local: ESCandidate
        public var remotes: [IPAddress: ESCandidate] = [:]
        public var phase: Phase = .wait
        public var generation: Int
        /// VNIs where we are DF (empty while waiting).
        public var designatedForwarder: Set<UInt32> = []

        public var candidates: [ESCandidate] { [local] + remotes.values.sorted { DFElection.numericallyLower($0.originator, $1.originator) } }
    }

    /// RFC 7432 section 8.5's default.
    public static let defaultWait: Duration = .seconds(3)

    public var wait: Duration
    public var tieBreak: DFElection.TieBreak
    public private(set) var segments: [EthernetSegmentIdentifier: Segment] = [:]
    public private(set) var vnis: Set<UInt32> = []
    /// Remote type-4 routes of ESs that are not (yet) local: kept so that an ES coming up sees them at once.
    public private(set) var remoteOnly: [EthernetSegmentIdentifier: [IPAddress: ESCandidate]] = [:]
    private var nextGeneration = 1

    public init(wait: Duration = Self.defaultWait, tieBreak: DFElection.TieBreak = .lowestAddress) {
        self.wait = wait
        self.tieBreak = tieBreak
    }

    public mutating func handle(_ input: DFInput) -> [DFOutput] {
        var outputs: [DFOutput] = []
        switch input {
        case .localESUp(let esi, let local):
            if var segment = segments[esi] {
                // Our own parameters changed (preference, algorithm): the others learn it from our new type-4
                // route; we recompute now unless still waiting.
                segment.local = local
                segments[esi] = segment
                if segment.phase == .done { calculate(esi, &outputs) }
                return outputs
            }
            let generation = nextGeneration
            nextGeneration += 1
            segments[esi] = Segment(local: local, remotes: remoteOnly.removeValue(forKey: esi) ?? [:], generation: generation)
            outputs.append(.armTimer(DFTimerToken(esi: esi, generation: generation), after: wait))
        case .localESDown(let esi):
            guard let segment = segments.removeValue(forKey: esi) else { return [] }
            if !segment.remotes.isEmpty { remoteOnly[esi] = segment.remotes }
            if !segment.designatedForwarder.isEmpty { outputs.append(.roles(esi, designatedForwarder: [])) }
        case .remoteESRoute(let esi, let candidate):
            guard var segment = segments[esi] else {
                remoteOnly[esi, default: [:]][candidate.originator] = candidate
                return []
            }
            // Our own route reflected back to us is not another switch.
            guard candidate.originator != segment.local.originator else { return [] }
            guard segment.remotes[candidate.originator] != candidate else { return [] }
            segment.remotes[candidate.originator] = candidate
            segments[esi] = segment
            if segment.phase == .done { calculate(esi, &outputs) }
        case .remoteESWithdrawn(let esi, let originator):
            guard var segment = segments[esi] else {
                remoteOnly[esi]?[originator] = nil
                if remoteOnly[esi]?.isEmpty == true { remoteOnly[esi] = nil }
                return []
            }
            guard segment.remotes.removeValue(forKey: originator) != nil else { return [] }
            segments[esi] = segment
            if segment.phase == .done { calculate(esi, &outputs) }
        case .vnis(let new):
            guard new != vnis else { return [] }
            vnis = new
            for esi in segments.keys.sorted() where segments[esi]?.phase == .done { calculate(esi, &outputs) }
        case .timerFired(let token):
            guard var segment = segments[token.esi], segment.generation == token.generation, segment.phase == .wait else { return [] }
            segment.phase = .done
            segments[token.esi] = segment
            // Reported even when we lose everywhere: the election has happened.
            calculate(token.esi, &outputs, report: true)
        }
        return outputs
    }

    /// DF_CALC: the roles of every VNI, reported when they differ from the last report.
    private mutating func calculate(_ esi: EthernetSegmentIdentifier, _ outputs: inout [DFOutput], report: Bool = false) {
        guard var segment = segments[esi] else { return }
        let candidates = segment.candidates
        let mine = Set(vnis.filter {
            DFElection.designatedForwarder(esi: esi, vni: $0, candidates: candidates, tieBreak: tieBreak) == segment.local.originator
        })
        guard report || mine != segment.designatedForwarder else { return }
        segment.designatedForwarder = mine
        segments[esi] = segment
        outputs.append(.roles(esi, designatedForwarder: mine))
    }
}
