// Netlink's routes to the kernel-route reducer's plain values and back (VTEP/Routes has no Netlink).

import BGPWire
import Config
import Netlink
import VTEP

extension KernelRouteEntry {
    /// nil for a route of another family or one with an address the reducer cannot hold (none from the decoder).
    init?(_ route: IPRoute) {
        guard let address = IPAddress(route.destination) else { return nil }
        let hops = route.nextHops.map { hop in
            KernelNextHop(gateway: hop.gateway.flatMap(IPAddress.init), ifindex: hop.ifindex, onlink: hop.flags.contains(.onlink))
        }
        self.init(prefix: IPPrefix(address: address, length: route.prefixLength), metric: route.metric ?? 0,
                  protocol: route.protocol.rawValue, type: route.type.rawValue, nextHops: hops)
    }
}

extension IPRoute {
    /// The request form of a row evpnd installs: table main; a next hop of the other family goes as RTA_VIA
    /// (RFC 8950); a route without a gateway is a device route (scope link).
    init(request entry: KernelRouteEntry) {
        let isV4 = entry.prefix.address.bitLength == 32
        let hops = entry.nextHops.map { hop in
            RouteNextHop(gateway: hop.gateway.map(InetAddress.init), isVia: hop.gateway.map { ($0.bitLength == 32) != isV4 } ?? false,
                         ifindex: hop.ifindex, flags: hop.onlink ? .onlink : [])
        }
        let scope: RouteScope = entry.nextHops.allSatisfy { $0.gateway == nil } ? .link : .universe
        self.init(destination: InetAddress(entry.prefix.address), prefixLength: entry.prefix.length, table: RouteTable.main,
                  protocol: RouteProtocol(entry.protocol), scope: scope, type: RouteType(entry.type), metric: entry.metric,
                  nextHops: hops)
    }
}

extension NetlinkRequest {
    /// The request for one route operation: replace as zebra does (NLM_F_CREATE|NLM_F_REPLACE) for a
    /// replace; an add is exclusive, so EEXIST tells the reconciler its model missed a row.
    init(_ operation: KernelRouteOperation) {
        switch operation {
        case .add(let e): self = .addRoute(IPRoute(request: e))
        case .replace(let e), .append(let e): self = .replaceRoute(IPRoute(request: e))
        case .delete(let e): self = .deleteRoute(IPRoute(request: e))
        }
    }
}

extension StaticRouteConfig {
    init(_ route: StaticRoute) {
        self.init(prefix: route.prefix, gateway: route.gateway, interface: route.interface)
    }
}
