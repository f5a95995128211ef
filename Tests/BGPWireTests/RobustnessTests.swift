// Property tests of the decoder against hostile input: every message of every fixture truncated at
// every offset and corrupted at random. The decoder must never trap, must always say which RFC
// 7606 outcome an error demands, and whatever it accepts must re-encode to something it decodes
// to the same value.
import Testing
@testable import BGPWire

/// A deterministic generator (SplitMix64), so a failing case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite struct RobustnessTests {
    /// Synthetic messages beside the captures, so the property holds even before fixtures exist.
    static func corpus() throws -> [(name: String, type: BGPMessageType, body: [UInt8], context: CodecContext)] {
        var list: [(String, BGPMessageType, [UInt8], CodecContext)] = [
            ("sample update", .update, updateBody(Sample.clean), Sample.context),
            ("sample withdraw", .update, updateBody([attr(0x80, 15, [0, 25, 70] + Sample.type2)]), Sample.context),
            ("sample open", .open, Array(try BGPMessage.open(OpenMessage(asn: 65000, holdTime: 9, identifier: IPv4Address(1, 2, 3, 4),
                                                                         capabilities: OpenTests.capabilities))
                                            .encode(context: .initial).dropFirst(19)), .initial),
        ]
        for m in try Fixtures.messages() { list.append(("\(m.stream)@\(m.offset)", m.type, m.body, m.context)) }
        return list
    }

    /// Checks one decode attempt: an error must carry an outcome (and a NOTIFICATION when the
    /// outcome ends the session); an accepted message must survive encode → decode unchanged.
    static func check(_ type: BGPMessageType, _ body: [UInt8], _ context: CodecContext, _ label: String) {
        do {
            let message = try BGPMessage.decode(type: type, body: body, context: context)
            if case .update(let update) = message, !update.problems.isEmpty {
                // RFC 7606 problems: each names an outcome that is not a reset.
                for problem in update.problems {
                    switch problem.outcome {
                    case .treatAsWithdraw, .attributeDiscard: break
                    default: Issue.record("\(label): non-throwing problem with outcome \(problem.outcome)")
                    }
                }
                return
            }
            // Unknown EVPN route types are dropped on decode (never passed on), so the property is
            // that one encode reaches a fixed point: decoding it and encoding again changes nothing.
            guard let encoded = try? message.encode(context: context) else { return }
            let again = try BGPMessage.decode(message: encoded, context: context)
            #expect(try again.encode(context: context) == encoded, "\(label): re-encoding is not stable")
        } catch {
            switch error.outcome {
            case .sessionReset(let notification), .afiSafiDisable(_, let notification):
                #expect((1...8).contains(notification.code.rawValue), "\(label): NOTIFICATION code \(notification.code.rawValue)")
            case .treatAsWithdraw, .attributeDiscard:
                Issue.record("\(label): thrown error with outcome \(error.outcome) should have been a problem")
            }
        }
    }

    @Test func truncationAtEveryOffset() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 3)
        for item in corpus {
            for cut in 0..<item.body.count {
                let truncated = Array(item.body.prefix(cut))
                Self.check(item.type, truncated, item.context, "\(item.name) cut at \(cut)")
                // A truncated UPDATE or OPEN whose length fields now overrun must be a session reset,
                // never silently accepted as a shorter valid message with the same lengths.
                if item.type == .open, cut < item.body.count {
                    #expect(throws: BGPError.self, "\(item.name) OPEN cut at \(cut)") {
                        try BGPMessage.decode(type: .open, body: truncated, context: item.context)
                    }
                }
            }
        }
    }

    @Test func truncatedUpdatesNeverPassAsClean() throws {
        for item in try Self.corpus() where item.type == .update && item.body.count > 4 {
            // Cutting inside the path attributes leaves the Total Path Attribute Length overrunning.
            let attributesEnd = 4 + Int(item.body[0]) << 8 + Int(item.body[1])
                + (Int(item.body[2 + Int(item.body[0]) << 8 + Int(item.body[1])]) << 8
                   | Int(item.body[3 + Int(item.body[0]) << 8 + Int(item.body[1])]))
            for cut in 4..<min(attributesEnd, item.body.count) {
                do {
                    _ = try UpdateMessage(decoding: Array(item.body.prefix(cut)), context: item.context)
                    Issue.record("\(item.name): UPDATE cut at \(cut) inside its attributes was accepted")
                } catch {
                    #expect(error.notification == NotificationMessage(code: .update, subcode: 1), "\(item.name) cut at \(cut)")
                }
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func randomCorruption(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        for item in try Self.corpus() where !item.body.isEmpty {
            for round in 0..<200 {
                var body = item.body
                let flips = Int.random(in: 1...4, using: &rng)
                for _ in 0..<flips {
                    let index = Int.random(in: 0..<body.count, using: &rng)
                    body[index] = UInt8.random(in: 0...255, using: &rng)
                }
                Self.check(item.type, body, item.context, "\(item.name) seed \(seed) round \(round)")
            }
        }
    }

    @Test func randomStreamsThroughTheFramer() {
        var rng = SplitMix64(state: 99)
        for _ in 0..<2000 {
            var bytes = [UInt8](repeating: 0xff, count: 16)
            let length = Int.random(in: 0...80, using: &rng)
            bytes += [0, UInt8(19 + length), UInt8.random(in: 1...5, using: &rng)]
            bytes += (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let (messages, error) = MessageStreamDecoder.decodeAll(bytes)
            #expect(messages.count + (error == nil ? 0 : 1) >= 1 || bytes.isEmpty)
        }
    }
}
