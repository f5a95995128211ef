// Appending netlink values to a byte buffer in the host's byte order (network order where the kernel asks for it).

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendNetlink(_ v: UInt8) { append(v) }

    @inline(__always)
    mutating func appendNetlink(_ v: UInt16) {
        let le = v.littleEndian
        append(UInt8(truncatingIfNeeded: le))
        append(UInt8(truncatingIfNeeded: le >> 8))
    }

    @inline(__always)
    mutating func appendNetlink(_ v: UInt32) {
        let le = v.littleEndian
        append(UInt8(truncatingIfNeeded: le))
        append(UInt8(truncatingIfNeeded: le >> 8))
        append(UInt8(truncatingIfNeeded: le >> 16))
        append(UInt8(truncatingIfNeeded: le >> 24))
    }

    @inline(__always)
    mutating func appendNetlink(_ v: Int32) { appendNetlink(UInt32(bitPattern: v)) }

    @inline(__always)
    mutating func appendBigEndian(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    mutating func appendPadding(forLength length: Int) {
        for _ in 0..<NetlinkAlignment.padding(length) { append(0) }
    }

    /// Overwrites a 16-bit host-order value already in the buffer (a length field filled in afterwards).
    @inline(__always)
    mutating func setNetlink(_ v: UInt16, at index: Int) {
        let le = v.littleEndian
        self[index] = UInt8(truncatingIfNeeded: le)
        self[index + 1] = UInt8(truncatingIfNeeded: le >> 8)
    }

    @inline(__always)
    mutating func setNetlink(_ v: UInt32, at index: Int) {
        let le = v.littleEndian
        self[index] = UInt8(truncatingIfNeeded: le)
        self[index + 1] = UInt8(truncatingIfNeeded: le >> 8)
        self[index + 2] = UInt8(truncatingIfNeeded: le >> 16)
        self[index + 3] = UInt8(truncatingIfNeeded: le >> 24)
    }
}

extension UInt16 {
    var netlinkBytes: [UInt8] { var b: [UInt8] = []; b.appendNetlink(self); return b }
}

extension UInt32 {
    var netlinkBytes: [UInt8] { var b: [UInt8] = []; b.appendNetlink(self); return b }
}
