// The NDA_* attributes of an FDB entry, typed; any other stays raw. NDA_PORT is big-endian on the wire
// (the kernel's nla_put_be16); NDA_VNI, NDA_IFINDEX, NDA_MASTER, NDA_VLAN are host order.

public enum NeighbourAttribute: Equatable, Hashable, Sendable {
    /// NDA_DST: the remote VTEP of a VXLAN FDB entry (or the IP of an ARP/ND neighbour).
    case dst(InetAddress)
    /// NDA_LLADDR: the MAC address.
    case lladdr([UInt8])
    /// NDA_CACHEINFO
    case cacheInfo(NeighbourCacheInfo)
    /// NDA_VLAN
    case vlan(UInt16)
    /// NDA_PORT: UDP destination port of a VXLAN entry, host value; sent big-endian.
    case port(UInt16)
    /// NDA_VNI: the remote VNI of a VXLAN entry.
    case vni(UInt32)
    /// NDA_IFINDEX: the outgoing device of a VXLAN entry.
    case ifindex(UInt32)
    /// NDA_MASTER: the bridge's ifindex (dumps filter on it; entries report it).
    case master(UInt32)
    /// NDA_SRC_VNI
    case srcVNI(UInt32)
    /// NDA_NH_ID: the nexthop group an FDB entry forwards to instead of NDA_DST (a remote ES).
    case nexthopID(UInt32)
    /// NDA_FLAGS_EXT
    case flagsExt(NeighbourExtendedFlags)
    case other(RawAttribute)

    public init(_ raw: RawAttribute) throws(NetlinkDecodeError) {
        let p = raw.payload
        switch NeighbourAttributeType(raw.type) {
        case .dst:
            guard let a = InetAddress(bytes: p) else { throw AttributePayload.sizeError("NDA_DST", p.count, "4 or 16") }
            self = .dst(a)
        case .lladdr: self = .lladdr(p)
        case .cacheInfo:
            guard p.count == 16 else { throw AttributePayload.sizeError("NDA_CACHEINFO", p.count, "16") }
            var r = NetlinkReader(p)
            self = .cacheInfo(
                NeighbourCacheInfo(
                    confirmed: try r.readUInt32("NDA_CACHEINFO"), used: try r.readUInt32("NDA_CACHEINFO"),
                    updated: try r.readUInt32("NDA_CACHEINFO"), refcount: try r.readUInt32("NDA_CACHEINFO")))
        case .vlan: self = .vlan(try AttributePayload.uint16(p, "NDA_VLAN"))
        case .port: self = .port(try AttributePayload.uint16BigEndian(p, "NDA_PORT"))
        case .vni: self = .vni(try AttributePayload.uint32(p, "NDA_VNI"))
        case .ifindex: self = .ifindex(try AttributePayload.uint32(p, "NDA_IFINDEX"))
        case .master: self = .master(try AttributePayload.uint32(p, "NDA_MASTER"))
        case .srcVNI: self = .srcVNI(try AttributePayload.uint32(p, "NDA_SRC_VNI"))
        case .nexthopID: self = .nexthopID(try AttributePayload.uint32(p, "NDA_NH_ID"))
        case .flagsExt: self = .flagsExt(NeighbourExtendedFlags(rawValue: try AttributePayload.uint32(p, "NDA_FLAGS_EXT")))
        default: self = .other(raw)
        }
    }

    public var raw: RawAttribute {
        func make(_ t: NeighbourAttributeType, _ payload: [UInt8]) -> RawAttribute { RawAttribute(type: t.rawValue, payload: payload) }
        switch self {
        case .dst(let a): return make(.dst, a.bytes)
        case .lladdr(let b): return make(.lladdr, b)
        case .cacheInfo(let c):
            var b: [UInt8] = []
            b.appendNetlink(c.confirmed); b.appendNetlink(c.used); b.appendNetlink(c.updated); b.appendNetlink(c.refcount)
            return make(.cacheInfo, b)
        case .vlan(let v): return make(.vlan, v.netlinkBytes)
        case .port(let v):
            var b: [UInt8] = []
            b.appendBigEndian(v)
            return make(.port, b)
        case .vni(let v): return make(.vni, v.netlinkBytes)
        case .ifindex(let v): return make(.ifindex, v.netlinkBytes)
        case .master(let v): return make(.master, v.netlinkBytes)
        case .srcVNI(let v): return make(.srcVNI, v.netlinkBytes)
        case .nexthopID(let v): return make(.nexthopID, v.netlinkBytes)
        case .flagsExt(let f): return make(.flagsExt, f.rawValue.netlinkBytes)
        case .other(let r): return r
        }
    }
}
