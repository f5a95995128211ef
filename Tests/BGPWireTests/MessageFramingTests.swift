// Message header and framing (RFC 4271 sections 4.1 and 6.1), KEEPALIVE, NOTIFICATION and
// ROUTE-REFRESH bodies.
import Testing
@testable import BGPWire

@Suite struct MessageFramingTests {
    let keepalive = BGPMessageHeader.encode(type: .keepalive, body: [])
    let refresh = BGPMessageHeader.encode(type: .routeRefresh, body: [0, 25, 0, 70])
    let cease = BGPMessageHeader.encode(type: .notification, body: [6, 2, 5, 0x62, 0x79, 0x65, 0x21, 0x21])

    @Test func framerWaitsForWholeMessage() throws {
        var framer = MessageFramer()
        for byte in keepalive.dropLast() {
            framer.append([byte])
            #expect(try framer.next() == nil)
        }
        framer.append([keepalive.last ?? 0])
        #expect(try framer.next() == MessageFramer.Frame(type: .keepalive, body: []))
        #expect(framer.bufferedCount == 0)
    }

    /// A stream fed one octet at a time and in one lump yields the same messages (swift-nio's check).
    @Test func byteAtATimeEqualsOneLump() throws {
        let stream = keepalive + refresh + cease + keepalive
        var lump = MessageFramer()
        lump.append(stream)
        var lumpFrames: [MessageFramer.Frame] = []
        while let frame = try lump.next() { lumpFrames.append(frame) }

        var trickle = MessageFramer()
        var trickleFrames: [MessageFramer.Frame] = []
        for byte in stream {
            trickle.append([byte])
            while let frame = try trickle.next() { trickleFrames.append(frame) }
        }
        #expect(lumpFrames.count == 4)
        #expect(lumpFrames == trickleFrames)
    }

    @Test func badMarkerIsConnectionNotSynchronized() {
        var bytes = keepalive
        bytes[3] = 0
        var framer = MessageFramer()
        framer.append(bytes)
        #expect(throws: BGPError.self) { try framer.next() }
        do {
            _ = try framer.next()
        } catch {
            #expect(error.code == .badMarker)
            #expect(error.notification == NotificationMessage(code: .messageHeader, subcode: 1))
        }
    }

    @Test(arguments: [
        (BGPMessageType.keepalive, 20), (.keepalive, 18), (.open, 28), (.update, 22), (.notification, 20),
        (.routeRefresh, 22), (.update, 4097), (.open, 4097),
    ])
    func badLengthIsReportedOnTheHeader(type: BGPMessageType, length: Int) {
        var header = [UInt8](repeating: 0xff, count: 16) + [UInt8(length >> 8), UInt8(length & 0xff), type.rawValue]
        header += [UInt8](repeating: 0, count: 3)
        var framer = MessageFramer()
        framer.append(header)
        do {
            _ = try framer.next()
            Issue.record("length \(length) for \(type) was accepted")
        } catch {
            #expect(error.code == .badMessageLength)
            // RFC 4271 6.1: the data field holds the erroneous Length field.
            #expect(error.notification == NotificationMessage(code: .messageHeader, subcode: 2,
                                                              data: [UInt8(length >> 8), UInt8(length & 0xff)]))
        }
    }

    @Test func extendedMessagesRaiseTheLimitExceptForOpen() throws {
        let body = [UInt8](repeating: 0, count: 5000)
        var update = [UInt8](repeating: 0xff, count: 16) + [UInt8((5019) >> 8), UInt8(5019 & 0xff), 2] + body
        var framer = MessageFramer(context: CodecContext(extendedMessages: true))
        framer.append(update)
        #expect(try framer.next()?.body.count == 5000)
        update[18] = 1
        framer.append(update)
        #expect(throws: BGPError.self) { try framer.next() }
    }

    @Test func unknownMessageTypeIsBadMessageType() {
        var framer = MessageFramer()
        framer.append([UInt8](repeating: 0xff, count: 16) + [0, 19, 9])
        do {
            _ = try framer.next()
            Issue.record("type 9 accepted")
        } catch {
            #expect(error.notification == NotificationMessage(code: .messageHeader, subcode: 3, data: [9]))
        }
    }

    @Test func keepaliveWithBodyIsRefused() {
        #expect(throws: BGPError.self) { try BGPMessage.decode(type: .keepalive, body: [0], context: .initial) }
    }

    @Test func notificationRoundTripAndShutdownCommunication() throws {
        let message = try BGPMessage.decode(message: cease, context: .initial)
        guard case .notification(let n) = message else {
            Issue.record("not a notification")
            return
        }
        #expect(n.code == .cease)
        #expect(n.subcode == 2)
        #expect(n.shutdownCommunication == "bye!!")
        #expect(n.description == "Cease/Administrative Shutdown \"bye!!\"")
        #expect(try message.encode(context: .initial) == cease)
    }

    @Test func routeRefreshRoundTrip() throws {
        let message = try BGPMessage.decode(message: refresh, context: .initial)
        #expect(message == .routeRefresh(RouteRefreshMessage(family: .l2vpnEVPN)))
        #expect(try message.encode(context: .initial) == refresh)
    }

    @Test func routeRefreshOfWrongLengthIsRouteRefreshError() {
        do {
            _ = try RouteRefreshMessage(decoding: [0, 25, 0, 70, 0])
            Issue.record("accepted")
        } catch {
            #expect(error.notification?.code == .routeRefresh)
            #expect(error.notification?.subcode == 1)
        }
    }

    @Test func decodeMessageRefusesTrailingBytes() {
        #expect(throws: BGPError.self) { try BGPMessage.decode(message: keepalive + [0xff], context: .initial) }
    }
}
