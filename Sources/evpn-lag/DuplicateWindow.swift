// Duplicate detection for frames delivered to the host: the same bytes seen twice within a short window is a
// duplicate (a BUM frame that both switches forwarded into the segment, or a loop). A frame that really is
// sent twice (a retransmission) is normally further apart than the window; the tests' probes carry a
// sequence number, so each is distinct. Pure: time is passed in.

struct DuplicateWindow {
    /// Nanoseconds a frame is remembered.
    let window: UInt64
    private var seen: [Int: (time: UInt64, member: Int)] = [:]
    private var order: [(key: Int, time: UInt64)] = []
    private var head = 0

    init(windowNanoseconds: UInt64) { window = windowNanoseconds }

    enum Verdict: Equatable {
        case first
        /// Seen before within the window: via the same member, or via another one.
        case duplicate(acrossMembers: Bool)
    }

    /// Records a frame received on `member` at `now` and says whether it repeats one seen within the window.
    mutating func record(_ frame: UnsafeRawBufferPointer, member: Int, now: UInt64) -> Verdict {
        expire(now: now)
        var hasher = Hasher()
        hasher.combine(bytes: frame)
        let key = hasher.finalize()
        if let earlier = seen[key], now &- earlier.time <= window {
            return .duplicate(acrossMembers: earlier.member != member)
        }
        seen[key] = (now, member)
        order.append((key, now))
        return .first
    }

    /// Forgets frames older than the window (oldest first; the FIFO is compacted once half of it is spent).
    private mutating func expire(now: UInt64) {
        while head < order.count, now &- order[head].time > window {
            let entry = order[head]
            if let current = seen[entry.key], current.time == entry.time { seen[entry.key] = nil }
            head += 1
        }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Frames remembered now (for tests).
    var count: Int { seen.count }
}
