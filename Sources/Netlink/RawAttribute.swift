// struct nlattr / struct rtattr: the TLV every netlink family uses.
//
//   +---------+---------+---------------------------+---------+
//   | len(2)  | type(2) | payload (len - 4 bytes)   | pad 0-3 |   len counts header + payload, not the pad
//   +---------+---------+---------------------------+---------+
//
// The top two bits of type are NLA_F_NESTED and NLA_F_NET_BYTEORDER. A raw attribute keeps them as received so an
// unknown or nested attribute re-encodes byte for byte.

/// One attribute as it was on the wire: its full type field (flags included) and its payload.
public struct RawAttribute: Equatable, Hashable, Sendable {
    /// The 16-bit type field, NLA_F_NESTED and NLA_F_NET_BYTEORDER included.
    public var typeField: UInt16
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.typeField = type
        self.payload = payload
    }

    /// The type without the NLA_F_* flag bits.
    public var type: UInt16 { typeField & AttributeTypeBits.typeMask }
    public var isNested: Bool { typeField & AttributeTypeBits.nested != 0 }

    /// Header + payload, without the trailing pad (the value of nla_len).
    public var length: Int { 4 + payload.count }

    /// Encodes header, payload and padding.
    public func encode(into out: inout [UInt8]) {
        out.appendNetlink(UInt16(truncatingIfNeeded: length))
        out.appendNetlink(typeField)
        out.append(contentsOf: payload)
        out.appendPadding(forLength: length)
    }

    /// Decodes the attributes that fill `reader` to its end. `context` names the container for error messages.
    static func decodeList(_ reader: inout NetlinkReader, context: String) throws(NetlinkDecodeError) -> [RawAttribute] {
        var attributes: [RawAttribute] = []
        while !reader.isAtEnd {
            let start = reader.offset
            let length = Int(try reader.readUInt16("\(context) attribute header"))
            let type = try reader.readUInt16("\(context) attribute header")
            guard length >= 4 else {
                throw NetlinkDecodeError(
                    .badAttributeLength, context, "attribute type \(type & AttributeTypeBits.typeMask) has length \(length) (< 4)",
                    offset: start)
            }
            guard length - 4 <= reader.remaining else {
                throw NetlinkDecodeError(
                    .badAttributeLength, context,
                    "attribute type \(type & AttributeTypeBits.typeMask) has length \(length), only \(reader.remaining + 4) bytes remain",
                    offset: start)
            }
            let payload = try reader.readBytes(length - 4, context)
            reader.skipPadding(NetlinkAlignment.padding(length))
            attributes.append(RawAttribute(type: type, payload: payload))
        }
        return attributes
    }

    /// Decodes a nested attribute's payload as a list of attributes.
    public func nested(context: String) throws(NetlinkDecodeError) -> [RawAttribute] {
        var reader = NetlinkReader(payload)
        do {
            return try RawAttribute.decodeList(&reader, context: context)
        } catch {
            var e = error
            e.offset = nil  // offsets inside a copied payload would mislead
            e.reason += " (inside the nested attribute)"
            throw e
        }
    }

    public static func encodeList(_ attributes: [RawAttribute], into out: inout [UInt8]) {
        for a in attributes { a.encode(into: &out) }
    }

    /// A nested attribute built from a list (no NLA_F_NESTED, as iproute2's addattr_nest and the kernel's
    /// nla_nest_start_noflag write it for IFLA_LINKINFO and IFLA_INFO_DATA).
    public static func nest(type: UInt16, _ children: [RawAttribute]) -> RawAttribute {
        var payload: [UInt8] = []
        encodeList(children, into: &payload)
        return RawAttribute(type: type, payload: payload)
    }
}
