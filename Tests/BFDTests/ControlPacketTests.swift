// The Control packet codec (RFC 5880 section 4.1) against FRR 8.4 bfdd's packets (Tests/Fixtures/bfd) and the
// packet-only discard rules of section 6.8.6.
import BFD
import Testing

@Suite("BFD control packet codec")
struct ControlPacketTests {
    /// Every captured packet decodes to what tshark's independent dissector saw, and encodes back to its bytes.
    @Test func capturedPacketsMatchTshark() throws {
        let rows = try BFDFixtures.rows()
        #expect(rows.count > 100)
        for row in rows {
            let bytes = try #require([UInt8](hex: row["udp.payload"] ?? ""))
            let packet = try BFDControlPacket(wireBytes: bytes)
            func number(_ field: String) -> UInt64? {
                guard let text = row[field] else { return nil }
                return text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            }
            func flag(_ field: String) -> Bool { row[field] == "1" || row[field] == "True" }
            #expect(number("bfd.version") == 1)
            #expect(UInt64(packet.diagnostic.rawValue) == number("bfd.diag"))
            #expect(UInt64(packet.state.rawValue) == number("bfd.sta"))
            #expect(packet.poll == flag("bfd.flags.p"))
            #expect(packet.final == flag("bfd.flags.f"))
            #expect(packet.controlPlaneIndependent == flag("bfd.flags.c"))
            #expect(packet.authenticationPresent == flag("bfd.flags.a"))
            #expect(packet.demand == flag("bfd.flags.d"))
            #expect(UInt64(packet.detectMultiplier) == number("bfd.detect_time_multiplier"))
            #expect(UInt64(packet.myDiscriminator) == number("bfd.my_discriminator"))
            #expect(UInt64(packet.yourDiscriminator) == number("bfd.your_discriminator"))
            #expect(UInt64(packet.desiredMinTxInterval) == number("bfd.desired_min_tx_interval"))
            #expect(UInt64(packet.requiredMinRxInterval) == number("bfd.required_min_rx_interval"))
            #expect(UInt64(packet.requiredMinEchoRxInterval) == number("bfd.required_min_echo_interval"))
            #expect(UInt64(bytes.count) == number("bfd.message_length"))
            #expect(packet.serialize() == bytes)
        }
    }

    /// One file per kind of packet FRR sent, with the fields its name promises.
    @Test(arguments: BFDFixtures.binFiles)
    func namedFixture(_ name: String) throws {
        let bytes = try BFDFixtures.bytes(name)
        let packet = try BFDControlPacket(wireBytes: bytes)
        #expect(bytes.count == 24)
        #expect(packet.serialize() == bytes)
        let words = name.dropLast(4).split(separator: "-")
        let state: BFDState = switch words[2] {
        case "admindown": .adminDown
        case "down": .down
        case "init": .initializing
        default: .up
        }
        #expect(packet.state == state)
        #expect(packet.poll == words.contains("poll"))
        #expect(packet.final == words.contains("final"))
        #expect(words.last.map { "diag\(packet.diagnostic.rawValue)" == $0 } == true)
        if state == .down && packet.diagnostic == .none {
            // Slow start (RFC 5880 section 6.8.3): FRR advertises one second before the session is Up. (After a
            // failure its first Down packet still carries the old intervals, so only diagnostic 0 is checked.)
            #expect(packet.desiredMinTxInterval == 1_000_000)
        }
    }

    /// Golden bytes of one packet, field by field (FRR's first Up packet with Poll, after the handshake: B's
    /// `transmit-interval 200`, `receive-interval 250`, `detect-multiplier 5`).
    @Test func frrPollPacketFields() throws {
        let bytes = try BFDFixtures.bytes("singlehop-10.99.0.2-up-poll-diag0.bin")
        let packet = try BFDControlPacket(wireBytes: bytes)
        #expect(bytes[0] == 0x20)  // version 1, diag 0
        #expect(bytes[1] == 0xe0)  // Up, P
        #expect(packet.detectMultiplier == 5)
        #expect(packet.desiredMinTxInterval == 200_000)
        #expect(packet.requiredMinRxInterval == 250_000)
        #expect(packet.requiredMinEchoRxInterval == 50_000)
        #expect(packet.myDiscriminator != 0 && packet.yourDiscriminator != 0)
    }

    @Test func everyFieldRoundTrips() throws {
        for state in BFDState.allCases {
            for diag: UInt8 in [0, 1, 3, 7, 8, 31] {
                var packet = BFDControlPacket(diagnostic: BFDDiagnostic(rawValue: diag), state: state, poll: diag == 1,
                                              final: diag == 3, controlPlaneIndependent: diag == 7, demand: diag == 8,
                                              detectMultiplier: 255, myDiscriminator: 0xdead_beef,
                                              yourDiscriminator: state == .up || state == .initializing ? 7 : 0,
                                              desiredMinTxInterval: 0xffff_ffff, requiredMinRxInterval: 1,
                                              requiredMinEchoRxInterval: 50_000)
                let bytes = packet.serialize()
                #expect(bytes.count == 24)
                #expect(try BFDControlPacket(wireBytes: bytes) == packet)
                packet.authentication = [1, 5, 1, 0x61, 0x62]  // simple password "ab", key 1: kept as bytes
                let withAuth = packet.serialize()
                #expect(withAuth.count == 29 && withAuth[3] == 29 && withAuth[1] & 0x04 != 0)
                #expect(try BFDControlPacket(wireBytes: withAuth) == packet)
            }
        }
    }

