// Replays Tests/Fixtures/fuzz-regressions/netlink with the checks of Fuzz/Netlink.swift: an input libFuzzer once
// saved must keep decoding (or failing with an error) without a crash, and what decodes keeps its round trip.
import Foundation
import Testing
@testable import Netlink

@Suite("Fuzz regressions: netlink datagrams")
struct NetlinkFuzzRegressionTests {
    static var inputs: [String] {
        let dir = NetlinkFixtures.directory.deletingLastPathComponent().appendingPathComponent("fuzz-regressions/netlink")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test func inputsArePresent() { #expect(!Self.inputs.isEmpty) }

    @Test(arguments: Self.inputs)
    func replay(_ path: String) throws {
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard let messages = try? NetlinkMessage.decodeAll(input) else { return }
        var out: [UInt8] = []
        for m in messages { m.encode(into: &out) }
        let again = try NetlinkMessage.decodeAll(out)
        #expect(again.count == messages.count)
        for (original, decoded) in zip(messages, again) {
            var expected = original
            expected.header.length = decoded.header.length
            #expect(decoded == expected)
            #expect(NetlinkEvent(expected) == NetlinkEvent(decoded))
        }
    }
}
