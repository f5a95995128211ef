// The RTA_* attributes of a route, typed; any other stays raw so it survives a round trip. Addresses are
// network order; RTA_OIF, RTA_PRIORITY, RTA_TABLE and RTA_NH_ID host order (nla_put_u32).
//
//   RTA_VIA (struct rtvia): family(2, host order: AF_INET 2 | AF_INET6 10) | address(4 or 16)
//   RTA_MULTIPATH: a list of struct rtnexthop, each padded to 4 (RTNH_ALIGN):
//     len(2, header + attributes) | flags(1, RTNH_F_*) | hops(1, weight - 1) | ifindex(4, signed) | RTA_GATEWAY/RTA_VIA...

public enum RouteAttribute: Equatable, Hashable, Sendable {
    /// RTA_DST: the destination prefix's address (its length is rtm_dst_len).
    case dst(InetAddress)
    /// RTA_GATEWAY: a next hop of the route's own family.
    case gateway(InetAddress)
    /// RTA_VIA: a next hop of another family (an IPv6 link-local next hop of an IPv4 route, RFC 8950).
    case via(InetAddress)
    /// RTA_OIF: the outgoing device.
    case oif(Int32)
    /// RTA_PRIORITY: the metric (zebra: 20).
    case priority(UInt32)
    /// RTA_PREFSRC
    case prefsrc(InetAddress)
    /// RTA_TABLE: the full table id.
    case table(UInt32)
    /// RTA_NH_ID: the route points at a nexthop object (or group).
    case nhID(UInt32)
    /// RTA_MULTIPATH: the ECMP members.
    case multipath([RouteNextHop])
    case other(RawAttribute)

    /// `family` is the route's: RTA_GATEWAY's size must match it.
    public init(_ raw: RawAttribute, family: ProtocolFamily) throws(NetlinkDecodeError) {
        let p = raw.payload
        switch RouteAttributeType(raw.type) {
        case .dst: self = .dst(try Self.address(p, "RTA_DST", family: family))
        case .gateway: self = .gateway(try Self.address(p, "RTA_GATEWAY", family: family))
        case .prefsrc: self = .prefsrc(try Self.address(p, "RTA_PREFSRC", family: family))
        case .via: self = .via(try Self.via(p))
        case .oif: self = .oif(Int32(bitPattern: try AttributePayload.uint32(p, "RTA_OIF")))
        case .priority: self = .priority(try AttributePayload.uint32(p, "RTA_PRIORITY"))
        case .table: self = .table(try AttributePayload.uint32(p, "RTA_TABLE"))
        case .nhID: self = .nhID(try AttributePayload.uint32(p, "RTA_NH_ID"))
        case .multipath: self = .multipath(try RouteNextHop.decodeList(p, family: family))
        default: self = .other(raw)
        }
    }

    public var raw: RawAttribute {
        func make(_ t: RouteAttributeType, _ payload: [UInt8]) -> RawAttribute { RawAttribute(type: t.rawValue, payload: payload) }
        switch self {
        case .dst(let a): return make(.dst, a.bytes)
        case .gateway(let a): return make(.gateway, a.bytes)
        case .via(let a): return make(.via, Self.viaBytes(a))
        case .oif(let i): return make(.oif, UInt32(bitPattern: i).netlinkBytes)
        case .priority(let v): return make(.priority, v.netlinkBytes)
        case .prefsrc(let a): return make(.prefsrc, a.bytes)
        case .table(let v): return make(.table, v.netlinkBytes)
        case .nhID(let v): return make(.nhID, v.netlinkBytes)
        case .multipath(let hops):
            var b: [UInt8] = []
            for hop in hops { hop.encode(into: &b) }
            return make(.multipath, b)
        case .other(let r): return r
        }
    }

    /// An address whose size must be the family's (4 for AF_INET, 16 for AF_INET6).
    static func address(_ p: [UInt8], _ name: String, family: ProtocolFamily) throws(NetlinkDecodeError) -> InetAddress {
        let expected = family == .inet6 ? 16 : 4
        guard p.count == expected, let a = InetAddress(bytes: p) else {
            throw AttributePayload.sizeError(name, p.count, "\(expected)")
        }
        return a
    }

    static func via(_ p: [UInt8]) throws(NetlinkDecodeError) -> InetAddress {
        guard p.count >= 2 else { throw AttributePayload.sizeError("RTA_VIA", p.count, "2 + 4 or 16") }
        let family = UInt16(p[0]) | UInt16(p[1]) << 8
        let address = Array(p[2...])
        switch (family, address.count) {
        case (UInt16(ProtocolFamily.inet.rawValue), 4), (UInt16(ProtocolFamily.inet6.rawValue), 16):
            guard let a = InetAddress(bytes: address) else { throw AttributePayload.sizeError("RTA_VIA", p.count, "6 or 18") }
            return a
        default:
            throw NetlinkDecodeError(.badAttributeValue, "RTA_VIA", "family \(family) with an address of \(address.count) bytes")
        }
    }

