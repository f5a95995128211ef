// Path attributes as the RIB keeps them: everything an UPDATE says about its routes except the NLRI
// (ORIGIN, AS_PATH, the MP_REACH next hop, MED, LOCAL_PREF, communities, extended communities,
// ORIGINATOR_ID, CLUSTER_LIST, PMSI_TUNNEL, unknown optional attributes with their flags), stored
// once per distinct value and shared by every route that carries it (hash-consing, as BIRD's
// `ea_lookup` and FRR's `bgp_attr_intern` do). Routes from one VTEP share one set, so a table of
// many routes from few VTEPs costs little more than the keys; UPDATEs are grouped by set identity.

import BGPWire

/// The value of an attribute set: what makes two sets equal.
struct AttributeContent: Hashable, Sendable {
    /// Sorted by type, without MP_REACH_NLRI, MP_UNREACH_NLRI and NEXT_HOP.
    var attributes: [PathAttribute]
    /// The MP_REACH_NLRI next hop as it was sent (4, 16 or 32 octets).
    var nextHop: [UInt8]

    init(attributes: [PathAttribute], nextHop: [UInt8]) {
        self.attributes = attributes
            .filter { $0.type != .mpReachNLRI && $0.type != .mpUnreachNLRI && $0.type != .nextHop }
            .sorted { $0.type < $1.type }
        self.nextHop = nextHop
    }
}

/// One interned attribute set. Immutable; compare with `===`. What best path reads is worked out
/// once here rather than on every comparison.
final class AttributeSet: Sendable {
    let content: AttributeContent

    let origin: Origin
    let asPath: ASPath
    let localPref: UInt32?
    let med: UInt32?
    let originatorID: IPv4Address?
    let clusterList: [IPv4Address]
    let extendedCommunities: [ExtendedCommunity]
    /// RFC 7432 section 7.7: the MAC Mobility community's sequence number and sticky flag.
    let macMobility: (sequence: UInt32, sticky: Bool)?

    init(_ content: AttributeContent) {
        self.content = content
        var origin = Origin.igp
        var asPath = ASPath.empty
        var localPref: UInt32?
        var med: UInt32?
        var originatorID: IPv4Address?
        var clusterList: [IPv4Address] = []
        var communities: [ExtendedCommunity] = []
        for attribute in content.attributes {
            switch attribute.value {
            case .origin(let value): origin = value
            case .asPath(let value): asPath = value
            case .localPref(let value): localPref = value
            case .multiExitDisc(let value): med = value
            case .originatorID(let value): originatorID = value
            case .clusterList(let value): clusterList = value
            case .extendedCommunities(let value): communities = value
            default: break
            }
        }
        var mobility: (UInt32, Bool)?
        for community in communities {
            if case .macMobility(let sequence, let sticky) = community.kind { mobility = (sequence, sticky) }
        }
        self.origin = origin
        self.asPath = asPath
        self.localPref = localPref
        self.med = med
        self.originatorID = originatorID
        self.clusterList = clusterList
        self.extendedCommunities = communities
        self.macMobility = mobility
    }

    var attributes: [PathAttribute] { content.attributes }
    var nextHop: [UInt8] { content.nextHop }
    var nextHopAddress: IPAddress? {
        switch nextHop.count {
        case 4: return IPAddress(bytes: nextHop)
        case 16, 32: return IPAddress(bytes: Array(nextHop.prefix(16)))
        default: return nil
        }
    }

    func value(_ type: AttributeType) -> PathAttributeValue? { content.attributes.first { $0.type == type }?.value }

    /// RFC 4271 section 9.1.2.2 (c): the neighboring AS is the first AS of the path.
    var neighborAS: UInt32? {
        guard let first = asPath.segments.first, first.type == .sequence else { return nil }
        return first.asns.first
    }
}

/// The interning table. A set stays while some route holds it: the table's own reference is the
/// only one left when every route dropped it, which a sweep (amortised, after the table doubled)
/// notices with `isKnownUniquelyReferenced`. A copied engine shares sets, so a sweep in one copy
/// keeps what the other still uses: at worst a set lives longer, never shorter.
struct AttributeInterner: Sendable {
    private var table: [AttributeContent: AttributeSet] = [:]
    private var sweepAt = 64

    var count: Int { table.count }

    mutating func intern(_ content: AttributeContent) -> AttributeSet {
        if let existing = table[content] { return existing }
        if table.count >= sweepAt {
            sweep()
            sweepAt = max(64, table.count * 2)
        }
        let set = AttributeSet(content)
        table[content] = set
        return set
    }

    mutating func intern(attributes: [PathAttribute], nextHop: [UInt8]) -> AttributeSet {
        intern(AttributeContent(attributes: attributes, nextHop: nextHop))
    }

    /// Drops sets nothing else refers to.
    mutating func sweep() {
        var dead: [AttributeContent] = []
        var index = table.values.startIndex
        while index != table.values.endIndex {
            if isKnownUniquelyReferenced(&table.values[index]) { dead.append(table.keys[index]) }
            table.values.formIndex(after: &index)
        }
        for key in dead { table[key] = nil }
    }
}
