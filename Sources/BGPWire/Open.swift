// OPEN message (RFC 4271 section 4.2, RFC 5492, RFC 9072).
//
// ```
//  Version (1) | My Autonomous System (2) | Hold Time (2) | BGP Identifier (4)
//  Opt Parm Len (1) | Optional Parameters: Parm. Type (1) | Parm. Length (1) | Parm. Value
// ```
// RFC 9072: when Opt Parm Len is 255 and the first parameter type is 255, the real length follows in
// 2 octets and every parameter length is 2 octets.

public struct OpenMessage: Hashable, Sendable {
    public enum OptionalParameter: Hashable, Sendable {
        /// Parameter type 2: one or more capabilities (RFC 5492). Speakers differ in grouping them
        /// (FRR one per parameter, others all in one); the grouping is kept so bytes round-trip.
        case capabilities([Capability])
        case unknown(type: UInt8, value: [UInt8])
    }

    /// AS_TRANS (RFC 6793): what a 4-octet AS puts in the 2-octet My AS field.
    public static let asTrans: UInt16 = 23456

    public var version: UInt8
    public var myAS: UInt16
    public var holdTime: UInt16
    public var identifier: IPv4Address
    public var optionalParameters: [OptionalParameter]
    /// Whether the parameters were (or are to be) written in RFC 9072's extended form.
    public var extendedParameterLength: Bool

    public init(version: UInt8 = 4, myAS: UInt16, holdTime: UInt16, identifier: IPv4Address,
                optionalParameters: [OptionalParameter], extendedParameterLength: Bool = false) {
        self.version = version
        self.myAS = myAS
        self.holdTime = holdTime
        self.identifier = identifier
        self.optionalParameters = optionalParameters
        self.extendedParameterLength = extendedParameterLength
    }

    /// An OPEN for `asn` (putting AS_TRANS in My AS when it needs 4 octets) with these capabilities,
    /// each in its own optional parameter as FRR does.
    public init(asn: UInt32, holdTime: UInt16, identifier: IPv4Address, capabilities: [Capability]) {
        self.init(myAS: asn > 0xffff ? OpenMessage.asTrans : UInt16(asn), holdTime: holdTime, identifier: identifier,
                  optionalParameters: capabilities.map { .capabilities([$0]) })
    }

    /// Every capability, in the order sent.
    public var capabilities: [Capability] {
        optionalParameters.flatMap { parameter -> [Capability] in
            if case .capabilities(let list) = parameter { return list }
            return []
        }
    }

    /// The sender's AS: the 4-octet AS capability if present, else My AS (RFC 6793 section 3).
    public var asNumber: UInt32 {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return UInt32(myAS)
    }

    public init(decoding body: [UInt8]) throws(BGPError) {
        var reader = WireReader(body)
        do {
            version = try reader.readUInt8()
            myAS = try reader.readUInt16()
            holdTime = try reader.readUInt16()
            identifier = IPv4Address(rawValue: try reader.readUInt32())
            var parametersLength = Int(try reader.readUInt8())
            extendedParameterLength = false
            if parametersLength == 255, reader.peekUInt8() == 255 {
                try reader.skip(1)
                parametersLength = Int(try reader.readUInt16())
                extendedParameterLength = true
            }
            guard parametersLength == reader.remaining else {
                throw BGPError.reset(.malformedOpen, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                                     data: lengthData(body.count),
                                     "OPEN optional parameters length \(parametersLength) but \(reader.remaining) octets follow",
                                     offset: 9)
            }
            var parameters: [OptionalParameter] = []
            while !reader.isAtEnd {
                let type = try reader.readUInt8()
                let length = extendedParameterLength ? Int(try reader.readUInt16()) : Int(try reader.readUInt8())
                var value = try reader.bounded(length)
                if type == 2 {
                    var list: [Capability] = []
                    while !value.isAtEnd { list.append(try Capability.decode(&value)) }
                    parameters.append(.capabilities(list))
                } else {
                    parameters.append(.unknown(type: type, value: value.readRest()))
                }
            }
            optionalParameters = parameters
        } catch let truncated as WireReader.Truncated {
            throw .reset(.malformedOpen, .messageHeader, NotificationSubcode.MessageHeader.badMessageLength,
                         data: lengthData(body.count),
                         "OPEN truncated: needed \(truncated.needed) octets, had \(truncated.available)", offset: truncated.offset)
        } catch let error as BGPError {
            throw error
        } catch {
            throw .reset(.malformedOpen, .open, 0, "OPEN: \(error)")
        }
    }

    public func encodeBody(into writer: inout WireWriter) throws(BGPError) {
        writer.writeUInt8(version)
        writer.writeUInt16(myAS)
        writer.writeUInt16(holdTime)
        writer.writeUInt32(identifier.rawValue)
        var parameters = WireWriter()
        for parameter in optionalParameters {
            switch parameter {
            case .capabilities(let list):
                parameters.writeUInt8(2)
                let mark = parameters.reserveLength(width: extendedParameterLength ? 2 : 1)
                for capability in list { capability.encode(into: &parameters) }
                guard parameters.fillLength(mark) else {
                    throw BGPError(.encodingOverflow, .attributeDiscard, "capability parameter over 255 octets")
                }
            case .unknown(let type, let value):
                parameters.writeUInt8(type)
                let mark = parameters.reserveLength(width: extendedParameterLength ? 2 : 1)
                parameters.writeBytes(value)
                guard parameters.fillLength(mark) else {
                    throw BGPError(.encodingOverflow, .attributeDiscard, "optional parameter over 255 octets")
                }
            }
        }
        if extendedParameterLength {
            writer.writeUInt8(255)
            writer.writeUInt8(255)
            writer.writeUInt16(UInt16(clamping: parameters.count))
        } else {
            guard parameters.count <= 255 else {
                throw BGPError(.encodingOverflow, .attributeDiscard, "optional parameters over 255 octets need RFC 9072 form")
            }
            writer.writeUInt8(UInt8(parameters.count))
        }
        writer.writeBytes(parameters.bytes)
    }
}
