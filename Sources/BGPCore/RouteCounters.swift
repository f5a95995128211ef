// Routes per peer and EVPN route type, as plain values the metrics endpoint reads (the core stays free of
// any metrics backend): what a peer announced, what its Adj-RIB-In holds, what its Adj-RIB-Out holds.
// Kept up to date where the RIB changes (an increment beside the existing pfxRcd/pfxSnt bookkeeping), so a
// scrape reads them without walking any table.

import BGPWire

/// A count per EVPN route type: RFC 7432 types 1 to 4 and RFC 9136 type 5 (the only ones the decoder
/// passes on; others are skipped and counted as RFC 7606 `unknownRouteTypes`).
public struct RouteTypeCounts: Hashable, Sendable {
    public var ethernetAutoDiscovery = 0
    public var macIP = 0
    public var inclusiveMulticast = 0
    public var ethernetSegment = 0
    public var ipPrefix = 0

    public init() {}

    /// The route types counted, in order.
    public static let routeTypes: [UInt8] = [1, 2, 3, 4, 5]

    public subscript(type: UInt8) -> Int {
        get {
            switch type {
            case 1: return ethernetAutoDiscovery
            case 2: return macIP
            case 3: return inclusiveMulticast
            case 4: return ethernetSegment
            case 5: return ipPrefix
            default: return 0
            }
        }
        set {
            switch type {
            case 1: ethernetAutoDiscovery = newValue
            case 2: macIP = newValue
            case 3: inclusiveMulticast = newValue
            case 4: ethernetSegment = newValue
            case 5: ipPrefix = newValue
            default: break
            }
        }
    }

    public var total: Int { ethernetAutoDiscovery + macIP + inclusiveMulticast + ethernetSegment + ipPrefix }
}

/// One peer's routes of the l2vpn evpn family, by route type.
public struct PeerRouteCounts: Hashable, Sendable {
    /// Routes the peer announced, each announcement once (also those then handled as withdrawals under
    /// RFC 7606, or dropped as loops), since the peer was configured: a counter.
    public var received = RouteTypeCounts()
    /// Paths from the peer held in the Adj-RIB-In now (FRR's pfxRcd, by type).
    public var accepted = RouteTypeCounts()
    /// Routes in the peer's Adj-RIB-Out now (FRR's pfxSnt, by type).
    public var advertised = RouteTypeCounts()

    public init() {}
}

extension Engine {
    /// The routes of one peer by type; nil for a peer that is not configured.
    public func routeCounts(of peer: PeerID) -> PeerRouteCounts? {
        guard let entry = peers[peer] else { return nil }
        var counts = PeerRouteCounts()
        counts.received = entry.routesReceived
        if let slot = rib.slots[peer], let source = rib.sources[Int(slot)] { counts.accepted = source.pathsByType }
        if let out = rib.outPeers[peer] { counts.advertised = out.sentByType }
        return counts
    }

    /// Counts what one UPDATE announces, before RFC 7606 and loop checks decide what to keep.
    mutating func countAnnounced(_ update: UpdateMessage, from id: PeerID) {
        guard let reach = update.mpReach, reach.family == .l2vpnEVPN, case .evpn(let list) = reach.nlri, !list.isEmpty,
              let i = peers.index(forKey: id) else { return }
        for nlri in list { peers.values[i].routesReceived[nlri.route.routeType] += 1 }
    }
}
