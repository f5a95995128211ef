// Fuzz target "bgp-message": the BGP framer and message decoders (OPEN, UPDATE with RFC 7606 handling,
// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH).
//
// Input: one octet choosing the codec context (bit 0: four-octet AS, bit 1: extended messages, bit 2: ADD-PATH
// for L2VPN EVPN, bit 3: ADD-PATH for IPv4 unicast, bits 4-7: how the rest is cut into reads), then a TCP byte
// stream. Invariants checked:
// - the framer yields the same frames whatever the read boundaries (one lump vs. chunks);
// - a message that decodes re-encodes, and the re-encoded bytes decode to the same message (clean UPDATEs
//   only: an UPDATE with RFC 7606 problems is not meant to survive a round trip, its bad parts are dropped;
//   EVPN NLRI of unknown types are dropped too);
// - re-encoding the decoded message a second time gives the same bytes (encoding is a function of the value).
import BGPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBGPMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard let selector = input.first else { return 0 }
    var addPath: Set<AddressFamily> = []
    if selector & 4 != 0 { addPath.insert(.l2vpnEVPN) }
    if selector & 8 != 0 { addPath.insert(.ipv4Unicast) }
    let context = CodecContext(fourOctetAS: selector & 1 != 0, extendedMessages: selector & 2 != 0, addPath: addPath)
    let stream = Array(input.dropFirst())
    let chunk = Int(selector >> 4) * 7 + 1

    let lump = frames(of: [stream[...]], context: context)
    var pieces: [ArraySlice<UInt8>] = []
    var i = 0
    while i < stream.count {
        pieces.append(stream[i..<min(i + chunk, stream.count)])
        i += chunk
    }
    let chunked = frames(of: pieces, context: context)
    fuzzInvariant(lump == chunked, "framing depends on read boundaries (chunk \(chunk))")

    for frame in lump.frames {
        let message: BGPMessage
        do {
            message = try BGPMessage.decode(type: frame.type, body: frame.body, context: context)
        } catch {
            _ = error.description
            continue
        }
        if case .update(let update) = message, !update.problems.isEmpty { continue }
        let encoded: [UInt8]
        do {
            encoded = try message.encode(context: context)
        } catch {
            fuzzInvariant(false, "decoded \(message.type) does not re-encode: \(error)")
            continue
        }
        let again: BGPMessage
        do {
            again = try BGPMessage.decode(message: encoded, context: context)
        } catch {
            fuzzInvariant(false, "re-encoded \(message.type) does not decode: \(error)")
            continue
        }
        fuzzInvariant(again == message.withoutSkippedRouteTypes,
                      "\(message.type) changes in a round trip:\n\(message)\n\(again)")
        let twice = try? again.encode(context: context)
        fuzzInvariant(twice == encoded, "\(message.type) encodes differently the second time")
    }
    return 0
}

/// Frames cut from the reads, and the header error that stopped the framer, if any.
private struct Framed: Equatable {
    var frames: [MessageFramer.Frame] = []
    var error: BGPError?
}

private func frames(of reads: [ArraySlice<UInt8>], context: CodecContext) -> Framed {
    var framer = MessageFramer(context: context)
    var result = Framed()
    for read in reads {
        framer.append(read)
        do {
            while let frame = try framer.next() { result.frames.append(frame) }
        } catch {
            result.error = error
            return result
        }
    }
    return result
}
