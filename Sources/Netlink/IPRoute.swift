// A kernel route (`ip route` rows) read from and written as an rtmsg: the prefix, its table, metric and
// protocol, and its next hops (one from RTA_GATEWAY/RTA_VIA + RTA_OIF + rtm_flags, several from
// RTA_MULTIPATH, or a nexthop object by RTA_NH_ID).
//
// What FRR's zebra installs for a BGP route (zebra/rt_netlink.c `netlink_route_multipath_msg_encode`), and
// what evpnd installs the same way:
//   PREFIX via NH dev IF proto bgp metric 20                  (RTPROT_BGP 186, RTA_PRIORITY 20, NLM_F_CREATE|NLM_F_REPLACE)
//   PREFIX proto bgp metric 20 nexthop via A dev I nexthop via B dev J      (ECMP: RTA_MULTIPATH)
//   PREFIX via inet6 fe80::X dev IF proto bgp metric 20 onlink    (RFC 8950: RTA_VIA, RTNH_F_ONLINK)
// The kernel keys a route by (table, family, prefix, tos, metric); protocol and next hops are its content.

public struct IPRoute: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var destination: InetAddress
    public var prefixLength: UInt8
    public var table: UInt32
    public var `protocol`: RouteProtocol
    public var scope: RouteScope
    public var type: RouteType
    /// RTA_PRIORITY; nil when absent (metric 0).
    public var metric: UInt32?
    public var preferredSource: InetAddress?
    /// The route's next hops; one for a single-path route, none for a blackhole or a nexthop object.
    public var nextHops: [RouteNextHop]
    /// RTA_NH_ID: a nexthop object or group instead of `nextHops`.
    public var nextHopID: UInt32?
    public var tos: UInt8

    public init(destination: InetAddress, prefixLength: UInt8, table: UInt32 = RouteTable.main, protocol: RouteProtocol = .bgp,
                scope: RouteScope = .universe, type: RouteType = .unicast, metric: UInt32? = 20,
                preferredSource: InetAddress? = nil, nextHops: [RouteNextHop] = [], nextHopID: UInt32? = nil, tos: UInt8 = 0) {
        self.destination = destination
        self.prefixLength = prefixLength
        self.table = table
        self.protocol = `protocol`
        self.scope = scope
        self.type = type
        self.metric = metric
        self.preferredSource = preferredSource
        self.nextHops = nextHops
        self.nextHopID = nextHopID
        self.tos = tos
    }

    public var family: ProtocolFamily { destination.isIPv4 ? .inet : .inet6 }

    public var description: String {
        var s = "\(destination)/\(prefixLength)"
        if nextHops.count == 1 { s += " \(nextHops[0])" }
        if let nextHopID { s += " nhid \(nextHopID)" }
        if table != RouteTable.main { s += " table \(table)" }
        s += " proto \(`protocol`)"
        if let metric { s += " metric \(metric)" }
        if nextHops.count > 1 { s += nextHops.map { " nexthop \($0)" }.joined() }
        return s
    }

    /// Reads an AF_INET or AF_INET6 route message. Throws on a malformed attribute, a prefix length
    /// beyond the family's bits, or an RTA_DST of the wrong size.
    public init(_ message: RouteMessage) throws(NetlinkDecodeError) {
        guard message.family == .inet || message.family == .inet6 else {
            throw NetlinkDecodeError(.badAttributeValue, "rtmsg", "family \(message.family.rawValue) is not AF_INET or AF_INET6")
        }
        let bits = message.family == .inet ? 32 : 128
        guard Int(message.destinationLength) <= bits else {
            throw NetlinkDecodeError(.badAttributeValue, "rtmsg", "rtm_dst_len \(message.destinationLength) exceeds \(bits)")
        }
        var destination: InetAddress = message.family == .inet ? .v4(0) : .v6([UInt8](repeating: 0, count: 16))
        var table = UInt32(message.table)
        var metric: UInt32?
        var preferredSource: InetAddress?
        var gateway: InetAddress?
        var isVia = false
        var oif: Int32 = 0
        var multipath: [RouteNextHop]?
        var nextHopID: UInt32?
        for attribute in try message.typedAttributes() {
            switch attribute {
            case .dst(let a): destination = a
            case .gateway(let a): gateway = a
            case .via(let a): gateway = a; isVia = true
            case .oif(let i): oif = i
            case .priority(let p): metric = p
            case .prefsrc(let a): preferredSource = a
            case .table(let t): table = t
            case .nhID(let id): nextHopID = id
            case .multipath(let hops): multipath = hops
            case .other: break
            }
        }
        var hops: [RouteNextHop] = []
        if let multipath {
            hops = multipath
        } else if gateway != nil || oif != 0 {
            hops = [RouteNextHop(gateway: gateway, isVia: isVia, ifindex: oif,
                                 flags: RouteNextHopFlags(rawValue: UInt8(truncatingIfNeeded: message.flags)))]
        }
        self.init(destination: destination, prefixLength: message.destinationLength, table: table, protocol: message.protocol,
                  scope: message.scope, type: message.type, metric: metric, preferredSource: preferredSource,
                  nextHops: hops, nextHopID: nextHopID, tos: message.tos)
    }

    /// The message of an add or replace, attributes in iproute2's order (DST, GATEWAY, PRIORITY, VIA, OIF;
    /// or DST, PRIORITY, MULTIPATH), so a request equals `ip route replace`'s byte for byte. The table goes in
    /// rtm_table when it fits, in RTA_TABLE otherwise.
    public var message: RouteMessage {
        var m = header()
        m.type = type
        m.scope = scope
        var attributes: [RawAttribute] = []
        if prefixLength > 0 { attributes.append(RouteAttribute.dst(destination).raw) }
        if let preferredSource { attributes.append(RouteAttribute.prefsrc(preferredSource).raw) }
        if let nextHopID {
            if let metric { attributes.append(RouteAttribute.priority(metric).raw) }
            attributes.append(RouteAttribute.nhID(nextHopID).raw)
        } else if nextHops.count == 1 {
            let hop = nextHops[0]
            m.flags = UInt32(hop.flags.rawValue)
            if let g = hop.gateway, !hop.isVia { attributes.append(RouteAttribute.gateway(g).raw) }
            if let metric { attributes.append(RouteAttribute.priority(metric).raw) }
            if let g = hop.gateway, hop.isVia { attributes.append(RouteAttribute.via(g).raw) }
            if hop.ifindex != 0 { attributes.append(RouteAttribute.oif(hop.ifindex).raw) }
        } else {
            if let metric { attributes.append(RouteAttribute.priority(metric).raw) }
            if !nextHops.isEmpty { attributes.append(RouteAttribute.multipath(nextHops).raw) }
        }
        if table > 255 { attributes.append(RouteAttribute.table(table).raw) }
        m.attributes = attributes
        return m
    }

    /// rtmsg fields common to requests: family, prefix length, table, protocol.
    private func header() -> RouteMessage {
        RouteMessage(family: family, destinationLength: prefixLength, tos: tos, table: table > 255 ? 0 : UInt8(table),
                     protocol: `protocol`)
    }

    /// The message of a delete, as `ip route del PREFIX proto P metric M` sends it: the kernel removes the
    /// route at that key only if its protocol is P (rtm_scope RT_SCOPE_NOWHERE and rtm_type 0 match any),
    /// so a delete never takes another protocol's route.
    public var deleteMessage: RouteMessage {
        var m = header()
        m.scope = .nowhere
        var attributes: [RawAttribute] = []
        if prefixLength > 0 { attributes.append(RouteAttribute.dst(destination).raw) }
        if let metric { attributes.append(RouteAttribute.priority(metric).raw) }
        if table > 255 { attributes.append(RouteAttribute.table(table).raw) }
        m.attributes = attributes
        return m
    }
}

