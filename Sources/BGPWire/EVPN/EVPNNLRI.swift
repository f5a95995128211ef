// The NLRI field of an MP_REACH_NLRI / MP_UNREACH_NLRI attribute for AFI 25 / SAFI 70 (RFC 4760
// section 3 and 4, RFC 7432 section 7): a run of EVPN NLRI, each preceded by a 4-octet path
// identifier when ADD-PATH was negotiated for the family in this direction (RFC 7911 section 3).
//
// ```
//  [Path Identifier (4)] | Route Type (1) | Length (1) | value (Length)   ... repeated to the end
// ```
// Route types this speaker does not know are skipped by their length and reported, never passed on
// (RFC 7432 section 7: "routes of unknown type ... MUST be ignored"; RFC 7606 section 5.4 keeps the
// rest of the UPDATE usable). A length that overruns the field, or does not fit its route type, makes
// the whole attribute unusable: see EVPNDecodeError.swift for the outcome.

/// One EVPN route with its RFC 7911 path identifier, when ADD-PATH is in use.
public struct EVPNNLRI: Hashable, Sendable, CustomStringConvertible {
    public var pathID: UInt32?
    public var route: EVPNRoute

    public init(pathID: UInt32? = nil, route: EVPNRoute) {
        self.pathID = pathID
        self.route = route
    }

    public var description: String {
        if let pathID { return "\(route) path-id \(pathID)" }
        return route.description
    }
}

/// What one NLRI field held.
public struct EVPNNLRIList: Hashable, Sendable {
    public var routes: [EVPNNLRI]
    /// Route types of NLRI that were skipped because this speaker does not know them, in order.
    public var skippedRouteTypes: [UInt8]

    public init(routes: [EVPNNLRI] = [], skippedRouteTypes: [UInt8] = []) {
        self.routes = routes
        self.skippedRouteTypes = skippedRouteTypes
    }
}

public enum EVPNNLRICodec {
    /// Decodes every NLRI in `reader`, which must be bounded to exactly the NLRI field.
    /// Errors carry the offset (in `reader.bytes`) of the NLRI or field at fault.
    public static func decode(_ reader: inout WireReader, addPath: Bool) throws(BGPError) -> EVPNNLRIList {
        var list = EVPNNLRIList()
        while !reader.isAtEnd {
            var pathID: UInt32? = nil
            if addPath {
                do {
                    pathID = try reader.readUInt32()
                } catch {
                    throw .evpnLength("path identifier needs 4 octets, \(error.available) left in the NLRI field",
                                      offset: error.offset)
                }
            }
            let nlriOffset = reader.offset
            let routeType: UInt8
            let length: Int
            let value: WireReader
            do {
                routeType = try reader.readUInt8()
                length = Int(try reader.readUInt8())
            } catch {
                throw .evpnLength("EVPN NLRI header needs 2 octets, \(reader.remaining) left in the NLRI field",
                                  offset: nlriOffset)
            }
            do {
                value = try reader.bounded(length)
            } catch {
                throw .evpnLength("route type \(routeType) length \(length) overruns the \(error.available) octets "
                                  + "left in the NLRI field", offset: nlriOffset)
            }
            if let route = try EVPNRoute.decode(type: routeType, value: value, nlriOffset: nlriOffset) {
                list.routes.append(EVPNNLRI(pathID: pathID, route: route))
            } else {
                list.skippedRouteTypes.append(routeType)
            }
        }
        return list
    }

    /// Writes the NLRI one after another, each with its path identifier when it has one; the caller
    /// sets `pathID` on all or none, as negotiated for the session.
    public static func encode(_ nlri: [EVPNNLRI], into writer: inout WireWriter) {
        for item in nlri {
            if let pathID = item.pathID { writer.writeUInt32(pathID) }
            item.route.encode(into: &writer)
        }
    }
}
