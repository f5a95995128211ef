// The NHA_* attributes of a nexthop message, typed; any other stays raw (and re-encodes byte for byte).
// NHA_GATEWAY is in network order (the address's own bytes); the integers are in host order.

/// struct nexthop_grp (include/uapi/linux/nexthop.h), one member of a group:
///
///   id(4) | weight(1) | weight_high(1, kernel 6.12+; reserved before) | resvd2(2)   = 8 bytes
///
/// The wire holds the weight minus one (`ip nexthop ... group 1/2,3` sends 0 for 1 and 2 for 3), split over
/// two octets since 6.12 (weights up to 65536); `weight` here is the weight itself, as iproute2 prints it.
public struct NexthopGroupMember: Equatable, Hashable, Sendable, CustomStringConvertible {
    public static let size = 8

    public var id: UInt32
    /// 1...65536.
    public var weight: UInt32
    /// resvd2, kept only so a round trip is exact.
    public var reserved: UInt16 = 0

    public init(id: UInt32, weight: UInt32 = 1) {
        self.id = id
        self.weight = weight
    }

    public var description: String { weight == 1 ? "\(id)" : "\(id),\(weight)" }

    static func decodeList(_ p: [UInt8]) throws(NetlinkDecodeError) -> [NexthopGroupMember] {
        guard p.count % size == 0, !p.isEmpty else {
            throw AttributePayload.sizeError("NHA_GROUP", p.count, "a non-zero multiple of \(size)")
        }
        var reader = NetlinkReader(p)
        var members: [NexthopGroupMember] = []
        members.reserveCapacity(p.count / size)
        while !reader.isAtEnd {
            let id = try reader.readUInt32("NHA_GROUP")
            let low = try reader.readUInt8("NHA_GROUP")
            let high = try reader.readUInt8("NHA_GROUP")
            var member = NexthopGroupMember(id: id, weight: (UInt32(high) << 8 | UInt32(low)) + 1)
            member.reserved = try reader.readUInt16("NHA_GROUP")
            members.append(member)
        }
        return members
    }

    static func encodeList(_ members: [NexthopGroupMember]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(members.count * size)
        for m in members {
            out.appendNetlink(m.id)
            // A weight of 0 or above 65536 cannot be said on the wire; the nearest one that can is sent.
            let w = min(max(m.weight, 1), 65536) - 1
            out.append(UInt8(truncatingIfNeeded: w))
            out.append(UInt8(truncatingIfNeeded: w >> 8))
            out.appendNetlink(m.reserved)
        }
        return out
    }
}

public enum NexthopAttribute: Equatable, Hashable, Sendable {
    /// NHA_ID
    case id(UInt32)
    /// NHA_GROUP: the members.
    case group([NexthopGroupMember])
    /// NHA_GROUP_TYPE
    case groupType(NexthopGroupType)
    /// NHA_BLACKHOLE (flag)
    case blackhole
    /// NHA_OIF: the outgoing device.
    case oif(UInt32)
    /// NHA_GATEWAY: the next router, or for an FDB nexthop the remote VTEP.
    case gateway(InetAddress)
    /// NHA_GROUPS (flag, dump requests)
    case groups
    /// NHA_MASTER (dump requests)
    case master(UInt32)
    /// NHA_FDB (flag)
    case fdb
    /// NHA_OP_FLAGS
    case opFlags(UInt32)
    case other(RawAttribute)

    public init(_ raw: RawAttribute) throws(NetlinkDecodeError) {
        let p = raw.payload
        func flag(_ name: String) throws(NetlinkDecodeError) {
            guard p.isEmpty else { throw AttributePayload.sizeError(name, p.count, "0") }
        }
        switch NexthopAttributeType(raw.type) {
        case .id: self = .id(try AttributePayload.uint32(p, "NHA_ID"))
        case .group: self = .group(try NexthopGroupMember.decodeList(p))
        case .groupType: self = .groupType(NexthopGroupType(rawValue: try AttributePayload.uint16(p, "NHA_GROUP_TYPE")))
        case .blackhole: try flag("NHA_BLACKHOLE"); self = .blackhole
        case .oif: self = .oif(try AttributePayload.uint32(p, "NHA_OIF"))
        case .gateway:
            guard let a = InetAddress(bytes: p) else { throw AttributePayload.sizeError("NHA_GATEWAY", p.count, "4 or 16") }
            self = .gateway(a)
        case .groups: try flag("NHA_GROUPS"); self = .groups
        case .master: self = .master(try AttributePayload.uint32(p, "NHA_MASTER"))
        case .fdb: try flag("NHA_FDB"); self = .fdb
        case .opFlags: self = .opFlags(try AttributePayload.uint32(p, "NHA_OP_FLAGS"))
        default: self = .other(raw)
        }
    }

    public var raw: RawAttribute {
        func make(_ t: NexthopAttributeType, _ payload: [UInt8]) -> RawAttribute { RawAttribute(type: t.rawValue, payload: payload) }
        switch self {
        case .id(let v): return make(.id, v.netlinkBytes)
        case .group(let members): return make(.group, NexthopGroupMember.encodeList(members))
        case .groupType(let t): return make(.groupType, t.rawValue.netlinkBytes)
        case .blackhole: return make(.blackhole, [])
        case .oif(let v): return make(.oif, v.netlinkBytes)
        case .gateway(let a): return make(.gateway, a.bytes)
        case .groups: return make(.groups, [])
        case .master(let v): return make(.master, v.netlinkBytes)
        case .fdb: return make(.fdb, [])
        case .opFlags(let v): return make(.opFlags, v.netlinkBytes)
        case .other(let r): return r
        }
    }
}
