// Fuzz target "netlink": a netlink datagram as the kernel would deliver it (nlmsghdr, NLMSG_ERROR/DONE,
// RTM_*LINK with IFLA_LINKINFO/VXLAN data, RTM_*NEIGH bridge FDB rows), then the typed views the daemon reads
// (NetlinkEvent: Link, FDBEntry; typed attributes).
//
// Invariants checked: messages that decode re-encode, and the re-encoded datagram decodes to the same messages;
// encoding is stable; the typed view of a re-decoded message is the same as of the original.
import Netlink

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlink(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    let messages: [NetlinkMessage]
    do {
        messages = try NetlinkMessage.decodeAll(input)
    } catch {
        _ = "\(error)"
        return 0
    }
    var out: [UInt8] = []
    for m in messages { m.encode(into: &out) }
    let again: [NetlinkMessage]
    do {
        again = try NetlinkMessage.decodeAll(out)
    } catch {
        fuzzInvariant(false, "re-encoded datagram does not decode: \(error)")
        return 0
    }
    fuzzInvariant(again.count == messages.count, "\(messages.count) messages re-decode as \(again.count)")
    for (original, decoded) in zip(messages, again) {
        // nlmsg_len is recomputed on encoding; everything else must survive.
        var expected = original
        expected.header.length = decoded.header.length
        fuzzInvariant(decoded == expected, "message changes in a round trip:\n\(original)\n\(decoded)")
        fuzzInvariant(NetlinkEvent(expected) == NetlinkEvent(decoded),
                      "typed view changes in a round trip:\n\(NetlinkEvent(expected))\n\(NetlinkEvent(decoded))")
        switch original.payload {
        case .link(let l): _ = try? l.typedAttributes()
        case .neighbour(let n): _ = try? n.typedAttributes()
        default: break
        }
    }
    var out2: [UInt8] = []
    for m in again { m.encode(into: &out2) }
    fuzzInvariant(out2 == out, "encoding is not stable")
    return 0
}
