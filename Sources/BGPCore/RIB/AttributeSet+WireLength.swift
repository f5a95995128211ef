// About how many octets an attribute set takes in an UPDATE, so a batch's budget counts attributes as well as
// NLRI: with one route per attribute set (per-route communities), a budget of NLRI octets alone let one batch
// reach megabytes, queued at once for a peer that may not be reading (UpdatePacking.swift, nextBatch).

import BGPWire

extension AttributeSet {
    /// Attribute headers and values, MP_REACH header and next hop; an estimate (over rather than under).
    var estimatedWireLength: Int {
        var total = 4 + 3 + 1 + nextHop.count + 1
        for attribute in content.attributes {
            total += 4
            switch attribute.value {
            case .asPath(let path), .as4Path(let path): total += path.segments.reduce(0) { $0 + 2 + 4 * $1.asns.count }
            case .communities(let list): total += 4 * list.count
            case .clusterList(let list): total += 4 * list.count
            case .extendedCommunities(let list): total += 8 * list.count
            case .largeCommunities(let list): total += 12 * list.count
            case .pmsiTunnel(let tunnel): total += tunnel.valueLength
            case .unknown(_, let value): total += value.count
            default: total += 8
            }
        }
        return total
    }
}
