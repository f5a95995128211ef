// Turns deadlines into the runtime's timers. The state machine only keeps deadlines (per session
// and per peer); after every input the peer compares the earliest deadline of each kind with what
// the runtime has armed and emits the difference.
//
// A deadline that moves later (the Hold timer on every message received) does not re-arm: the
// timer fires early, finds nothing due, and is armed again for the rest. That keeps one timer
// operation per hold interval instead of one per message.

struct TimerSchedule {
    private(set) var armed: [TimerKind: Instant] = [:]

    /// The runtime fired this timer: it is no longer armed.
    mutating func fired(_ kind: TimerKind) {
        armed[kind] = nil
    }

    mutating func reconcile(peer: PeerID, desired: [TimerKind: Instant], now: Instant, into out: inout [EngineOutput]) {
        for kind in TimerKind.allCases {
            let id = TimerID(peer: peer, kind: kind)
            switch (desired[kind], armed[kind]) {
            case (nil, nil):
                continue
            case (nil, .some):
                armed[kind] = nil
                out.append(.cancelTimer(id))
            case (.some(let want), nil):
                armed[kind] = want
                out.append(.armTimer(id, after: want.duration(since: now)))
            case (.some(let want), .some(let have)):
                if want < have {
                    armed[kind] = want
                    out.append(.armTimer(id, after: want.duration(since: now)))
                }
            }
        }
    }

    /// Cancels everything, for a peer that goes away.
    mutating func cancelAll(peer: PeerID, into out: inout [EngineOutput]) {
        for kind in TimerKind.allCases where armed[kind] != nil {
            out.append(.cancelTimer(TimerID(peer: peer, kind: kind)))
        }
        armed = [:]
    }
}
