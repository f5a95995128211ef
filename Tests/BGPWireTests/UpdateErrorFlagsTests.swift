// The two decoder facts the session relies on for RFC 7606 (BGPCore/UpdateErrorHandling.swift): a Partial bit
// where the definition forbids it is a flags error, and an attribute list that stopped early says so.
import Testing
@testable import BGPWire

@Suite struct UpdateErrorFlagsTests {
    @Test(arguments: [(UInt8(0x60), UInt8(1), [UInt8(0)]), (0x60, 5, [0, 0, 0, 100]), (0xa0, 9, [10, 0, 0, 1])])
    func partialBitOnAWellKnownOrNonTransitiveAttributeIsAFlagsError(flags: UInt8, type: UInt8, value: [UInt8]) throws {
        var attributes = Sample.clean.filter { $0[1] != type }
        attributes.insert(attr(flags, type, value), at: 0)
        let update = try UpdateMessage(decoding: updateBody(attributes), context: Sample.context)
        #expect(update.problems.contains { $0.code == .attributeFlags && $0.attributeType == type })
        #expect(update.treatAsWithdraw)
    }

    @Test func partialBitOnAnOptionalTransitiveAttributeIsFine() throws {
        var attributes = Sample.clean.filter { $0[1] != 16 }
        attributes.append(attr(0xe0, 16, [0, 2, 0xfd, 0xe8, 0, 0, 0, 100]))
        let update = try UpdateMessage(decoding: updateBody(attributes), context: Sample.context)
        #expect(update.problems.isEmpty)
    }

    @Test func anOverrunMarksTheListTruncatedAndACleanOneDoesNot() throws {
        let overrun = try UpdateMessage(decoding: updateBody([[0x40, 1, 200, 0]] + Sample.clean), context: Sample.context)
        #expect(overrun.attributeListTruncated)
        #expect(overrun.mpReach == nil)
        let stray = try UpdateMessage(decoding: updateBody(Sample.clean + [[0x40, 5]]), context: Sample.context)
        #expect(stray.attributeListTruncated)
        #expect(stray.mpReach != nil)
        let clean = try UpdateMessage(decoding: updateBody(Sample.clean), context: Sample.context)
        #expect(!clean.attributeListTruncated)
    }
}