extension NetlinkRequest {
    /// `ip route add`: fails with EEXIST if a route has the key.
    public static func addRoute(_ route: IPRoute) -> NetlinkRequest {
        NetlinkRequest(type: .newRoute, flags: [.create, .exclusive], body: .route(route.message))
    }

    /// `ip route replace`: creates or overwrites (zebra's request).
    public static func replaceRoute(_ route: IPRoute) -> NetlinkRequest {
        NetlinkRequest(type: .newRoute, flags: [.create, .replace], body: .route(route.message))
    }

    /// `ip route del PREFIX proto P metric M`.
    public static func deleteRoute(_ route: IPRoute) -> NetlinkRequest {
        NetlinkRequest(type: .delRoute, flags: [], body: .route(route.deleteMessage))
    }

    /// A dump of one family's routes in `table` (`ip route show table T`): the kernel filters by RTA_TABLE.
    public static func dumpRoutes(family: ProtocolFamily, table: UInt32 = RouteTable.main) -> NetlinkRequest {
        NetlinkRequest(type: .getRoute, body: .route(RouteMessage(family: family, attributes: [RouteAttribute.table(table).raw])))
    }
}

extension NetlinkSocket {
    /// `ip route show table T` and `ip -6 route show table T`: the routes of both families in the table.
    /// Cached clones (IPv6's RTM_F_CLONED) are not asked for.
    public func dumpRoutes(table: UInt32 = RouteTable.main) throws(NetlinkError) -> [IPRoute] {
        var routes: [IPRoute] = []
        for family in [ProtocolFamily.inet, .inet6] {
            for reply in try dump(.dumpRoutes(family: family, table: table)) {
                guard reply.header.type == .newRoute, case .route(let r) = reply.payload, r.family == family else { continue }
                let route: IPRoute
                do { route = try IPRoute(r) } catch { throw NetlinkError.decode(error) }
                // The kernel filters by table only under NETLINK_GET_STRICT_CHK; check here too.
                if route.table == table { routes.append(route) }
            }
        }
        return routes
    }
}
