// Bounds-checked reading of netlink bytes. Netlink integers are in the host's byte order (the few fields the
// kernel keeps in network order, such as NDA_PORT and IFLA_VXLAN_PORT, are read with `readUInt16BigEndian`).
// Offsets are absolute within the buffer first handed to the reader, so errors can say where they happened.

struct NetlinkReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    private init(bytes: [UInt8], offset: Int, end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    @inline(__always)
    private func need(_ n: Int, _ context: @autoclosure () -> String) throws(NetlinkDecodeError) {
        if n < 0 || end - offset < n {
            throw NetlinkDecodeError(
                .truncated, context(), "needs \(n) bytes, \(max(0, end - offset)) remain", offset: offset)
        }
    }

    mutating func readUInt8(_ context: @autoclosure () -> String) throws(NetlinkDecodeError) -> UInt8 {
        try need(1, context())
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ context: @autoclosure () -> String) throws(NetlinkDecodeError) -> UInt16 {
        try need(2, context())
        defer { offset += 2 }
        return UInt16(littleEndian: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
    }

    mutating func readUInt32(_ context: @autoclosure () -> String) throws(NetlinkDecodeError) -> UInt32 {
        try need(4, context())
        defer { offset += 4 }
        let value = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        return UInt32(littleEndian: value)
    }

    mutating func readInt32(_ context: @autoclosure () -> String) throws(NetlinkDecodeError) -> Int32 {
        Int32(bitPattern: try readUInt32(context()))
    }

    mutating func readBytes(_ count: Int, _ context: @autoclosure () -> String) throws(NetlinkDecodeError) -> [UInt8] {
        try need(count, context())
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Skips up to `count` bytes: used for the padding after the last attribute or message, which a sender may
    /// leave out.
    mutating func skipPadding(_ count: Int) {
        offset += min(count, remaining)
    }

    /// Splits off the next `count` bytes as a reader of their own and advances past them; the sub-reader never
    /// sees past the length that delimited it.
    mutating func bounded(_ count: Int, _ context: @autoclosure () -> String) throws(NetlinkDecodeError) -> NetlinkReader {
        try need(count, context())
        defer { offset += count }
        return NetlinkReader(bytes: bytes, offset: offset, end: offset + count)
    }

    mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

// Fixed-size payload readers for typed attributes: the payload is already delimited, so only its size is checked.
enum AttributePayload {
    static func uint8(_ p: [UInt8], _ name: String) throws(NetlinkDecodeError) -> UInt8 {
        guard p.count == 1 else { throw sizeError(name, p.count, "1") }
        return p[0]
    }

    static func uint16(_ p: [UInt8], _ name: String) throws(NetlinkDecodeError) -> UInt16 {
        guard p.count == 2 else { throw sizeError(name, p.count, "2") }
        return UInt16(littleEndian: UInt16(p[0]) | UInt16(p[1]) << 8)
    }

    static func uint16BigEndian(_ p: [UInt8], _ name: String) throws(NetlinkDecodeError) -> UInt16 {
        guard p.count == 2 else { throw sizeError(name, p.count, "2") }
        return UInt16(p[0]) << 8 | UInt16(p[1])
    }

    static func uint32(_ p: [UInt8], _ name: String) throws(NetlinkDecodeError) -> UInt32 {
        guard p.count == 4 else { throw sizeError(name, p.count, "4") }
        return UInt32(littleEndian: UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
    }

    /// A C string: the kernel sends it NUL-terminated (nla_put_string), iproute2 sometimes without the NUL.
    static func string(_ p: [UInt8], _ name: String) throws(NetlinkDecodeError) -> String {
        var end = p.count
        if let nul = p.firstIndex(of: 0) { end = nul }
        guard let s = String(validating: p[0..<end], as: UTF8.self) else {
            throw NetlinkDecodeError(.badAttributeValue, name, "not UTF-8")
        }
        return s
    }

    static func sizeError(_ name: String, _ got: Int, _ expected: String) -> NetlinkDecodeError {
        NetlinkDecodeError(.badAttributeValue, name, "payload of \(got) bytes, expected \(expected)")
    }
}
