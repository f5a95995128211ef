// DF election (RFC 7432 section 8.5, RFC 8584 sections 2.2.1 and 3.2, the preference draft as FRR runs it),
// table-driven. The HRW weights were computed independently (Python's zlib.crc32 and big integers, reduced
// mod 2^31 once at the end, as the RFC writes the formula) to check the wrapping 32-bit arithmetic here.

import BGPWire
import Testing
import VTEP

@Suite struct DFElectionTests {
    static let esi = EthernetSegmentIdentifier("03:44:38:39:ff:ff:01:00:00:01")!
    static let pe1 = IPAddress("10.0.0.1")!
    static let pe2 = IPAddress("10.0.0.2")!
    static let pe3 = IPAddress("10.0.0.3")!
    static let all = [pe1, pe2, pe3]

    @Test func crc32IsIEEE() {
        // The CRC-32 check value ("123456789"), as zlib and Ethernet compute it.
        #expect(DFElection.crc32(Array("123456789".utf8)) == 0xcbf4_3926)
    }

    struct HRWCase: Sendable, CustomTestStringConvertible {
        var tag: UInt32
        var digest: UInt32
        var weights: [UInt32]
        var winner: IPAddress
        var testDescription: String { "V=\(tag)" }
    }

    @Test(arguments: [
        HRWCase(tag: 100, digest: 0x5337_e68f, weights: [737_179_566, 195_250_597, 1_018_462_620], winner: pe3),
        HRWCase(tag: 200, digest: 0x2850_ce00, weights: [1_063_254_759, 55_527_760, 1_353_652_153], winner: pe3),
        HRWCase(tag: 300, digest: 0x2419_524a, weights: [608_057_525, 2_065_180_446, 89_728_827], winner: pe2),
    ])
    func hrwDigestWeightsAndWinner(_ c: HRWCase) {
        let digest = DFElection.hrwDigest(esi: Self.esi, ethernetTag: c.tag)
        #expect(digest == c.digest)
        #expect(Self.all.map { DFElection.hrwWeight(digest: digest, address: $0) } == c.weights)
        #expect(DFElection.highestRandomWeight(esi: Self.esi, ethernetTag: c.tag, Self.all) == c.winner)
        // The order the candidates are given in does not matter.
        #expect(DFElection.highestRandomWeight(esi: Self.esi, ethernetTag: c.tag, Self.all.reversed()) == c.winner)
    }

    /// RFC 8584 section 1.3.1's complaint about modulo, and section 3's answer: when a PE that is not the DF of V
    /// leaves, modulo may still move V (the ordinals shift); HRW never does.
    @Test func hrwOnlyMovesTheFailedPEsTags() {
        var moduloMoved = 0
        for tag in UInt32(100)..<UInt32(400) {
            let hrw = DFElection.highestRandomWeight(esi: Self.esi, ethernetTag: tag, Self.all)
            let modulo = DFElection.modulo(vni: tag, Self.all)
            for leaving in Self.all {
                let rest = Self.all.filter { $0 != leaving }
                if hrw != leaving {
                    #expect(DFElection.highestRandomWeight(esi: Self.esi, ethernetTag: tag, rest) == hrw, "V=\(tag) without \(leaving)")
                }
                if modulo != leaving, DFElection.modulo(vni: tag, rest) != modulo { moduloMoved += 1 }
            }
        }
        #expect(moduloMoved > 0)
    }

    struct ModuloCase: Sendable, CustomTestStringConvertible {
        var originators: [IPAddress]
        var vni: UInt32
        var df: IPAddress
        var testDescription: String { "\(originators.count) PEs, V=\(vni)" }
    }

    /// RFC 7432 section 8.5: the PEs ordered by address (as unsigned integers), ordinal i is the DF of V when
    /// V mod N = i. With two PEs the lower address takes the even tags, the higher the odd ones.
    @Test(arguments: [
        ModuloCase(originators: [pe2, pe1], vni: 100, df: pe1),
        ModuloCase(originators: [pe2, pe1], vni: 101, df: pe2),
        ModuloCase(originators: [pe3, pe1, pe2], vni: 100, df: pe2),   // 100 mod 3 = 1
        ModuloCase(originators: [pe3, pe1, pe2], vni: 101, df: pe3),   // 101 mod 3 = 2
        ModuloCase(originators: [pe3, pe1, pe2], vni: 102, df: pe1),   // 102 mod 3 = 0
        // Numeric, not textual, order: 10.0.0.10 sorts after 10.0.0.9 (and "10.0.0.10" < "10.0.0.9" as text).
        ModuloCase(originators: [IPAddress("10.0.0.10")!, IPAddress("10.0.0.9")!], vni: 0, df: IPAddress("10.0.0.9")!),
        ModuloCase(originators: [IPAddress("2001:db8::2")!, IPAddress("2001:db8::1")!], vni: 7, df: IPAddress("2001:db8::2")!),
        // A PE listed twice (two routes, two RDs) counts once.
        ModuloCase(originators: [pe1, pe1, pe2], vni: 1, df: pe2),
    ])
    func modulo(_ c: ModuloCase) {
        #expect(DFElection.modulo(vni: c.vni, c.originators) == c.df)
    }

