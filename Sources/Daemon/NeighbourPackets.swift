// The VTEP's packet socket (AF_PACKET, SOCK_RAW): it sends the gratuitous ARPs and unsolicited NAs the VTEP asks for
// (`.announce`, frames built in VTEP/Neighbours/NeighbourAnnouncement.swift) out of an SVI, and reads the ARP
// packets the SVIs receive from local hosts (`.arpObserved`): a host's gratuitous ARP for an address the SVI holds
// as a remote host's is how evpnd learns the address moved here (the kernel never overrides a `noarp` row).
// Confined to the engine queue like the rest of the runtime; non-blocking, read by a DispatchSourceRead.
//
// struct sockaddr_ll (linux/if_packet.h; Glibc's Swift module does not export it), 20 bytes:
//   sll_family u16 (0) | sll_protocol be16 (2) | sll_ifindex i32 (4) | sll_hatype u16 (8) | sll_pkttype u8 (10)
//   | sll_halen u8 (11) | sll_addr [8] (12)

import Dispatch
import Glibc
import VTEP

final class NeighbourPackets {
    static let afPacket: Int32 = 17           // AF_PACKET (linux/socket.h)
    static let ethPARP: UInt16 = 0x0806       // ETH_P_ARP (linux/if_ether.h)
    static let packetOutgoing: UInt8 = 4      // PACKET_OUTGOING (linux/if_packet.h)
    static let addressSize = 20

    let fd: Int32
    var source: DispatchSourceRead?

    init() throws(Errno) {
        fd = try syscall { socket(Self.afPacket, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                  Int32(Self.ethPARP.bigEndian)) }
    }

    deinit {
        source?.cancel()
        closeDescriptor(fd)
    }

    static func address(ifindex: Int32, protocol etherType: UInt16, destination: [UInt8]) -> [UInt8] {
        var a = [UInt8](repeating: 0, count: addressSize)
        a[0] = UInt8(afPacket & 0xff)
        a[2] = UInt8(etherType >> 8)
        a[3] = UInt8(etherType & 0xff)
        withUnsafeBytes(of: ifindex.littleEndian) { for (i, b) in $0.enumerated() { a[4 + i] = b } }
        a[11] = UInt8(min(destination.count, 8))
        for (i, b) in destination.prefix(8).enumerated() { a[12 + i] = b }
        return a
    }

    /// Sends one announcement's frame out of its SVI.
    func send(_ announcement: NeighbourAnnouncement) throws(Errno) {
        let frame = announcement.frame
        let address = Self.address(ifindex: announcement.svi, protocol: announcement.etherType, destination: announcement.destination.bytes)
        try syscall {
            frame.withUnsafeBytes { bytes in
                address.withUnsafeBytes { raw in
                    sendto(fd, bytes.baseAddress, bytes.count, 0, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self),
                           socklen_t(Self.addressSize))
                }
            }
        }
    }

    /// Every ARP received so far (not those this host sent), with the device it came in on.
    func receive(max: Int = 256) -> [(ifindex: Int32, arp: [UInt8])] {
        var out: [(Int32, [UInt8])] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        var address = [UInt8](repeating: 0, count: Self.addressSize)
        for _ in 0..<max {
            var length = socklen_t(Self.addressSize)
            let n = buffer.withUnsafeMutableBytes { bytes in
                address.withUnsafeMutableBytes { raw in
                    recvfrom(fd, bytes.baseAddress, bytes.count, 0, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), &length)
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            guard n > 14, address[10] != Self.packetOutgoing else { continue }
            let ifindex = Int32(littleEndian: address[4..<8].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
            out.append((ifindex, Array(buffer[14..<n])))
        }
        return out
    }
}

extension Runtime {
    /// Opens the packet socket beside the netlink sockets (VTEP mode). Without it (no CAP_NET_RAW) evpnd runs on,
    /// announcing nothing and learning moved addresses only from the kernel: said once in the log.
    func startNeighbourPackets() {
        assertOnQueue()
        guard let driver = vtep else { return }
        let packets: NeighbourPackets
        do {
            packets = try NeighbourPackets()
        } catch {
            logger.warning("VTEP: no packet socket (\(error)): moved addresses are not announced to local hosts")
            return
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: packets.fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readNeighbourPackets() }
        source.resume()
        packets.source = source
        driver.packets = packets
    }

    private func readNeighbourPackets() {
        guard let packets = vtep?.packets else { return }
        let frames = packets.receive()
        let observed = frames.compactMap { ObservedARP(svi: $0.ifindex, arp: $0.arp) }
        for arp in observed { logger.debug("VTEP: ARP from \(arp.ip) at \(arp.mac) on device \(arp.svi)") }
        if observed.count == 1 {
            driveVTEP(.arpObserved(observed[0]))
        } else if !observed.isEmpty {
            driveVTEP(.batch(observed.map { .arpObserved($0) }))
        }
    }

    func sendAnnouncement(_ announcement: NeighbourAnnouncement) {
        guard let packets = vtep?.packets else { return }
        do {
            try packets.send(announcement)
        } catch {
            logger.warning("VTEP: cannot send \(announcement): \(error)")
        }
    }
}
