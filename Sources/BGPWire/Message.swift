// BGP messages and their common header (RFC 4271 section 4.1).
//
// ```
//  Marker (16, all ones) | Length (2) | Type (1) | body (Length - 19)
// ```
// Length is 19..4096, or 19..65535 once both sides sent the Extended Message capability (RFC 8654);
// OPEN and KEEPALIVE stay within 4096 either way.

public struct BGPMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let open = BGPMessageType(rawValue: 1)
    public static let update = BGPMessageType(rawValue: 2)
    public static let notification = BGPMessageType(rawValue: 3)
    public static let keepalive = BGPMessageType(rawValue: 4)
    public static let routeRefresh = BGPMessageType(rawValue: 5)

    public var description: String {
        switch self {
        case .open: return "OPEN"
        case .update: return "UPDATE"
        case .notification: return "NOTIFICATION"
        case .keepalive: return "KEEPALIVE"
        case .routeRefresh: return "ROUTE-REFRESH"
        default: return "TYPE-\(rawValue)"
        }
    }
}

/// What both sides negotiated that changes how messages are read and written.
/// Codecs take it explicitly: the same bytes mean different things before and after OPEN.
public struct CodecContext: Hashable, Sendable {
    /// RFC 6793: AS numbers in AS_PATH and AGGREGATOR are four octets.
    public var fourOctetAS: Bool
    /// RFC 8654: messages other than OPEN and KEEPALIVE may be up to 65535 octets.
    public var extendedMessages: Bool
    /// RFC 7911: families whose NLRI carry a 4-octet path identifier in this direction.
    public var addPath: Set<AddressFamily>

    public init(fourOctetAS: Bool = true, extendedMessages: Bool = false, addPath: Set<AddressFamily> = []) {
        self.fourOctetAS = fourOctetAS
        self.extendedMessages = extendedMessages
        self.addPath = addPath
    }

    /// The context before any OPEN has been exchanged.
    public static let initial = CodecContext(fourOctetAS: false)

    public var maxMessageLength: Int { extendedMessages ? 65535 : 4096 }
}

public enum BGPMessageHeader {
    public static let length = 19
    public static let markerLength = 16
    public static let maxStandardLength = 4096

    /// A whole message: marker, length, type and body.
    public static func encode(type: BGPMessageType, body: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0xff, count: markerLength)
        let length = length + body.count
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(type.rawValue)
        out.append(contentsOf: body)
        return out
    }
}

public enum BGPMessage: Hashable, Sendable {
    case open(OpenMessage)
    case update(UpdateMessage)
    case notification(NotificationMessage)
    case keepalive
    case routeRefresh(RouteRefreshMessage)

    public var type: BGPMessageType {
        switch self {
        case .open: return .open
        case .update: return .update
        case .notification: return .notification
        case .keepalive: return .keepalive
        case .routeRefresh: return .routeRefresh
        }
    }

    /// Decodes one message body of the given type. For UPDATEs, RFC 7606 problems that do not end
    /// the session are reported in `UpdateMessage.problems`; only session-ending ones throw.
    public static func decode(type: BGPMessageType, body: [UInt8], context: CodecContext) throws(BGPError) -> BGPMessage {
        switch type {
        case .open:
            return .open(try OpenMessage(decoding: body))
        case .update:
            return .update(try UpdateMessage(decoding: body, context: context))
        case .notification:
            return .notification(try NotificationMessage(decoding: body))
        case .keepalive:
            guard body.isEmpty else {
                throw .reset(.badMessageLength, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                             data: lengthData(body.count), "KEEPALIVE with a \(body.count)-octet body")
            }
            return .keepalive
        case .routeRefresh:
            return .routeRefresh(try RouteRefreshMessage(decoding: body))
        default:
            throw .reset(.badMessageType, .messageHeader, NotificationSubcode.MessageHeader.badMessageType,
                         data: [type.rawValue], "unknown message type \(type.rawValue)")
        }
    }

