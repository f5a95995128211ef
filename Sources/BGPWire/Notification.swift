// NOTIFICATION (RFC 4271 section 4.5) and ROUTE-REFRESH (RFC 2918, RFC 7313) messages.

/// NOTIFICATION message body:
/// ```
///  Error code (1) | Error subcode (1) | Data (variable)
/// ```
public struct NotificationMessage: Hashable, Sendable, CustomStringConvertible {
    /// RFC 4271 section 4.5 error codes; RFC 7313 adds 7.
    public struct ErrorCode: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let messageHeader = ErrorCode(rawValue: 1)
        public static let open = ErrorCode(rawValue: 2)
        public static let update = ErrorCode(rawValue: 3)
        public static let holdTimerExpired = ErrorCode(rawValue: 4)
        public static let finiteStateMachine = ErrorCode(rawValue: 5)
        public static let cease = ErrorCode(rawValue: 6)
        public static let routeRefresh = ErrorCode(rawValue: 7)
        /// RFC 9687.
        public static let sendHoldTimerExpired = ErrorCode(rawValue: 8)
    }

    public var code: ErrorCode
    public var subcode: UInt8
    public var data: [UInt8]

    public init(code: ErrorCode, subcode: UInt8, data: [UInt8] = []) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }

    public init(decoding body: [UInt8]) throws(BGPError) {
        guard body.count >= 2 else {
            throw .reset(.malformedNotification, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                         data: [0, UInt8(19 + body.count)], "NOTIFICATION shorter than its 2 fixed octets")
        }
        code = ErrorCode(rawValue: body[0])
        subcode = body[1]
        data = Array(body[2...])
    }

    public func encodeBody(into writer: inout WireWriter) {
        writer.writeUInt8(code.rawValue)
        writer.writeUInt8(subcode)
        writer.writeBytes(data)
    }

    /// The RFC 8203/9003 shutdown communication, when a Cease carries one.
    public var shutdownCommunication: String? {
        guard code == .cease, subcode == NotificationSubcode.Cease.administrativeShutdown
                || subcode == NotificationSubcode.Cease.administrativeReset,
              let length = data.first, length > 0, data.count >= 1 + Int(length) else { return nil }
        return String(validating: data[1...Int(length)], as: UTF8.self)
    }

    public var codeName: String {
        switch code {
        case .messageHeader: return "Message Header Error"
        case .open: return "OPEN Message Error"
        case .update: return "UPDATE Message Error"
        case .holdTimerExpired: return "Hold Timer Expired"
        case .finiteStateMachine: return "Finite State Machine Error"
        case .cease: return "Cease"
        case .routeRefresh: return "ROUTE-REFRESH Message Error"
        case .sendHoldTimerExpired: return "Send Hold Timer Expired"
        default: return "Unknown error code \(code.rawValue)"
        }
    }

    public var subcodeName: String {
        let names: [UInt8: [UInt8: String]] = [
            1: [1: "Connection Not Synchronized", 2: "Bad Message Length", 3: "Bad Message Type"],
            2: [1: "Unsupported Version Number", 2: "Bad Peer AS", 3: "Bad BGP Identifier",
                4: "Unsupported Optional Parameter", 6: "Unacceptable Hold Time", 7: "Unsupported Capability"],
            3: [1: "Malformed Attribute List", 2: "Unrecognized Well-known Attribute",
                3: "Missing Well-known Attribute", 4: "Attribute Flags Error", 5: "Attribute Length Error",
                6: "Invalid ORIGIN Attribute", 8: "Invalid NEXT_HOP Attribute", 9: "Optional Attribute Error",
                10: "Invalid Network Field", 11: "Malformed AS_PATH"],
            5: [0: "Unspecified", 1: "Receive Unexpected Message in OpenSent State",
                2: "Receive Unexpected Message in OpenConfirm State", 3: "Receive Unexpected Message in Established State"],
            6: [1: "Maximum Number of Prefixes Reached", 2: "Administrative Shutdown", 3: "Peer De-configured",
                4: "Administrative Reset", 5: "Connection Rejected", 6: "Other Configuration Change",
                7: "Connection Collision Resolution", 8: "Out of Resources", 9: "Hard Reset", 10: "BFD Down"],
            7: [1: "Invalid Message Length"],
        ]
        if let name = names[code.rawValue]?[subcode] { return name }
        return subcode == 0 ? "Unspecific" : "Subcode \(subcode)"
    }

    public var description: String {
        var text = "\(codeName)/\(subcodeName)"
        if let reason = shutdownCommunication { text += " \"\(reason)\"" } else if !data.isEmpty { text += " data \(hexString(data))" }
        return text
    }
}

/// ROUTE-REFRESH message body (RFC 2918 section 3, RFC 7313 section 3.2):
/// ```
///  AFI (2) | Message subtype (1) | SAFI (1)
/// ```
/// The subtype is 0 for a normal request, 1 for Beginning of Route Refresh, 2 for End of Route Refresh.
public struct RouteRefreshMessage: Hashable, Sendable {
    public struct Subtype: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let request = Subtype(rawValue: 0)
        public static let beginningOfRouteRefresh = Subtype(rawValue: 1)
        public static let endOfRouteRefresh = Subtype(rawValue: 2)
    }

    public var family: AddressFamily
    public var subtype: Subtype

    public init(family: AddressFamily, subtype: Subtype = .request) {
        self.family = family
        self.subtype = subtype
    }

    public init(decoding body: [UInt8]) throws(BGPError) {
        // RFC 7313 section 5: a ROUTE-REFRESH whose length is not 23 is a ROUTE-REFRESH Message Error,
        // subcode Invalid Message Length, carrying the whole message as data.
        guard body.count == 4 else {
            throw .reset(.malformedRouteRefresh, .routeRefresh, NotificationSubcode.RouteRefresh.invalidMessageLength,
                         data: BGPMessageHeader.encode(type: .routeRefresh, body: body),
                         "ROUTE-REFRESH body is \(body.count) octets, not 4")
        }
        family = AddressFamily(afi: AFI(rawValue: UInt16(body[0]) << 8 | UInt16(body[1])), safi: SAFI(rawValue: body[3]))
        subtype = Subtype(rawValue: body[2])
    }

    public func encodeBody(into writer: inout WireWriter) {
        writer.writeUInt16(family.afi.rawValue)
        writer.writeUInt8(subtype.rawValue)
        writer.writeUInt8(family.safi.rawValue)
    }
}
