// The milestones a watcher prints as a table fills and empties (FDBWatch, RouteWatch): ADD first, half and all
// while rows come in, then DEL first and half as they go (DEL all is the watcher's, when none is left).

struct WatchMilestones {
    let expected: Int
    let half: Int
    /// Rows are still coming in (ADD all not reached yet).
    private(set) var adding = true
    private var sawFirst = false
    private var sawHalf = false

    init(expected: Int) {
        self.expected = expected
        half = (expected + 1) / 2
    }

    /// `count` rows are present at `t`: prints what that reaches.
    mutating func update(_ count: Int, at t: Double) {
        if adding {
            if !sawFirst, count > 0 { sawFirst = true; emit("ADD", "first", stamp(t)) }
            if !sawHalf, count >= half { sawHalf = true; emit("ADD", "half", stamp(t)) }
            if count >= expected {
                emit("ADD", "all", stamp(t))
                adding = false
                sawFirst = false
                sawHalf = false
            }
        } else {
            if !sawFirst, count < expected { sawFirst = true; emit("DEL", "first", stamp(t)) }
            if !sawHalf, count <= expected - half { sawHalf = true; emit("DEL", "half", stamp(t)) }
        }
    }
}
