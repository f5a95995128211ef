// The engine's whole vocabulary with its runtime: what happened (inputs) and what to do (outputs).
// The runtime performs outputs in order; nothing here blocks, sleeps or reads a clock.

import BGPWire

public enum EngineInput: Sendable {
    /// Begin: active peers connect.
    case start
    /// An inbound TCP connection is up. Its ID is the runtime's, below `ConnectionID.engineRangeStart`.
    case connectionAccepted(ConnectionID, remote: IPAddress, remotePort: UInt16, local: IPAddress)
    /// An outbound `.connect` succeeded; `local` is our end of it (getsockname), when known.
    case connectionEstablished(ConnectionID, local: IPAddress? = nil)
    /// An outbound `.connect` failed.
    case connectionFailed(ConnectionID, reason: String)
    /// EOF or an error on an established TCP connection.
    case connectionClosed(ConnectionID, reason: String)
    /// Bytes read from the socket, in any chunking.
    case received(ConnectionID, [UInt8])
    /// The socket can take more: UPDATEs are built now, not before (pull-based sending).
    case writable(ConnectionID)
    case timerFired(TimerID)
    /// Initial configuration and reloads: only what changed is applied.
    case configure(EngineConfig)
    /// `clear bgp *` (nil) or `clear bgp PEER`; soft sends ROUTE-REFRESH, hard resets the session.
    case clear(PeerID?, soft: Bool)
    /// `clear bgp *|PEER soft out`: the Adj-RIB-Out is advertised again in full, the session stays.
    case resendAdjRIBOut(PeerID?)
    /// Routes this speaker originates (a VTEP's MACs and VNIs): best-path candidates like any
    /// received path, from the peer "local". Originating a key again replaces its route.
    case originate([LocalRoute])
    /// Local routes that are gone.
    case withdrawLocal([EVPNRouteKey])
    /// BFD saw the path to this neighbor fail (RFC 5882 section 4.3): the session goes down at once with a Cease
    /// (subcode 10, BFD Down, RFC 9384), its routes go, and it starts again as after `clear`.
    case bfdDown(PeerID, detail: String)
}

public enum EngineOutput: Sendable, Equatable {
    case connect(ConnectionID, remote: IPAddress, port: UInt16, source: IPAddress?)
    case send(ConnectionID, [UInt8])
    /// Close after every `.send` to it has been written (the runtime flushes first).
    case close(ConnectionID)
    /// An inbound connection nobody wants: close at once.
    case refuse(ConnectionID, reason: String)
    /// Re-arming a timer replaces it.
    case armTimer(TimerID, after: Duration)
    case cancelTimer(TimerID)
    case log(LogEvent)
    case sessionEstablished(PeerID)
    case sessionDown(PeerID, reason: String)
    /// An UPDATE as it arrived from an Established peer, after the RIB took it in (for tracing).
    case received(PeerID, UpdateMessage)
}
