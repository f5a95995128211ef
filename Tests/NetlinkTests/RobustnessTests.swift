// Truncation at every offset and random corruption of every fixture: decoding may fail, never crash, and a
// failure is an error value that says what and where.
import Testing
@testable import Netlink

@Suite("Robustness: truncated and corrupted input")
struct RobustnessTests {
    /// Decodes as the daemon would: messages, then the typed views of each.
    static func decodeEverything(_ bytes: [UInt8]) throws(NetlinkDecodeError) -> Int {
        var count = 0
        for m in try NetlinkMessage.decodeAll(bytes) {
            switch m.payload {
            case .link(let l): _ = try Link(l); count += 1
            case .neighbour(let n) where n.family == .bridge: _ = try FDBEntry(n); count += 1
            case .error(let e): _ = e.extendedMessage; count += 1
            default: count += 1
            }
        }
        return count
    }

    /// Message boundaries of a well-formed buffer: cutting exactly there leaves valid input.
    static func boundaries(_ bytes: [UInt8]) -> Set<Int> {
        var result: Set<Int> = [0]
        var offset = 0
        while bytes.count - offset >= 16 {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            offset += NetlinkAlignment.align(length)
            result.insert(min(offset, bytes.count))
        }
        return result
    }

    // The larger captures only: truncating each at every offset covers every structure.
    static let files = ["link-show-vxlan100.06.recv.bin", "link-show-vxlan600.06.recv.bin", "fdb-show.07.recv.bin",
                        "fdb-add-exists.07.recv.bin", "fdb-monitor.06.recv.bin", "link-add-vxlan200.03.send.bin"]
        .filter { NetlinkFixtures.all.contains($0) }

    @Test(arguments: files)
    func truncationAtEveryOffset(file: String) {
        let bytes = NetlinkFixtures.meaningful(NetlinkFixtures.bytes(file))
        let cuts = Self.boundaries(bytes)
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            do {
                _ = try Self.decodeEverything(prefix)
                // Messages whose last attribute's pad is missing are accepted (as the kernel does); otherwise a
                // cut inside a message must be reported.
                if !cuts.contains(cut) {
                    let lastStart = cuts.filter { $0 < cut }.max() ?? 0
                    let length = Int(bytes[lastStart]) | Int(bytes[lastStart + 1]) << 8
                    #expect(cut >= lastStart + length, "\(file): cut at \(cut) decoded without error")
                }
            } catch {
                #expect(error.offset == nil || error.offset! <= cut, "\(file): error offset \(String(describing: error.offset)) past cut \(cut)")
                #expect(!error.context.isEmpty)
            }
        }
    }

    /// A small deterministic generator, so a failure reproduces.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: NetlinkFixtures.all.filter { $0.hasSuffix(".recv.bin") })
    func randomCorruption(file: String) {
        let original = NetlinkFixtures.meaningful(NetlinkFixtures.bytes(file))
        guard !original.isEmpty else { return }
        // Seeded from the file name (String.hashValue is randomized per process, so not that).
        var rng = SplitMix64(state: file.utf8.reduce(UInt64(original.count)) { $0 &* 31 &+ UInt64($1) })
        var failures = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            do { _ = try Self.decodeEverything(bytes) } catch { failures += 1 }
        }
        // Reaching here without a crash is the point; some corruptions (of payload bytes) decode fine.
        #expect(failures <= 300)
    }
}
