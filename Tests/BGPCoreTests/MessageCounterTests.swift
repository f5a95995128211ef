// Per-type message counters (MessageCounters.swift): what `show bgp neighbors` and the metrics endpoint report.

import BGPCore
import BGPWire
import Testing

struct MessageCounterTests {
    @Test func eachMessageIsCountedByTypeBothWays() throws {
        var h = Harness()
        h.toEstablished()
        _ = h.receive(Fixture.announce([Fixture.imet(1)]), on: Fixture.outbound)
        _ = h.receive(.keepalive, on: Fixture.outbound)
        let sentTypes = sentTypes(h.all, on: Fixture.outbound)
        let messages = try #require(h.summary).messages
        #expect(messages.received.opens == 1)
        #expect(messages.received.keepalives == 2)
        #expect(messages.received.updates == 1)
        #expect(messages.received.notifications == 0)
        #expect(messages.received.total == 4)
        #expect(messages.sent.opens == UInt64(sentTypes.filter { $0 == .open }.count))
        #expect(messages.sent.keepalives == UInt64(sentTypes.filter { $0 == .keepalive }.count))
        #expect(messages.sent.total == UInt64(sentTypes.count))
        #expect(messages.sent.opens == 1)
    }

    @Test func countersOutliveTheSession() throws {
        var h = Harness()
        h.toEstablished()
        _ = h.receive(.notification(NotificationMessage(code: .cease, subcode: 2)), on: Fixture.outbound)
        let messages = try #require(h.summary).messages
        #expect(messages.received.notifications == 1)
        #expect(messages.received.opens == 1)
        #expect(try #require(h.summary).state != .established)
    }
}
