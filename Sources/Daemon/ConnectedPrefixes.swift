// The subnets of this namespace's interface addresses (getifaddrs(3)): what "on a connected subnet" means when
// BFD picks single hop or multihop for a neighbor (BFDPlan.swift). Read when the plan is made; an address
// added later counts from the next reload.

import BGPWire
import Glibc

enum ConnectedPrefixes {
    static func current() -> [IPPrefix] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var prefixes: [IPPrefix] = []
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            guard let address = current.pointee.ifa_addr, let mask = current.pointee.ifa_netmask,
                  let ip = Self.address(address), let netmask = Self.address(mask) else { continue }
            let length = netmask.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
            prefixes.append(IPPrefix(address: ip, length: UInt8(length)))
        }
        return prefixes
    }

    private static func address(_ pointer: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                .v4(IPv4Address(rawValue: UInt32(bigEndian: $0.pointee.sin_addr.s_addr)))
            }
        case AF_INET6:
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                IPv6Address(bytes: withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }).map(IPAddress.v6)
            }
        default:
            return nil
        }
    }
}
