// RTM_NEWNEXTHOP / RTM_DELNEXTHOP / RTM_GETNEXTHOP: struct nhmsg (include/uapi/linux/nexthop.h) and its NHA_*
// attributes.
//
//   family(1) | scope(1, replies only) | protocol(1, RTPROT_*) | resvd(1) | flags(4, RTNH_F_*)   = 8 bytes
//   attributes...

public struct NexthopMessage: Equatable, Hashable, Sendable {
    public static let headerSize = 8

    /// AF_INET or AF_INET6 for a nexthop with a gateway (its family), AF_UNSPEC for a group.
    public var family: ProtocolFamily
    /// nh_scope (RT_SCOPE_*): set by the kernel in replies (253, link, for a gateway).
    public var scope: UInt8
    public var `protocol`: NexthopProtocol
    public var flags: NexthopFlags
    public var attributes: [RawAttribute]
    /// The reserved octet, kept only so a round trip is exact.
    public var reserved: UInt8 = 0

    public init(
        family: ProtocolFamily = .unspecified, scope: UInt8 = 0, protocol: NexthopProtocol = .unspecified,
        flags: NexthopFlags = [], attributes: [RawAttribute] = []
    ) {
        self.family = family
        self.scope = scope
        self.protocol = `protocol`
        self.flags = flags
        self.attributes = attributes
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> NexthopMessage {
        var m = NexthopMessage()
        m.family = ProtocolFamily(try reader.readUInt8("nhmsg"))
        m.scope = try reader.readUInt8("nhmsg")
        m.protocol = NexthopProtocol(rawValue: try reader.readUInt8("nhmsg"))
        m.reserved = try reader.readUInt8("nhmsg")
        m.flags = NexthopFlags(rawValue: try reader.readUInt32("nhmsg"))
        m.attributes = try RawAttribute.decodeList(&reader, context: "nhmsg attributes")
        return m
    }

    public func encode(into out: inout [UInt8]) {
        out.append(family.rawValue)
        out.append(scope)
        out.append(`protocol`.rawValue)
        out.append(reserved)
        out.appendNetlink(flags.rawValue)
        RawAttribute.encodeList(attributes, into: &out)
    }

    public func typedAttributes() throws(NetlinkDecodeError) -> [NexthopAttribute] {
        var result: [NexthopAttribute] = []
        result.reserveCapacity(attributes.count)
        for a in attributes { result.append(try NexthopAttribute(a)) }
        return result
    }
}
