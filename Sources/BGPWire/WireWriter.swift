// Appending wire bytes. Lengths that are only known after the body is written are back-filled
// through `reserveLength` / `fillLength`.

public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func writeUInt24(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func writeUInt32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func writeUInt64(_ value: UInt64) {
        writeUInt32(UInt32(truncatingIfNeeded: value >> 32))
        writeUInt32(UInt32(truncatingIfNeeded: value))
    }

    public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// A placeholder for a length field of `width` bytes (1 or 2) that `fillLength` sets later.
    public struct LengthMark: Sendable {
        let position: Int
        let width: Int
    }

    public mutating func reserveLength(width: Int) -> LengthMark {
        let mark = LengthMark(position: bytes.count, width: width)
        bytes.append(contentsOf: repeatElement(0, count: width))
        return mark
    }

    /// Writes the number of bytes written since the mark (plus `adding`) into the placeholder.
    /// Returns false when the value does not fit the field; the caller must treat that as an
    /// encoding error (it means a message grew past what its length field can say).
    @discardableResult
    public mutating func fillLength(_ mark: LengthMark, adding: Int = 0) -> Bool {
        let value = bytes.count - mark.position - mark.width + adding
        switch mark.width {
        case 1:
            guard value <= 0xff else { return false }
            bytes[mark.position] = UInt8(value)
        case 2:
            guard value <= 0xffff else { return false }
            bytes[mark.position] = UInt8(value >> 8)
            bytes[mark.position + 1] = UInt8(value & 0xff)
        default:
            return false
        }
        return true
    }
}
