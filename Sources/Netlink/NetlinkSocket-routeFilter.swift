import Glibc

// A socket filter (classic BPF, as NetlinkSocket-filter.swift does for the FDB) that keeps the kernel's
// echoes of evpnd's own route installs off the route event socket. Installing 1,000,000 BGP routes queued
// as many RTM_NEWROUTE notifications (each about a kilobyte of socket buffer): the socket overran and the
// daemon dumped the table again and again, to learn what its reconciler had already written into its model.
//
// What it drops: RTM_NEWROUTE with rtm_protocol RTPROT_BGP (186). What still comes: every deletion (an
// operator removing a route evpnd wants is put back; a mass withdrawal that overruns the socket ends in one
// cheap dump of what is left), routes of every other protocol (connected routes, static routes, an
// operator's), links. A proto bgp route another process adds or changes is seen at the next dump.
//
// Offsets in the notification skb (one message each): nlmsghdr type at 4 (u16, host order), rtmsg
// rtm_protocol at 16 + 5 = 21.

extension NetlinkSocket {
    static func bgpRouteAddFilter() -> [SocketFilterInstruction] {
        let newRouteAsLoaded = UInt32(NetlinkMessageType.newRoute.rawValue.bigEndian)
        return [
            SocketFilterInstruction(code: 0x28, jumpTrue: 0, jumpFalse: 0, k: 4),                       // 0: A = nlmsg_type
            SocketFilterInstruction(code: 0x15, jumpTrue: 0, jumpFalse: 3, k: newRouteAsLoaded),        // 1: not NEWROUTE -> 5
            SocketFilterInstruction(code: 0x30, jumpTrue: 0, jumpFalse: 0, k: 21),                      // 2: A = rtm_protocol
            SocketFilterInstruction(code: 0x15, jumpTrue: 0, jumpFalse: 1, k: UInt32(RouteProtocol.bgp.rawValue)), // 3: not bgp -> 5
            SocketFilterInstruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0),                       // 4: drop
            SocketFilterInstruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0xFFFF_FFFF),             // 5: keep
        ]
    }

    /// Stops RTM_NEWROUTE notifications of proto bgp routes from reaching this socket.
    public func ignoreBGPRouteAdds() throws(NetlinkError) {
        var instructions = Self.bgpRouteAddFilter()
        let count = instructions.count
        _ = try instructions.withUnsafeMutableBufferPointer { (buffer) throws(NetlinkError) -> Int32 in
            var program = SocketFilterProgram(length: UInt16(count), filter: buffer.baseAddress)
            return try systemCall("setsockopt(SO_ATTACH_FILTER)") {
                setsockopt(fileDescriptor, SOL_SOCKET, Self.attachFilter, &program, socklen_t(MemoryLayout<SocketFilterProgram>.size))
            }
        }
    }
}
