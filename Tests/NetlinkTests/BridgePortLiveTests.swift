// `neigh_suppress` on a bridge port against the running kernel (BridgePort.swift): evpnd's request sets and
// clears it, a link dump reads it back from IFLA_INFO_SLAVE_DATA, and a change an operator makes with
// `bridge link set` (an AF_BRIDGE RTM_NEWLINK, IFLA_PROTINFO only) is seen as an event.
import Foundation
import Glibc
import Testing
@testable import Netlink

@Suite("Live kernel: bridge port neigh_suppress", .serialized)
struct BridgePortLiveTests {
    @Test func setReadAndSeeAnOperatorsChange() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let events = try NetlinkSocket(networkNamespace: lab.path, options: NetlinkSocketOptions(groups: [.link], nonBlocking: true))
        let port = try #require(try socket.link(named: "vxlan100"))
        #expect(port.neighSuppress == false)
        // The bridge itself is no port: nothing reported.
        #expect(try socket.link(named: "br100")?.neighSuppress == nil)

        #expect(try socket.perform([.setNeighSuppress(port: port.index, true)]) == [.ok])
        #expect(try socket.link(named: "vxlan100")?.neighSuppress == true)
        // Its event: the AF_UNSPEC link message, with the flag.
        var seen: [Bool?] = []
        for _ in 0..<50 where !seen.contains(true) {
            if case .events(let batch) = try events.readEvents() {
                for case .newLink(let link) in batch where link.index == port.index { seen.append(link.neighSuppress) }
            }
            usleep(10_000)
        }
        #expect(seen.contains(true))

        // An operator's `bridge link set`: only an AF_BRIDGE message comes, read as `.bridgePort`.
        let bridgeTool = Process()
        bridgeTool.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        bridgeTool.arguments = ["netns", "exec", lab.name, "bridge", "link", "set", "dev", "vxlan100", "neigh_suppress", "off"]
        try bridgeTool.run()
        bridgeTool.waitUntilExit()
        #expect(bridgeTool.terminationStatus == 0)
        var ports: [BridgePortState] = []
        for _ in 0..<50 where ports.isEmpty {
            if case .events(let batch) = try events.readEvents() {
                for case .bridgePort(let state) in batch where state.index == port.index { ports.append(state) }
            }
            usleep(10_000)
        }
        #expect(ports.first?.neighSuppress == false)
        #expect(try socket.link(named: "vxlan100")?.neighSuppress == false)

        // A device that is not a bridge port refuses.
        let bridge = try #require(try socket.link(named: "br100"))
        let refused = try socket.perform([.setNeighSuppress(port: bridge.index, true)])
        if case .failed = refused.first {} else { Issue.record("setting neigh_suppress on a bridge: \(refused)") }
    }

    @Test func protinfoWithoutTheFlagOrNotNestedIsNoPortState() throws {
        // The old one-byte STP state form (no NLA_F_NESTED) says nothing about neigh_suppress.
        let old = LinkMessage(family: .bridge, index: 7, attributes: [RawAttribute(type: BridgePortAttributes.protInfo, payload: [3, 0, 0, 0])])
        #expect(try BridgePortState(bridgeMessage: old) == nil)
        // A nested one with the flag; and a short flag is an error naming where it was.
        let nested = RawAttribute(type: BridgePortAttributes.protInfo | AttributeTypeBits.nested,
                                  payload: RawAttribute(type: BridgePortAttributes.neighSuppress, payload: [1]).encoded)
        let message = LinkMessage(family: .bridge, index: 7, attributes: [nested])
        #expect(try BridgePortState(bridgeMessage: message) == BridgePortState(index: 7, neighSuppress: true))
        let empty = RawAttribute(type: BridgePortAttributes.protInfo | AttributeTypeBits.nested,
                                 payload: RawAttribute(type: BridgePortAttributes.neighSuppress, payload: []).encoded)
        #expect(throws: NetlinkDecodeError.self) { try BridgePortState(bridgeMessage: LinkMessage(family: .bridge, index: 7, attributes: [empty])) }
    }
}

extension RawAttribute {
    fileprivate var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }
}
