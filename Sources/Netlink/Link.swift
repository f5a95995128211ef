// A network device as evpnd sees it: what `ip -d link show` prints that matters to a VTEP.

/// The kind of a link (IFLA_INFO_KIND) with the details evpnd needs for the kinds it manages.
public enum LinkKind: Equatable, Hashable, Sendable {
    /// No IFLA_LINKINFO (loopback, physical NICs).
    case none
    case bridge
    case vxlan(VXLANInfo)
    /// Any other kind, by name ("veth", "dummy", "nlmon"...).
    case other(String)

    public var name: String? {
        switch self {
        case .none: return nil
        case .bridge: return "bridge"
        case .vxlan: return "vxlan"
        case .other(let s): return s
        }
    }
}

/// The VXLAN parameters of a "vxlan" link (IFLA_INFO_DATA).
public struct VXLANInfo: Equatable, Hashable, Sendable {
    /// IFLA_VXLAN_ID. Absent only for a collect-metadata (external) device.
    public var vni: UInt32?
    /// IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6: the VTEP address.
    public var local: InetAddress?
    /// IFLA_VXLAN_GROUP or IFLA_VXLAN_GROUP6.
    public var group: InetAddress?
    /// IFLA_VXLAN_LEARNING (false for `nolearning`).
    public var learning: Bool
    /// IFLA_VXLAN_PORT, host value (4789).
    public var port: UInt16?
    /// IFLA_VXLAN_LINK: the underlay device.
    public var underlayIndex: UInt32?

    public init(vni: UInt32?, local: InetAddress? = nil, group: InetAddress? = nil, learning: Bool = true, port: UInt16? = nil, underlayIndex: UInt32? = nil) {
        self.vni = vni
        self.local = local
        self.group = group
        self.learning = learning
        self.port = port
        self.underlayIndex = underlayIndex
    }
}

public struct Link: Equatable, Hashable, Sendable {
    public var index: Int32
    public var name: String
    /// IFLA_ADDRESS when it is 6 bytes long.
    public var address: EthernetAddress?
    /// IFLA_MASTER: the bridge this device is a port of.
    public var masterIndex: UInt32?
    public var operState: OperState
    public var flags: InterfaceFlags
    public var mtu: UInt32?
    public var kind: LinkKind
    /// IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port.
    public var slaveKind: String?
    /// IFLA_BRPORT_NEIGH_SUPPRESS of a bridge port (IFLA_INFO_SLAVE_DATA); nil when not reported.
    public var neighSuppress: Bool?

    public init(
        index: Int32, name: String, address: EthernetAddress? = nil, masterIndex: UInt32? = nil,
        operState: OperState = .unknown, flags: InterfaceFlags = [], mtu: UInt32? = nil, kind: LinkKind = .none,
        slaveKind: String? = nil
    ) {
        self.index = index
        self.name = name
        self.address = address
        self.masterIndex = masterIndex
        self.operState = operState
        self.flags = flags
        self.mtu = mtu
        self.kind = kind
        self.slaveKind = slaveKind
    }

    public var isUp: Bool { flags.contains(.up) }

    public var vxlan: VXLANInfo? {
        if case .vxlan(let info) = kind { return info }
        return nil
    }

    /// Reads a link out of an RTM_NEWLINK/RTM_DELLINK message. Throws on a malformed known attribute or a
    /// missing IFLA_IFNAME; unknown attributes are ignored.
    public init(_ message: LinkMessage) throws(NetlinkDecodeError) {
        var name: String?
        self.index = message.index
        self.name = ""
        self.operState = .unknown
        self.flags = message.flags
        self.kind = .none
        for attribute in try message.typedAttributes() {
            switch attribute {
            case .name(let n): name = n
            case .address(let b): address = EthernetAddress(bytes: b)
            case .master(let m): masterIndex = m == 0 ? nil : m
            case .operState(let s): operState = s
            case .mtu(let m): mtu = m
            case .linkInfo(let info):
                (kind, slaveKind) = Link.kind(from: info)
                for case .slaveData(let port) in info where slaveKind == "bridge" {
                    neighSuppress = try BridgePortState.neighSuppress(in: port, context: "IFLA_INFO_SLAVE_DATA")
                }
            default: break
            }
        }
        guard let name else {
            throw NetlinkDecodeError(.missingAttribute, "ifinfomsg", "link \(message.index) has no IFLA_IFNAME")
        }
        self.name = name
    }

    static func kind(from info: [LinkInfoAttribute]) -> (LinkKind, String?) {
        var kindName: String?
        var slave: String?
        var vxlan = VXLANInfo(vni: nil)
        for item in info {
            switch item {
            case .kind(let k): kindName = k
            case .slaveKind(let s): slave = s
            case .vxlanData(let attributes):
                for a in attributes {
                    switch a {
                    case .id(let v): vxlan.vni = v
                    case .local(let l), .local6(let l): vxlan.local = l
                    case .group(let g), .group6(let g): vxlan.group = g
                    case .learning(let b): vxlan.learning = b
                    case .port(let p): vxlan.port = p
                    case .link(let l): vxlan.underlayIndex = l == 0 ? nil : l
                    default: break
                    }
                }
            default: break
            }
        }
        switch kindName {
        case nil: return (.none, slave)
        case "bridge": return (.bridge, slave)
        case "vxlan": return (.vxlan(vxlan), slave)
        case let k?: return (.other(k), slave)
        }
    }
}
