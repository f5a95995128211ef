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

    /// Work for the RIB, done by the engine once the peer that raised it is back in its table.
    var ribEvents: [RIBEvent] = []

    mutating func emit(_ output: EngineOutput) { outputs.append(output) }

    mutating func log(_ level: LogEvent.Level, _ message: String, peer: PeerID? = nil) {
        outputs.append(.log(LogEvent(level: level, message: message, peer: peer)))
    }
}

/// What a peer tells the RIB.
enum RIBEvent {
    case established(PeerID)
    case down(PeerID)
    /// Down for a graceful restart: its routes stay, stale (GracefulRestart.swift).
    case downRetainingStale(PeerID)
    /// The restart is over: the routes still stale go.
    case purgeStale(PeerID)
    case update(PeerID, UpdateMessage)
    /// The peer's socket may take UPDATEs, or it has new non-route work (End-of-RIB, refresh markers).
    case pump(PeerID)
}

/// Who we are, as every peer's OPEN says it.
struct LocalSpeaker: Hashable {
    var localAS: UInt32
    var routerID: IPv4Address
    var hostname: String
    var gracefulRestartTime: UInt16
    /// `bgp enforce-first-as` (FRR's default): an external peer's AS_PATH must start with its AS.
    var enforceFirstAS = true
    /// RFC 4724 R bit: a graceful restart is in progress.
    var restarting = false
}
