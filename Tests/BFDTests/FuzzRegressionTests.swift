// Replays the bfd-packet fuzz target's inputs (Fuzz/BFDPacket.swift: TTL octet, options octet, payload) with the
// harness's checks: every file in Tests/Fixtures/fuzz-regressions/bfd-packet and every FRR packet of
// Tests/Fixtures/bfd under each option, as scripts/fuzz seeds them.
import BFD
import Foundation
import Testing

@Suite("Fuzz regressions: BFD packets")
struct BFDFuzzRegressionTests {
    static var regressionFiles: [String] {
        let dir = BFDFixtures.directory.deletingLastPathComponent().appendingPathComponent("fuzz-regressions/bfd-packet")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0).path }
    }

    static var inputs: [[UInt8]] {
        var inputs = regressionFiles.compactMap { try? [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) }
        for name in BFDFixtures.binFiles {
            guard let bytes = try? BFDFixtures.bytes(name) else { continue }
            for options: UInt8 in 0...3 { inputs.append([255, options] + bytes) }
        }
        return inputs
    }

    @Test func inputsArePresent() {
        #expect(Self.regressionFiles.count >= 2)
        #expect(Self.inputs.count >= Self.regressionFiles.count + 4 * 19)
    }

    @Test(arguments: Self.inputs)
    func replay(_ input: [UInt8]) throws {
        let ttl = input[0], options = input[1]
        let payload = Array(input.dropFirst(2))
        if let packet = try? BFDControlPacket(wireBytes: payload) {
            let bytes = packet.serialize()
            #expect(try BFDControlPacket(wireBytes: bytes) == packet)
            #expect(bytes[0..<3] == payload[0..<3] && bytes[4..<24] == payload[4..<24])
        }
        let peer = BFDAddress.v4(0x0a63_0002), local = BFDAddress.v4(0x0a63_0001)
        var engine = BFDEngine(random: SplitMix64(seed: 5))
        let single = BFDSessionKey(peer: peer, local: local)
        let multi = BFDSessionKey(peer: peer, local: local, multihop: true)
        var outputs = engine.handle(.configure(single, BFDSessionParameters()), now: 0)
        outputs += engine.handle(.configure(multi, BFDSessionParameters(minimumTTL: 200)), now: 0)
        if options & 2 != 0 {
            for key in [single, multi] {
                let status = try #require(engine.status(key))
                for (state, your) in [(BFDState.down, UInt32(0)), (.initializing, status.localDiscriminator)] {
                    let hello = BFDControlPacket(state: state, myDiscriminator: 0x5555, yourDiscriminator: your).serialize()
                    outputs += engine.handle(.received(BFDReceivedPacket(bytes: hello, source: peer, destination: local,
                                                                         ttl: 255, multihop: key.multihop)), now: 1000)
                }
                #expect(engine.status(key)?.state == .up)
            }
        }
        let dropsBefore = engine.drops.total
        let receivedBefore = engine.statuses.map(\.counters.controlPacketsReceived).reduce(0, +)
        outputs += engine.handle(.received(BFDReceivedPacket(bytes: payload, source: peer, destination: local, ttl: ttl,
                                                             multihop: options & 1 != 0)), now: 2000)
        let dropped = engine.drops.total - dropsBefore
        let received = engine.statuses.map(\.counters.controlPacketsReceived).reduce(0, +) - receivedBefore
        #expect(dropped + received == 1)
        for case .send(_, let bytes) in outputs {
            #expect((try? BFDControlPacket(wireBytes: bytes)) != nil)
        }
    }
}
