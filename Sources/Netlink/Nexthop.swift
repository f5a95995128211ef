// A nexthop object (`ip nexthop` rows): an id the kernel's FDB and routes point at instead of carrying their own
// next hop. What FRR's zebra installs for EVPN multihoming (zebra_evpn_mh.c, kernel_netlink nexthop encode), and
// what evpnd installs the same way:
//   one per remote VTEP:   id N via VTEP fdb                  (AF_INET/6, NHA_ID, NHA_GATEWAY, NHA_FDB)
//   one per remote ES:     id G group N1/N2 fdb               (AF_UNSPEC, NHA_ID, NHA_GROUP, NHA_FDB)
//   a remote ES's MAC:     bridge fdb replace MAC dev vxlanX nhid G self extern_learn   (FDBEntry.nexthopID)
// The kernel takes only a group in NDA_NH_ID ("Nexthop is not a multipath group"), so even a one-switch ES gets
// a group. Unicast ECMP uses the same objects without NHA_FDB: `id N via GW dev IF` and `id G group N1/N2,W`.

public struct Nexthop: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// What the nexthop forwards to.
    public enum Target: Equatable, Hashable, Sendable {
        /// NHA_GATEWAY, with NHA_OIF when the nexthop names its device (an FDB nexthop never does).
        case gateway(InetAddress, device: UInt32?)
        /// NHA_OIF alone: a directly connected device.
        case device(UInt32)
        /// NHA_GROUP (NHA_GROUP_TYPE when not multipath).
        case group([NexthopGroupMember], type: NexthopGroupType)
        /// NHA_BLACKHOLE
        case blackhole
    }

    public var id: UInt32
    public var target: Target
    /// NHA_FDB: a nexthop for bridge FDB entries (VXLAN remote VTEPs), not for routes.
    public var isFDB: Bool
    public var `protocol`: NexthopProtocol
    public var flags: NexthopFlags
    /// nh_scope as the kernel reports it; ignored in requests.
    public var scope: UInt8

    public init(id: UInt32, target: Target, isFDB: Bool = false, protocol: NexthopProtocol = .unspecified,
                flags: NexthopFlags = [], scope: UInt8 = 0) {
        self.id = id
        self.target = target
        self.isFDB = isFDB
        self.protocol = `protocol`
        self.flags = flags
        self.scope = scope
    }

    /// `ip nexthop add id ID via VTEP fdb`: the nexthop of one remote VTEP.
    public static func fdbVTEP(id: UInt32, vtep: InetAddress, protocol: NexthopProtocol = .unspecified) -> Nexthop {
        Nexthop(id: id, target: .gateway(vtep, device: nil), isFDB: true, protocol: `protocol`)
    }

    /// `ip nexthop add id ID group M1/M2 fdb`: the nexthops of the VTEPs of one remote ES.
    public static func fdbGroup(id: UInt32, members: [UInt32], protocol: NexthopProtocol = .unspecified) -> Nexthop {
        Nexthop(id: id, target: .group(members.map { NexthopGroupMember(id: $0) }, type: .multipath), isFDB: true,
                protocol: `protocol`)
    }

    /// The gateway of a single nexthop, nil for a group, a device or a blackhole.
    public var gateway: InetAddress? {
        if case .gateway(let a, _) = target { return a }
        return nil
    }

    /// The members of a group, nil for a single nexthop.
    public var members: [NexthopGroupMember]? {
        if case .group(let m, _) = target { return m }
        return nil
    }

    public var isGroup: Bool { members != nil }

    /// nh_family: the gateway's for a single nexthop; AF_UNSPEC for a group; AF_INET for a blackhole or a
    /// device-only nexthop, as iproute2 sends them.
    public var family: ProtocolFamily {
        switch target {
        case .gateway(.v4, _): return .inet
        case .gateway(.v6, _): return .inet6
        case .group: return .unspecified
        case .device, .blackhole: return .inet
        }
    }

    public var description: String {
        var s = "id \(id)"
        switch target {
        case .gateway(let a, let device):
            s += " via \(a)"
            if let device { s += " dev \(device)" }
        case .device(let d): s += " dev \(d)"
        case .group(let members, let type):
            s += " group " + members.map(\.description).joined(separator: "/")
            if type != .multipath { s += " type \(type)" }
        case .blackhole: s += " blackhole"
        }
        if isFDB { s += " fdb" }
        if `protocol` != .unspecified { s += " proto \(`protocol`.rawValue)" }
        return s
    }

    /// Reads a nexthop message. Throws on a malformed attribute, a missing NHA_ID, and a message that says
    /// neither a gateway, a device, a group nor a blackhole.
    public init(_ message: NexthopMessage) throws(NetlinkDecodeError) {
        var id: UInt32?
        var gateway: InetAddress?
        var device: UInt32?
        var members: [NexthopGroupMember]?
        var groupType = NexthopGroupType.multipath
        var blackhole = false
        var fdb = false
        for attribute in try message.typedAttributes() {
            switch attribute {
            case .id(let v): id = v
            case .gateway(let a): gateway = a
            case .oif(let d): device = d
            case .group(let m): members = m
            case .groupType(let t): groupType = t
            case .blackhole: blackhole = true
            case .fdb: fdb = true
            default: break
            }
        }
        guard let id else { throw NetlinkDecodeError(.missingAttribute, "nhmsg", "nexthop without NHA_ID") }
        let target: Target
        if let members {
            target = .group(members, type: groupType)
        } else if blackhole {
            target = .blackhole
        } else if let gateway {
            target = .gateway(gateway, device: device)
        } else if let device {
            target = .device(device)
        } else {
            throw NetlinkDecodeError(.missingAttribute, "nhmsg", "nexthop \(id) has no NHA_GATEWAY, NHA_OIF, NHA_GROUP or NHA_BLACKHOLE")
        }
        self.init(id: id, target: target, isFDB: fdb, protocol: message.protocol, flags: message.flags, scope: message.scope)
    }

    /// The message for a request about this nexthop, attributes in iproute2's order (ID, GROUP, GROUP_TYPE,
    /// BLACKHOLE, GATEWAY, OIF, FDB), so evpnd's requests equal `ip nexthop`'s byte for byte.
    public var message: NexthopMessage {
        var attributes: [RawAttribute] = [NexthopAttribute.id(id).raw]
        switch target {
        case .group(let members, let type):
            attributes.append(NexthopAttribute.group(members).raw)
            if type != .multipath { attributes.append(NexthopAttribute.groupType(type).raw) }
        case .blackhole:
            attributes.append(NexthopAttribute.blackhole.raw)
        case .gateway(let a, let device):
            attributes.append(NexthopAttribute.gateway(a).raw)
            if let device { attributes.append(NexthopAttribute.oif(device).raw) }
        case .device(let d):
            attributes.append(NexthopAttribute.oif(d).raw)
        }
        if isFDB { attributes.append(NexthopAttribute.fdb.raw) }
        return NexthopMessage(family: family, protocol: `protocol`, flags: flags, attributes: attributes)
    }
}

