// RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH: struct ndmsg (include/uapi/linux/neighbour.h) and its NDA_* attributes.
// Bridge and VXLAN FDB entries are neighbours of family AF_BRIDGE.
//
//   family(1) | pad1(1) | pad2(2) | ifindex(4, signed) | state(2, NUD_*) | flags(1, NTF_*) | type(1)   = 12 bytes
//   attributes...

public struct NeighbourMessage: Equatable, Hashable, Sendable {
    public static let headerSize = 12

    public var family: ProtocolFamily
    public var ifindex: Int32
    public var state: NeighbourState
    public var flags: NeighbourFlags
    /// ndm_type (RTN_* for IP neighbours; 0 for FDB entries).
    public var type: UInt8
    public var attributes: [RawAttribute]
    /// The pad fields, kept only so a round trip is exact.
    public var pad1: UInt8 = 0
    public var pad2: UInt16 = 0

    public init(
        family: ProtocolFamily = .bridge, ifindex: Int32 = 0, state: NeighbourState = [], flags: NeighbourFlags = [],
        type: UInt8 = 0, attributes: [RawAttribute] = []
    ) {
        self.family = family
        self.ifindex = ifindex
        self.state = state
        self.flags = flags
        self.type = type
        self.attributes = attributes
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> NeighbourMessage {
        var m = NeighbourMessage()
        m.family = ProtocolFamily(try reader.readUInt8("ndmsg"))
        m.pad1 = try reader.readUInt8("ndmsg")
        m.pad2 = try reader.readUInt16("ndmsg")
        m.ifindex = try reader.readInt32("ndmsg")
        m.state = NeighbourState(rawValue: try reader.readUInt16("ndmsg"))
        m.flags = NeighbourFlags(rawValue: try reader.readUInt8("ndmsg"))
        m.type = try reader.readUInt8("ndmsg")
        m.attributes = try RawAttribute.decodeList(&reader, context: "ndmsg attributes")
        return m
    }

    public func encode(into out: inout [UInt8]) {
        out.append(family.rawValue)
        out.append(pad1)
        out.appendNetlink(pad2)
        out.appendNetlink(ifindex)
        out.appendNetlink(state.rawValue)
        out.append(flags.rawValue)
        out.append(type)
        RawAttribute.encodeList(attributes, into: &out)
    }

    public func typedAttributes() throws(NetlinkDecodeError) -> [NeighbourAttribute] {
        var result: [NeighbourAttribute] = []
        result.reserveCapacity(attributes.count)
        for a in attributes { result.append(try NeighbourAttribute(a)) }
        return result
    }
}

/// struct nda_cacheinfo (include/uapi/linux/neighbour.h): ages in clock ticks (USER_HZ).
public struct NeighbourCacheInfo: Equatable, Hashable, Sendable {
    public var confirmed: UInt32
    public var used: UInt32
    public var updated: UInt32
    public var refcount: UInt32

    public init(confirmed: UInt32, used: UInt32, updated: UInt32, refcount: UInt32) {
        self.confirmed = confirmed
        self.used = used
        self.updated = updated
        self.refcount = refcount
    }
}
