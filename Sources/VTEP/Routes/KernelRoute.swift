// A kernel route as the I/O-free side sees it: plain values, no Netlink (the daemon maps Netlink's
// IPRoute to and from these, KernelMapping+Routes.swift). What evpnd installs is what zebra installs:
// table main, metric 20, protocol bgp (186) for BGP routes and static (4) for `ip route` lines.

import BGPWire

/// One next hop of a kernel route.
public struct KernelNextHop: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// nil for a device route (`ip route PREFIX IFNAME`).
    public var gateway: IPAddress?
    /// 0 when the kernel is to find the device from the gateway.
    public var ifindex: Int32
    /// RTNH_F_ONLINK: the gateway is on the device whatever its addresses say (an IPv6 link-local next hop
    /// of an IPv4 route, RFC 8950).
    public var onlink: Bool

    public init(gateway: IPAddress?, ifindex: Int32 = 0, onlink: Bool = false) {
        self.gateway = gateway
        self.ifindex = ifindex
        self.onlink = onlink
    }

    public var description: String {
        var s = gateway.map { "via \($0)" } ?? ""
        if ifindex != 0 { s += (s.isEmpty ? "" : " ") + "dev \(ifindex)" }
        if onlink { s += " onlink" }
        return s
    }

    public static func < (a: Self, b: Self) -> Bool {
        switch (a.gateway, b.gateway) {
        case (nil, .some): return true
        case (.some, nil): return false
        case (let x?, let y?) where x != y: return x < y
        default: break
        }
        if a.ifindex != b.ifindex { return a.ifindex < b.ifindex }
        return !a.onlink && b.onlink
    }
}

/// RTPROT_* values evpnd writes or reads (include/uapi/linux/rtnetlink.h).
public enum KernelRouteProtocol {
    public static let kernel: UInt8 = 2
    public static let boot: UInt8 = 3
    /// zebra's static routes.
    public static let `static`: UInt8 = 4
    /// RTPROT_BGP.
    public static let bgp: UInt8 = 186
}

/// A route in the kernel's main table, as dumped or notified.
public struct KernelRouteEntry: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var metric: UInt32
    public var `protocol`: UInt8
    /// RTN_UNICAST (1) for a forwarding route; local, broadcast, blackhole... otherwise.
    public var type: UInt8
    /// Sorted, so two rows with the same next hops in another order are equal.
    public var nextHops: [KernelNextHop]

    public static let unicast: UInt8 = 1
    /// zebra's metric for the routes it installs.
    public static let zebraMetric: UInt32 = 20

    public init(prefix: IPPrefix, metric: UInt32 = zebraMetric, protocol: UInt8 = KernelRouteProtocol.bgp,
                type: UInt8 = unicast, nextHops: [KernelNextHop]) {
        self.prefix = prefix.masked
        self.metric = metric
        self.protocol = `protocol`
        self.type = type
        self.nextHops = nextHops.sorted()
    }

    public var description: String {
        var s = "\(prefix)"
        if nextHops.count == 1 { s += " \(nextHops[0])" }
        s += " proto \(`protocol` == KernelRouteProtocol.bgp ? "bgp" : `protocol` == KernelRouteProtocol.static ? "static" : "\(`protocol`)")"
        s += " metric \(metric)"
        if nextHops.count > 1 { s += nextHops.map { " nexthop \($0)" }.joined() }
        return s
    }
}

/// Where a route sits in the kernel's main table: the kernel keys a route by prefix and metric (and tos,
/// which evpnd never sets).
public struct KernelRouteKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var metric: UInt32

    public init(prefix: IPPrefix, metric: UInt32 = KernelRouteEntry.zebraMetric) {
        self.prefix = prefix.masked
        self.metric = metric
    }

    public var description: String { "\(prefix) metric \(metric)" }

    public static func < (a: Self, b: Self) -> Bool {
        (a.prefix.address, a.prefix.length, a.metric) < (b.prefix.address, b.prefix.length, b.metric)
    }
}
