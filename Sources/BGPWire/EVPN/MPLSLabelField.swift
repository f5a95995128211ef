// The 3-octet label field of EVPN NLRI (RFC 7432 section 7), the ESI Label extended community
// (section 7.5) and the PMSI Tunnel attribute (RFC 6514 section 5).
//
// With MPLS the field is `Label (20 bits) | TC (3) | S (1)`; RFC 7432 only uses the high 20 bits.
// With VXLAN (RFC 8365 section 5.1.3) the whole 24 bits are the VNI: FRR (`vni2label`) and GoBGP
// both write the VNI as a plain 24-bit number, so that is what `vni` reads.

public struct MPLSLabelField: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 24 bits as on the wire.
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0xff_ffff }

    public static let length = 3

    /// A VXLAN network identifier filling all 24 bits.
    public init(vni: UInt32) { self.init(rawValue: vni) }

    /// An MPLS label in the high 20 bits, with the bottom-of-stack bit as given.
    public init(mplsLabel: UInt32, bottomOfStack: Bool = true) {
        self.init(rawValue: (mplsLabel & 0xf_ffff) << 4 | (bottomOfStack ? 1 : 0))
    }

    public static let zero = MPLSLabelField(rawValue: 0)

    public var vni: UInt32 { rawValue }
    public var mplsLabel: UInt32 { rawValue >> 4 }
    public var bottomOfStack: Bool { rawValue & 1 == 1 }

    /// The raw 24-bit value, which is the VNI for VXLAN, the encapsulation this speaker runs.
    public var description: String { String(rawValue) }

    public init(from reader: inout WireReader) throws(WireReader.Truncated) {
        rawValue = try reader.readUInt24()
    }

    public func encode(into writer: inout WireWriter) {
        writer.writeUInt24(rawValue)
    }
}
