// IFLA_VXLAN_* attributes inside IFLA_INFO_DATA of a "vxlan" link (include/uapi/linux/if_link.h). Addresses are in
// network order, as is IFLA_VXLAN_PORT (be16); the other integers are in host order.

public enum VXLANAttribute: Equatable, Hashable, Sendable {
    /// IFLA_VXLAN_ID: the VNI.
    case id(UInt32)
    /// IFLA_VXLAN_LOCAL: the IPv4 source address (the VTEP address).
    case local(InetAddress)
    /// IFLA_VXLAN_LOCAL6: the IPv6 source address.
    case local6(InetAddress)
    /// IFLA_VXLAN_GROUP / IFLA_VXLAN_GROUP6: the default remote (multicast group or unicast peer).
    case group(InetAddress)
    case group6(InetAddress)
    /// IFLA_VXLAN_LINK: the underlay device's ifindex.
    case link(UInt32)
    /// IFLA_VXLAN_TTL
    case ttl(UInt8)
    /// IFLA_VXLAN_LEARNING: 0 for `nolearning` (EVPN VTEPs), 1 when the device learns remote MACs from traffic.
    case learning(Bool)
    /// IFLA_VXLAN_PORT: the UDP destination port, host value (4789); sent big-endian.
    case port(UInt16)
    case other(RawAttribute)

    public init(_ raw: RawAttribute) throws(NetlinkDecodeError) {
        func address(_ name: String, _ size: Int) throws(NetlinkDecodeError) -> InetAddress {
            guard raw.payload.count == size, let a = InetAddress(bytes: raw.payload) else {
                throw AttributePayload.sizeError(name, raw.payload.count, "\(size)")
            }
            return a
        }
        switch VXLANAttributeType(raw.type) {
        case .id: self = .id(try AttributePayload.uint32(raw.payload, "IFLA_VXLAN_ID"))
        case .local: self = .local(try address("IFLA_VXLAN_LOCAL", 4))
        case .local6: self = .local6(try address("IFLA_VXLAN_LOCAL6", 16))
        case .group: self = .group(try address("IFLA_VXLAN_GROUP", 4))
        case .group6: self = .group6(try address("IFLA_VXLAN_GROUP6", 16))
        case .link: self = .link(try AttributePayload.uint32(raw.payload, "IFLA_VXLAN_LINK"))
        case .ttl: self = .ttl(try AttributePayload.uint8(raw.payload, "IFLA_VXLAN_TTL"))
        case .learning:
            let v = try AttributePayload.uint8(raw.payload, "IFLA_VXLAN_LEARNING")
            guard v <= 1 else { throw NetlinkDecodeError(.badAttributeValue, "IFLA_VXLAN_LEARNING", "value \(v), expected 0 or 1") }
            self = .learning(v == 1)
        case .port: self = .port(try AttributePayload.uint16BigEndian(raw.payload, "IFLA_VXLAN_PORT"))
        default: self = .other(raw)
        }
    }

    public var raw: RawAttribute {
        switch self {
        case .id(let v): return RawAttribute(type: VXLANAttributeType.id.rawValue, payload: v.netlinkBytes)
        case .local(let a): return RawAttribute(type: VXLANAttributeType.local.rawValue, payload: a.bytes)
        case .local6(let a): return RawAttribute(type: VXLANAttributeType.local6.rawValue, payload: a.bytes)
        case .group(let a): return RawAttribute(type: VXLANAttributeType.group.rawValue, payload: a.bytes)
        case .group6(let a): return RawAttribute(type: VXLANAttributeType.group6.rawValue, payload: a.bytes)
        case .link(let v): return RawAttribute(type: VXLANAttributeType.link.rawValue, payload: v.netlinkBytes)
        case .ttl(let v): return RawAttribute(type: VXLANAttributeType.ttl.rawValue, payload: [v])
        case .learning(let b): return RawAttribute(type: VXLANAttributeType.learning.rawValue, payload: [b ? 1 : 0])
        case .port(let p):
            var payload: [UInt8] = []
            payload.appendBigEndian(p)
            return RawAttribute(type: VXLANAttributeType.port.rawValue, payload: payload)
        case .other(let r): return r
        }
    }
}
