// Fuzz target "bfd-packet": a UDP payload for port 3784/4784, first through the Control packet decoder
// (RFC 5880 section 4.1 and the packet checks of 6.8.6), then through a BFD engine holding two sessions to the
// sender, as the daemon would deliver it.
//
// Input: one octet of TTL, one octet of options (bit 0: arrived on the multihop port; bit 1: the engine's
// sessions are Up first, so Your Discriminator matches can be reached), then the payload.
// Invariants checked: a packet that decodes re-encodes to a packet that decodes to itself, with the same first
// three octets and the same 20 octets after Length; the engine drops an input under exactly one reason or
// takes it as received by exactly one session, and never emits a packet it cannot decode itself.
import BFD

/// A fixed generator: the harness must be deterministic per input.
struct FuzzRandom: RandomNumberGenerator {
    var state: UInt64 = 0x1234_5678
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBFDPacket(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard input.count >= 2 else { return 0 }
    let ttl = input[0], options = input[1]
    let payload = Array(input.dropFirst(2))
    if let packet = try? BFDControlPacket(wireBytes: payload) {
        let bytes = packet.serialize()
        fuzzInvariant((try? BFDControlPacket(wireBytes: bytes)) == packet, "re-encoded packet decodes differently: \(packet)")
        fuzzInvariant(bytes[0..<3] == payload[0..<3] && bytes[4..<24] == payload[4..<24],
                      "header changes in a round trip: \(payload.prefix(24)) -> \(bytes.prefix(24))")
        fuzzInvariant(packet.serialize() == bytes, "encoding is not stable")
    }

    let peer = BFDAddress.v4(0x0a63_0002), local = BFDAddress.v4(0x0a63_0001)
    let multihop = options & 1 != 0
    var engine = BFDEngine(random: FuzzRandom())
    let single = BFDSessionKey(peer: peer, local: local)
    let multi = BFDSessionKey(peer: peer, local: local, multihop: true)
    var outputs = engine.handle(.configure(single, BFDSessionParameters()), now: 0)
    outputs += engine.handle(.configure(multi, BFDSessionParameters(minimumTTL: 200)), now: 0)
    if options & 2 != 0 {
        // Bring both sessions Up with well-formed packets, so the fuzzed one meets Up sessions.
        for key in [single, multi] {
            guard let status = engine.status(key) else { continue }
            for (state, your) in [(BFDState.down, UInt32(0)), (.initializing, status.localDiscriminator)] {
                let hello = BFDControlPacket(state: state, myDiscriminator: 0x5555, yourDiscriminator: your).serialize()
                outputs += engine.handle(.received(BFDReceivedPacket(bytes: hello, source: peer, destination: local, ttl: 255,
                                                                     multihop: key.multihop)), now: 1000)
            }
        }
    }
    let dropsBefore = engine.drops.total
    let receivedBefore = engine.statuses.map(\.counters.controlPacketsReceived).reduce(0, +)
    outputs += engine.handle(.received(BFDReceivedPacket(bytes: payload, source: peer, destination: local, ttl: ttl,
                                                         multihop: multihop)), now: 2000)
    let dropped = engine.drops.total - dropsBefore
    let received = engine.statuses.map(\.counters.controlPacketsReceived).reduce(0, +) - receivedBefore
    fuzzInvariant(dropped + received == 1, "\(dropped) drops and \(received) receptions for one packet")
    for output in outputs {
        if case .send(_, let bytes) = output {
            fuzzInvariant((try? BFDControlPacket(wireBytes: bytes)) != nil, "the engine sent a packet it rejects: \(bytes)")
        }
    }
    return 0
}
