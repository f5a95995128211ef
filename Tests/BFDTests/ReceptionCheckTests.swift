// Every reception check of RFC 5880 section 6.8.6 (and the TTL rules of RFC 5881 section 5 and RFC 5883
// section 2) against an Up session: the bad packet is dropped and counted under its reason, and the session is
// unharmed (still Up, its Detection Time not refreshed, its receive counter unchanged).
import BFD
import Testing

@Suite("BFD reception checks")
struct ReceptionCheckTests {
    struct BadPacket: CustomTestStringConvertible, Sendable {
        var name: String
        var reason: BFDDropReason
        /// From a valid Up packet of the peer (and the session's discriminator) to what is delivered.
        var make: @Sendable (_ valid: [UInt8], _ local: UInt32) -> (bytes: [UInt8], source: BFDAddress, ttl: UInt8, multihop: Bool)
        var testDescription: String { name }
    }

    static func edit(_ change: @escaping @Sendable (inout [UInt8]) -> Void) -> @Sendable ([UInt8], UInt32) -> ([UInt8], BFDAddress, UInt8, Bool) {
        { valid, _ in var b = valid; change(&b); return (b, addressB, 255, false) }
    }

    static let cases: [BadPacket] = [
        BadPacket(name: "truncated", reason: .truncated, make: edit { $0.removeLast() }),
        BadPacket(name: "version 0", reason: .badVersion, make: edit { $0[0] &= 0x1f }),
        BadPacket(name: "version 3", reason: .badVersion, make: edit { $0[0] = 0x60 }),
        BadPacket(name: "length 20", reason: .lengthTooShort, make: edit { $0[3] = 20 }),
        BadPacket(name: "A bit with length 24", reason: .lengthTooShort, make: edit { $0[1] |= 0x04 }),
        BadPacket(name: "length 48", reason: .lengthExceedsPayload, make: edit { $0[3] = 48 }),
        BadPacket(name: "auth length 0", reason: .badAuthenticationLength,
                  make: edit { $0[1] |= 0x04; $0[3] = 28; $0 += [1, 0, 0, 0] }),
        BadPacket(name: "detect mult 0", reason: .zeroDetectMultiplier, make: edit { $0[2] = 0 }),
        BadPacket(name: "multipoint", reason: .multipointSet, make: edit { $0[1] |= 0x01 }),
        BadPacket(name: "my discriminator 0", reason: .zeroMyDiscriminator, make: edit { $0[4...7] = [0, 0, 0, 0] }),
        BadPacket(name: "Up with your discriminator 0", reason: .zeroYourDiscriminator, make: edit { $0[8...11] = [0, 0, 0, 0] }),
        BadPacket(name: "unknown your discriminator", reason: .unknownDiscriminator, make: { valid, local in
            var b = valid
            let other = local &+ 1
            b[8...11] = [UInt8(other >> 24), UInt8(other >> 16 & 0xff), UInt8(other >> 8 & 0xff), UInt8(other & 0xff)]
            return (b, addressB, 255, false)
        }),
        BadPacket(name: "Down from a stranger", reason: .noMatchingSession, make: { valid, _ in
            var b = valid
            b[1] = 0x40
            b[8...11] = [0, 0, 0, 0]
            return (b, BFDAddress(ipv4: "10.99.0.3")!, 255, false)
        }),
        BadPacket(name: "our discriminator from another address", reason: .sessionMismatch,
                  make: { valid, _ in (valid, BFDAddress(ipv4: "10.99.0.3")!, 255, false) }),
        BadPacket(name: "our discriminator on the multihop port", reason: .sessionMismatch,
                  make: { valid, _ in (valid, addressB, 255, true) }),
        BadPacket(name: "authentication section", reason: .authenticationNotInUse,
                  make: edit { $0[1] |= 0x04; $0[3] = 29; $0 += [1, 5, 1, 0x61, 0x62] }),
        BadPacket(name: "TTL 254 on a single hop", reason: .ttlNot255, make: { valid, _ in (valid, addressB, 254, false) }),
        BadPacket(name: "TTL 1 on a single hop", reason: .ttlNot255, make: { valid, _ in (valid, addressB, 1, false) }),
    ]

    @Test(arguments: cases)
    func badPacketIsDroppedAndCounted(_ item: BadPacket) throws {
        var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters())
        link.run(until: 3 * second)
        let before = try #require(link.status(0))
        #expect(before.state == .up)
        let valid = try #require(link.sides[1].sent.last?.packet).serialize()
        let changes = link.sides[0].changes.count
        let detection = link.sides[0].timers[BFDTimer(discriminator: before.localDiscriminator, kind: .detection)]
        let (bytes, source, ttl, multihop) = item.make(valid, before.localDiscriminator)
        let out = link.sides[0].engine.handle(.received(BFDReceivedPacket(bytes: bytes, source: source, destination: addressA,
                                                                          ttl: ttl, multihop: multihop)), now: link.now)
        #expect(out.isEmpty)
        let drops = link.sides[0].engine.drops
        #expect(drops[item.reason] == 1)
        #expect(drops.total == 1)
        let after = try #require(link.status(0))
        #expect(after.state == .up)
        #expect(after.counters.controlPacketsReceived == before.counters.controlPacketsReceived)
        #expect(link.sides[0].timers[BFDTimer(discriminator: before.localDiscriminator, kind: .detection)] == detection)
        // And the session carries on: still Up a while later.
        link.run(until: link.now + 2 * second)
        #expect(link.status(0)?.state == .up)
        #expect(link.sides[0].changes.count == changes)
    }

    /// RFC 5883 section 2 / FRR `minimum-ttl`: a multihop session takes any TTL down to its minimum.
    @Test(arguments: [(255, true), (250, true), (249, false), (1, false)] as [(UInt8, Bool)])
    func multihopMinimumTTL(_ ttl: UInt8, _ accepted: Bool) {
        var link = VirtualLink(a: BFDSessionParameters(minimumTTL: 250), b: BFDSessionParameters(minimumTTL: 1), multihop: true)
        link.ttl = ttl
        link.run(until: 3 * second)
        #expect((link.status(0)?.state == .up) == accepted)
        #expect(link.sides[0].engine.drops[.ttlBelowMinimum] == (accepted ? 0 : link.sides[0].engine.drops.total))
        if !accepted { #expect(link.sides[0].engine.drops[.ttlBelowMinimum] > 0) }
    }

    /// Multihop's default minimum is FRR's 254: one router on the path is fine, two are not.
    @Test func multihopDefaultMinimumTTL() {
        #expect(BFDSessionParameters().minimumTTL == 254)
        var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters(), multihop: true)
        link.ttl = 253
        link.run(until: 3 * second)
        #expect(link.status(0)?.state == .down)
        #expect(link.sides[0].engine.drops[.ttlBelowMinimum] > 0)
    }
}