    /// Bytes after Length (UDP padding) are ignored, as section 6.8.6 allows.
    @Test func trailingBytesIgnored() throws {
        let bytes = try BFDFixtures.bytes("singlehop-10.99.0.1-up-diag0.bin")
        #expect(try BFDControlPacket(wireBytes: bytes + [0, 0, 0, 0]) == BFDControlPacket(wireBytes: bytes))
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        var name: String
        var change: @Sendable ([UInt8]) -> [UInt8]
        var reason: BFDDropReason
        var testDescription: String { name }
    }

    /// A valid Down packet (Your Discriminator 0) to damage one field at a time.
    static let down = BFDControlPacket(state: .down, detectMultiplier: 3, myDiscriminator: 0x0102_0304,
                                       desiredMinTxInterval: 1_000_000, requiredMinRxInterval: 300_000).serialize()

    static let malformed: [Malformed] = [
        Malformed(name: "empty", change: { _ in [] }, reason: .truncated),
        Malformed(name: "23 octets", change: { Array($0.prefix(23)) }, reason: .truncated),
        Malformed(name: "version 0", change: { var b = $0; b[0] &= 0x1f; return b }, reason: .badVersion),
        Malformed(name: "version 2", change: { var b = $0; b[0] = 0x40 | b[0] & 0x1f; return b }, reason: .badVersion),
        Malformed(name: "version 7", change: { var b = $0; b[0] |= 0xe0; return b }, reason: .badVersion),
        Malformed(name: "length 23", change: { var b = $0; b[3] = 23; return b }, reason: .lengthTooShort),
        Malformed(name: "length 0", change: { var b = $0; b[3] = 0; return b }, reason: .lengthTooShort),
        Malformed(name: "A bit, length 24", change: { var b = $0; b[1] |= 0x04; return b }, reason: .lengthTooShort),
        Malformed(name: "A bit, length 25", change: { var b = $0; b[1] |= 0x04; b[3] = 25; return b + [1] },
                  reason: .lengthTooShort),
        Malformed(name: "length 25 over 24 octets", change: { var b = $0; b[3] = 25; return b }, reason: .lengthExceedsPayload),
        Malformed(name: "length 255 over 24 octets", change: { var b = $0; b[3] = 255; return b }, reason: .lengthExceedsPayload),
        Malformed(name: "A bit, auth length 1", change: { var b = $0; b[1] |= 0x04; b[3] = 26; return b + [1, 1] },
                  reason: .badAuthenticationLength),
        Malformed(name: "A bit, auth length past Length", change: { var b = $0; b[1] |= 0x04; b[3] = 28; return b + [1, 9, 0, 0] },
                  reason: .badAuthenticationLength),
        Malformed(name: "detect mult 0", change: { var b = $0; b[2] = 0; return b }, reason: .zeroDetectMultiplier),
        Malformed(name: "M bit", change: { var b = $0; b[1] |= 0x01; return b }, reason: .multipointSet),
        Malformed(name: "my discriminator 0", change: { var b = $0; b[4...7] = [0, 0, 0, 0]; return b },
                  reason: .zeroMyDiscriminator),
        Malformed(name: "Init with your discriminator 0", change: { var b = $0; b[1] = 0x80; return b },
                  reason: .zeroYourDiscriminator),
        Malformed(name: "Up with your discriminator 0", change: { var b = $0; b[1] = 0xc0; return b },
                  reason: .zeroYourDiscriminator),
    ]

    @Test(arguments: malformed)
    func malformedPacketRejected(_ item: Malformed) {
        let bytes = item.change(Self.down)
        #expect(throws: item.reason) { try BFDControlPacket(wireBytes: bytes) }
    }

    /// The cases the RFC allows that look odd: AdminDown with Your Discriminator 0, an authentication section
    /// of exactly two octets, and reserved diagnostic codes.
    @Test func acceptedEdgeCases() throws {
        var adminDown = Self.down
        adminDown[1] = 0x00
        #expect(try BFDControlPacket(wireBytes: adminDown).state == .adminDown)
        var auth = Self.down
        auth[1] |= 0x04
        auth[3] = 26
        #expect(try BFDControlPacket(wireBytes: auth + [2, 2]).authentication == [2, 2])
        var reserved = Self.down
        reserved[0] = 0x20 | 31
        #expect(try BFDControlPacket(wireBytes: reserved).diagnostic.rawValue == 31)
        #expect(BFDDiagnostic(rawValue: 31).description == "diagnostic 31")
        #expect(BFDDiagnostic.controlDetectionTimeExpired.description == "control detection time expired")
    }
}
