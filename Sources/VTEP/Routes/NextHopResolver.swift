// Next-hop tracking (issue 15, Deliver 3): whether the kernel can reach a BGP next hop (a remote VTEP, a
// unicast route's next hop), by longest-prefix match over the kernel's main table as last seen, as FRR's
// zebra resolves for bgpd's NHT:
//   - the default route does not count (FRR without `ip nht resolve-via-default`): a VTEP reachable only
//     by a default route is as good as gone when its loopback route is withdrawn, which is the point;
//   - a route that is not a forwarding route (blackhole, unreachable, prohibit) does not count;
//   - evpnd's own route whose next hop is the address being resolved does not count (a route cannot make
//     its own next hop reachable), nor does one that covers its own next hop (10.0.2.0/24 via 10.0.2.1);
//     the match then falls to the next shorter prefix.
// The resolver is a plain index over the rows; VTEPState and the kernel routes ask it; nothing here does I/O.

import BGPWire

public struct NextHopResolver: Sendable {
    /// The kernel's main table rows by prefix (several at different metrics).
    private var rows: [IPPrefix: [KernelRouteEntry]] = [:]
    /// How many rows there are of each prefix length per family, so a lookup tries only lengths in use.
    private var lengths4: [Int] = Array(repeating: 0, count: 33)
    private var lengths6: [Int] = Array(repeating: 0, count: 129)

    public init() {}

    /// How a next hop resolved.
    public enum Resolution: Hashable, Sendable, CustomStringConvertible {
        /// Reachable through the kernel's route for this prefix.
        case reachable(via: IPPrefix)
        /// No route but the default (or none at all).
        case unreachable

        public var isReachable: Bool { if case .reachable = self { return true } else { return false } }

        public var description: String {
            switch self {
            case .reachable(let p): return "reachable via \(p)"
            case .unreachable: return "unreachable"
            }
        }
    }

    /// A full dump replaces everything.
    public mutating func replace(with dump: [KernelRouteEntry]) {
        rows = [:]
        connectedSubnets = []
        lengths4 = Array(repeating: 0, count: 33)
        lengths6 = Array(repeating: 0, count: 129)
        for entry in dump { add(entry) }
    }

    public mutating func add(_ entry: KernelRouteEntry) {
        var list = rows[entry.prefix, default: []]
        if let i = list.firstIndex(where: { $0.metric == entry.metric }) {
            list[i] = entry
        } else {
            list.append(entry)
            count(entry.prefix, +1)
        }
        rows[entry.prefix] = list
        if entry.protocol == KernelRouteProtocol.kernel || connectedSubnets.contains(entry.prefix) { noteConnected(entry.prefix) }
    }

    public mutating func remove(_ entry: KernelRouteEntry) {
        guard var list = rows[entry.prefix], let i = list.firstIndex(where: { $0.metric == entry.metric }) else { return }
        list.remove(at: i)
        count(entry.prefix, -1)
        rows[entry.prefix] = list.isEmpty ? nil : list
        if connectedSubnets.contains(entry.prefix) { noteConnected(entry.prefix) }
    }

    private mutating func count(_ prefix: IPPrefix, _ delta: Int) {
        let length = Int(prefix.length)
        if prefix.address.bitLength == 32 { lengths4[length] += delta } else { lengths6[length] += delta }
    }

    /// The longest-prefix match for `address` under the rules above.
    public func resolve(_ address: IPAddress) -> Resolution {
        let full = address.bitLength
        let counts = full == 32 ? lengths4 : lengths6
        var length = full
        while length > 0 {
            if counts[length] > 0 {
                let prefix = IPPrefix(address: address, length: UInt8(length)).masked
                if let list = rows[prefix], list.contains(where: { Self.resolves($0, address) }) {
                    return .reachable(via: prefix)
                }
            }
            length -= 1
        }
        return .unreachable
    }

    /// Whether `entry` can carry traffic to `address` (which it covers).
    static func resolves(_ entry: KernelRouteEntry, _ address: IPAddress) -> Bool {
        guard entry.type == KernelRouteEntry.unicast else { return false }
        if entry.protocol == KernelRouteProtocol.bgp && entry.metric == KernelRouteEntry.zebraMetric {
            // evpnd's own route: not through itself.
            for hop in entry.nextHops {
                guard let gateway = hop.gateway else { continue }
                if gateway == address || Self.contains(entry.prefix, gateway) { return false }
            }
        }
        return true
    }

    /// Whether `prefix` contains `address` (same family).
    public static func contains(_ prefix: IPPrefix, _ address: IPAddress) -> Bool {
        guard prefix.address.bitLength == address.bitLength else { return false }
        return IPPrefix(address: address, length: prefix.length).masked == prefix.masked
    }

    /// Connected subnets: proto kernel rows without a gateway (the kernel's route of each interface address).
    public private(set) var connectedSubnets: Set<IPPrefix> = []

    private mutating func noteConnected(_ prefix: IPPrefix) {
        let isConnected = rows[prefix]?.contains {
            $0.protocol == KernelRouteProtocol.kernel && $0.type == KernelRouteEntry.unicast && $0.nextHops.allSatisfy { $0.gateway == nil }
        } ?? false
        if isConnected { connectedSubnets.insert(prefix) } else { connectedSubnets.remove(prefix) }
    }
}
