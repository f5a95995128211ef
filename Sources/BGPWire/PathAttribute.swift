// Path attributes (RFC 4271 section 4.3 and 5) and their values.
//
// Each attribute on the wire:
// ```
//  Attr. Flags (1) | Attr. Type Code (1) | Attr. Length (1, or 2 if Extended Length) | Value
// ```
// Decoding is driven by one table row per attribute type (PathAttributeTable.swift): its name, the
// flags its definition requires, what RFC 7606 says to do when it is malformed, and its decoder.
// Types outside the table are kept as flags and bytes so a reflector passes optional transitive
// attributes on unchanged.

public struct AttributeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let optional = AttributeFlags(rawValue: 0x80)
    public static let transitive = AttributeFlags(rawValue: 0x40)
    public static let partial = AttributeFlags(rawValue: 0x20)
    public static let extendedLength = AttributeFlags(rawValue: 0x10)

    public static let wellKnown: AttributeFlags = [.transitive]
    public static let optionalTransitive: AttributeFlags = [.optional, .transitive]
    public static let optionalNonTransitive: AttributeFlags = [.optional]
}

public struct AttributeType: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let origin = AttributeType(rawValue: 1)
    public static let asPath = AttributeType(rawValue: 2)
    public static let nextHop = AttributeType(rawValue: 3)
    public static let multiExitDisc = AttributeType(rawValue: 4)
    public static let localPref = AttributeType(rawValue: 5)
    public static let atomicAggregate = AttributeType(rawValue: 6)
    public static let aggregator = AttributeType(rawValue: 7)
    /// RFC 1997.
    public static let communities = AttributeType(rawValue: 8)
    /// RFC 4456.
    public static let originatorID = AttributeType(rawValue: 9)
    public static let clusterList = AttributeType(rawValue: 10)
    /// RFC 4760.
    public static let mpReachNLRI = AttributeType(rawValue: 14)
    public static let mpUnreachNLRI = AttributeType(rawValue: 15)
    /// RFC 4360.
    public static let extendedCommunities = AttributeType(rawValue: 16)
    /// RFC 6793.
    public static let as4Path = AttributeType(rawValue: 17)
    public static let as4Aggregator = AttributeType(rawValue: 18)
    /// RFC 6514.
    public static let pmsiTunnel = AttributeType(rawValue: 22)
    /// RFC 8092.
    public static let largeCommunities = AttributeType(rawValue: 32)

    public static func < (lhs: AttributeType, rhs: AttributeType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// ORIGIN values (RFC 4271 section 5.1.1).
public enum Origin: UInt8, Hashable, Sendable {
    case igp = 0
    case egp = 1
    case incomplete = 2

    public var name: String {
        switch self {
        case .igp: return "IGP"
        case .egp: return "EGP"
        case .incomplete: return "incomplete"
        }
    }
}

/// AS_PATH / AS4_PATH (RFC 4271 section 4.3, RFC 5065, RFC 6793):
/// segments of `Segment type (1) | Segment length in ASes (1) | ASes (2 or 4 octets each)`.
public struct ASPath: Hashable, Sendable, CustomStringConvertible {
    public struct SegmentType: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let set = SegmentType(rawValue: 1)
        public static let sequence = SegmentType(rawValue: 2)
        public static let confedSequence = SegmentType(rawValue: 3)
        public static let confedSet = SegmentType(rawValue: 4)
    }

    public struct Segment: Hashable, Sendable {
        public var type: SegmentType
        public var asns: [UInt32]
        public init(type: SegmentType, asns: [UInt32]) {
            self.type = type
            self.asns = asns
        }
    }

    public var segments: [Segment]
    public init(segments: [Segment] = []) { self.segments = segments }
    public static let empty = ASPath()

    /// RFC 4271 section 9.1.2.2 (a): an AS_SET counts as one, confederation segments not at all.
    public var pathLength: Int {
        segments.reduce(0) { total, segment in
            switch segment.type {
            case .sequence: return total + segment.asns.count
            case .set: return total + 1
            default: return total
            }
        }
    }

    /// The path as FRR prints it: "65001 65002 {65003,65004}".
    public var description: String {
        segments.map { segment -> String in
            let list = segment.asns.map(String.init)
            switch segment.type {
            case .set: return "{" + list.joined(separator: ",") + "}"
            case .confedSequence: return "(" + list.joined(separator: " ") + ")"
            case .confedSet: return "[" + list.joined(separator: ",") + "]"
            default: return list.joined(separator: " ")
            }
        }.joined(separator: " ")
    }

    /// Decodes AS_PATH or AS4_PATH; `outcome` is what RFC 7606 demands when it is malformed
    /// (treat-as-withdraw for AS_PATH, attribute discard for AS4_PATH per RFC 6793 section 6).
    static func decode(_ reader: inout WireReader, fourOctet: Bool, type attribute: AttributeType,
                       outcome: ErrorOutcome) throws(BGPError) -> ASPath {
        func malformedASPath(_ reason: String, offset: Int) -> BGPError {
            BGPError(.malformedASPath, outcome, PathAttributeTable.name(of: attribute) + " " + reason,
                     offset: offset, attributeType: attribute.rawValue)
        }
        var segments: [Segment] = []
        let width = fourOctet ? 4 : 2
        while !reader.isAtEnd {
            let start = reader.offset
            guard reader.remaining >= 2 else { throw malformedASPath("segment header truncated", offset: start) }
            let type = SegmentType(rawValue: (try? reader.readUInt8()) ?? 0)
            let count = Int((try? reader.readUInt8()) ?? 0)
            guard (1...4).contains(type.rawValue) else {
                throw malformedASPath("segment type \(type.rawValue) is undefined", offset: start)
            }
            guard count > 0 else { throw malformedASPath("segment of zero length", offset: start) }
            guard reader.remaining >= count * width else {
                throw malformedASPath("segment of \(count) ASes overruns the attribute", offset: start)
            }
            var asns: [UInt32] = []
            asns.reserveCapacity(count)
            for _ in 0..<count {
                asns.append(fourOctet ? ((try? reader.readUInt32()) ?? 0) : UInt32((try? reader.readUInt16()) ?? 0))
            }
            segments.append(Segment(type: type, asns: asns))
        }
        return ASPath(segments: segments)
    }

    /// Encodes the path; with 2-octet ASes a number above 65535 is written as AS_TRANS (RFC 6793).
    func encode(into writer: inout WireWriter, fourOctet: Bool) {
        for segment in segments {
            // A segment holds at most 255 ASes; longer ones are split.
            var rest = segment.asns[...]
            repeat {
                let chunk = rest.prefix(255)
                rest = rest.dropFirst(chunk.count)
                writer.writeUInt8(segment.type.rawValue)
                writer.writeUInt8(UInt8(chunk.count))
                for asn in chunk {
                    if fourOctet { writer.writeUInt32(asn) } else { writer.writeUInt16(asn > 0xffff ? OpenMessage.asTrans : UInt16(asn)) }
                }
            } while !rest.isEmpty
        }
    }
}

