// The IFLA_* attributes evpnd uses, typed; any other stays a raw attribute. Decoding checks sizes; `raw` encodes
// the kernel's way (strings NUL-terminated, nests without NLA_F_NESTED).

public enum LinkAttribute: Equatable, Hashable, Sendable {
    /// IFLA_ADDRESS: the hardware address (6 bytes for Ethernet-like devices, other sizes for tunnels).
    case address([UInt8])
    /// IFLA_BROADCAST
    case broadcast([UInt8])
    /// IFLA_IFNAME
    case name(String)
    /// IFLA_MTU
    case mtu(UInt32)
    /// IFLA_LINK: the lower device's ifindex.
    case link(UInt32)
    /// IFLA_MASTER: the ifindex of the bridge (or other master) this device is enslaved to; 0 in a request releases it.
    case master(UInt32)
    /// IFLA_OPERSTATE
    case operState(OperState)
    /// IFLA_LINKINFO: kind and kind-specific data.
    case linkInfo([LinkInfoAttribute])
    /// IFLA_EXT_MASK (requests: RTEXT_FILTER_*)
    case extMask(UInt32)
    case other(RawAttribute)

    public init(_ raw: RawAttribute) throws(NetlinkDecodeError) {
        switch LinkAttributeType(raw.type) {
        case .address: self = .address(raw.payload)
        case .broadcast: self = .broadcast(raw.payload)
        case .name: self = .name(try AttributePayload.string(raw.payload, "IFLA_IFNAME"))
        case .mtu: self = .mtu(try AttributePayload.uint32(raw.payload, "IFLA_MTU"))
        case .link: self = .link(try AttributePayload.uint32(raw.payload, "IFLA_LINK"))
        case .master: self = .master(try AttributePayload.uint32(raw.payload, "IFLA_MASTER"))
        case .operState: self = .operState(OperState(try AttributePayload.uint8(raw.payload, "IFLA_OPERSTATE")))
        case .extMask: self = .extMask(try AttributePayload.uint32(raw.payload, "IFLA_EXT_MASK"))
        case .linkInfo:
            let children = try raw.nested(context: "IFLA_LINKINFO")
            do {
                self = .linkInfo(try LinkInfoAttribute.decodeList(children))
            } catch {
                throw error.within("IFLA_LINKINFO")
            }
        default: self = .other(raw)
        }
    }

    public var raw: RawAttribute {
        switch self {
        case .address(let b): return RawAttribute(type: LinkAttributeType.address.rawValue, payload: b)
        case .broadcast(let b): return RawAttribute(type: LinkAttributeType.broadcast.rawValue, payload: b)
        case .name(let s): return RawAttribute(type: LinkAttributeType.name.rawValue, payload: Array(s.utf8) + [0])
        case .mtu(let v): return RawAttribute(type: LinkAttributeType.mtu.rawValue, payload: v.netlinkBytes)
        case .link(let v): return RawAttribute(type: LinkAttributeType.link.rawValue, payload: v.netlinkBytes)
        case .master(let v): return RawAttribute(type: LinkAttributeType.master.rawValue, payload: v.netlinkBytes)
        case .operState(let s): return RawAttribute(type: LinkAttributeType.operState.rawValue, payload: [s.rawValue])
        case .extMask(let v): return RawAttribute(type: LinkAttributeType.extMask.rawValue, payload: v.netlinkBytes)
        case .linkInfo(let info): return RawAttribute.nest(type: LinkAttributeType.linkInfo.rawValue, info.map(\.raw))
        case .other(let r): return r
        }
    }
}

/// Attributes nested in IFLA_LINKINFO. IFLA_INFO_DATA's layout depends on IFLA_INFO_KIND, so the list is decoded
/// as a whole: kind first, then data in its light.
public enum LinkInfoAttribute: Equatable, Hashable, Sendable {
    /// IFLA_INFO_KIND: "bridge", "vxlan", "veth"...
    case kind(String)
    /// IFLA_INFO_DATA of a "vxlan" device.
    case vxlanData([VXLANAttribute])
    /// IFLA_INFO_DATA of any other kind, as raw attributes.
    case data([RawAttribute])
    /// IFLA_INFO_SLAVE_KIND: the master's kind ("bridge" for a bridge port).
    case slaveKind(String)
    /// IFLA_INFO_SLAVE_DATA (IFLA_BRPORT_* for a bridge port), raw.
    case slaveData([RawAttribute])
    case other(RawAttribute)

    static func decodeList(_ raws: [RawAttribute]) throws(NetlinkDecodeError) -> [LinkInfoAttribute] {
        var kind: String?
        if let k = raws.first(where: { $0.type == LinkInfoAttributeType.kind.rawValue }) {
            kind = try AttributePayload.string(k.payload, "IFLA_INFO_KIND")
        }
        var result: [LinkInfoAttribute] = []
        for raw in raws {
            switch LinkInfoAttributeType(raw.type) {
            case .kind: result.append(.kind(kind ?? ""))
            case .data where kind == "vxlan":
                var items: [VXLANAttribute] = []
                let children = try raw.nested(context: "IFLA_INFO_DATA")
                do {
                    for a in children { items.append(try VXLANAttribute(a)) }
                } catch {
                    throw error.within("IFLA_INFO_DATA")
                }
                result.append(.vxlanData(items))
            case .data: result.append(.data(try raw.nested(context: "IFLA_INFO_DATA")))
            case .slaveKind:
                result.append(.slaveKind(try AttributePayload.string(raw.payload, "IFLA_INFO_SLAVE_KIND")))
            case .slaveData: result.append(.slaveData(try raw.nested(context: "IFLA_INFO_SLAVE_DATA")))
            default: result.append(.other(raw))
            }
        }
        return result
    }

    public var raw: RawAttribute {
        switch self {
        case .kind(let s): return RawAttribute(type: LinkInfoAttributeType.kind.rawValue, payload: Array(s.utf8) + [0])
        case .vxlanData(let items): return RawAttribute.nest(type: LinkInfoAttributeType.data.rawValue, items.map(\.raw))
        case .data(let items): return RawAttribute.nest(type: LinkInfoAttributeType.data.rawValue, items)
        case .slaveKind(let s): return RawAttribute(type: LinkInfoAttributeType.slaveKind.rawValue, payload: Array(s.utf8) + [0])
        case .slaveData(let items): return RawAttribute.nest(type: LinkInfoAttributeType.slaveData.rawValue, items)
        case .other(let r): return r
        }
    }
}
