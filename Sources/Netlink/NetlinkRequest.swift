// A request ready to go into a batch: message type, modifier flags and body. The socket adds NLM_F_REQUEST,
// NLM_F_ACK, the sequence number and its port id when it encodes the batch.

public struct NetlinkRequest: Equatable, Hashable, Sendable {
    public enum Body: Equatable, Hashable, Sendable {
        case link(LinkMessage)
        case neighbour(NeighbourMessage)
        case fdb(FDBEntry)
        case nexthop(NexthopMessage)
        /// A payload encoded elsewhere.
        case bytes([UInt8])
    }

    public var type: NetlinkMessageType
    /// Modifiers (NLM_F_CREATE, NLM_F_REPLACE...); NLM_F_REQUEST and NLM_F_ACK are always added.
    public var flags: NetlinkFlags
    public var body: Body

    public init(type: NetlinkMessageType, flags: NetlinkFlags = [], body: Body) {
        self.type = type
        self.flags = flags
        self.body = body
    }

    /// `bridge fdb add`: fails with EEXIST if the entry exists.
    public static func addFDB(_ entry: FDBEntry) -> NetlinkRequest {
        NetlinkRequest(type: .newNeighbour, flags: [.create, .exclusive], body: .fdb(entry))
    }

    /// `bridge fdb replace`: creates or overwrites (what zebra uses for remote MACs; idempotent).
    public static func replaceFDB(_ entry: FDBEntry) -> NetlinkRequest {
        NetlinkRequest(type: .newNeighbour, flags: [.create, .replace], body: .fdb(entry))
    }

    /// `bridge fdb append`: adds one more destination to an entry (the 00:00:00:00:00:00 flood list).
    public static func appendFDB(_ entry: FDBEntry) -> NetlinkRequest {
        NetlinkRequest(type: .newNeighbour, flags: [.create, .append], body: .fdb(entry))
    }

    /// `bridge fdb del`: with a destination, removes only that destination of a VXLAN entry.
    public static func deleteFDB(_ entry: FDBEntry) -> NetlinkRequest {
        NetlinkRequest(type: .delNeighbour, flags: [], body: .fdb(entry))
    }

    /// Appends this request as one netlink message.
    public func encode(sequence: UInt32, portID: UInt32, extraFlags: NetlinkFlags = [.request, .ack], into out: inout [UInt8]) {
        let start = out.count
        NetlinkHeader(length: 0, type: type, flags: flags.union(extraFlags), sequence: sequence, portID: portID).encode(into: &out)
        switch body {
        case .link(let l): l.encode(into: &out)
        case .neighbour(let n): n.encode(into: &out)
        case .fdb(let e): e.encodeRequestBody(into: &out)
        case .nexthop(let n): n.encode(into: &out)
        case .bytes(let b): out.append(contentsOf: b)
        }
        let length = out.count - start
        out.setNetlink(UInt32(length), at: start)
        out.appendPadding(forLength: length)
    }
}

/// What became of one request of a batch.
public enum RequestOutcome: Equatable, Hashable, Sendable {
    case ok
    case failed(NetlinkRequestFailure)
    /// No acknowledgement arrived: it was lost to a receive-queue overrun (ENOBUFS) or the wait timed out. The
    /// request may or may not have taken effect; resync from a dump.
    case unanswered

    public var isOK: Bool { self == .ok }
}

extension FDBEntry {
    /// The ndmsg and attributes written straight into the buffer: the batch path's hot loop, equal byte for byte to
    /// `message.encode(into:)` (a test checks it) without the intermediate arrays.
    func encodeRequestBody(into out: inout [UInt8]) {
        out.append(ProtocolFamily.bridge.rawValue)
        out.append(0)
        out.appendNetlink(UInt16(0))
        out.appendNetlink(ifindex)
        out.appendNetlink(state.rawValue)
        out.append(flags.rawValue)
        out.append(0)
        // NDA_LLADDR: 4 + 6, padded to 12
        out.appendNetlink(UInt16(10)); out.appendNetlink(NeighbourAttributeType.lladdr.rawValue)
        let m = mac.value
        for shift in stride(from: 40, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: m >> UInt64(shift))) }
        out.append(0); out.append(0)
        if let destination {
            switch destination {
            case .v4(let v):
                out.appendNetlink(UInt16(8)); out.appendNetlink(NeighbourAttributeType.dst.rawValue)
                out.append(UInt8(truncatingIfNeeded: v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
                out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
            case .v6(let b):
                out.appendNetlink(UInt16(4 + b.count)); out.appendNetlink(NeighbourAttributeType.dst.rawValue)
                out.append(contentsOf: b)
                out.appendPadding(forLength: b.count)
            }
        }
        if let vlan {
            out.appendNetlink(UInt16(6)); out.appendNetlink(NeighbourAttributeType.vlan.rawValue)
            out.appendNetlink(vlan); out.append(0); out.append(0)
        }
        if let nexthopID {
            out.appendNetlink(UInt16(8)); out.appendNetlink(NeighbourAttributeType.nexthopID.rawValue); out.appendNetlink(nexthopID)
        }
        if let port {
            out.appendNetlink(UInt16(6)); out.appendNetlink(NeighbourAttributeType.port.rawValue)
            out.appendBigEndian(port); out.append(0); out.append(0)
        }
        if let vni {
            out.appendNetlink(UInt16(8)); out.appendNetlink(NeighbourAttributeType.vni.rawValue); out.appendNetlink(vni)
        }
        if let viaIndex {
            out.appendNetlink(UInt16(8)); out.appendNetlink(NeighbourAttributeType.ifindex.rawValue); out.appendNetlink(viaIndex)
        }
        if let master {
            out.appendNetlink(UInt16(8)); out.appendNetlink(NeighbourAttributeType.master.rawValue); out.appendNetlink(master)
        }
        if !extendedFlags.isEmpty {
            out.appendNetlink(UInt16(8)); out.appendNetlink(NeighbourAttributeType.flagsExt.rawValue)
            out.appendNetlink(extendedFlags.rawValue)
        }
    }
}