    static func viaBytes(_ a: InetAddress) -> [UInt8] {
        var b: [UInt8] = []
        b.appendNetlink(UInt16(a.isIPv4 ? ProtocolFamily.inet.rawValue : ProtocolFamily.inet6.rawValue))
        b += a.bytes
        return b
    }
}

/// One member of RTA_MULTIPATH (struct rtnexthop and its attributes).
public struct RouteNextHop: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// RTA_GATEWAY (same family) or RTA_VIA (the other family); nil for a device-only member.
    public var gateway: InetAddress?
    /// Whether the gateway went as RTA_VIA (another family than the route's).
    public var isVia: Bool
    public var ifindex: Int32
    public var flags: RouteNextHopFlags
    /// The ECMP weight, 1 to 256 (rtnh_hops + 1).
    public var weight: Int
    /// Attributes besides RTA_GATEWAY/RTA_VIA (RTA_FLOW, RTA_ENCAP...), kept for a round trip.
    public var otherAttributes: [RawAttribute]

    public init(gateway: InetAddress?, isVia: Bool = false, ifindex: Int32, flags: RouteNextHopFlags = [], weight: Int = 1,
                otherAttributes: [RawAttribute] = []) {
        self.gateway = gateway
        self.isVia = isVia
        self.ifindex = ifindex
        self.flags = flags
        self.weight = weight
        self.otherAttributes = otherAttributes
    }

    public var description: String {
        var s = gateway.map { "via \(isVia ? (($0.isIPv4 ? "inet " : "inet6 ")) : "")\($0) " } ?? ""
        s += "dev \(ifindex)"
        if flags.contains(.onlink) { s += " onlink" }
        if weight != 1 { s += " weight \(weight)" }
        return s
    }

    static func decodeList(_ payload: [UInt8], family: ProtocolFamily) throws(NetlinkDecodeError) -> [RouteNextHop] {
        var reader = NetlinkReader(payload)
        var hops: [RouteNextHop] = []
        while !reader.isAtEnd {
            let start = reader.offset
            let length = Int(try reader.readUInt16("RTA_MULTIPATH/rtnexthop"))
            guard length >= 8, length - 2 <= reader.remaining else {
                throw NetlinkDecodeError(.badAttributeLength, "RTA_MULTIPATH/rtnexthop",
                                         "rtnh_len \(length) with \(reader.remaining + 2) bytes left", offset: start)
            }
            let flags = RouteNextHopFlags(rawValue: try reader.readUInt8("RTA_MULTIPATH/rtnexthop"))
            let hopsField = try reader.readUInt8("RTA_MULTIPATH/rtnexthop")
            let ifindex = try reader.readInt32("RTA_MULTIPATH/rtnexthop")
            var inner = try reader.bounded(length - 8, "RTA_MULTIPATH/rtnexthop")
            reader.skipPadding(NetlinkAlignment.padding(length))
            var hop = RouteNextHop(gateway: nil, ifindex: ifindex, flags: flags, weight: Int(hopsField) + 1)
            for attribute in try RawAttribute.decodeList(&inner, context: "RTA_MULTIPATH/rtnexthop attributes") {
                switch RouteAttributeType(attribute.type) {
                case .gateway:
                    hop.gateway = try RouteAttribute.address(attribute.payload, "RTA_MULTIPATH/RTA_GATEWAY", family: family)
                case .via:
                    hop.gateway = try RouteAttribute.via(attribute.payload)
                    hop.isVia = true
                default:
                    hop.otherAttributes.append(attribute)
                }
            }
            hops.append(hop)
        }
        return hops
    }

    func encode(into out: inout [UInt8]) {
        let start = out.count
        out.appendNetlink(UInt16(0))
        out.append(flags.rawValue)
        out.append(UInt8(clamping: max(weight, 1) - 1))
        out.appendNetlink(ifindex)
        if let gateway {
            if isVia {
                RouteAttribute.via(gateway).raw.encode(into: &out)
            } else {
                RouteAttribute.gateway(gateway).raw.encode(into: &out)
            }
        }
        RawAttribute.encodeList(otherAttributes, into: &out)
        let length = out.count - start
        out.setNetlink(UInt16(length), at: start)
        out.appendPadding(forLength: length)
    }
}
