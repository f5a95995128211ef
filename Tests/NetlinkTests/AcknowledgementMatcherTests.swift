// Batch acknowledgements matched to requests by sequence number, from synthetic NLMSG_ERROR bytes.
import Testing
@testable import Netlink

@Suite("Batch: acknowledgements matched by sequence number")
struct AcknowledgementMatcherTests {
    let port: UInt32 = 0x1234

    func ack(_ seq: UInt32, error: Int32 = 0, message: String? = nil, port: UInt32? = nil) -> [UInt8] {
        var flags: NetlinkFlags = [.capped]
        var attributes: [RawAttribute] = []
        if let message {
            flags.insert(.ackTLVs)
            attributes.append(RawAttribute(type: ExtendedAckAttributeType.message.rawValue, payload: Array(message.utf8) + [0]))
        }
        let original = NetlinkHeader(length: 44, type: .newNeighbour, flags: [.request, .ack, .create], sequence: seq, portID: port ?? self.port)
        return NetlinkMessage(
            header: NetlinkHeader(type: .error, flags: flags, sequence: seq, portID: port ?? self.port),
            payload: .error(NetlinkErrorMessage(error: error, originalHeader: original, extendedAttributes: attributes))
        ).encoded()
    }

    @Test func errorsInTheMiddleOfAThousand() throws {
        let base: UInt32 = 1000
        var matcher = AcknowledgementMatcher(portID: port, base: base, count: 1000)
        // Out of order, in several datagrams, with failures at 17 (EEXIST) and 500 (ENOENT, with a message).
        var datagrams: [[UInt8]] = [[], [], []]
        for i in (0..<1000).reversed() {
            let seq = base + UInt32(i)
            let bytes: [UInt8]
            switch i {
            case 17: bytes = ack(seq, error: -NetlinkErrno.EEXIST.rawValue)
            case 500: bytes = ack(seq, error: -NetlinkErrno.ENOENT.rawValue, message: "no such entry")
            default: bytes = ack(seq)
            }
            datagrams[i % 3] += bytes
        }
        for d in datagrams { _ = matcher.consume(try NetlinkMessage.decodeAll(d)) }
        #expect(matcher.waiting == 0)
        #expect(matcher.outcomes[17] == .failed(NetlinkRequestFailure(errno: .EEXIST)))
        #expect(matcher.outcomes[500] == .failed(NetlinkRequestFailure(errno: .ENOENT, message: "no such entry")))
        #expect(matcher.outcomes.enumerated().filter { $0.offset != 17 && $0.offset != 500 }.allSatisfy { $0.element == .ok })
    }

    @Test func strangersDuplicatesAndNotificationsAreSetApart() throws {
        var matcher = AcknowledgementMatcher(portID: port, base: UInt32.max - 1, count: 3)  // wraps past zero
        let notification = NetlinkMessage(
            header: NetlinkHeader(type: .newNeighbour, flags: [], sequence: 0, portID: 0),
            payload: .neighbour(FDBEntry.flood(device: 3, vtep: InetAddress("10.0.2.2")!).message))
        var bytes = ack(UInt32.max - 1)
        bytes += ack(UInt32.max - 1, error: -NetlinkErrno.EEXIST.rawValue)  // a second answer is ignored
        bytes += ack(UInt32.max, port: 999)  // another socket's
        bytes += notification.encoded()
        bytes += ack(5)  // outside the chunk
        bytes += ack(UInt32.max)
        let events = matcher.consume(try NetlinkMessage.decodeAll(bytes))
        #expect(events.map { $0.encoded() } == [notification.encoded()])
        #expect(matcher.outcomes == [.ok, .ok, .unanswered])
        #expect(matcher.waiting == 1)
        _ = matcher.consume(try NetlinkMessage.decodeAll(ack(0, error: -NetlinkErrno.ENODEV.rawValue)))
        #expect(matcher.outcomes[2] == .failed(NetlinkRequestFailure(errno: .ENODEV)))
        #expect(matcher.waiting == 0)
    }

    @Test func batchEncodingIsOneBufferOfConsecutiveSequences() throws {
        let requests = (0..<100).map { i in
            NetlinkRequest.replaceFDB(.remoteMAC(EthernetAddress(value: 0x0200_0000_0000 + UInt64(i)), device: 3, vtep: InetAddress("10.0.2.2")!))
        }
        var buffer: [UInt8] = []
        for (i, r) in requests.enumerated() { r.encode(sequence: 40 + UInt32(i), portID: port, into: &buffer) }
        let decoded = try NetlinkMessage.decodeAll(buffer)
        #expect(decoded.map(\.header.sequence) == (40..<140).map { UInt32($0) })
        #expect(decoded.allSatisfy { $0.header.flags == [.request, .ack, .create, .replace] })
        #expect(buffer.count == 100 * 48)  // nlmsghdr 16 + ndmsg 12 + NDA_LLADDR 12 + NDA_DST 8
    }
}

extension AcknowledgementMatcherTests {
    /// Only failures and the last request answer: the last one's answer settles every silent request as done.
    @Test func failuresAndTheLastAnswer() throws {
        let base: UInt32 = 40
        var matcher = AcknowledgementMatcher(portID: port, base: base, count: 5, acknowledging: .failuresAndLast)
        #expect(matcher.waiting == 1)
        _ = matcher.consume(try NetlinkMessage.decodeAll(ack(base + 1, error: -NetlinkErrno.EEXIST.rawValue)))
        #expect(matcher.outcomes == [.unanswered, .failed(NetlinkRequestFailure(errno: .EEXIST)), .unanswered, .unanswered, .unanswered])
        #expect(matcher.waiting == 1)
        let plain = matcher.consumePlainAcknowledgements(ack(base + 4))
        #expect(plain)
        #expect(matcher.waiting == 0)
        #expect(matcher.outcomes == [.ok, .failed(NetlinkRequestFailure(errno: .EEXIST)), .ok, .ok, .ok])
    }

    /// The last request failing answers too, and settles the rest the same way.
    @Test func aFailingLastRequestStillSettlesTheRest() throws {
        var matcher = AcknowledgementMatcher(portID: port, base: 7, count: 3, acknowledging: .failuresAndLast)
        _ = matcher.consume(try NetlinkMessage.decodeAll(ack(9, error: -NetlinkErrno.ENOENT.rawValue)))
        #expect(matcher.waiting == 0)
        #expect(matcher.outcomes == [.ok, .ok, .failed(NetlinkRequestFailure(errno: .ENOENT))])
    }

    /// Without the last answer (lost to an overrun, or a timeout) silence proves nothing.
    @Test func withoutTheLastAnswerNothingIsAssumed() throws {
        var matcher = AcknowledgementMatcher(portID: port, base: 7, count: 3, acknowledging: .failuresAndLast)
        _ = matcher.consume(try NetlinkMessage.decodeAll(ack(7, error: -NetlinkErrno.EEXIST.rawValue)))
        #expect(matcher.waiting == 1)
        #expect(matcher.outcomes == [.failed(NetlinkRequestFailure(errno: .EEXIST)), .unanswered, .unanswered])
    }
}
