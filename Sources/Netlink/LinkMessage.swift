// RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK / RTM_SETLINK: struct ifinfomsg (include/uapi/linux/rtnetlink.h) and its
// IFLA_* attributes.
//
//   family(1) | pad(1) | type(2, ARPHRD_*) | index(4, signed) | flags(4, IFF_*) | change(4)   = 16 bytes
//   attributes...

public struct LinkMessage: Equatable, Hashable, Sendable {
    public static let headerSize = 16

    public var family: ProtocolFamily
    /// ifi_type: the ARPHRD_* device type (1 = Ethernet, 772 = loopback).
    public var deviceType: UInt16
    public var index: Int32
    public var flags: InterfaceFlags
    /// ifi_change: which flags a SETLINK request changes.
    public var change: UInt32
    /// The attributes in wire order; typed views decode them on demand.
    public var attributes: [RawAttribute]
    /// The ifinfomsg pad byte, kept only so a round trip is exact (always 0 from the kernel and iproute2).
    public var pad: UInt8 = 0

    public init(
        family: ProtocolFamily = .unspecified, deviceType: UInt16 = 0, index: Int32 = 0, flags: InterfaceFlags = [],
        change: UInt32 = 0, attributes: [RawAttribute] = []
    ) {
        self.family = family
        self.deviceType = deviceType
        self.index = index
        self.flags = flags
        self.change = change
        self.attributes = attributes
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> LinkMessage {
        var m = LinkMessage()
        m.family = ProtocolFamily(try reader.readUInt8("ifinfomsg"))
        m.pad = try reader.readUInt8("ifinfomsg")
        m.deviceType = try reader.readUInt16("ifinfomsg")
        m.index = try reader.readInt32("ifinfomsg")
        m.flags = InterfaceFlags(rawValue: try reader.readUInt32("ifinfomsg"))
        m.change = try reader.readUInt32("ifinfomsg")
        m.attributes = try RawAttribute.decodeList(&reader, context: "ifinfomsg attributes")
        return m
    }

    public func encode(into out: inout [UInt8]) {
        out.append(family.rawValue)
        out.append(pad)
        out.appendNetlink(deviceType)
        out.appendNetlink(index)
        out.appendNetlink(flags.rawValue)
        out.appendNetlink(change)
        RawAttribute.encodeList(attributes, into: &out)
    }

    /// The attributes decoded into their typed form (unknown ones as `.other`).
    public func typedAttributes() throws(NetlinkDecodeError) -> [LinkAttribute] {
        var result: [LinkAttribute] = []
        result.reserveCapacity(attributes.count)
        for a in attributes { result.append(try LinkAttribute(a)) }
        return result
    }
}
