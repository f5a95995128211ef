// RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE: struct rtmsg (include/uapi/linux/rtnetlink.h) and its RTA_*
// attributes.
//
//   family(1) | dst_len(1) | src_len(1) | tos(1) | table(1) | protocol(1) | scope(1) | type(1) | flags(4)  = 12 bytes
//   attributes...
//
// rtm_table holds only ids below 256; RTA_TABLE carries the full 32-bit id (the kernel sends both).

public struct RouteMessage: Equatable, Hashable, Sendable {
    public static let headerSize = 12

    public var family: ProtocolFamily
    public var destinationLength: UInt8
    public var sourceLength: UInt8
    public var tos: UInt8
    public var table: UInt8
    public var `protocol`: RouteProtocol
    public var scope: RouteScope
    public var type: RouteType
    /// rtm_flags: RTNH_F_* in the low byte for a single-path route, RTM_F_* above.
    public var flags: UInt32
    public var attributes: [RawAttribute]

    public init(
        family: ProtocolFamily = .unspecified, destinationLength: UInt8 = 0, sourceLength: UInt8 = 0, tos: UInt8 = 0,
        table: UInt8 = 0, protocol: RouteProtocol = RouteProtocol(0), scope: RouteScope = .universe,
        type: RouteType = .unspecified, flags: UInt32 = 0, attributes: [RawAttribute] = []
    ) {
        self.family = family
        self.destinationLength = destinationLength
        self.sourceLength = sourceLength
        self.tos = tos
        self.table = table
        self.protocol = `protocol`
        self.scope = scope
        self.type = type
        self.flags = flags
        self.attributes = attributes
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> RouteMessage {
        var m = RouteMessage()
        m.family = ProtocolFamily(try reader.readUInt8("rtmsg"))
        m.destinationLength = try reader.readUInt8("rtmsg")
        m.sourceLength = try reader.readUInt8("rtmsg")
        m.tos = try reader.readUInt8("rtmsg")
        m.table = try reader.readUInt8("rtmsg")
        m.protocol = RouteProtocol(try reader.readUInt8("rtmsg"))
        m.scope = RouteScope(try reader.readUInt8("rtmsg"))
        m.type = RouteType(try reader.readUInt8("rtmsg"))
        m.flags = try reader.readUInt32("rtmsg")
        m.attributes = try RawAttribute.decodeList(&reader, context: "rtmsg attributes")
        return m
    }

    public func encode(into out: inout [UInt8]) {
        out.append(family.rawValue)
        out.append(destinationLength)
        out.append(sourceLength)
        out.append(tos)
        out.append(table)
        out.append(`protocol`.rawValue)
        out.append(scope.rawValue)
        out.append(type.rawValue)
        out.appendNetlink(flags)
        RawAttribute.encodeList(attributes, into: &out)
    }

    public func typedAttributes() throws(NetlinkDecodeError) -> [RouteAttribute] {
        var result: [RouteAttribute] = []
        result.reserveCapacity(attributes.count)
        for a in attributes { result.append(try RouteAttribute(a, family: family)) }
        return result
    }
}