extension NetlinkRequest {
    /// `ip nexthop add`: fails with EEXIST if the id is taken.
    public static func addNexthop(_ nexthop: Nexthop) -> NetlinkRequest {
        NetlinkRequest(type: .newNexthop, flags: [.create, .exclusive], body: .nexthop(nexthop.message))
    }

    /// `ip nexthop replace`: creates or overwrites in place. Replacing a group changes the forwarding of every FDB
    /// row and route that points at it at once: the one operation of a mass withdraw.
    public static func replaceNexthop(_ nexthop: Nexthop) -> NetlinkRequest {
        NetlinkRequest(type: .newNexthop, flags: [.create, .replace], body: .nexthop(nexthop.message))
    }

    /// `ip nexthop del id ID`: the id alone. Deleting a member takes it out of every group that holds it (the
    /// kernel reports those groups anew); deleting a group that FDB rows point at deletes those rows.
    public static func deleteNexthop(id: UInt32) -> NetlinkRequest {
        NetlinkRequest(type: .delNexthop, flags: [],
                       body: .nexthop(NexthopMessage(attributes: [NexthopAttribute.id(id).raw])))
    }
}

extension NetlinkSocket {
    /// `ip nexthop show` (`ip nexthop show fdb` with `fdbOnly`: the kernel filters on NHA_FDB).
    public func dumpNexthops(fdbOnly: Bool = false) throws(NetlinkError) -> [Nexthop] {
        var message = NexthopMessage()
        if fdbOnly { message.attributes.append(NexthopAttribute.fdb.raw) }
        var nexthops: [Nexthop] = []
        for reply in try dump(NetlinkRequest(type: .getNexthop, body: .nexthop(message))) {
            guard reply.header.type == .newNexthop, case .nexthop(let m) = reply.payload else { continue }
            do { nexthops.append(try Nexthop(m)) } catch { throw NetlinkError.decode(error) }
        }
        return nexthops
    }

    /// `ip nexthop get id ID`; nil if there is none.
    public func nexthop(id: UInt32) throws(NetlinkError) -> Nexthop? {
        let request = NetlinkRequest(type: .getNexthop, body: .nexthop(NexthopMessage(attributes: [NexthopAttribute.id(id).raw])))
        let replies: [NetlinkMessage]
        do {
            replies = try transact(request)
        } catch {
            if case .request(let f) = error, f.errno == .ENOENT { return nil }
            throw error
        }
        for reply in replies {
            guard case .nexthop(let m) = reply.payload else { continue }
            do { return try Nexthop(m) } catch { throw NetlinkError.decode(error) }
        }
        return nil
    }

    public func addNexthop(_ nexthop: Nexthop) throws(NetlinkError) { try performNexthop(.addNexthop(nexthop)) }
    public func replaceNexthop(_ nexthop: Nexthop) throws(NetlinkError) { try performNexthop(.replaceNexthop(nexthop)) }
    public func deleteNexthop(id: UInt32) throws(NetlinkError) { try performNexthop(.deleteNexthop(id: id)) }

    private func performNexthop(_ request: NetlinkRequest) throws(NetlinkError) {
        switch try perform([request])[0] {
        case .ok: return
        case .failed(let f): throw NetlinkError.request(f)
        case .unanswered: throw overrunPending ? NetlinkError.overrun : NetlinkError.timedOut
        }
    }
}
