// Decoding a captured byte stream of back-to-back BGP messages (one direction of a TCP session, as
// Wireshark's "Follow TCP stream, raw" saves it). The codec context is learned from the sender's
// OPEN when the stream holds one: a sender that advertises 4-octet AS, ADD-PATH send or extended
// messages is taken to be using them (FRR and GoBGP both support all three, so the receiver agreed).

public struct DecodedMessage: Sendable {
    /// Offset of the message's marker in the stream.
    public var offset: Int
    public var length: Int
    public var type: BGPMessageType
    /// The message, or why it could not be decoded.
    public var result: Result<BGPMessage, BGPError>
    /// The context it was decoded with.
    public var context: CodecContext
}

public struct MessageStreamDecoder: Sendable {
    public private(set) var context: CodecContext
    private var framer: MessageFramer
    private var consumed = 0

    /// `context` applies until an OPEN in the stream says otherwise.
    public init(context: CodecContext = CodecContext(fourOctetAS: true)) {
        self.context = context
        self.framer = MessageFramer(context: context)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        framer.append(bytes)
    }

    /// Octets buffered that do not yet form a whole message.
    public var pendingCount: Int { framer.bufferedCount }

    /// The next message in the stream, nil when more bytes are needed; a header error ends the
    /// stream (the framing is lost after it), and is thrown.
    public mutating func next() throws(BGPError) -> DecodedMessage? {
        let offset = consumed
        guard let frame = try framer.next() else { return nil }
        let length = frame.body.count + BGPMessageHeader.length
        consumed += length
        let result: Result<BGPMessage, BGPError>
        do {
            result = .success(try BGPMessage.decode(type: frame.type, body: frame.body, context: context))
        } catch {
            result = .failure(error)
        }
        let decoded = DecodedMessage(offset: offset, length: length, type: frame.type, result: result, context: context)
        if case .success(.open(let open)) = result { learn(from: open) }
        return decoded
    }

    /// Decodes a whole stream. Trailing bytes that do not make a message are reported as an error.
    public static func decodeAll(_ bytes: [UInt8], context: CodecContext = CodecContext(fourOctetAS: true)) -> (messages: [DecodedMessage], error: BGPError?) {
        var decoder = MessageStreamDecoder(context: context)
        decoder.append(bytes)
        var messages: [DecodedMessage] = []
        do {
            while let message = try decoder.next() { messages.append(message) }
        } catch {
            return (messages, error)
        }
        if decoder.pendingCount > 0 {
            return (messages, .reset(.badMessageLength, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                                     "stream ends inside a message: \(decoder.pendingCount) octets left over", offset: decoder.consumed))
        }
        return (messages, nil)
    }

    private mutating func learn(from open: OpenMessage) {
        var fourOctet = false
        var extended = false
        var addPath = Set<AddressFamily>()
        for capability in open.capabilities {
            switch capability {
            case .fourOctetAS: fourOctet = true
            case .extendedMessage: extended = true
            case .addPath(let entries):
                for entry in entries where entry.direction.canSend { addPath.insert(entry.family) }
            default: break
            }
        }
        context = CodecContext(fourOctetAS: fourOctet, extendedMessages: extended, addPath: addPath)
        framer.context = context
    }
}