/// AGGREGATOR (RFC 4271 section 5.1.7) and AS4_AGGREGATOR (RFC 6793): `AS (2 or 4) | IPv4 address (4)`.
public struct Aggregator: Hashable, Sendable {
    public var asn: UInt32
    public var address: IPv4Address
    public init(asn: UInt32, address: IPv4Address) {
        self.asn = asn
        self.address = address
    }
}

/// LARGE_COMMUNITY (RFC 8092): `Global Administrator (4) | Local Data Part 1 (4) | Local Data Part 2 (4)`.
public struct LargeCommunity: Hashable, Sendable, CustomStringConvertible {
    public var globalAdministrator: UInt32
    public var localData1: UInt32
    public var localData2: UInt32
    public init(_ global: UInt32, _ local1: UInt32, _ local2: UInt32) {
        globalAdministrator = global
        localData1 = local1
        localData2 = local2
    }
    public var description: String { "\(globalAdministrator):\(localData1):\(localData2)" }
}

/// The NLRI field of MP_REACH_NLRI / MP_UNREACH_NLRI, decoded where the family is one evpnd speaks.
public enum MultiprotocolNLRI: Hashable, Sendable {
    case evpn([EVPNNLRI])
    case prefixes([PrefixNLRI])
    /// A family evpnd does not decode: kept as bytes.
    case raw([UInt8])

    public var isEmpty: Bool {
        switch self {
        case .evpn(let list): return list.isEmpty
        case .prefixes(let list): return list.isEmpty
        case .raw(let bytes): return bytes.isEmpty
        }
    }

    public var count: Int {
        switch self {
        case .evpn(let list): return list.count
        case .prefixes(let list): return list.count
        case .raw(let bytes): return bytes.isEmpty ? 0 : 1
        }
    }
}

