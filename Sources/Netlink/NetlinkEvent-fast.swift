// The event reader's fast path for FDB notifications. A VTEP installing 100,000 remote MACs reads 200,000
// of them (the kernel echoes every row it adds or deletes), and decoding each through NetlinkMessage ->
// NeighbourMessage -> [RawAttribute] -> [NeighbourAttribute] -> FDBEntry allocated an array per attribute:
// a fifth of evpnd's instructions in that install (callgrind, scripts/bench.d/vtep). This reads the same
// fields straight from the datagram and gives the same FDBEntry; anything it does not expect exactly (a
// size, a truncated attribute, another message type) goes to the typed decoder, which keeps the errors.
//
//   nlmsghdr: len(4) type(2) flags(2) seq(4) pid(4)
//   ndmsg:    family(1) pad1(1) pad2(2) ifindex(4) state(2) flags(1) type(1)
//   rtattr:   len(2) type(2) payload, each padded to 4

extension NetlinkEvent {
    /// The events of one datagram: FDB notifications read directly, every other message (and any
    /// datagram the fast reader does not fully understand) through `NetlinkMessage.decodeAll`. Acks and
    /// NLMSG_DONE are dropped, as the event reader always did.
    static func decodeDatagram(_ bytes: [UInt8]) -> [NetlinkEvent] {
        var events: [NetlinkEvent] = []
        bytes.withUnsafeBytes { decodeDatagram($0, into: &events) }
        return events
    }

    /// `decodeDatagram` on bytes in place, appending to `events` (the event reader's batch).
    static func decodeDatagram(_ raw: UnsafeRawBufferPointer, into events: inout [NetlinkEvent]) {
        let before = events.count
        var offset = 0
        var understood = true
        while offset < raw.count {
            guard raw.count - offset >= NetlinkHeader.size else { understood = false; break }
            let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            guard length >= NetlinkHeader.size, length <= raw.count - offset else { understood = false; break }
            let type = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self).littleEndian
            let body = UnsafeRawBufferPointer(rebasing: raw[(offset + NetlinkHeader.size)..<(offset + length)])
            guard type == NetlinkMessageType.newNeighbour.rawValue || type == NetlinkMessageType.delNeighbour.rawValue,
                  let entry = FDBEntry.decodeNotification(body) else { understood = false; break }
            events.append(type == NetlinkMessageType.newNeighbour.rawValue ? .newFDB(entry) : .deletedFDB(entry))
            offset += NetlinkAlignment.align(length)
        }
        if understood { return }
        events.removeSubrange(before...)
        do {
            events += try NetlinkMessage.decodeAll(Array(raw))
                .filter { $0.header.type != .error && $0.header.type != .done }
                .map(NetlinkEvent.init)
        } catch {
            events.append(.malformed(error))
        }
    }
}

extension FDBEntry {
    /// An AF_BRIDGE neighbour message body as `FDBEntry(NeighbourMessage)` would read it, or nil when the
    /// typed decoder has to look (not AF_BRIDGE, a size it would reject, a malformed attribute list).
    static func decodeNotification(_ body: UnsafeRawBufferPointer) -> FDBEntry? {
        guard body.count >= 12, body[0] == ProtocolFamily.bridge.rawValue else { return nil }
        func u16(_ at: Int) -> UInt16 { body.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian }
        func u32(_ at: Int) -> UInt32 { body.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian }
        var entry = FDBEntry(mac: .zero, ifindex: Int32(bitPattern: u32(4)), flags: NeighbourFlags(rawValue: body[10]),
                             state: NeighbourState(rawValue: u16(8)))
        var mac: EthernetAddress?
        var offset = 12
        while offset < body.count {
            guard body.count - offset >= 4 else { return nil }
            let length = Int(u16(offset))
            let type = u16(offset + 2) & AttributeTypeBits.typeMask
            guard length >= 4, length - 4 <= body.count - offset - 4 else { return nil }
            let p = offset + 4
            let size = length - 4
            switch NeighbourAttributeType(type) {
            case .lladdr:
                guard size == 6 else { return nil }  // the typed path throws for a non-Ethernet address
                var v: UInt64 = 0
                for i in 0..<6 { v = v << 8 | UInt64(body[p + i]) }
                mac = EthernetAddress(value: v)
            case .dst:
                switch size {
                case 4: entry.destination = .v4(UInt32(body[p]) << 24 | UInt32(body[p + 1]) << 16 | UInt32(body[p + 2]) << 8 | UInt32(body[p + 3]))
                case 16: entry.destination = .v6(Array(UnsafeRawBufferPointer(rebasing: body[p..<(p + 16)])))
                default: return nil
                }
            case .master:
                guard size == 4 else { return nil }
                entry.master = u32(p)
            case .vlan:
                guard size == 2 else { return nil }
                entry.vlan = u16(p)
            case .vni:
                guard size == 4 else { return nil }
                entry.vni = u32(p)
            case .port:
                guard size == 2 else { return nil }
                entry.port = UInt16(body[p]) << 8 | UInt16(body[p + 1])
            case .ifindex:
                guard size == 4 else { return nil }
                entry.viaIndex = u32(p)
            case .nexthopID:
                guard size == 4 else { return nil }
                entry.nexthopID = u32(p)
            case .flagsExt:
                guard size == 4 else { return nil }
                entry.extendedFlags = NeighbourExtendedFlags(rawValue: u32(p))
            case .cacheInfo:
                guard size == 16 else { return nil }
                entry.cacheInfo = NeighbourCacheInfo(confirmed: u32(p), used: u32(p + 4), updated: u32(p + 8), refcount: u32(p + 12))
            case .srcVNI:
                guard size == 4 else { return nil }  // checked by the typed path, not kept in an FDBEntry
            default:
                break
            }
            // The last attribute's padding may be cut off, as the typed reader allows.
            offset += min(NetlinkAlignment.align(length), body.count - offset)
        }
        guard let mac else { return nil }
        entry.mac = mac
        return entry
    }
}
