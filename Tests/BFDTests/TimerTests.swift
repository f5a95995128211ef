// Timing under a virtual clock: the three-way handshake, slow start (RFC 5880 section 6.8.3), the negotiated
// intervals and Detection Time (6.8.2, 6.8.4), jitter (6.8.7), Poll/Final (6.5), detection, AdminDown (6.8.16)
// and passive mode (6.1).
import BFD
import Testing

@Suite("BFD timers")
struct TimerTests {
    /// Periodic transmissions of a side between two times: the gaps between consecutive packets that are neither
    /// Finals nor state changes.
    static func gaps(_ side: VirtualLink.Side, from: Microseconds, to: Microseconds) -> [Microseconds] {
        let times = side.sent.filter { $0.at >= from && $0.at <= to && !$0.packet.final }.map(\.at)
        return zip(times.dropFirst(), times).map { $0 - $1 }
    }

    @Test func threeWayHandshakeThenFRRDefaults() throws {
        var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters())
        link.run(until: 2 * second)
        // Both start at once: each one's Down makes the other Init, each one's Init makes the other Up: two
        // one-way delays, no waiting for the one-second slow-start interval.
        for side in 0..<2 {
            #expect(link.sides[side].changes.map(\.change.to) == [.initializing, .up])
            #expect(link.sides[side].changes.last?.at == 2 * link.delay)
        }
        for side in 0..<2 {
            let status = try #require(link.status(side))
            #expect(status.state == .up)
            #expect(status.desiredMinTxInterval == 300 * ms)
            #expect(status.transmitInterval == 300 * ms)
            #expect(status.detectionTime == 900 * ms)
            #expect(!status.pollActive)
            #expect(status.counters.upCount == 1)
        }
    }

    /// Before Up nothing goes faster than one second (slow start); the first Up packet polls for the real rate.
    @Test func slowStartThenPoll() throws {
        var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters())
        link.delivering[1] = false  // B unheard: A stays Down
        link.inFlight.removeAll { $0.to == 0 }
        link.run(until: 10 * second)
        let downGaps = Self.gaps(link.sides[0], from: 0, to: 10 * second)
        #expect(downGaps.count >= 9)
        #expect(downGaps.allSatisfy { (750 * ms)...(1000 * ms) ~= $0 })
        #expect(link.sides[0].sent.allSatisfy { $0.packet.desiredMinTxInterval == 1_000_000 && $0.packet.state == .down })
        link.delivering[1] = true
        link.run(until: 13 * second)
        let firstUp = try #require(link.sides[0].sent.first { $0.packet.state == .up }).packet
        #expect(firstUp.poll && firstUp.desiredMinTxInterval == 300_000)
        #expect(link.sides[1].sent.contains { $0.packet.final })
        let status = try #require(link.status(0))
        #expect(!status.pollActive)
        let upGaps = Self.gaps(link.sides[0], from: 12 * second, to: 13 * second)
        #expect(upGaps.allSatisfy { (225 * ms)...(300 * ms) ~= $0 })
    }

    /// The intervals of FRR's capture (Tests/Fixtures/bfd): A 300/300 x3, B 200/250 x5.
    @Test func differentIntervalsEachSide() throws {
        var link = VirtualLink(a: BFDSessionParameters(),
                               b: BFDSessionParameters(desiredMinTxInterval: 200 * ms, requiredMinRxInterval: 250 * ms,
                                                       detectMultiplier: 5))
        link.run(until: 3 * second)
        let a = try #require(link.status(0)), b = try #require(link.status(1))
        #expect(a.transmitInterval == 300 * ms)            // max(A tx 300, B rx 250)
        #expect(b.transmitInterval == 300 * ms)            // max(B tx 200, A rx 300)
        #expect(a.detectionTime == 5 * 300 * ms)           // B's mult x max(A rx 300, B tx 200)
        #expect(b.detectionTime == 3 * 300 * ms)           // A's mult x max(B rx 250, A tx 300)
        #expect(a.remoteDetectMultiplier == 5 && a.remoteDesiredMinTxInterval == 200 * ms && a.remoteRequiredMinRxInterval == 250 * ms)
    }

    struct JitterCase: Sendable, CustomTestStringConvertible {
        var multiplier: UInt8
        var range: ClosedRange<Double>
        var testDescription: String { "detect multiplier \(multiplier)" }
    }

    /// Section 6.8.7: 75-100% of the interval, 75-90% with a multiplier of 1; actually spread over that range.
    @Test(arguments: [JitterCase(multiplier: 3, range: 0.75...1.0), JitterCase(multiplier: 1, range: 0.75...0.90)])
    func jitter(_ item: JitterCase) {
        var link = VirtualLink(a: BFDSessionParameters(detectMultiplier: item.multiplier), b: BFDSessionParameters())
        link.run(until: 60 * second)
        let ratios = Self.gaps(link.sides[0], from: 2 * second, to: 60 * second).map { Double($0) / Double(300 * ms) }
        #expect(ratios.count > 150)
        #expect(ratios.allSatisfy { item.range.contains($0) })
        let span = item.range.upperBound - item.range.lowerBound
        #expect(ratios.min()! < item.range.lowerBound + span * 0.1)
        #expect(ratios.max()! > item.range.upperBound - span * 0.1)
        #expect(link.status(0)?.state == .up && link.status(1)?.state == .up)
    }

    @Test func sameSeedSameRun() {
        func run() -> [Microseconds] {
            var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters(), seed: 42)
            link.run(until: 5 * second)
            return link.sides[0].sent.map(\.at)
        }
        #expect(run() == run())
    }

    /// Section 6.8.4: the peer silent, the session goes Down with diagnostic 1 one Detection Time after the last
    /// packet; the peer then hears Down and goes Down with diagnostic 3. Both are failures for BGP.
    @Test(arguments: [(300 * ms, 3), (100 * ms, 3), (50 * ms, 2)] as [(Microseconds, UInt8)])
    func detectionTimeExpiry(_ interval: Microseconds, _ multiplier: UInt8) throws {
        let parameters = BFDSessionParameters(desiredMinTxInterval: interval, requiredMinRxInterval: interval,
                                              detectMultiplier: multiplier)
        var link = VirtualLink(a: parameters, b: parameters)
        link.run(until: 3 * second)
        link.delivering[1] = false
        let lastArrival = try #require(link.sides[1].sent.last?.at) + link.delay
        link.run(until: 6 * second)
        let down = try #require(link.sides[0].changes.last)
        #expect(down.change.to == .down)
        #expect(down.change.diagnostic == .controlDetectionTimeExpired)
        #expect(down.change.isFailure)
        #expect(down.at == lastArrival + UInt64(multiplier) * interval)
        let peer = try #require(link.sides[1].changes.first { $0.change.from == .up })
        #expect(peer.change.to == .down && peer.change.diagnostic == .neighborSignaledSessionDown && peer.change.isFailure)
        // Section 6.8.1: the remote discriminator is forgotten, so A's packets go out with Your Discriminator 0.
        #expect(link.sides[0].sent.last?.packet.yourDiscriminator == 0)
        #expect(link.status(0)?.desiredMinTxInterval == 1 * second)
    }

    /// The FRR capture's change: A goes to 100/150 while Up. Poll, Final, then the new intervals.
    @Test func pollFinalOnParameterChange() throws {
        var link = VirtualLink(a: BFDSessionParameters(),
                               b: BFDSessionParameters(desiredMinTxInterval: 200 * ms, requiredMinRxInterval: 250 * ms,
                                                       detectMultiplier: 5))
        link.run(until: 3 * second)
        link.configure(0, BFDSessionParameters(desiredMinTxInterval: 100 * ms, requiredMinRxInterval: 150 * ms))
        let poll = try #require(link.sides[0].sent.last?.packet)
        #expect(poll.poll && !poll.final && poll.desiredMinTxInterval == 100_000 && poll.requiredMinRxInterval == 150_000)
        #expect(link.status(0)?.pollActive == true)
        link.run(until: link.now + 10 * ms)
        #expect(link.sides[1].sent.last?.packet.final == true)
        let a = try #require(link.status(0)), b = try #require(link.status(1))
        #expect(!a.pollActive)
        #expect(a.transmitInterval == 250 * ms)         // max(100, B rx 250)
        #expect(a.detectionTime == 5 * 200 * ms)        // 5 x max(150, B tx 200)
        #expect(b.transmitInterval == 200 * ms)         // max(B tx 200, A rx 150)
        link.run(until: link.now + 3 * second)
        #expect(link.sides[0].changes.count == 2 && link.sides[1].changes.count == 2)
    }

    /// Section 6.8.3: a slower transmit rate, or a shorter Detection Time, waits for the Final; the Poll bit is
    /// repeated in every periodic packet until then.
    @Test func conservativeValuesUntilFinal() throws {
        var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters(desiredMinTxInterval: 200 * ms))
        link.run(until: 3 * second)
        link.delivering[1] = false   // B's Final will not arrive yet
        link.configure(0, BFDSessionParameters(desiredMinTxInterval: 600 * ms, requiredMinRxInterval: 200 * ms))
        link.run(until: link.now + 500 * ms)
        let waiting = try #require(link.status(0))
        #expect(waiting.pollActive)
        #expect(waiting.desiredMinTxInterval == 600 * ms)   // advertised at once
        #expect(waiting.transmitInterval == 300 * ms)       // still the old rate
        #expect(waiting.detectionTime == 3 * 300 * ms)      // still the old RequiredMinRx
        let polls = link.sides[0].sent.suffix(2).map(\.packet)
        #expect(polls.allSatisfy { $0.poll })
        link.delivering[1] = true
        link.run(until: link.now + 1 * second)
        let done = try #require(link.status(0))
        #expect(!done.pollActive)
        #expect(done.transmitInterval == 600 * ms)
        #expect(done.detectionTime == 3 * 200 * ms)
        #expect(done.state == .up)
    }

    /// FRR `shutdown`: AdminDown for the peer (not a failure there), sent for a while then silence; `no shutdown`
    /// comes back Up.
    @Test func adminDownAndBack() throws {
        var link = VirtualLink(a: BFDSessionParameters(), b: BFDSessionParameters())
        link.run(until: 3 * second)
        link.configure(0, BFDSessionParameters(adminDown: true))
        link.run(until: link.now + 10 * ms)
        let local = try #require(link.sides[0].changes.last?.change)
        #expect(local.to == .adminDown && local.diagnostic == .administrativelyDown && !local.isFailure)
        let peer = try #require(link.sides[1].changes.last?.change)
        #expect(peer.to == .down && peer.diagnostic == .neighborSignaledSessionDown && !peer.isFailure)
        link.run(until: link.now + 5 * second)
        let sentWhileDown = link.sides[0].sent.count
        link.run(until: link.now + 5 * second)
        #expect(link.sides[0].sent.count == sentWhileDown)   // silent after the AdminDown period
        #expect(link.sides[0].sent.last?.packet.state == .adminDown)
        #expect(link.sides[0].engine.drops[.sessionAdminDown] > 0)
        link.configure(0, BFDSessionParameters())
        link.run(until: link.now + 3 * second)
        #expect(link.status(0)?.state == .up && link.status(1)?.state == .up)
    }

    @Test func passiveWaitsForThePeer() {
        var both = VirtualLink(a: BFDSessionParameters(passive: true), b: BFDSessionParameters(passive: true))
        both.run(until: 5 * second)
        #expect(both.sides[0].sent.isEmpty && both.sides[1].sent.isEmpty)
        var one = VirtualLink(a: BFDSessionParameters(passive: true), b: BFDSessionParameters())
        one.run(until: 3 * second)
        #expect(one.status(0)?.state == .up && one.status(1)?.state == .up)
        #expect(one.sides[0].sent.first.map { $0.at > 0 } == true)
    }
}
