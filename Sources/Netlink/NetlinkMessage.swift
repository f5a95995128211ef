// One netlink message: header and a payload decoded by message type. A receive buffer holds several messages,
// each starting at the aligned end of the previous one; `decodeAll` splits and decodes them all or reports the
// first malformed one with its offset.

public enum NetlinkPayload: Equatable, Hashable, Sendable {
    case error(NetlinkErrorMessage)
    case done(NetlinkDoneMessage)
    case link(LinkMessage)
    case neighbour(NeighbourMessage)
    case nexthop(NexthopMessage)
    /// NLMSG_NOOP, NLMSG_OVERRUN and every type this module does not decode, as bytes.
    case other([UInt8])
}

public struct NetlinkMessage: Equatable, Hashable, Sendable {
    public var header: NetlinkHeader
    public var payload: NetlinkPayload

    public init(header: NetlinkHeader, payload: NetlinkPayload) {
        self.header = header
        self.payload = payload
    }

    /// Decodes every message in `bytes` (one datagram as the kernel delivered it, or a request batch).
    public static func decodeAll(_ bytes: [UInt8]) throws(NetlinkDecodeError) -> [NetlinkMessage] {
        var reader = NetlinkReader(bytes)
        var messages: [NetlinkMessage] = []
        while !reader.isAtEnd {
            messages.append(try decode(&reader))
        }
        return messages
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> NetlinkMessage {
        let start = reader.offset
        let header = try NetlinkHeader.decode(&reader)
        let length = Int(header.length)
        guard length >= NetlinkHeader.size, length - NetlinkHeader.size <= reader.remaining else {
            throw NetlinkDecodeError(
                .badMessageLength, "nlmsghdr",
                "nlmsg_len \(length) with \(reader.remaining + NetlinkHeader.size) bytes left (type \(header.type))",
                offset: start)
        }
        var body = try reader.bounded(length - NetlinkHeader.size, "nlmsghdr")
        reader.skipPadding(NetlinkAlignment.padding(length))
        let payload: NetlinkPayload
        switch header.type {
        case .error: payload = .error(try NetlinkErrorMessage.decode(&body, flags: header.flags))
        case .done: payload = .done(try NetlinkDoneMessage.decode(&body))
        case let t where t.isLinkMessage: payload = .link(try LinkMessage.decode(&body))
        case let t where t.isNeighbourMessage: payload = .neighbour(try NeighbourMessage.decode(&body))
        case let t where t.isNexthopMessage: payload = .nexthop(try NexthopMessage.decode(&body))
        default: payload = .other(body.readRest())
        }
        return NetlinkMessage(header: header, payload: payload)
    }

    /// Appends the message, with `nlmsg_len` computed from the payload and padding to the next boundary.
    public func encode(into out: inout [UInt8]) {
        let start = out.count
        var header = self.header
        header.length = 0
        header.encode(into: &out)
        switch payload {
        case .error(let e): e.encode(into: &out)
        case .done(let d): d.encode(into: &out)
        case .link(let l): l.encode(into: &out)
        case .neighbour(let n): n.encode(into: &out)
        case .nexthop(let n): n.encode(into: &out)
        case .other(let b): out.append(contentsOf: b)
        }
        let length = out.count - start
        out.setNetlink(UInt32(length), at: start)
        out.appendPadding(forLength: length)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }
}