    /// Decodes one whole message (header included); throws if `bytes` is not exactly one message.
    public static func decode(message bytes: [UInt8], context: CodecContext) throws(BGPError) -> BGPMessage {
        var framer = MessageFramer(context: context)
        framer.append(bytes)
        guard let frame = try framer.next() else {
            throw .reset(.badMessageLength, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                         data: lengthData(bytes.count), "incomplete message of \(bytes.count) octets")
        }
        guard framer.bufferedCount == 0 else {
            throw .reset(.badMessageLength, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                         data: lengthData(bytes.count), "\(framer.bufferedCount) octets after the message")
        }
        return try decode(type: frame.type, body: frame.body, context: context)
    }

    /// The whole message on the wire. Throws `encodingOverflow` if it would exceed the negotiated
    /// maximum length; an UPDATE builder splits its routes before that happens.
    public func encode(context: CodecContext) throws(BGPError) -> [UInt8] {
        var body = WireWriter(capacity: 64)
        switch self {
        case .open(let open): try open.encodeBody(into: &body)
        case .update(let update): try update.encodeBody(into: &body, context: context)
        case .notification(let notification): notification.encodeBody(into: &body)
        case .keepalive: break
        case .routeRefresh(let refresh): refresh.encodeBody(into: &body)
        }
        let limit = (type == .open || type == .keepalive) ? BGPMessageHeader.maxStandardLength : context.maxMessageLength
        guard body.count + BGPMessageHeader.length <= limit else {
            throw BGPError(.encodingOverflow, .sessionReset(NotificationMessage(code: .cease, subcode: NotificationSubcode.Cease.outOfResources)),
                           "\(type) of \(body.count + BGPMessageHeader.length) octets exceeds the \(limit)-octet limit")
        }
        return BGPMessageHeader.encode(type: type, body: body.bytes)
    }
}

@inline(__always)
func lengthData(_ bodyLength: Int) -> [UInt8] {
    let length = min(bodyLength + BGPMessageHeader.length, 0xffff)
    return [UInt8(length >> 8), UInt8(length & 0xff)]
}

/// Cuts a TCP byte stream into messages. It returns nil ("need more bytes") until a whole message
/// is buffered, and checks the header before waiting for a body, so a bad length or marker is
/// reported as soon as the 19 header octets arrive (RFC 4271 section 6.1).
public struct MessageFramer: Sendable {
    public struct Frame: Hashable, Sendable {
        public var type: BGPMessageType
        public var body: [UInt8]
    }

    public var context: CodecContext
    private var buffer: [UInt8] = []
    private var start = 0

    public init(context: CodecContext = .initial) {
        self.context = context
    }

    public var bufferedCount: Int { buffer.count - start }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        // Compact once the consumed prefix dominates, so the buffer does not grow with the stream.
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, nil if more bytes are needed, or a header error.
    public mutating func next() throws(BGPError) -> Frame? {
        let available = buffer.count - start
        guard available >= BGPMessageHeader.length else { return nil }
        for i in start..<start + BGPMessageHeader.markerLength where buffer[i] != 0xff {
            throw .reset(.badMarker, .messageHeader, NotificationSubcode.MessageHeader.connectionNotSynchronized,
                         "marker is not all ones", offset: i - start)
        }
        let length = Int(buffer[start + 16]) << 8 | Int(buffer[start + 17])
        let type = BGPMessageType(rawValue: buffer[start + 18])
        let limit = (type == .open || type == .keepalive) ? BGPMessageHeader.maxStandardLength : context.maxMessageLength
        let minimum: Int
        switch type {
        case .open: minimum = 29
        case .update: minimum = 23
        case .notification: minimum = 21
        case .keepalive: minimum = 19
        case .routeRefresh: minimum = 23
        default:
            throw .reset(.badMessageType, .messageHeader, NotificationSubcode.MessageHeader.badMessageType,
                         data: [type.rawValue], "unknown message type \(type.rawValue)", offset: 18)
        }
        // A KEEPALIVE is exactly its header (RFC 4271 section 4.4).
        let maximum = type == .keepalive ? BGPMessageHeader.length : limit
        guard length >= minimum, length <= maximum else {
            throw .reset(.badMessageLength, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                         data: [UInt8(length >> 8), UInt8(length & 0xff)],
                         "\(type) length \(length) outside \(minimum)...\(maximum)", offset: 16)
        }
        guard available >= length else { return nil }
        let body = Array(buffer[(start + BGPMessageHeader.length)..<(start + length)])
        start += length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return Frame(type: type, body: body)
    }
}
