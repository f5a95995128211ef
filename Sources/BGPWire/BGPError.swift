// Decode errors and the RFC 7606 outcome each one demands.
//
// RFC 4271 section 6 lists the NOTIFICATION codes and subcodes; RFC 7606 section 2 replaces "reset
// on every UPDATE error" with the gentler outcomes below. A decoder never decides what to *do*; it
// says which outcome the standard demands, and the session and RIB carry it out.

/// What RFC 7606 (section 2) requires a speaker to do about a malformed message or attribute.
public enum ErrorOutcome: Equatable, Hashable, Sendable {
    /// Send this NOTIFICATION and drop the session.
    case sessionReset(NotificationMessage)
    /// Treat every route of the UPDATE as withdrawn (RFC 7606 section 2, "treat-as-withdraw").
    case treatAsWithdraw
    /// Drop the attribute and process the rest of the UPDATE (RFC 7606 section 2, "attribute discard").
    case attributeDiscard
    /// Stop using this address family with the peer (RFC 7606 section 2, "AFI/SAFI disable");
    /// a speaker that does not implement it resets the session with the carried NOTIFICATION.
    case afiSafiDisable(AddressFamily, NotificationMessage)

    /// How severe the outcome is; when several problems are found in one UPDATE the most severe wins
    /// (RFC 7606 section 3, item (h)).
    public var severity: Int {
        switch self {
        case .attributeDiscard: return 0
        case .treatAsWithdraw: return 1
        case .afiSafiDisable: return 2
        case .sessionReset: return 3
        }
    }

    public var name: String {
        switch self {
        case .sessionReset: return "session-reset"
        case .treatAsWithdraw: return "treat-as-withdraw"
        case .attributeDiscard: return "attribute-discard"
        case .afiSafiDisable: return "afi-safi-disable"
        }
    }
}

/// A decoding error: what went wrong, where, and what RFC 7606 says to do about it.
/// Tests compare errors by `code` and `outcome`, not by their prose.
public struct BGPError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Equatable, Hashable, Sendable {
        case badMarker
        case badMessageLength
        case badMessageType
        case unsupportedVersion
        case badPeerAS
        case badBGPIdentifier
        case unsupportedOptionalParameter
        case unacceptableHoldTime
        case malformedOpen
        case malformedCapability
        case malformedAttributeList
        case unrecognizedWellKnownAttribute
        case missingWellKnownAttribute
        case attributeFlags
        case attributeLength
        case invalidOrigin
        case invalidNextHop
        case optionalAttribute
        case invalidNetworkField
        case malformedASPath
        case malformedEVPNNLRI
        case badEVPNNLRILength
        case malformedNotification
        case malformedRouteRefresh
        case encodingOverflow
    }

    public var code: Code
    public var outcome: ErrorOutcome
    public var reason: String
    /// Byte offset in the message where the problem was found, when known.
    public var offset: Int?
    /// The path attribute type the problem concerns, when it concerns one.
    public var attributeType: UInt8?

    public init(_ code: Code, _ outcome: ErrorOutcome, _ reason: String, offset: Int? = nil, attributeType: UInt8? = nil) {
        self.code = code
        self.outcome = outcome
        self.reason = reason
        self.offset = offset
        self.attributeType = attributeType
    }

    public var description: String {
        var text = "\(code.rawValue) (\(outcome.name)): \(reason)"
        if let attributeType { text += " [attribute \(attributeType)]" }
        if let offset { text += " at offset \(offset)" }
        return text
    }

    /// The NOTIFICATION to send, if the outcome ends the session.
    public var notification: NotificationMessage? {
        switch outcome {
        case .sessionReset(let n), .afiSafiDisable(_, let n): return n
        case .treatAsWithdraw, .attributeDiscard: return nil
        }
    }

    static func reset(_ code: Code, _ errorCode: NotificationMessage.ErrorCode, _ subcode: UInt8,
                      data: [UInt8] = [], _ reason: String, offset: Int? = nil, attributeType: UInt8? = nil) -> BGPError {
        BGPError(code, .sessionReset(NotificationMessage(code: errorCode, subcode: subcode, data: data)),
                 reason, offset: offset, attributeType: attributeType)
    }
}

/// NOTIFICATION subcodes (RFC 4271 section 4.5, RFC 4486, RFC 7313, RFC 8203, RFC 9687).
public enum NotificationSubcode {
    public enum MessageHeader {
        public static let connectionNotSynchronized: UInt8 = 1
        public static let badMessageLength: UInt8 = 2
        public static let badMessageType: UInt8 = 3
    }
    public enum Open {
        public static let unsupportedVersionNumber: UInt8 = 1
        public static let badPeerAS: UInt8 = 2
        public static let badBGPIdentifier: UInt8 = 3
        public static let unsupportedOptionalParameter: UInt8 = 4
        public static let unacceptableHoldTime: UInt8 = 6
        public static let unsupportedCapability: UInt8 = 7
    }
    public enum Update {
        public static let malformedAttributeList: UInt8 = 1
        public static let unrecognizedWellKnownAttribute: UInt8 = 2
        public static let missingWellKnownAttribute: UInt8 = 3
        public static let attributeFlagsError: UInt8 = 4
        public static let attributeLengthError: UInt8 = 5
        public static let invalidOriginAttribute: UInt8 = 6
        public static let invalidNextHopAttribute: UInt8 = 8
        public static let optionalAttributeError: UInt8 = 9
        public static let invalidNetworkField: UInt8 = 10
        public static let malformedASPath: UInt8 = 11
    }
    public enum FSM {
        public static let unspecified: UInt8 = 0
        public static let unexpectedInOpenSent: UInt8 = 1
        public static let unexpectedInOpenConfirm: UInt8 = 2
        public static let unexpectedInEstablished: UInt8 = 3
    }
    /// RFC 4486.
    public enum Cease {
        public static let maximumPrefixesReached: UInt8 = 1
        public static let administrativeShutdown: UInt8 = 2
        public static let peerDeconfigured: UInt8 = 3
        public static let administrativeReset: UInt8 = 4
        public static let connectionRejected: UInt8 = 5
        public static let otherConfigurationChange: UInt8 = 6
        public static let connectionCollisionResolution: UInt8 = 7
        public static let outOfResources: UInt8 = 8
        public static let hardReset: UInt8 = 9
        public static let bfdDown: UInt8 = 10
    }
    /// RFC 7313 section 5.
    public enum RouteRefresh {
        public static let invalidMessageLength: UInt8 = 1
    }
}
