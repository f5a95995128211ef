// A bridge or VXLAN forwarding database entry (`bridge fdb` rows): an AF_BRIDGE neighbour.
//
// What FRR's zebra installs for EVPN, and what evpnd installs the same way:
//   remote MAC (type-2):  MAC dev vxlan100 dst REMOTE self extern_learn   (NTF_SELF|NTF_EXT_LEARNED, NDA_DST)
//                         MAC dev vxlan100 master extern_learn            (NTF_MASTER|NTF_EXT_LEARNED: the bridge row)
//   flood (type-3):       00:00:00:00:00:00 dev vxlan100 dst VTEP self permanent, appended once per remote VTEP

public struct FDBEntry: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var mac: EthernetAddress
    /// ndm_ifindex: the device (the VXLAN device for `self` rows, the bridge port for `master` rows).
    public var ifindex: Int32
    /// NDA_MASTER: the bridge, when the kernel reports it.
    public var master: UInt32?
    public var vlan: UInt16?
    /// NDA_DST: the remote VTEP of a VXLAN entry.
    public var destination: InetAddress?
    /// NDA_VNI: a remote VNI different from the device's.
    public var vni: UInt32?
    /// NDA_PORT: a UDP port different from the device's.
    public var port: UInt16?
    /// NDA_IFINDEX: the underlay device for the entry.
    public var viaIndex: UInt32?
    /// NDA_NH_ID: a nexthop group (a remote ES's VTEPs) the entry forwards to instead of one `destination`.
    public var nexthopID: UInt32?
    public var flags: NeighbourFlags
    public var state: NeighbourState
    public var extendedFlags: NeighbourExtendedFlags
    /// NDA_CACHEINFO, reported by the kernel, ignored in requests and in comparisons that matter (use `key`).
    public var cacheInfo: NeighbourCacheInfo?

    public init(
        mac: EthernetAddress, ifindex: Int32, master: UInt32? = nil, vlan: UInt16? = nil, destination: InetAddress? = nil,
        vni: UInt32? = nil, port: UInt16? = nil, viaIndex: UInt32? = nil, flags: NeighbourFlags = [.self],
        state: NeighbourState = .noARP, extendedFlags: NeighbourExtendedFlags = [], cacheInfo: NeighbourCacheInfo? = nil,
        nexthopID: UInt32? = nil
    ) {
        self.mac = mac
        self.ifindex = ifindex
        self.master = master
        self.vlan = vlan
        self.destination = destination
        self.vni = vni
        self.port = port
        self.viaIndex = viaIndex
        self.flags = flags
        self.state = state
        self.extendedFlags = extendedFlags
        self.cacheInfo = cacheInfo
        self.nexthopID = nexthopID
    }

    /// A remote MAC behind another VTEP: `MAC dev DEVICE dst VTEP self extern_learn`, as zebra installs it.
    public static func remoteMAC(_ mac: EthernetAddress, device: Int32, vtep: InetAddress, vlan: UInt16? = nil) -> FDBEntry {
        FDBEntry(mac: mac, ifindex: device, vlan: vlan, destination: vtep, flags: [.self, .extLearned], state: .reachable)
    }

    /// The bridge's row for a remote MAC: `MAC dev DEVICE master extern_learn`.
    public static func bridgeRow(_ mac: EthernetAddress, device: Int32, vlan: UInt16? = nil) -> FDBEntry {
        FDBEntry(mac: mac, ifindex: device, vlan: vlan, flags: [.master, .extLearned], state: .reachable)
    }

    /// A head-end replication entry for one remote VTEP of a VNI: `00:00:00:00:00:00 dev DEVICE dst VTEP self
    /// permanent`, added with `appendFDB` so each VTEP gets its own.
    public static func flood(device: Int32, vtep: InetAddress) -> FDBEntry {
        FDBEntry(mac: .zero, ifindex: device, destination: vtep, flags: [.self], state: .permanent)
    }

    public var isExternallyLearned: Bool { flags.contains(.extLearned) }

    /// A row of the bridge's own FDB. Requests address it with NTF_MASTER; the kernel reports it without NTF_SELF
    /// and with NDA_MASTER naming the bridge (it never sets NTF_MASTER in dumps or events).
    public var isBridgeRow: Bool { flags.contains(.master) || (master != nil && !flags.contains(.self)) }

    public var description: String {
        var s = "\(mac) dev \(ifindex)"
        if let vlan { s += " vlan \(vlan)" }
        if let destination { s += " dst \(destination)" }
        if let nexthopID { s += " nhid \(nexthopID)" }
        if let vni { s += " vni \(vni)" }
        if let port { s += " port \(port)" }
        if let master { s += " master \(master)" }
        if !flags.isEmpty { s += " " + flags.description }
        return s + " " + state.description
    }

    /// Reads an FDB entry out of an AF_BRIDGE neighbour message. Throws on a malformed attribute or a missing
    /// (or non-Ethernet) NDA_LLADDR.
    public init(_ message: NeighbourMessage) throws(NetlinkDecodeError) {
        var mac: EthernetAddress?
        self.mac = .zero
        self.ifindex = message.ifindex
        self.flags = message.flags
        self.state = message.state
        self.extendedFlags = []
        for attribute in try message.typedAttributes() {
            switch attribute {
            case .lladdr(let b):
                guard let m = EthernetAddress(bytes: b) else { throw AttributePayload.sizeError("NDA_LLADDR", b.count, "6") }
                mac = m
            case .dst(let d): destination = d
            case .master(let m): master = m
            case .vlan(let v): vlan = v
            case .vni(let v): vni = v
            case .port(let p): port = p
            case .ifindex(let i): viaIndex = i
            case .nexthopID(let n): nexthopID = n
            case .flagsExt(let f): extendedFlags = f
            case .cacheInfo(let c): cacheInfo = c
            default: break
            }
        }
        guard let mac else {
            throw NetlinkDecodeError(.missingAttribute, "ndmsg", "FDB entry on ifindex \(message.ifindex) has no NDA_LLADDR")
        }
        self.mac = mac
    }

    /// The neighbour message for a request about this entry (attributes in iproute2's order: LLADDR, DST, VLAN,
    /// NH_ID, PORT, VNI, IFINDEX, MASTER).
    public var message: NeighbourMessage {
        var attributes: [RawAttribute] = [NeighbourAttribute.lladdr(mac.bytes).raw]
        if let destination { attributes.append(NeighbourAttribute.dst(destination).raw) }
        if let vlan { attributes.append(NeighbourAttribute.vlan(vlan).raw) }
        if let nexthopID { attributes.append(NeighbourAttribute.nexthopID(nexthopID).raw) }
        if let port { attributes.append(NeighbourAttribute.port(port).raw) }
        if let vni { attributes.append(NeighbourAttribute.vni(vni).raw) }
        if let viaIndex { attributes.append(NeighbourAttribute.ifindex(viaIndex).raw) }
        if let master { attributes.append(NeighbourAttribute.master(master).raw) }
        if !extendedFlags.isEmpty { attributes.append(NeighbourAttribute.flagsExt(extendedFlags).raw) }
        return NeighbourMessage(family: .bridge, ifindex: ifindex, state: state, flags: flags, attributes: attributes)
    }
}
