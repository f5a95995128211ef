// Access to the captured byte streams in Tests/Fixtures (see Tests/Fixtures/README.md for how each
// was made). Located through #filePath so the tests need no bundle resources.
import Foundation
import BGPWire

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Every captured one-direction stream: `NAME.SRC-to-DST.bin`.
    static var streamNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Each message of each stream, with the context the stream decoder learned for it.
    static func messages() throws -> [(stream: String, offset: Int, type: BGPMessageType, body: [UInt8], context: CodecContext)] {
        var all: [(String, Int, BGPMessageType, [UInt8], CodecContext)] = []
        for name in streamNames {
            let bytes = try bytes(name)
            let (messages, _) = MessageStreamDecoder.decodeAll(bytes)
            for m in messages {
                let body = Array(bytes[(m.offset + BGPMessageHeader.length)..<(m.offset + m.length)])
                all.append((name, m.offset, m.type, body, m.context))
            }
        }
        return all
    }
}