/// MP_REACH_NLRI (RFC 4760 section 3):
/// ```
///  AFI (2) | SAFI (1) | Length of Next Hop (1) | Next Hop (variable) | Reserved (1) | NLRI (variable)
/// ```
public struct MPReachNLRI: Hashable, Sendable {
    public var family: AddressFamily
    /// The next hop as sent: 4 (IPv4), 16 (IPv6 global) or 32 (IPv6 global + link-local) octets for
    /// the families evpnd decodes.
    public var nextHop: [UInt8]
    /// RFC 4760 says send 0 and ignore on receipt; kept so a capture re-encodes to the same bytes.
    public var reserved: UInt8
    public var nlri: MultiprotocolNLRI
    /// EVPN route types this speaker does not know, skipped while decoding (RFC 7606 section 5.4).
    public var skippedRouteTypes: [UInt8]

    public init(family: AddressFamily, nextHop: [UInt8], reserved: UInt8 = 0, nlri: MultiprotocolNLRI, skippedRouteTypes: [UInt8] = []) {
        self.family = family
        self.nextHop = nextHop
        self.reserved = reserved
        self.nlri = nlri
        self.skippedRouteTypes = skippedRouteTypes
    }

    public init(evpn routes: [EVPNNLRI], nextHop: IPAddress) {
        self.init(family: .l2vpnEVPN, nextHop: nextHop.bytes, nlri: .evpn(routes))
    }

    /// The global next hop address (the first 4 or 16 octets).
    public var nextHopAddress: IPAddress? {
        switch nextHop.count {
        case 4: return IPAddress(bytes: nextHop)
        case 16, 32: return IPAddress(bytes: Array(nextHop.prefix(16)))
        default: return nil
        }
    }

    /// The IPv6 link-local next hop, when 32 octets were sent.
    public var linkLocalNextHop: IPAddress? {
        nextHop.count == 32 ? IPAddress(bytes: Array(nextHop.suffix(16))) : nil
    }
}

/// MP_UNREACH_NLRI (RFC 4760 section 4): `AFI (2) | SAFI (1) | Withdrawn Routes (variable)`.
public struct MPUnreachNLRI: Hashable, Sendable {
    public var family: AddressFamily
    public var nlri: MultiprotocolNLRI
    public var skippedRouteTypes: [UInt8]

    public init(family: AddressFamily, nlri: MultiprotocolNLRI, skippedRouteTypes: [UInt8] = []) {
        self.family = family
        self.nlri = nlri
        self.skippedRouteTypes = skippedRouteTypes
    }
}

public enum PathAttributeValue: Hashable, Sendable {
    case origin(Origin)
    case asPath(ASPath)
    case nextHop(IPv4Address)
    case multiExitDisc(UInt32)
    case localPref(UInt32)
    case atomicAggregate
    case aggregator(Aggregator)
    case communities([UInt32])
    case originatorID(IPv4Address)
    case clusterList([IPv4Address])
    case mpReachNLRI(MPReachNLRI)
    case mpUnreachNLRI(MPUnreachNLRI)
    case extendedCommunities([ExtendedCommunity])
    case as4Path(ASPath)
    case as4Aggregator(Aggregator)
    case pmsiTunnel(PMSITunnel)
    case largeCommunities([LargeCommunity])
    /// Any type evpnd does not interpret, kept as its value bytes.
    case unknown(type: AttributeType, value: [UInt8])

    public var type: AttributeType {
        switch self {
        case .origin: return .origin
        case .asPath: return .asPath
        case .nextHop: return .nextHop
        case .multiExitDisc: return .multiExitDisc
        case .localPref: return .localPref
        case .atomicAggregate: return .atomicAggregate
        case .aggregator: return .aggregator
        case .communities: return .communities
        case .originatorID: return .originatorID
        case .clusterList: return .clusterList
        case .mpReachNLRI: return .mpReachNLRI
        case .mpUnreachNLRI: return .mpUnreachNLRI
        case .extendedCommunities: return .extendedCommunities
        case .as4Path: return .as4Path
        case .as4Aggregator: return .as4Aggregator
        case .pmsiTunnel: return .pmsiTunnel
        case .largeCommunities: return .largeCommunities
        case .unknown(let type, _): return type
        }
    }
}

public struct PathAttribute: Hashable, Sendable {
    public var flags: AttributeFlags
    public var value: PathAttributeValue

    public init(flags: AttributeFlags, value: PathAttributeValue) {
        self.flags = flags
        self.value = value
    }

    /// An attribute with the flags its definition requires.
    public init(_ value: PathAttributeValue) {
        self.value = value
        self.flags = PathAttributeTable.descriptor(for: value.type)?.flags ?? .optionalTransitive
    }

    public var type: AttributeType { value.type }
}
