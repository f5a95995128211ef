// This namespace's interface addresses (getifaddrs(3)), read in one place for everything that asks: "is this
// neighbor our own address" (config load), "is this peer on a connected subnet" (single-hop eBGP, BFD single
// hop or multihop), and `redistribute connected`'s subnets. Read when asked: a few dozen addresses.

import BGPWire
import Glibc

extension Sockets {
    /// Each interface address with its prefix length (from its netmask).
    static func interfaceAddresses() -> [(address: IPAddress, length: UInt8)] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var result: [(address: IPAddress, length: UInt8)] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let sa = entry.pointee.ifa_addr, let address = ipAddress(sa) else { continue }
            let length = entry.pointee.ifa_netmask.flatMap(ipAddress).map { $0.bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
            result.append((address, UInt8(length ?? address.bitLength)))
        }
        return result
    }

    /// This machine's addresses (every interface), for the "neighbor is our own address" check.
    static func localInterfaceAddresses() -> Set<IPAddress> { Set(interfaceAddresses().map(\.address)) }

    /// The subnets of this machine's interfaces.
    static func connectedPrefixes() -> [IPPrefix] { interfaceAddresses().map { IPPrefix(address: $0.address, length: $0.length) } }

    /// The IPv4 or IPv6 address a `sockaddr` holds; nil for another family.
    static func ipAddress(_ sa: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                .v4(IPv4Address(rawValue: UInt32(bigEndian: $0.pointee.sin_addr.s_addr)))
            }
        case AF_INET6:
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                IPv6Address(bytes: withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }).map(IPAddress.v6)
            }
        default:
            return nil
        }
    }
}
