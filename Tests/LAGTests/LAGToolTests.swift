// evpn-lag's pure parts: the transmit hash (one flow one member, flows spread, only members with carrier),
// the duplicate window, the command line and the stats file's JSON. The tool on real devices is tested in
// Tests/InteropTests/LAGToolInteropTests.swift.
import Foundation
import Testing
@testable import evpn_lag

struct LAGToolTests {
    /// An Ethernet frame carrying an IPv4 header with the given addresses (the rest zero).
    func ipv4Frame(srcMAC: UInt8, dstMAC: UInt8, src: UInt8, dst: UInt8, payload: UInt8 = 0) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: 60)
        frame[5] = dstMAC
        frame[11] = srcMAC
        frame[12] = 0x08
        frame[13] = 0x00
        frame[14 + 12 ..< 14 + 16] = [10, 0, 0, src]
        frame[14 + 16 ..< 14 + 20] = [10, 0, 0, dst]
        frame[59] = payload
        return frame
    }

    @Test func oneFlowAlwaysLeavesOnTheSameMember() {
        let first = ipv4Frame(srcMAC: 1, dstMAC: 2, src: 1, dst: 2, payload: 1)
        let second = ipv4Frame(srcMAC: 1, dstMAC: 2, src: 1, dst: 2, payload: 99)
        let a = first.withUnsafeBytes { FlowHash.member(for: $0, active: [0, 1]) }
        let b = second.withUnsafeBytes { FlowHash.member(for: $0, active: [0, 1]) }
        #expect(a != nil)
        #expect(a == b, "the payload is not part of the flow")
    }

    @Test func flowsSpreadOverBothMembers() {
        var used: [Int: Int] = [:]
        for host in 1...64 {
            let frame = ipv4Frame(srcMAC: 1, dstMAC: 2, src: 1, dst: UInt8(host))
            if let member = frame.withUnsafeBytes({ FlowHash.member(for: $0, active: [0, 1]) }) { used[member, default: 0] += 1 }
        }
        #expect(used[0, default: 0] > 10 && used[1, default: 0] > 10, "64 flows over two members: \(used)")
    }

    @Test func onlyMembersWithCarrierAreUsed() {
        for host in 1...32 {
            let frame = ipv4Frame(srcMAC: 1, dstMAC: 2, src: 1, dst: UInt8(host))
            #expect(frame.withUnsafeBytes { FlowHash.member(for: $0, active: [1]) } == 1)
            #expect(frame.withUnsafeBytes { FlowHash.member(for: $0, active: []) } == nil)
        }
    }

    @Test func aShortFrameStillHashes() {
        let runt: [UInt8] = [1, 2, 3]
        #expect(runt.withUnsafeBytes { FlowHash.member(for: $0, active: [0, 1]) } != nil)
    }

    @Test func duplicateWindowTellsRepeatsWithinTheWindow() {
        var window = DuplicateWindow(windowNanoseconds: 100)
        let frame = ipv4Frame(srcMAC: 1, dstMAC: 2, src: 1, dst: 2)
        let other = ipv4Frame(srcMAC: 1, dstMAC: 2, src: 1, dst: 2, payload: 7)
        frame.withUnsafeBytes { bytes in
            #expect(window.record(bytes, member: 0, now: 1000) == .first)
            #expect(window.record(bytes, member: 1, now: 1050) == .duplicate(acrossMembers: true))
            #expect(window.record(bytes, member: 0, now: 1090) == .duplicate(acrossMembers: false))
            // Past the window the same bytes are a new frame (a retransmission, not a duplicate).
            #expect(window.record(bytes, member: 1, now: 1300) == .first)
        }
        other.withUnsafeBytes { #expect(window.record($0, member: 0, now: 1310) == .first) }
        // Everything older than the window is forgotten.
        let late = ipv4Frame(srcMAC: 9, dstMAC: 9, src: 9, dst: 9)
        late.withUnsafeBytes { _ = window.record($0, member: 0, now: 5000) }
        #expect(window.count == 1)
    }

    @Test func commandLine() throws {
        let options = try LAGOptions(arguments: ["--tap", "bond0", "--member", "eth1", "--member", "eth2",
                                                 "--stats", "/tmp/s.json", "--window-ms", "50"])
        #expect(options.tap == "bond0")
        #expect(options.members == ["eth1", "eth2"])
        #expect(options.statsPath == "/tmp/s.json")
        #expect(options.windowMilliseconds == 50)
    }

    @Test(arguments: [
        (["--member", "a", "--stats", "s"], "--tap is required"),
        (["--tap", "t", "--stats", "s"], "at least one --member is required"),
        (["--tap", "t", "--member", "a", "--member", "a", "--stats", "s"], "a --member is named twice"),
        (["--tap", "t", "--member", "a"], "--stats is required"),
        (["--tap", "t", "--member", "a", "--stats", "s", "--window-ms", "0"], "--window-ms 0: not a number of milliseconds in 1...10000"),
        (["--tap", "t", "--member"], "--member needs a value"),
        (["--tap", "a-very-long-tap-name", "--member", "a", "--stats", "s"], "--tap a-very-long-tap-name: longer than 15 characters"),
        (["--bogus"], "unknown argument --bogus"),
    ])
    func badCommandLines(arguments: [String], message: String) {
        #expect(throws: LAGOptions.UsageError(description: message)) { try LAGOptions(arguments: arguments) }
    }

    @Test func statsAreJSON() throws {
        var stats = LAGStats(members: [MemberStats(name: "eth1"), MemberStats(name: "eth2")])
        stats.members[1].carrier = true
        stats.members[1].rx = 3
        stats.duplicates = 2
        stats.echoes = 1
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.json().utf8)) as? [String: Any])
        #expect(object["duplicates"] as? Int == 2)
        #expect(object["echoes"] as? Int == 1)
        let members = try #require(object["members"] as? [[String: Any]])
        #expect(members.count == 2)
        #expect(members[1]["name"] as? String == "eth2")
        #expect(members[1]["carrier"] as? Bool == true)
        #expect(members[1]["rx"] as? Int == 3)
    }
}
