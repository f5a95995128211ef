// The codec on hand-made bytes: alignment, nesting, unknown attributes, error values.
import Testing
@testable import Netlink

@Suite("Codec: attributes, alignment, errors")
struct CodecTests {
    @Test(arguments: 0...9)
    func attributePadding(payloadSize: Int) throws {
        let attribute = RawAttribute(type: 0x7777, payload: (0..<payloadSize).map { UInt8($0 + 1) })
        var bytes: [UInt8] = []
        attribute.encode(into: &bytes)
        #expect(bytes.count == NetlinkAlignment.align(4 + payloadSize))
        #expect(bytes.count % 4 == 0)
        #expect(Int(bytes[0]) == 4 + payloadSize, "nla_len counts header and payload, not the pad")
        #expect(bytes.suffix(bytes.count - 4 - payloadSize).allSatisfy { $0 == 0 })
        // Two in a row: the second starts at the aligned offset.
        var two = bytes
        RawAttribute(type: 1, payload: [9]).encode(into: &two)
        var reader = NetlinkReader(two)
        let decoded = try RawAttribute.decodeList(&reader, context: "test")
        #expect(decoded == [attribute, RawAttribute(type: 1, payload: [9])])
    }

    @Test func alignmentFunction() {
        #expect([0, 1, 2, 3, 4, 5, 8, 13].map(NetlinkAlignment.align) == [0, 4, 4, 4, 4, 8, 8, 16])
    }

    @Test func lastAttributeWithoutPaddingIsAccepted() throws {
        // Some senders leave out the final pad; the kernel's nla_ok accepts it and so do we.
        var reader = NetlinkReader([5, 0, 3, 0, 0x41])
        #expect(try RawAttribute.decodeList(&reader, context: "test") == [RawAttribute(type: 3, payload: [0x41])])
    }

    @Test func nestedAndUnknownAttributesSurvive() throws {
        let unknownNested = RawAttribute(type: AttributeTypeBits.nested | 0x3e, payload: [])
        let vxlan: [VXLANAttribute] = [.id(100), .local(InetAddress("10.0.1.1")!), .learning(false), .port(4789),
                                       .other(RawAttribute(type: 99, payload: [1, 2, 3]))]
        let link = LinkMessage(index: 7, attributes: [
            LinkAttribute.name("vxlan100").raw,
            LinkAttribute.linkInfo([.kind("vxlan"), .vxlanData(vxlan)]).raw,
            unknownNested,
            RawAttribute(type: 0x43, payload: [0]),
        ])
        let message = NetlinkMessage(header: NetlinkHeader(type: .newLink, flags: [], sequence: 5), payload: .link(link))
        let bytes = message.encoded()
        let decoded = try NetlinkMessage.decodeAll(bytes)
        #expect(decoded.count == 1)
        #expect(decoded[0].encoded() == bytes)
        guard case .link(let l) = decoded[0].payload else { Issue.record("not a link"); return }
        #expect(l.attributes[2] == unknownNested)
        #expect(l.attributes[2].isNested)
        let parsed = try Link(l)
        #expect(parsed.vxlan == VXLANInfo(vni: 100, local: InetAddress("10.0.1.1"), learning: false, port: 4789))
        // The port is big-endian on the wire: 4789 = 0x12B5.
        #expect(VXLANAttribute.port(4789).raw.payload == [0x12, 0xB5])
        #expect(NeighbourAttribute.port(4789).raw.payload == [0x12, 0xB5])
        #expect(NeighbourAttribute.vni(100).raw.payload == [100, 0, 0, 0])
    }

    @Test func fastFDBEncoderMatchesGenericEncoder() {
        let entries: [FDBEntry] = [
            .remoteMAC(EthernetAddress("02:00:00:00:01:01")!, device: 3, vtep: InetAddress("10.0.2.2")!),
            .bridgeRow(EthernetAddress("02:00:00:00:01:01")!, device: 3),
            .flood(device: 3, vtep: InetAddress("fd00::2")!),
            FDBEntry(mac: EthernetAddress("aa:bb:cc:dd:ee:ff")!, ifindex: 9, master: 2, vlan: 10, destination: InetAddress("10.9.8.7"),
                     vni: 5000, port: 4790, viaIndex: 4, flags: [.self, .sticky], state: .noARP, extendedFlags: .managed),
        ]
        for entry in entries {
            var fast: [UInt8] = []
            entry.encodeRequestBody(into: &fast)
            var generic: [UInt8] = []
            entry.message.encode(into: &generic)
            #expect(fast == generic, "\(entry)")
            // And it reads back as the same entry.
            var reader = NetlinkReader(fast)
            let back = try? FDBEntry(NeighbourMessage.decode(&reader))
            #expect(back == entry)
        }
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var code: NetlinkDecodeError.Code
        var offset: Int?
        var testDescription: String { name }
    }

    static func header(_ length: UInt32, _ type: UInt16) -> [UInt8] {
        length.netlinkBytes + type.netlinkBytes + [0, 0] + UInt32(1).netlinkBytes + UInt32(0).netlinkBytes
    }

