// Typed operations: what evpnd asks of the kernel. Each FDB change also exists as a NetlinkRequest for batches.

extension NetlinkSocket {
    /// include/uapi/linux/rtnetlink.h: RTEXT_FILTER_SKIP_STATS = 1 << 3 (leave IFLA_STATS* out of link dumps)
    static let extFilterSkipStats: UInt32 = 1 << 3

    /// Every link in the namespace (`ip -d link show`).
    public func listLinks() throws(NetlinkError) -> [Link] {
        let request = NetlinkRequest(
            type: .getLink, body: .link(LinkMessage(attributes: [LinkAttribute.extMask(Self.extFilterSkipStats).raw])))
        var links: [Link] = []
        for message in try dump(request) {
            guard message.header.type == .newLink, case .link(let l) = message.payload else { continue }
            do { links.append(try Link(l)) } catch { throw NetlinkError.decode(error) }
        }
        return links
    }

    /// One link by name (`ip -d link show dev NAME`); nil if there is none.
    public func link(named name: String) throws(NetlinkError) -> Link? {
        let request = NetlinkRequest(
            type: .getLink,
            body: .link(LinkMessage(attributes: [LinkAttribute.extMask(Self.extFilterSkipStats).raw, LinkAttribute.name(name).raw])))
        let replies: [NetlinkMessage]
        do {
            replies = try transact(request)
        } catch {
            if case .request(let f) = error, f.errno == .ENODEV { return nil }
            throw error
        }
        for message in replies {
            guard case .link(let l) = message.payload else { continue }
            do { return try Link(l) } catch { throw NetlinkError.decode(error) }
        }
        return nil
    }

    /// The FDB (`bridge fdb show [br BRIDGE] [dev DEVICE]`): with `bridge`, the entries of that bridge and its
    /// ports; with `device`, those of one device (a VXLAN device's own `self` entries included).
    public func dumpFDB(bridge: Int32? = nil, device: Int32? = nil) throws(NetlinkError) -> [FDBEntry] {
        var message = NeighbourMessage(family: .bridge, ifindex: device ?? 0)
        if let bridge { message.attributes.append(NeighbourAttribute.master(UInt32(bitPattern: bridge)).raw) }
        var entries: [FDBEntry] = []
        for reply in try dump(NetlinkRequest(type: .getNeighbour, body: .neighbour(message))) {
            guard reply.header.type == .newNeighbour, case .neighbour(let n) = reply.payload, n.family == .bridge else { continue }
            do { entries.append(try FDBEntry(n)) } catch { throw NetlinkError.decode(error) }
        }
        return entries
    }

    public func addFDB(_ entry: FDBEntry) throws(NetlinkError) { try performOne(.addFDB(entry)) }
    public func replaceFDB(_ entry: FDBEntry) throws(NetlinkError) { try performOne(.replaceFDB(entry)) }
    public func appendFDB(_ entry: FDBEntry) throws(NetlinkError) { try performOne(.appendFDB(entry)) }
    public func deleteFDB(_ entry: FDBEntry) throws(NetlinkError) { try performOne(.deleteFDB(entry)) }

    private func performOne(_ request: NetlinkRequest) throws(NetlinkError) {
        switch try perform([request])[0] {
        case .ok: return
        case .failed(let f): throw NetlinkError.request(f)
        case .unanswered: throw overrunPending ? NetlinkError.overrun : NetlinkError.timedOut
        }
    }
}
