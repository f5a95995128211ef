// Bounds-checked reading of wire bytes. Every read either succeeds or throws `WireReader.Truncated`;
// nothing here can trap on input from a peer. Higher layers turn a truncation into the RFC 7606
// outcome that fits where it happened (see BGPError).

/// A cursor over a byte array with a hard end. Sub-readers (`bounded(_:)`) never see past the
/// length field that delimited them, so a lying inner length cannot read a neighbour's bytes.
public struct WireReader: Sendable {
    /// Thrown when fewer bytes remain than a read needs.
    public struct Truncated: Error, Equatable, Sendable {
        public var offset: Int
        public var needed: Int
        public var available: Int
    }

    public let bytes: [UInt8]
    public private(set) var offset: Int
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    init(bytes: [UInt8], offset: Int, end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    @inline(__always)
    private func need(_ n: Int) throws(Truncated) {
        if n < 0 || end - offset < n {
            throw Truncated(offset: offset, needed: n, available: end - offset)
        }
    }

    public mutating func readUInt8() throws(Truncated) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16() throws(Truncated) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readUInt24() throws(Truncated) -> UInt32 {
        try need(3)
        defer { offset += 3 }
        return UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2])
    }

    public mutating func readUInt32() throws(Truncated) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    public mutating func readUInt64() throws(Truncated) -> UInt64 {
        let high = try readUInt32()
        let low = try readUInt32()
        return UInt64(high) << 32 | UInt64(low)
    }

    public mutating func readBytes(_ count: Int) throws(Truncated) -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func skip(_ count: Int) throws(Truncated) {
        try need(count)
        offset += count
    }

    /// The rest of this reader's bytes, leaving it at its end.
    public mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// Splits off the next `count` bytes as a reader of their own and advances past them.
    public mutating func bounded(_ count: Int) throws(Truncated) -> WireReader {
        try need(count)
        defer { offset += count }
        return WireReader(bytes: bytes, offset: offset, end: offset + count)
    }

    public func peekUInt8() -> UInt8? { offset < end ? bytes[offset] : nil }
}
