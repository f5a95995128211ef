// Designated Forwarder election for one Ethernet Segment: who of the switches attached to it sends the
// overlay's broadcast, unknown unicast and multicast (BUM) traffic into it, per EVI (here: per VNI).
//
// The candidates are the originators of the ES's type-4 routes (ours included). The algorithm:
//   1. RFC 8584 section 2.2.1: every candidate must advertise the same DF algorithm (a type-4 route without the
//      DF Election community advertises type 0); otherwise everyone falls back to modulo.
//   2. modulo (RFC 7432 section 8.5, with RFC 8365 section 8's VNI in place of the VLAN): the candidates in
//      increasing numeric order of their addresses, ordinal 0..N-1; the DF of VNI V has ordinal V mod N.
//   3. HRW (RFC 8584 section 3.2): the candidate with the highest weight
//        Wrand(V, Es, Si) = (1103515245 * ((1103515245 * Si + 12345) XOR D(V, Es)) + 12345) mod 2^31
//      where D(V, Es) is the CRC-32 of Ethernet Tag V (4 octets) followed by the ESI (10), its top bit dropped,
//      and Si the candidate's address (an IPv6 address by its low 32 bits); equal weights go to the lower address.
//   4. preference (draft-ietf-bess-evpn-pref-df, FRR's only algorithm, bgpd/zebra `es-df-pref`): the highest
//      preference wins on every VNI of the ES; equal preferences go to the lower address.
//
// FRR 8.4 (zebra/zebra_evpn_mh.c `zebra_evpn_es_run_df_election`) differs in two ways, both documented in
// docs/MULTIHOMING.md: it reads any algorithm but preference (or no DF Election community) as "I am not DF",
// so an evpnd switch must send preference when an FRR switch shares the ES; and it breaks a preference tie by
// comparing `s_addr` as a host-order (little-endian) integer, so for some address pairs both switches think the
// other one wins. `TieBreak.frr84` reproduces that order for a mixed ES; distinct preferences avoid the question.

import BGPWire

/// One switch attached to an ES, as its type-4 route says.
public struct ESCandidate: Hashable, Sendable, CustomStringConvertible {
    public var originator: IPAddress
    /// From the DF Election community; `.modulo` when the route has none (RFC 8584 section 2.2.1).
    public var algorithm: DFAlgorithm
    public var preference: UInt16

    public init(originator: IPAddress, algorithm: DFAlgorithm = .modulo, preference: UInt16 = 0) {
        self.originator = originator
        self.algorithm = algorithm
        self.preference = preference
    }

    /// The candidate a type-4 route's extended communities describe.
    public init(originator: IPAddress, communities: [ExtendedCommunity]) {
        self.init(originator: originator)
        for community in communities {
            if case .dfElection(let algorithm, _, let preference) = community.kind {
                self.algorithm = algorithm
                self.preference = preference
                break
            }
        }
    }

    public var description: String { "\(originator) (\(algorithm), pref \(preference))" }
}

public enum DFElection {
    /// How equal preferences are ordered.
    public enum TieBreak: Hashable, Sendable {
        /// The numerically lower address wins (the drafts, FRR 10.6).
        case lowestAddress
        /// FRR 8.4: IPv4 `s_addr` compared as a little-endian integer, i.e. by the last octet first.
        case frr84
    }

    /// The algorithm the candidates agree on, or modulo (RFC 8584 section 2.2.1).
    public static func agreedAlgorithm(_ candidates: [ESCandidate]) -> DFAlgorithm {
        guard let first = candidates.first?.algorithm else { return .modulo }
        guard candidates.allSatisfy({ $0.algorithm == first }) else { return .modulo }
        // An algorithm this code does not implement is as good as a disagreement: fall back.
        return [.modulo, .highestRandomWeight, .preference].contains(first) ? first : .modulo
    }

    /// The DF of `vni` on `esi` among `candidates`; nil when there are none.
    public static func designatedForwarder(esi: EthernetSegmentIdentifier, vni: UInt32, candidates: [ESCandidate],
                                           tieBreak: TieBreak = .lowestAddress) -> IPAddress? {
        guard !candidates.isEmpty else { return nil }
        switch agreedAlgorithm(candidates) {
        case .highestRandomWeight:
            return highestRandomWeight(esi: esi, ethernetTag: vni, candidates.map(\.originator))
        case .preference:
            return preferred(candidates, tieBreak: tieBreak)
        default:
            return modulo(vni: vni, candidates.map(\.originator))
        }
    }

    // MARK: modulo (RFC 7432 section 8.5)

    public static func modulo(vni: UInt32, _ originators: [IPAddress]) -> IPAddress? {
        let ordered = Array(Set(originators)).sorted(by: numericallyLower)
        guard !ordered.isEmpty else { return nil }
        return ordered[Int(vni % UInt32(ordered.count))]
    }

    // MARK: HRW (RFC 8584 section 3.2)

    public static func highestRandomWeight(esi: EthernetSegmentIdentifier, ethernetTag: UInt32, _ originators: [IPAddress]) -> IPAddress? {
        let digest = hrwDigest(esi: esi, ethernetTag: ethernetTag)
        return originators.max { a, b in
            let wa = hrwWeight(digest: digest, address: a), wb = hrwWeight(digest: digest, address: b)
            // `max` keeps the later of equals; ordering equal weights by descending address makes the lower win.
            return wa != wb ? wa < wb : numericallyLower(b, a)
        }
    }

    /// D(V, Es): CRC-32 of `V (4 octets, network order) | ESI (10 octets)`, most significant bit dropped.
    public static func hrwDigest(esi: EthernetSegmentIdentifier, ethernetTag: UInt32) -> UInt32 {
        let tag = (0..<4).map { UInt8(truncatingIfNeeded: ethernetTag >> UInt32(24 - 8 * $0)) }
        return crc32(tag + esi.bytes) & 0x7fff_ffff
    }

    /// Wrand(V, Es, Si). Wrapping 32-bit arithmetic keeps the residue mod 2^31 the RFC defines.
    public static func hrwWeight(digest: UInt32, address: IPAddress) -> UInt32 {
        let si: UInt32
        switch address {
        case .v4(let a): si = a.rawValue
        case .v6(let a): si = UInt32(truncatingIfNeeded: a.low)
        }
        let inner = 1_103_515_245 &* si &+ 12345
        return (1_103_515_245 &* (inner ^ digest) &+ 12345) & 0x7fff_ffff
    }

    /// CRC-32 of IEEE 802.3 (reflected polynomial 0xedb88320, initial and final all ones): the one RFC 8584 names.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: preference

    public static func preferred(_ candidates: [ESCandidate], tieBreak: TieBreak = .lowestAddress) -> IPAddress? {
        candidates.max { a, b in
            if a.preference != b.preference { return a.preference < b.preference }
            return lowerWins(b.originator, a.originator, tieBreak)
        }?.originator
    }

    // MARK: address order

    /// Addresses as unsigned integers (RFC 7432 section 8.5); IPv4 before IPv6.
    public static func numericallyLower(_ a: IPAddress, _ b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x.rawValue < y.rawValue
        case (.v6(let x), .v6(let y)): return (x.high, x.low) < (y.high, y.low)
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    static func lowerWins(_ a: IPAddress, _ b: IPAddress, _ tieBreak: TieBreak) -> Bool {
        guard tieBreak == .frr84, case .v4(let x) = a, case .v4(let y) = b else { return numericallyLower(a, b) }
        return x.rawValue.byteSwapped < y.rawValue.byteSwapped
    }
}
