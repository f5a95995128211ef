// zebra's static routes in FRR's dialect (the seed's router config holds `ip route 0.0.0.0/0 ...`):
//
//   ip route PREFIX NEXTHOP [IFNAME]        NEXTHOP an IPv4 address or an interface name
//   ipv6 route PREFIX NEXTHOP [IFNAME]      NEXTHOP an IPv6 address (a link-local one needs IFNAME) or an interface
//
// evpnd installs them as zebra does (proto static, metric 20; docs/OPERATIONS.md, "Kernel routes"). What
// zebra accepts beyond that (blackhole/reject/Null0, a distance, tag, label, table, vrf, nexthop-vrf, onlink)
// is refused with the word it stopped at, rather than half-applied.

import BGPWire

public struct StaticRoute: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// nil for an interface route.
    public var gateway: IPAddress?
    public var interface: String?
    public var location: SourceLocation

    public init(prefix: IPPrefix, gateway: IPAddress?, interface: String?, location: SourceLocation) {
        self.prefix = prefix
        self.gateway = gateway
        self.interface = interface
        self.location = location
    }

    public var description: String {
        "\(prefix.address.bitLength == 32 ? "ip" : "ipv6") route \(prefix)" + (gateway.map { " \($0)" } ?? "")
            + (interface.map { " \($0)" } ?? "")
    }
}

extension Parser {
    /// `ip route ...` / `ipv6 route ...` at the config node.
    mutating func staticRouteCommand(_ words: [Word]) throws(CommandError) -> Outcome {
        let isV6 = words[0].text == "ipv6"
        guard words.count >= 3 else { throw CommandError(message: "'\(words[0].text) route' needs a prefix", word: words[1]) }
        let prefix = try parsePrefix(words[2])
        guard (prefix.address.bitLength == 128) == isV6 else {
            throw CommandError(message: isV6 ? "not an IPv6 prefix" : "not an IPv4 prefix", word: words[2])
        }
        guard words.count >= 4 else { throw CommandError(message: "a static route needs a next hop or an interface", word: words[2]) }
        var gateway: IPAddress?
        var interface: String?
        let hop = words[3]
        if let address = IPAddress(hop.text) {
            guard (address.bitLength == 128) == isV6 else {
                throw CommandError(message: isV6 ? "not an IPv6 next hop" : "not an IPv4 next hop", word: hop)
            }
            gateway = address
        } else if ["blackhole", "reject", "Null0"].contains(hop.text) {
            throw CommandError(message: "\(hop.text) routes are not supported", word: hop)
        } else if Self.isInterfaceName(hop.text) {
            interface = hop.text
        } else {
            throw CommandError(message: "bad next hop (an address or an interface name)", word: hop)
        }
        if words.count >= 5 {
            guard gateway != nil, Self.isInterfaceName(words[4].text), Int(words[4].text) == nil else {
                throw CommandError(message: "unexpected word (only PREFIX NEXTHOP [IFNAME] is supported)", word: words[4])
            }
            interface = words[4].text
        }
        if words.count > 5 {
            throw CommandError(message: "unexpected word (only PREFIX NEXTHOP [IFNAME] is supported)", word: words[5])
        }
        if let gateway, case .v6 = gateway, gateway.bytes[0] == 0xfe, gateway.bytes[1] & 0xc0 == 0x80, interface == nil {
            throw CommandError(message: "a link-local next hop needs an interface", word: hop)
        }
        let route = StaticRoute(prefix: prefix, gateway: gateway, interface: interface, location: location(words[0].column))
        if staticRoutes.contains(where: { $0.prefix == route.prefix && $0.gateway == route.gateway && $0.interface == route.interface }) {
            warning("the same static route twice", words[0])
        } else {
            staticRoutes.append(route)
        }
        return .done
    }

    /// Linux interface names: 1 to 15 bytes, no '/', no whitespace (dev_valid_name).
    static func isInterfaceName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 15 && !text.contains("/") && text != "." && text != ".."
    }
}
