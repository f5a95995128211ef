// Kernel notifications (RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_NEXTHOP) and the non-blocking read that collects them.

public enum NetlinkEvent: Equatable, Hashable, Sendable {
    case newLink(Link)
    case deletedLink(Link)
    /// RTM_NEWNEIGH of family AF_BRIDGE: an FDB entry added or changed.
    case newFDB(FDBEntry)
    /// RTM_DELNEIGH of family AF_BRIDGE.
    case deletedFDB(FDBEntry)
    /// RTM_NEWNEIGH of family AF_INET or AF_INET6: an ARP or ND neighbour added or changed.
    case newIPNeighbour(IPNeighbour)
    /// RTM_DELNEIGH of family AF_INET or AF_INET6.
    case deletedIPNeighbour(IPNeighbour)
    /// RTM_NEWNEXTHOP: a nexthop object added or replaced (a group also when a member's delete changed it).
    case newNexthop(Nexthop)
    /// RTM_DELNEXTHOP
    case deletedNexthop(Nexthop)
    /// Anything else (other message types).
    case other(NetlinkMessage)
    /// A notification that did not decode; the daemon logs it and resyncs.
    case malformed(NetlinkDecodeError)

    public init(_ message: NetlinkMessage) {
        do throws(NetlinkDecodeError) {
            switch (message.header.type, message.payload) {
            // A link message of family AF_BRIDGE is the bridge telling about one of its ports (its STP state,
            // IFLA_PROTINFO): it carries no IFLA_LINKINFO, so read as a whole link it would say a VXLAN device
            // had lost its kind; RTM_DELLINK of that family means "left the bridge", not "deleted". The
            // AF_UNSPEC message the kernel sends beside it has the link's real state.
            case (.newLink, .link(let l)) where l.family != .bridge: self = .newLink(try Link(l))
            case (.delLink, .link(let l)) where l.family != .bridge: self = .deletedLink(try Link(l))
            case (.newNeighbour, .neighbour(let n)) where n.family == .bridge: self = .newFDB(try FDBEntry(n))
            case (.delNeighbour, .neighbour(let n)) where n.family == .bridge: self = .deletedFDB(try FDBEntry(n))
            case (.newNeighbour, .neighbour(let n)) where n.family == .inet || n.family == .inet6:
                self = .newIPNeighbour(try IPNeighbour(n))
            case (.delNeighbour, .neighbour(let n)) where n.family == .inet || n.family == .inet6:
                self = .deletedIPNeighbour(try IPNeighbour(n))
            case (.newNexthop, .nexthop(let n)): self = .newNexthop(try Nexthop(n))
            case (.delNexthop, .nexthop(let n)): self = .deletedNexthop(try Nexthop(n))
            default: self = .other(message)
            }
        } catch {
            self = .malformed(error)
        }
    }
}

public enum EventReadResult: Equatable, Hashable, Sendable {
    /// What was available (possibly nothing).
    case events([NetlinkEvent])
    /// The receive queue overflowed (ENOBUFS) and events were lost: dump links and FDB again.
    case overrun
}

extension NetlinkSocket {
    /// Reads whatever notifications are available without blocking, up to `maxDatagrams` datagrams (so one busy
    /// socket cannot starve the caller's other work; call again while the descriptor stays readable).
    public func readEvents(maxDatagrams: Int = 1024) throws(NetlinkError) -> EventReadResult {
        if overrunPending {
            overrunPending = false
            pendingEvents.removeAll()
            return .overrun
        }
        var events = pendingEvents.map(NetlinkEvent.init)
        pendingEvents.removeAll()
        var read = 0
        while read < maxDatagrams {
            // Several datagrams a system call, decoded in place (NetlinkSocket-receiveBatch.swift,
            // NetlinkEvent-fast.swift).
            switch try receiveBatch({ NetlinkEvent.decodeDatagram($0, into: &events) }) {
            case .datagrams(let n):
                read += n
            case .overrun:
                return .overrun
            case .wouldBlock:
                return .events(events)
            }
        }
        return .events(events)
    }
}
