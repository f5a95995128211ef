// Fuzz target "evpn-nlri": the NLRI field of an L2VPN EVPN MP_REACH/MP_UNREACH (route types 1 to 5, unknown
// types skipped), with and without ADD-PATH path identifiers.
//
// Input: one octet (bit 0: ADD-PATH), then the NLRI field. Invariants checked: the routes that decode re-encode
// and decode to the same routes; encoding them again gives the same bytes; when no route type was skipped, the
// re-encoded field has the input's length (every octet of the field belongs to a route); each route's key and
// description can be computed.
import BGPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEVPNNLRI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard let selector = input.first else { return 0 }
    let addPath = selector & 1 != 0
    let field = Array(input.dropFirst())
    var reader = WireReader(field)
    let list: EVPNNLRIList
    do {
        list = try EVPNNLRICodec.decode(&reader, addPath: addPath)
    } catch {
        _ = error.description
        return 0
    }
    for nlri in list.routes { _ = nlri.description }
    var writer = WireWriter()
    EVPNNLRICodec.encode(list.routes, into: &writer)
    let encoded = writer.bytes
    if list.skippedRouteTypes.isEmpty {
        fuzzInvariant(encoded.count == field.count,
                      "\(field.count)-octet field re-encodes to \(encoded.count) octets: \(list.routes)")
    }
    var again = WireReader(encoded)
    do {
        let decoded = try EVPNNLRICodec.decode(&again, addPath: addPath)
        fuzzInvariant(decoded.routes == list.routes, "routes change in a round trip:\n\(list.routes)\n\(decoded.routes)")
        fuzzInvariant(decoded.skippedRouteTypes.isEmpty, "re-encoding produced unknown route types")
    } catch {
        fuzzInvariant(false, "re-encoded routes do not decode: \(error)\n\(list.routes)")
    }
    var writer2 = WireWriter()
    EVPNNLRICodec.encode(list.routes, into: &writer2)
    fuzzInvariant(writer2.bytes == encoded, "routes encode differently the second time")
    return 0
}
