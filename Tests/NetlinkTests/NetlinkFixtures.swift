// The kernel and iproute2 bytes in Tests/Fixtures/netlink, captured by scripts/lab/capture-netlink (see the
// README there for the command behind each file).
import Foundation
@testable import Netlink

enum NetlinkFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("netlink")

    /// Every fixture file name, sorted.
    static let all: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted()
    }()

    static func bytes(_ name: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))) ?? []
    }

    /// The files of one capture ("fdb-show"), in system-call order.
    static func capture(_ name: String) -> [String] {
        all.filter { $0.hasPrefix(name + ".") && $0.dropFirst(name.count + 1).first?.isNumber == true }
    }

    /// iproute2 sometimes sends its whole request struct while nlmsg_len covers less: the kernel stops at the
    /// last complete message, and so do we. Returns the bytes the messages actually cover.
    static func meaningful(_ bytes: [UInt8]) -> [UInt8] {
        var offset = 0
        while bytes.count - offset >= 16 {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            guard length >= 16, length <= bytes.count - offset else { break }
            offset += NetlinkAlignment.align(length)
        }
        return Array(bytes[0..<min(offset, bytes.count)])
    }

    /// Every message of a capture, sends and receives, decoded.
    static func messages(_ name: String, sent: Bool? = nil) throws -> [NetlinkMessage] {
        var result: [NetlinkMessage] = []
        for file in capture(name) where sent == nil || file.hasSuffix(".send.bin") == sent {
            result += try NetlinkMessage.decodeAll(meaningful(bytes(file)))
        }
        return result
    }

    static func links(_ name: String) throws -> [Link] {
        try messages(name, sent: false).compactMap { m in
            guard m.header.type == .newLink, case .link(let l) = m.payload else { return nil }
            return try Link(l)
        }
    }

    static func fdb(_ name: String) throws -> [FDBEntry] {
        try messages(name, sent: false).compactMap { m in
            guard m.header.type == .newNeighbour, case .neighbour(let n) = m.payload, n.family == .bridge else { return nil }
            return try FDBEntry(n)
        }
    }

    /// The last request of a capture with this message type (iproute2 first probes the kernel with an empty
    /// RTM_NEWLINK of sequence 0, and lists links, before the request the command is about).
    static func request(_ name: String, type: NetlinkMessageType) throws -> (NetlinkMessage, [UInt8]) {
        var found: (NetlinkMessage, [UInt8])?
        for file in capture(name) where file.hasSuffix(".send.bin") {
            let raw = meaningful(bytes(file))
            let decoded = try NetlinkMessage.decodeAll(raw)
            if decoded.count == 1, decoded[0].header.type == type { found = (decoded[0], raw) }
        }
        guard let found else { throw FixtureMissing(name: name) }
        return found
    }

    struct FixtureMissing: Error { var name: String }
}
