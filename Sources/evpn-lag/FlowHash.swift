// Which member link a frame from the host leaves on: a hash of its layer 2 and layer 3 addresses over the
// members that have carrier, as a LAG's "layer2+3" transmit hash does, so one flow keeps one link (no
// reordering) and flows spread over both. Pure: tested without devices.

enum FlowHash {
    /// FNV-1a over destination and source MAC and, for IPv4 and IPv6, the source and destination address.
    ///
    /// Ethernet frame as read from the TAP (no VLAN tags here: the kernel has no 802.1Q devices):
    ///   dst MAC(6) src MAC(6) EtherType(2) payload
    ///   IPv4 payload: ... src(4) at offset 12, dst(4) at 16;  IPv6 payload: src(16) at 8, dst(16) at 24
    static func hash(_ frame: UnsafeRawBufferPointer) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ range: Range<Int>) {
            guard range.upperBound <= frame.count else { return }
            for index in range {
                value ^= UInt64(frame[index])
                value &*= 0x0000_0100_0000_01b3
            }
        }
        mix(0..<12)
        guard frame.count >= 14 else { return value }
        let etherType = UInt16(frame[12]) << 8 | UInt16(frame[13])
        switch etherType {
        case 0x0800: mix(26..<34)
        case 0x86dd: mix(22..<54)
        default: break
        }
        return value
    }

    /// The member (an index into `members`) the frame leaves on, or nil when no member has carrier.
    /// `active` lists the indexes of the members with carrier, in member order.
    static func member(for frame: UnsafeRawBufferPointer, active: [Int]) -> Int? {
        guard !active.isEmpty else { return nil }
        return active[Int(hash(frame) % UInt64(active.count))]
    }
}
