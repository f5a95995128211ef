// Test support: a seeded random source, fixture access, and a virtual network of BFD engines under a virtual clock.
import BFD
import Foundation
import Testing

/// SplitMix64: a small deterministic generator, so jitter and discriminators repeat from run to run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

enum BFDFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("bfd")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static var binFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".bin") }.sorted()
    }

    /// frr-bfdd.tsv: tshark's fields per captured packet (header line first).
    static func rows() throws -> [[String: String]] {
        let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent("frr-bfdd.tsv")), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}

extension [UInt8] {
    init?(hex: String) {
        let digits: [Character] = hex.filter { $0 != ":" }.map { $0 }
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(digits[i...i + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        self = bytes
    }
}

let addressA = BFDAddress(ipv4: "10.99.0.1")!
let addressB = BFDAddress(ipv4: "10.99.0.2")!

/// Engines joined by a lossless (or, on request, silent) link under a virtual clock. Every packet sent takes
/// `delay` microseconds; timers fire in deadline order. Each side's key names the other as its peer.
struct VirtualLink {
    struct Side {
        var engine: BFDEngine
        var key: BFDSessionKey
        var address: BFDAddress
        var timers: [BFDTimer: Microseconds] = [:]
        var changes: [(at: Microseconds, change: BFDStateChange)] = []
        var sent: [(at: Microseconds, packet: BFDControlPacket)] = []
    }

    var sides: [Side]
    var now: Microseconds = 0
    var delay: Microseconds = 100
    /// Packets in flight: (arrival, to side, bytes, from address).
    var inFlight: [(at: Microseconds, to: Int, bytes: [UInt8])] = []
    /// When false, a side's packets are lost (a frozen switch).
    var delivering = [true, true]
    var ttl: UInt8 = 255

    init(a: BFDSessionParameters, b: BFDSessionParameters, multihop: Bool = false, seed: UInt64 = 1) {
        let keyA = BFDSessionKey(peer: addressB, local: addressA, multihop: multihop)
        let keyB = BFDSessionKey(peer: addressA, local: addressB, multihop: multihop)
        sides = [Side(engine: BFDEngine(random: SplitMix64(seed: seed)), key: keyA, address: addressA),
                 Side(engine: BFDEngine(random: SplitMix64(seed: seed &+ 1000)), key: keyB, address: addressB)]
        configure(0, a)
        configure(1, b)
    }

    mutating func configure(_ side: Int, _ parameters: BFDSessionParameters) {
        apply(side, sides[side].engine.handle(.configure(sides[side].key, parameters), now: now))
    }

    mutating func apply(_ side: Int, _ outputs: [BFDOutput]) {
        for output in outputs {
            switch output {
            case .send(_, let bytes):
                if let packet = try? BFDControlPacket(wireBytes: bytes) { sides[side].sent.append((now, packet)) }
                if delivering[side] { inFlight.append((now + delay, 1 - side, bytes)) }
            case .armTimer(let timer, let at):
                sides[side].timers[timer] = at
            case .cancelTimer(let timer):
                sides[side].timers[timer] = nil
            case .stateChanged(let change):
                sides[side].changes.append((now, change))
            }
        }
    }

    /// Runs every event up to `until`, in time order.
    mutating func run(until: Microseconds) {
        while true {
            var next: (at: Microseconds, event: Int)?  // event: 0..1 timers of side, 2 packet
            for side in 0..<2 {
                if let earliest = sides[side].timers.values.min(), earliest <= until, next.map({ earliest < $0.at }) ?? true {
                    next = (earliest, side)
                }
            }
            if let arrival = inFlight.map(\.at).min(), arrival <= until, next.map({ arrival <= $0.at }) ?? true {
                next = (arrival, 2)
            }
            guard let event = next else { break }
            now = max(now, event.at)
            if event.event == 2 {
                guard let index = inFlight.firstIndex(where: { $0.at == event.at }) else { break }
                let packet = inFlight.remove(at: index)
                let from = sides[1 - packet.to]
                let received = BFDReceivedPacket(bytes: packet.bytes, source: from.address,
                                                 destination: sides[packet.to].address, ttl: ttl,
                                                 multihop: sides[packet.to].key.multihop)
                apply(packet.to, sides[packet.to].engine.handle(.received(received), now: now))
            } else {
                let side = event.event
                guard let timer = sides[side].timers.first(where: { $0.value == event.at })?.key else { break }
                sides[side].timers[timer] = nil
                apply(side, sides[side].engine.handle(.timerExpired(timer), now: now))
            }
        }
        now = max(now, until)
    }

    func status(_ side: Int) -> BFDSessionStatus? { sides[side].engine.status(sides[side].key) }
}

let ms: Microseconds = 1_000
let second: Microseconds = 1_000_000
