// NLMSG_ERROR: an error, or an acknowledgement when the error is 0 (include/uapi/linux/netlink.h, struct nlmsgerr).
//
//   error(4, negative errno or 0) | original nlmsghdr(16) | [original payload, unless NLM_F_CAPPED] | pad
//   | [extended ACK attributes NLMSGERR_ATTR_*, when NLM_F_ACK_TLVS]
//
// The kernel echoes the whole request only for errors on a socket without NETLINK_CAP_ACK, and says which it did
// with NLM_F_CAPPED in the outer header; the attributes are there when NETLINK_EXT_ACK is on and it had something
// to say (NLM_F_ACK_TLVS).

public struct NetlinkErrorMessage: Equatable, Hashable, Sendable {
    /// 0 for an ACK, otherwise the negated errno (`-EEXIST`).
    public var error: Int32
    /// The header of the request this answers: its sequence number is how a batch matches replies.
    public var originalHeader: NetlinkHeader
    /// The request's payload as echoed back (empty when capped).
    public var originalPayload: [UInt8]
    /// NLMSGERR_ATTR_* attributes.
    public var extendedAttributes: [RawAttribute]

    public init(error: Int32, originalHeader: NetlinkHeader, originalPayload: [UInt8] = [], extendedAttributes: [RawAttribute] = []) {
        self.error = error
        self.originalHeader = originalHeader
        self.originalPayload = originalPayload
        self.extendedAttributes = extendedAttributes
    }

    public var isAck: Bool { error == 0 }

    /// The errno the request failed with (EEXIST, ENOENT...), nil for an ACK.
    public var errno: NetlinkErrno? { error == 0 ? nil : NetlinkErrno(rawValue: error == Int32.min ? Int32.max : -error) }

    /// NLMSGERR_ATTR_MSG: the kernel's sentence about what was wrong.
    public var extendedMessage: String? {
        guard let a = extendedAttributes.first(where: { $0.type == ExtendedAckAttributeType.message.rawValue }) else { return nil }
        return try? AttributePayload.string(a.payload, "NLMSGERR_ATTR_MSG")
    }

    /// NLMSGERR_ATTR_OFFS: the offset in the request of the attribute the kernel objected to.
    public var extendedOffset: UInt32? {
        guard let a = extendedAttributes.first(where: { $0.type == ExtendedAckAttributeType.offset.rawValue }) else { return nil }
        return try? AttributePayload.uint32(a.payload, "NLMSGERR_ATTR_OFFS")
    }

    static func decode(_ reader: inout NetlinkReader, flags: NetlinkFlags) throws(NetlinkDecodeError) -> NetlinkErrorMessage {
        let error = try reader.readInt32("nlmsgerr.error")
        let start = reader.offset
        let original = try NetlinkHeader.decode(&reader)
        var payload: [UInt8] = []
        if !flags.contains(.capped), Int(original.length) > NetlinkHeader.size {
            let echoed = Int(original.length) - NetlinkHeader.size
            guard echoed <= reader.remaining else {
                throw NetlinkDecodeError(
                    .badMessageLength, "nlmsgerr.msg",
                    "echoed request claims \(original.length) bytes, \(reader.remaining + NetlinkHeader.size) remain",
                    offset: start)
            }
            payload = try reader.readBytes(echoed, "nlmsgerr.msg")
            reader.skipPadding(NetlinkAlignment.padding(echoed))
        }
        var attributes: [RawAttribute] = []
        if flags.contains(.ackTLVs) {
            attributes = try RawAttribute.decodeList(&reader, context: "nlmsgerr attributes")
        }
        return NetlinkErrorMessage(error: error, originalHeader: original, originalPayload: payload, extendedAttributes: attributes)
    }

    func encode(into out: inout [UInt8]) {
        out.appendNetlink(error)
        originalHeader.encode(into: &out)
        out.append(contentsOf: originalPayload)
        out.appendPadding(forLength: originalPayload.count)
        RawAttribute.encodeList(extendedAttributes, into: &out)
    }
}

/// NLMSG_DONE: the end of a dump. Its payload is an int (0, or the dump's error) and, with extended ACKs, attributes.
public struct NetlinkDoneMessage: Equatable, Hashable, Sendable {
    /// The dump's result: 0, or a negated errno; nil when the message carried no int at all.
    public var error: Int32?
    /// Anything after the int (extended ACK attributes), kept as bytes.
    public var trailing: [UInt8]

    public init(error: Int32? = 0, trailing: [UInt8] = []) {
        self.error = error
        self.trailing = trailing
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> NetlinkDoneMessage {
        // A zero-length NLMSG_DONE is legal from some senders; the kernel always sends the int.
        if reader.isAtEnd { return NetlinkDoneMessage(error: nil, trailing: []) }
        let error = try reader.readInt32("NLMSG_DONE")
        return NetlinkDoneMessage(error: error, trailing: reader.readRest())
    }

    func encode(into out: inout [UInt8]) {
        if let error { out.appendNetlink(error) }
        out.append(contentsOf: trailing)
    }
}
