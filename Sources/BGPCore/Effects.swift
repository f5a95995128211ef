// What one input to the engine produces, collected while the peers handle it.

import BGPWire

struct Effects {
    var outputs: [EngineOutput] = []
    var now: Instant
    /// Engine-allocated connection IDs start at `ConnectionID.engineRangeStart`.
    var nextConnectionID: UInt64

    mutating func newConnectionID() -> ConnectionID {
        defer { nextConnectionID &+= 1 }
        return ConnectionID(nextConnectionID)
    }

    mutating func emit(_ output: EngineOutput) { outputs.append(output) }

    mutating func log(_ level: LogEvent.Level, _ message: String, peer: PeerID? = nil) {
        outputs.append(.log(LogEvent(level: level, message: message, peer: peer)))
    }
}

/// Who we are, as every peer's OPEN says it.
struct LocalSpeaker: Hashable {
    var localAS: UInt32
    var routerID: IPv4Address
    var hostname: String
    var gracefulRestartTime: UInt16
}