    struct PreferenceCase: Sendable, CustomTestStringConvertible {
        var name: String
        var candidates: [ESCandidate]
        var tieBreak: DFElection.TieBreak
        var df: IPAddress
        var testDescription: String { name }
    }

    static func pref(_ address: String, _ preference: UInt16, _ algorithm: DFAlgorithm = .preference) -> ESCandidate {
        ESCandidate(originator: IPAddress(address)!, algorithm: algorithm, preference: preference)
    }

    @Test(arguments: [
        PreferenceCase(name: "highest preference wins", candidates: [pref("10.0.0.1", 100), pref("10.0.0.2", 50000)],
                       tieBreak: .lowestAddress, df: IPAddress("10.0.0.2")!),
        PreferenceCase(name: "a tie goes to the lower address", candidates: [pref("10.0.0.2", 32767), pref("10.0.0.1", 32767)],
                       tieBreak: .lowestAddress, df: IPAddress("10.0.0.1")!),
        // FRR 8.4 compares s_addr in host order (x86: little-endian), so the LAST octet decides first:
        // 10.0.2.1 reads as 0x0102000a, 10.0.1.2 as 0x0201000a: FRR 8.4 elects 10.0.2.1, the drafts 10.0.1.2.
        PreferenceCase(name: "tie, numeric order", candidates: [pref("10.0.2.1", 7), pref("10.0.1.2", 7)],
                       tieBreak: .lowestAddress, df: IPAddress("10.0.1.2")!),
        PreferenceCase(name: "tie, FRR 8.4's byte order", candidates: [pref("10.0.2.1", 7), pref("10.0.1.2", 7)],
                       tieBreak: .frr84, df: IPAddress("10.0.2.1")!),
        PreferenceCase(name: "FRR 8.4's byte order agrees when only the last octet differs",
                       candidates: [pref("10.0.0.2", 7), pref("10.0.0.1", 7)], tieBreak: .frr84, df: IPAddress("10.0.0.1")!),
        // RFC 8584 section 2.2.1: a candidate without the DF Election community (type 0) or with another
        // algorithm makes everyone use modulo: two PEs, VNI 100 (even) goes to the lower address.
        PreferenceCase(name: "one PE without the community: modulo", candidates: [pref("10.0.0.1", 1), pref("10.0.0.2", 9, .modulo)],
                       tieBreak: .lowestAddress, df: IPAddress("10.0.0.1")!),
        PreferenceCase(name: "preference and HRW mixed: modulo", candidates: [pref("10.0.0.1", 1), pref("10.0.0.2", 9, .highestRandomWeight)],
                       tieBreak: .lowestAddress, df: IPAddress("10.0.0.1")!),
        PreferenceCase(name: "an unknown algorithm everywhere: modulo", candidates: [pref("10.0.0.1", 1, DFAlgorithm(rawValue: 9)),
                                                                                  pref("10.0.0.2", 9, DFAlgorithm(rawValue: 9))],
                       tieBreak: .lowestAddress, df: IPAddress("10.0.0.1")!),
    ])
    func preference(_ c: PreferenceCase) {
        #expect(DFElection.designatedForwarder(esi: Self.esi, vni: 100, candidates: c.candidates, tieBreak: c.tieBreak) == c.df)
        #expect(DFElection.designatedForwarder(esi: Self.esi, vni: 100, candidates: c.candidates.reversed(), tieBreak: c.tieBreak) == c.df)
    }

    @Test func preferenceIsPerESNotPerVNI() {
        let candidates = [Self.pref("10.0.0.1", 100), Self.pref("10.0.0.2", 200)]
        for vni in UInt32(1)...UInt32(50) {
            #expect(DFElection.designatedForwarder(esi: Self.esi, vni: vni, candidates: candidates) == Self.pe2)
        }
    }

    @Test func agreedAlgorithm() {
        #expect(DFElection.agreedAlgorithm([]) == .modulo)
        #expect(DFElection.agreedAlgorithm([Self.pref("10.0.0.1", 1)]) == .preference)
        #expect(DFElection.agreedAlgorithm([Self.pref("10.0.0.1", 1, .highestRandomWeight),
                                            Self.pref("10.0.0.2", 1, .highestRandomWeight)]) == .highestRandomWeight)
        #expect(DFElection.agreedAlgorithm([Self.pref("10.0.0.1", 1), Self.pref("10.0.0.2", 1, .modulo)]) == .modulo)
    }

    @Test func candidateFromTheCommunities() {
        let communities: [ExtendedCommunity] = [.encapsulation(.vxlan), .esImportRouteTarget(MACAddress("44:38:39:ff:ff:01")!),
                                                .dfElection(.preference, preference: 50000)]
        #expect(ESCandidate(originator: Self.pe1, communities: communities) == Self.pref("10.0.0.1", 50000))
        // No DF Election community: type 0, as FRR and RFC 8584 read it.
        #expect(ESCandidate(originator: Self.pe1, communities: [.encapsulation(.vxlan)]).algorithm == .modulo)
    }
}
