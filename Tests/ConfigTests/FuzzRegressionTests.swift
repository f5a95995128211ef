// Replays Tests/Fixtures/fuzz-regressions/config with the checks of Fuzz/Config.swift: a file libFuzzer once saved
// must parse (or fail with diagnostics) without a crash, and a clean one must survive `show running-config`.
import Foundation
import Testing
import Config

@Suite("Fuzz regressions: configuration files")
struct ConfigFuzzRegressionTests {
    static var inputs: [String] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz-regressions/config")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test func inputsArePresent() { #expect(!Self.inputs.isEmpty) }

    @Test(arguments: Self.inputs)
    func replay(_ path: String) throws {
        let result = ConfigParser.load(path: path)
        guard let config = result.config, result.errors.isEmpty else {
            #expect(!result.errors.isEmpty, "no configuration and no error for \(path)")
            return
        }
        let text = config.runningConfigText
        let again = ConfigParser.parse(text: text, file: "running-config")
        #expect(again.errors.isEmpty, "\(again.diagnostics)\n\(text)")
        let reparsed = try #require(again.config)
        #expect(reparsed.resolvedNeighbors == config.resolvedNeighbors)
        #expect(reparsed.resolvedListenRanges.map(\.template) == config.resolvedListenRanges.map(\.template))
        #expect(reparsed.router.vnis.map(\.vni) == config.router.vnis.map(\.vni))
        #expect(reparsed.router.vnis.map(\.rd) == config.router.vnis.map(\.rd))
        #expect(reparsed.runningConfigText == text)
    }
}
