// IP prefixes as they appear in NLRI fields (RFC 4271 section 4.3):
// `Length in bits (1) | Prefix (ceil(Length / 8) octets)`, trailing bits beyond Length ignored.

public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: UInt8

    public init(address: IPAddress, length: UInt8) {
        self.address = address
        self.length = length
    }

    public var description: String { "\(address)/\(length)" }

    /// Decodes one prefix of the given family (4 or 16 address octets at most).
    static func decode(_ reader: inout WireReader, addressLength: Int) throws(BGPError) -> IPPrefix {
        let start = reader.offset
        do {
            let bits = Int(try reader.readUInt8())
            guard bits <= addressLength * 8 else {
                throw BGPError.reset(.invalidNetworkField, .update, NotificationSubcode.Update.invalidNetworkField,
                                     "prefix length \(bits) exceeds \(addressLength * 8)", offset: start)
            }
            var octets = try reader.readBytes((bits + 7) / 8)
            octets.append(contentsOf: repeatElement(0, count: addressLength - octets.count))
            guard let address = IPAddress(bytes: octets) else {
                throw BGPError.reset(.invalidNetworkField, .update, NotificationSubcode.Update.invalidNetworkField,
                                     "prefix of \(addressLength) octets", offset: start)
            }
            return IPPrefix(address: address, length: UInt8(bits))
        } catch let error as BGPError {
            throw error
        } catch {
            throw .reset(.invalidNetworkField, .update, NotificationSubcode.Update.invalidNetworkField,
                         "prefix runs past the end of its field", offset: start)
        }
    }

    func encode(into writer: inout WireWriter) {
        writer.writeUInt8(length)
        writer.writeBytes(address.bytes.prefix((Int(length) + 7) / 8))
    }
}

/// A prefix with its RFC 7911 path identifier, when ADD-PATH is in use for its family.
public struct PrefixNLRI: Hashable, Sendable {
    public var pathID: UInt32?
    public var prefix: IPPrefix
    public init(pathID: UInt32? = nil, prefix: IPPrefix) {
        self.pathID = pathID
        self.prefix = prefix
    }

    static func decodeList(_ reader: inout WireReader, addressLength: Int, addPath: Bool) throws(BGPError) -> [PrefixNLRI] {
        var list: [PrefixNLRI] = []
        while !reader.isAtEnd {
            var pathID: UInt32? = nil
            if addPath {
                do {
                    pathID = try reader.readUInt32()
                } catch {
                    throw .reset(.invalidNetworkField, .update, NotificationSubcode.Update.invalidNetworkField,
                                 "path identifier runs past the end of its field", offset: error.offset)
                }
            }
            list.append(PrefixNLRI(pathID: pathID, prefix: try IPPrefix.decode(&reader, addressLength: addressLength)))
        }
        return list
    }

    static func encodeList(_ list: [PrefixNLRI], into writer: inout WireWriter) {
        for item in list {
            if let pathID = item.pathID { writer.writeUInt32(pathID) }
            item.prefix.encode(into: &writer)
        }
    }
}
