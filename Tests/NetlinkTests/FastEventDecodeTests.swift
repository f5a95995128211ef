// The event reader's fast path for FDB notifications (NetlinkEvent-fast.swift) must give exactly what the
// typed decoder gives: on every captured datagram, on each captured neighbour message alone, and on those
// messages with bytes flipped or cut (where the typed decoder may report `.malformed`).
import Testing
@testable import Netlink

@Suite("Fast FDB event decoding")
struct FastEventDecodeTests {
    /// What the event reader produced before the fast path: every message decoded, acks and DONE dropped.
    static func typed(_ bytes: [UInt8]) -> [NetlinkEvent] {
        do {
            return try NetlinkMessage.decodeAll(bytes)
                .filter { $0.header.type != .error && $0.header.type != .done }
                .map(NetlinkEvent.init)
        } catch {
            return [.malformed(error)]
        }
    }

    /// Every neighbour message of every capture, alone in a datagram of its own.
    static func neighbourMessages() throws -> [[UInt8]] {
        var result: [[UInt8]] = []
        for file in NetlinkFixtures.all {
            for message in try NetlinkMessage.decodeAll(NetlinkFixtures.meaningful(NetlinkFixtures.bytes(file))) {
                guard case .neighbour = message.payload else { continue }
                result.append(message.encoded())
            }
        }
        return result
    }

    @Test func capturedDatagramsDecodeAsTheTypedPathDoes() throws {
        var fdbEvents = 0
        for file in NetlinkFixtures.all where file.hasSuffix(".recv.bin") {
            let bytes = NetlinkFixtures.meaningful(NetlinkFixtures.bytes(file))
            let fast = NetlinkEvent.decodeDatagram(bytes)
            #expect(fast == Self.typed(bytes), "\(file)")
            fdbEvents += fast.filter { if case .newFDB = $0 { return true } else { return false } }.count
        }
        #expect(fdbEvents >= 5, "the captures hold FDB rows (fdb-show, fdb-monitor)")
    }

    @Test func eachNeighbourMessageTakesTheFastPath() throws {
        let messages = try Self.neighbourMessages()
        #expect(messages.count >= 10)
        var fastOnes = 0
        for bytes in messages {
            #expect(NetlinkEvent.decodeDatagram(bytes) == Self.typed(bytes))
            let body = bytes.withUnsafeBytes { FDBEntry.decodeNotification(UnsafeRawBufferPointer(rebasing: $0[16...])) }
            if body != nil { fastOnes += 1 }
        }
        #expect(fastOnes >= 10, "AF_BRIDGE rows are read by the fast path")
    }

    @Test func bytesFlippedOrCutDecodeAsTheTypedPathDoes() throws {
        var generator = SplitMix(seed: 8)
        let messages = try Self.neighbourMessages()
        var malformed = 0
        for bytes in messages {
            // Every length field and a few random bytes of the attribute area flipped; the datagram cut short.
            for _ in 0..<200 {
                var mutated = bytes
                let index = 16 + Int(generator.next() % UInt64(mutated.count - 16))
                mutated[index] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                let fast = NetlinkEvent.decodeDatagram(mutated)
                #expect(fast == Self.typed(mutated), "flipped byte \(index) of \(bytes)")
                if case .malformed = fast.first { malformed += 1 }
            }
            for cut in stride(from: 16, to: bytes.count, by: 3) {
                var mutated = Array(bytes[0..<cut])
                mutated.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(cut).littleEndian, toByteOffset: 0, as: UInt32.self) }
                #expect(NetlinkEvent.decodeDatagram(mutated) == Self.typed(mutated), "cut at \(cut)")
            }
        }
        #expect(malformed > 0, "some mutations are malformed, and both paths say so alike")
    }

    @Test func twoRowsInOneDatagram() throws {
        let messages = try Self.neighbourMessages()
        let bytes = messages[0] + messages[messages.count - 1]
        #expect(NetlinkEvent.decodeDatagram(bytes) == Self.typed(bytes))
        #expect(NetlinkEvent.decodeDatagram(bytes).count == 2)
    }
}

/// A small deterministic generator (SplitMix64), so a failure reproduces.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
