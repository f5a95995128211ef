// The BFD Control packet (RFC 5880 section 4.1), as carried in UDP to port 3784 (RFC 5881) or 4784 (RFC 5883).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                       My Discriminator                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      Your Discriminator                       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Desired Min TX Interval                    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                   Required Min RX Interval                    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                 Required Min Echo RX Interval                 |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    An optional Authentication Section (when A is set):
//    |   Auth Type   |   Auth Len    |    Authentication Data...     |
//
// 24 octets without authentication; Length counts the whole packet including the authentication section.
// Intervals are in microseconds. Version 1 (RFC 5880); version 0 (the draft) is not spoken.
//
// Authentication (RFC 5880 section 6.7) is not implemented, as in FRR 8.4's bfdd: the section is parsed for its
// length only (so the Length checks of section 6.8.6 hold), kept as raw bytes, and a packet carrying it is
// dropped later by the session (`authenticationNotInUse`), because no session has authentication configured.

/// A decoded Control packet. `init(wireBytes:)` applies every check of RFC 5880 section 6.8.6 that needs only
/// the packet itself; the checks that need a session are in `BFDEngine`.
public struct BFDControlPacket: Hashable, Sendable {
    public static let version: UInt8 = 1
    /// The mandatory part (RFC 5880 section 4.1).
    public static let headerLength = 24

    public var diagnostic: BFDDiagnostic = .none
    public var state: BFDState = .down
    /// P: the sender asks for a Final (parameters changed, section 6.5).
    public var poll = false
    /// F: answers a Poll.
    public var final = false
    /// C: the sender's forwarding does not share fate with its control plane (section 4.1, RFC 5882 section 4.3).
    public var controlPlaneIndependent = false
    /// D: the sender wants Demand mode (section 6.6).
    public var demand = false
    /// M: reserved for multipoint (RFC 5880 says it MUST be zero; a packet with it set is discarded).
    public var multipoint = false
    public var detectMultiplier: UInt8 = 3
    public var myDiscriminator: UInt32 = 0
    public var yourDiscriminator: UInt32 = 0
    public var desiredMinTxInterval: UInt32 = 1_000_000
    public var requiredMinRxInterval: UInt32 = 1_000_000
    public var requiredMinEchoRxInterval: UInt32 = 0
    /// The authentication section (Auth Type, Auth Len, data) as received, when A was set. Never interpreted.
    public var authentication: [UInt8]?

    public init(diagnostic: BFDDiagnostic = .none, state: BFDState = .down, poll: Bool = false, final: Bool = false,
                controlPlaneIndependent: Bool = false, demand: Bool = false, detectMultiplier: UInt8 = 3,
                myDiscriminator: UInt32 = 0, yourDiscriminator: UInt32 = 0, desiredMinTxInterval: UInt32 = 1_000_000,
                requiredMinRxInterval: UInt32 = 1_000_000, requiredMinEchoRxInterval: UInt32 = 0) {
        self.diagnostic = diagnostic
        self.state = state
        self.poll = poll
        self.final = final
        self.controlPlaneIndependent = controlPlaneIndependent
        self.demand = demand
        self.detectMultiplier = detectMultiplier
        self.myDiscriminator = myDiscriminator
        self.yourDiscriminator = yourDiscriminator
        self.desiredMinTxInterval = desiredMinTxInterval
        self.requiredMinRxInterval = requiredMinRxInterval
        self.requiredMinEchoRxInterval = requiredMinEchoRxInterval
    }

    /// Decodes one UDP payload. Throws the reason RFC 5880 section 6.8.6 gives for discarding it; bytes past
    /// Length (UDP padding) are ignored, as the RFC allows ("Length ... less than or equal to the payload").
    public init(wireBytes bytes: [UInt8]) throws(BFDDropReason) {
        guard bytes.count >= Self.headerLength else { throw .truncated }
        // "If the version number is not correct (1), the packet MUST be discarded."
        guard bytes[0] >> 5 == Self.version else { throw .badVersion }
        let flags = bytes[1]
        let authenticationPresent = flags & 0x04 != 0
        let length = Int(bytes[3])
        // "If the Length field is less than the minimum correct value (24 if the A bit is clear, or 26 if the A
        // bit is set), the packet MUST be discarded."
        guard length >= (authenticationPresent ? 26 : Self.headerLength) else { throw .lengthTooShort }
        // "If the Length field is greater than the payload of the encapsulating protocol, ... discarded."
        guard length <= bytes.count else { throw .lengthExceedsPayload }
        // "If the Detect Mult field is zero, the packet MUST be discarded."
        guard bytes[2] != 0 else { throw .zeroDetectMultiplier }
        // "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
        guard flags & 0x01 == 0 else { throw .multipointSet }
        let my = Self.uint32(bytes, 4)
        let your = Self.uint32(bytes, 8)
        // "If the My Discriminator field is zero, the packet MUST be discarded."
        guard my != 0 else { throw .zeroMyDiscriminator }
        guard let state = BFDState(rawValue: flags >> 6) else { throw .badVersion }  // 2 bits: cannot fail
        // "If the Your Discriminator field is zero and the State field is not Down or AdminDown, the packet MUST
        // be discarded."
        guard your != 0 || state == .down || state == .adminDown else { throw .zeroYourDiscriminator }
        if authenticationPresent {
            // Auth Type(1) + Auth Len(1) + data; Auth Len counts those two octets too and must fit in Length.
            let authLength = Int(bytes[Self.headerLength + 1])
            guard authLength >= 2, Self.headerLength + authLength <= length else { throw .badAuthenticationLength }
            authentication = Array(bytes[Self.headerLength..<(Self.headerLength + authLength)])
        }
        diagnostic = BFDDiagnostic(rawValue: bytes[0] & 0x1f)
        self.state = state
        poll = flags & 0x20 != 0
        final = flags & 0x10 != 0
        controlPlaneIndependent = flags & 0x08 != 0
        demand = flags & 0x02 != 0
        multipoint = false
        detectMultiplier = bytes[2]
        myDiscriminator = my
        yourDiscriminator = your
        desiredMinTxInterval = Self.uint32(bytes, 12)
        requiredMinRxInterval = Self.uint32(bytes, 16)
        requiredMinEchoRxInterval = Self.uint32(bytes, 20)
    }

    /// The A bit as it goes on the wire.
    public var authenticationPresent: Bool { authentication != nil }

    /// The packet's bytes (24 octets, or more with an authentication section).
    public func serialize() -> [UInt8] {
        let auth = authentication ?? []
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerLength + auth.count)
        bytes.append(Self.version << 5 | diagnostic.rawValue & 0x1f)
        var flags = state.rawValue << 6
        if poll { flags |= 0x20 }
        if final { flags |= 0x10 }
        if controlPlaneIndependent { flags |= 0x08 }
        if authentication != nil { flags |= 0x04 }
        if demand { flags |= 0x02 }
        if multipoint { flags |= 0x01 }
        bytes.append(flags)
        bytes.append(detectMultiplier)
        bytes.append(UInt8(truncatingIfNeeded: Self.headerLength + auth.count))
        for value in [myDiscriminator, yourDiscriminator, desiredMinTxInterval, requiredMinRxInterval,
                      requiredMinEchoRxInterval] {
            bytes.append(UInt8(truncatingIfNeeded: value >> 24))
            bytes.append(UInt8(truncatingIfNeeded: value >> 16))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        }
        bytes.append(contentsOf: auth)
        return bytes
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
