// An IPv4 (ARP) or IPv6 (ND) neighbour (`ip neigh` rows): an AF_INET or AF_INET6 neighbour message.
//
//   ndmsg: family(1: AF_INET 2 | AF_INET6 10) pad(3) ifindex(4) state(2, NUD_*) flags(1, NTF_*) type(1, RTN_*)
//   NDA_DST (4 or 16 octets, the address), NDA_LLADDR (6 octets; absent while INCOMPLETE or FAILED),
//   NDA_CACHEINFO and NDA_PROBES reported by the kernel.
//
// What FRR's zebra installs for a remote MAC+IP on an SVI (zebra/rt_netlink.c
// `netlink_neigh_update_msg_encode`), and what evpnd installs the same way:
//   IP lladdr MAC dev SVI nud noarp extern_learn [router]   (NUD_NOARP, NTF_EXT_LEARNED [| NTF_ROUTER])

public struct IPNeighbour: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// NDA_DST.
    public var address: InetAddress
    /// NDA_LLADDR, when the kernel has one.
    public var mac: EthernetAddress?
    public var ifindex: Int32
    public var state: NeighbourState
    public var flags: NeighbourFlags
    /// NDA_CACHEINFO, reported by the kernel, never sent.
    public var cacheInfo: NeighbourCacheInfo?

    public init(address: InetAddress, mac: EthernetAddress?, ifindex: Int32, state: NeighbourState = .noARP,
                flags: NeighbourFlags = [.extLearned], cacheInfo: NeighbourCacheInfo? = nil) {
        self.address = address
        self.mac = mac
        self.ifindex = ifindex
        self.state = state
        self.flags = flags
        self.cacheInfo = cacheInfo
    }

    public var family: ProtocolFamily {
        if case .v4 = address { return .inet }
        return .inet6
    }

    public var description: String {
        var s = "\(address) dev \(ifindex)"
        if let mac { s += " lladdr \(mac)" }
        if !flags.isEmpty { s += " " + flags.description }
        return s + " " + state.description
    }

    /// Reads an AF_INET or AF_INET6 neighbour message. Throws on a malformed attribute and on a missing NDA_DST
    /// or one of the wrong size for the family.
    public init(_ message: NeighbourMessage) throws(NetlinkDecodeError) {
        guard message.family == .inet || message.family == .inet6 else {
            throw NetlinkDecodeError(.badAttributeValue, "ndmsg", "family \(message.family.rawValue) is not AF_INET or AF_INET6")
        }
        var address: InetAddress?
        var mac: EthernetAddress?
        var cacheInfo: NeighbourCacheInfo?
        for attribute in try message.typedAttributes() {
            switch attribute {
            case .dst(let d): address = d
            case .lladdr(let b):
                // Not Ethernet (a tunnel's 4-octet or an InfiniBand 20-octet address): not a host behind a
                // bridge, so read as no MAC rather than refused (a refusal would resync everything).
                mac = EthernetAddress(bytes: b)
            case .cacheInfo(let c): cacheInfo = c
            default: break
            }
        }
        guard let address else {
            throw NetlinkDecodeError(.missingAttribute, "ndmsg", "neighbour on ifindex \(message.ifindex) has no NDA_DST")
        }
        let expected: ProtocolFamily
        if case .v4 = address { expected = .inet } else { expected = .inet6 }
        guard expected == message.family else {
            throw NetlinkDecodeError(.badAttributeValue, "NDA_DST", "\(address) in a message of family \(message.family.rawValue)")
        }
        self.init(address: address, mac: mac, ifindex: message.ifindex, state: message.state, flags: message.flags,
                  cacheInfo: cacheInfo)
    }

    /// The neighbour message for a request (attributes in iproute2's order: DST, LLADDR).
    public var message: NeighbourMessage {
        var attributes: [RawAttribute] = [NeighbourAttribute.dst(address).raw]
        if let mac { attributes.append(NeighbourAttribute.lladdr(mac.bytes).raw) }
        // ndm_type 0, as iproute2 sends it (the kernel fills RTN_UNICAST in what it reports).
        return NeighbourMessage(family: family, ifindex: ifindex, state: state, flags: flags, attributes: attributes)
    }
}

extension NetlinkRequest {
    /// `ip neigh add`: fails with EEXIST if the address has an entry on the device.
    public static func addNeighbour(_ neighbour: IPNeighbour) -> NetlinkRequest {
        NetlinkRequest(type: .newNeighbour, flags: [.create, .exclusive], body: .neighbour(neighbour.message))
    }

    /// `ip neigh replace`: creates or overwrites (zebra's request for a remote MAC+IP).
    public static func replaceNeighbour(_ neighbour: IPNeighbour) -> NetlinkRequest {
        NetlinkRequest(type: .newNeighbour, flags: [.create, .replace], body: .neighbour(neighbour.message))
    }

    /// `ip neigh del IP dev DEVICE`: the address alone, with iproute2's state (NUD_PERMANENT) and no flags; the
    /// kernel reads only the device and the address.
    public static func deleteNeighbour(_ neighbour: IPNeighbour) -> NetlinkRequest {
        var request = neighbour.message
        request.attributes = [NeighbourAttribute.dst(neighbour.address).raw]
        request.state = .permanent
        request.flags = []
        return NetlinkRequest(type: .delNeighbour, flags: [], body: .neighbour(request))
    }
}

extension NetlinkSocket {
    /// `ip neigh show` for both families (each dumped on its own: an AF_UNSPEC dump would bring the FDB too).
    public func dumpIPNeighbours() throws(NetlinkError) -> [IPNeighbour] {
        var neighbours: [IPNeighbour] = []
        for family in [ProtocolFamily.inet, .inet6] {
            for reply in try dump(NetlinkRequest(type: .getNeighbour, body: .neighbour(NeighbourMessage(family: family)))) {
                guard reply.header.type == .newNeighbour, case .neighbour(let n) = reply.payload, n.family == family else { continue }
                do { neighbours.append(try IPNeighbour(n)) } catch { throw NetlinkError.decode(error) }
            }
        }
        return neighbours
    }
}