    static let badCases: [BadCase] = [
        // Offsets point at the field that could not be read.
        BadCase(name: "short header", bytes: [16, 0, 0, 0, 2, 0], code: .truncated, offset: 6),
        BadCase(name: "nlmsg_len below header size", bytes: header(8, 3) + [0, 0, 0, 0], code: .badMessageLength, offset: 0),
        BadCase(name: "nlmsg_len past the end", bytes: header(64, 3) + [0, 0, 0, 0], code: .badMessageLength, offset: 0),
        BadCase(name: "ndmsg cut short", bytes: header(24, 28) + [7, 0, 0, 0, 3, 0, 0, 0], code: .truncated, offset: 24),
        BadCase(name: "attribute length 2", bytes: header(32, 28) + [7, 0, 0, 0, 3, 0, 0, 0, 0, 0, 2, 0] + [2, 0, 1, 0],
                code: .badAttributeLength, offset: 28),
        BadCase(name: "attribute longer than message", bytes: header(32, 28) + [7, 0, 0, 0, 3, 0, 0, 0, 0, 0, 2, 0] + [40, 0, 1, 0],
                code: .badAttributeLength, offset: 28),
        BadCase(name: "error message without original header", bytes: header(24, 2) + [0xef, 0xff, 0xff, 0xff, 1, 2, 3, 4],
                code: .truncated, offset: 24),
    ]

    @Test(arguments: badCases)
    func malformedInputGivesAnError(_ bad: BadCase) {
        #expect(throws: NetlinkDecodeError.self) { try NetlinkMessage.decodeAll(bad.bytes) }
        do {
            _ = try NetlinkMessage.decodeAll(bad.bytes)
        } catch {
            #expect(error.code == bad.code)
            #expect(error.offset == bad.offset)
            #expect(!error.description.isEmpty)
        }
    }

    @Test func typedAttributeErrorsSayWhich() throws {
        let n = NeighbourMessage(ifindex: 3, attributes: [
            NeighbourAttribute.lladdr([2, 0, 0, 0, 1, 1]).raw, RawAttribute(type: NeighbourAttributeType.dst.rawValue, payload: [1, 2, 3, 4, 5]),
        ])
        #expect(throws: NetlinkDecodeError(.badAttributeValue, "NDA_DST", "payload of 5 bytes, expected 4 or 16")) { try FDBEntry(n) }
        let noMAC = NeighbourMessage(ifindex: 3, attributes: [])
        #expect { try FDBEntry(noMAC) } throws: { ($0 as? NetlinkDecodeError)?.code == .missingAttribute }
        let badVNI = LinkMessage(index: 4, attributes: [
            LinkAttribute.name("vx").raw,
            LinkAttribute.linkInfo([.kind("vxlan"), .data([RawAttribute(type: VXLANAttributeType.id.rawValue, payload: [1, 2])])]).raw,
        ])
        #expect { try Link(badVNI) } throws: {
            ($0 as? NetlinkDecodeError)?.context == "IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID"
        }
    }

    @Test func addresses() {
        #expect(EthernetAddress("02:00:00:00:01:0a")?.description == "02:00:00:00:01:0a")
        #expect(EthernetAddress("02:00:00:00:01") == nil)
        #expect(EthernetAddress("zz:00:00:00:01:01") == nil)
        for text in ["10.0.1.1", "fd00::1:1", "::", "::1", "2001:db8::", "1:2:3:4:5:6:7:8", "fe80::1:0:0:2"] {
            #expect(InetAddress(text)?.description == text, "\(text)")
        }
        #expect(InetAddress("::ffff:10.0.0.1")?.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1])
        for bad in ["10.0.1", "10.0.1.256", "1::2::3", "1:2:3:4:5:6:7:8:9", "", "g::1"] {
            #expect(InetAddress(bad) == nil, "\(bad)")
        }
    }
}

/// What `bridge monitor` / `ip monitor link` show as `PORT@...: ... master br100` lines: the bridge's own
/// notices about its ports, of family AF_BRIDGE, without IFLA_LINKINFO.
@Suite struct BridgePortNotificationTests {
    static func message(_ type: NetlinkMessageType, family: ProtocolFamily) -> NetlinkMessage {
        var link = LinkMessage(index: 4, attributes: [LinkAttribute.name("vxlan100").raw, LinkAttribute.master(3).raw])
        link.family = family
        return NetlinkMessage(header: NetlinkHeader(type: type, flags: [], sequence: 0), payload: .link(link))
    }

    @Test func bridgePortNoticesAreNotWholeLinks() {
        // Read as a link, the VXLAN device would seem to have lost its kind (and a port leaving the bridge
        // would seem deleted), so the VTEP would take its VNI out of service.
        for type in [NetlinkMessageType.newLink, .delLink] {
            let event = NetlinkEvent(Self.message(type, family: .bridge))
            guard case .other = event else {
                Issue.record("\(type) of family AF_BRIDGE decoded as \(event)")
                continue
            }
        }
        guard case .newLink(let link) = NetlinkEvent(Self.message(.newLink, family: .unspecified)) else {
            Issue.record("an AF_UNSPEC RTM_NEWLINK is a link")
            return
        }
        #expect(link.name == "vxlan100")
    }
}
