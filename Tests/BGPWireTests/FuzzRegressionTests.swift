// Replays Tests/Fixtures/fuzz-regressions/{bgp-message,evpn-nlri} with the checks of Fuzz/BGPMessage.swift and
// Fuzz/EVPNNLRI.swift: an input libFuzzer once saved must keep decoding without a crash and keep its round trip.
import Foundation
import Testing
import BGPWire

enum FuzzRegressions {
    static func inputs(_ target: String) -> [String] {
        let dir = Fixtures.directory.appendingPathComponent("fuzz-regressions").appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0).path }
    }
}

@Suite("Fuzz regressions: BGP messages and EVPN NLRI")
struct FuzzRegressionTests {
    @Test func inputsArePresent() {
        #expect(!FuzzRegressions.inputs("bgp-message").isEmpty)
        #expect(!FuzzRegressions.inputs("evpn-nlri").isEmpty)
    }

    @Test(arguments: FuzzRegressions.inputs("bgp-message"))
    func bgpMessage(_ path: String) throws {
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let selector = try #require(input.first)
        var addPath: Set<AddressFamily> = []
        if selector & 4 != 0 { addPath.insert(.l2vpnEVPN) }
        if selector & 8 != 0 { addPath.insert(.ipv4Unicast) }
        let context = CodecContext(fourOctetAS: selector & 1 != 0, extendedMessages: selector & 2 != 0, addPath: addPath)
        var framer = MessageFramer(context: context)
        framer.append(input.dropFirst())
        while let frame = try? framer.next() {
            guard let message = try? BGPMessage.decode(type: frame.type, body: frame.body, context: context) else { continue }
            if case .update(let update) = message, !update.problems.isEmpty { continue }
            let encoded = try message.encode(context: context)
            let again = try BGPMessage.decode(message: encoded, context: context)
            #expect(again == message.withoutSkippedRouteTypes, "\(path)")
            #expect(try again.encode(context: context) == encoded)
        }
    }

    @Test(arguments: FuzzRegressions.inputs("evpn-nlri"))
    func evpnNLRI(_ path: String) throws {
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let selector = try #require(input.first)
        let field = Array(input.dropFirst())
        var reader = WireReader(field)
        guard let list = try? EVPNNLRICodec.decode(&reader, addPath: selector & 1 != 0) else { return }
        var writer = WireWriter()
        EVPNNLRICodec.encode(list.routes, into: &writer)
        if list.skippedRouteTypes.isEmpty { #expect(writer.bytes.count == field.count) }
        var again = WireReader(writer.bytes)
        let decoded = try EVPNNLRICodec.decode(&again, addPath: selector & 1 != 0)
        #expect(decoded.routes == list.routes)
        #expect(decoded.skippedRouteTypes.isEmpty)
    }
}
