// The hostile-input table: every malformed message a raw BGP peer sends to evpnd in the RFC 7606 tests
// (Tests/BGPCoreTests/MalformedUpdateTableTests.swift against the engine in process, and
// Tests/InteropTests/MalformedUpdateInteropTests.swift against a real evpnd reflector with an FRR client).
//
// Each case first has route R (its own type-2 route, MAC aa:bb:cc:dd:HH:LL with HHLL = the case number)
// announced cleanly, then sends its message, which concerns R, and says what must follow:
//   withdrawn   treat-as-withdraw: R is gone and withdrawn towards the other peers; the session stays up
//   kept        R stays (with `discarded`, that attribute is gone from it); the session stays up
//   reset       NOTIFICATION code/subcode sent, the session goes down (and R with it)
// `counted` says whether evpnd must count (and log) the case as malformed.
//
// Sources of the rows: RFC 7606 sections 3 (a)-(j), 4, 5.1-5.4 and 7.1-7.14; RFC 4271 sections 4.3, 6.1
// and 6.3; RFC 4760 section 7; RFC 6793 section 6; RFC 8092 section 6; RFC 6514 section 5; RFC 7432
// section 7 (route types and lengths); and the error paths of FRR's bgpd/bgp_attr.c (bgp_attr_flag_invalid,
// bgp_attr_malformed, bgp_attr_check, bgp_mp_reach_parse) for what an implementation is expected to catch.
// Built from those by hand: FRR's topotests do not hold a table of exactly 88 such cases that could be found.
// The bytes are written out here, not produced by evpnd's encoder, so the table cannot share its bugs.

public struct MalformedCase: Sendable, CustomStringConvertible {
    public enum Expect: Sendable, Equatable {
        case withdrawn
        case kept(discarded: UInt8?)
        case reset(code: UInt8, subcode: UInt8)
    }

    public enum Session: Sendable, Equatable {
        /// iBGP, a route-reflector client of evpnd.
        case `internal`
        /// eBGP (checks that depend on the peer being external).
        case external
    }

    public var number: Int
    public var name: String
    public var reference: String
    public var expect: Expect
    public var counted: Bool
    public var session: Session
    /// The whole BGP message (marker, length, type, body).
    public var message: [UInt8]

    public var description: String { "#\(number) \(name) [\(reference)]" }

    public var isReset: Bool { if case .reset = expect { return true } else { return false } }
}

/// Who sends the cases: its address (the route's RD and next hop) and AS.
public struct MalformedSender: Sendable {
    public var address: [UInt8]
    public var asn: UInt32
    public var localAS: UInt32

    public init(address: [UInt8], asn: UInt32, localAS: UInt32) {
        self.address = address
        self.asn = asn
        self.localAS = localAS
    }
}

public enum MalformedCases {
    // MARK: bytes

    /// Flags, type, 1-octet length, value.
    public static func attr(_ flags: UInt8, _ type: UInt8, _ value: [UInt8]) -> [UInt8] {
        precondition(value.count < 256)
        return [flags, type, UInt8(value.count)] + value
    }

    /// Flags with Extended Length, type, 2-octet length, value.
    public static func attrExtended(_ flags: UInt8, _ type: UInt8, _ value: [UInt8]) -> [UInt8] {
        [flags | 0x10, type, UInt8(value.count >> 8), UInt8(value.count & 0xff)] + value
    }

    /// A whole message of `type` around `body`.
    public static func message(type: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length = 19 + body.count
        return [UInt8](repeating: 0xff, count: 16) + [UInt8(length >> 8), UInt8(length & 0xff), type] + body
    }

    /// An UPDATE from raw attributes, with optional withdrawn routes and IPv4 NLRI.
    public static func update(_ attributes: [[UInt8]], withdrawn: [UInt8] = [], nlri: [UInt8] = []) -> [UInt8] {
        let all = attributes.flatMap { $0 }
        return message(type: 2, [UInt8(withdrawn.count >> 8), UInt8(withdrawn.count & 0xff)] + withdrawn
                                + [UInt8(all.count >> 8), UInt8(all.count & 0xff)] + all + nlri)
    }

    /// The MAC of case `n`'s route, as FRR and evpnd print it.
    public static func mac(_ n: Int) -> String {
        "aa:bb:cc:dd:" + [n >> 8, n & 0xff].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// Type-2 route of case `n` (RFC 7432 section 7.2), IPv4, one label:
    /// RD(8) + ESI(10) + ETag(4) + MAC len(1) + MAC(6) + IP len(1) + IP(4) + label(3) = 37 octets.
    public static func routeValue(_ n: Int, sender: MalformedSender) -> [UInt8] {
        let hi = UInt8(n >> 8), lo = UInt8(n & 0xff)
        return [0, 1] + sender.address + [hi, lo]       // RD type 1: address:n
            + [UInt8](repeating: 0, count: 10)         // ESI
            + [0, 0, 0, 0]                              // Ethernet tag
            + [48, 0xaa, 0xbb, 0xcc, 0xdd, hi, lo]      // MAC
            + [32, 10, 99, hi, lo]                      // IP
            + [0, 0x06, 0x41]                           // VNI 100 in the label field
    }

    public static func route(_ n: Int, sender: MalformedSender) -> [UInt8] {
        let value = routeValue(n, sender: sender)
        return [2, UInt8(value.count)] + value
    }

    public static func mpReach(_ nlri: [UInt8], sender: MalformedSender, nextHopLength: UInt8 = 4) -> [UInt8] {
        let value = [0, 25, 70, nextHopLength] + sender.address + [0] + nlri
        return value.count < 256 ? attr(0x80, 14, value) : attrExtended(0x80, 14, value)
    }

    public static func mpUnreach(_ nlri: [UInt8]) -> [UInt8] {
        attr(0x80, 15, [0, 25, 70] + nlri)
    }

    /// What a well-behaved peer sends with route n: ORIGIN, AS_PATH, LOCAL_PREF (iBGP only), extended
    /// communities (RT asn:100, encapsulation VXLAN) and MP_REACH_NLRI, in type order.
    public static func cleanAttributes(_ n: Int, sender: MalformedSender, session: MalformedCase.Session) -> [[UInt8]] {
        var list: [[UInt8]] = [attr(0x40, 1, [0])]
        if session == .external {
            list.append(attr(0x40, 2, [2, 1] + be32(sender.asn)))
        } else {
            list.append(attr(0x40, 2, []))
            list.append(attr(0x40, 5, [0, 0, 0, 100]))
        }
        list.append(mpReach(route(n, sender: sender), sender: sender))
        list.append(attr(0xc0, 16, [0, 2] + be16(UInt16(truncatingIfNeeded: sender.localAS)) + [0, 0, 0, 100]
                                   + [3, 12, 0, 0, 0, 0, 0, 8]))
        return list
    }

    public static func cleanAnnouncement(_ n: Int, sender: MalformedSender, session: MalformedCase.Session) -> [UInt8] {
        update(cleanAttributes(n, sender: sender, session: session))
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    // MARK: the table

    /// Every case, numbered from `first` (route numbers must not collide with other routes of a test).
    public static func all(sender: MalformedSender, first: Int = 1) -> [MalformedCase] {
        var builder = Builder(sender: sender, next: first)
        builder.attributeCases()
        builder.structureCases()
        builder.multiprotocolCases()
        builder.headerCases()
        builder.externalCases()
        builder.multihomingCases()
        builder.evpnLengthCases()
        builder.unknownRouteTypeCases()
        builder.macIPCases()
        return builder.cases
    }

    /// The attribute and structure cases only (not the EVPN length and route type sweeps).
    public static func attributeTable(sender: MalformedSender, first: Int = 1) -> [MalformedCase] {
        all(sender: sender, first: first).filter { !$0.name.hasPrefix("EVPN") }
    }

    struct Builder {
        let sender: MalformedSender
        var next: Int
        var cases: [MalformedCase] = []

        static let withdraw = MalformedCase.Expect.withdrawn
        static func discard(_ type: UInt8) -> MalformedCase.Expect { .kept(discarded: type) }
        static func reset(_ code: UInt8, _ subcode: UInt8) -> MalformedCase.Expect { .reset(code: code, subcode: subcode) }

        /// A case whose message is the clean announcement of its route with `edit` applied to the attributes.
        mutating func edited(_ name: String, _ reference: String, _ expect: MalformedCase.Expect, counted: Bool = true,
                             session: MalformedCase.Session = .internal, _ edit: (inout [[UInt8]], Int) -> Void) {
            let n = next
            var list = MalformedCases.cleanAttributes(n, sender: sender, session: session)
            edit(&list, n)
            add(name, reference, expect, counted: counted, session: session, message: MalformedCases.update(list))
        }

        mutating func add(_ name: String, _ reference: String, _ expect: MalformedCase.Expect, counted: Bool = true,
                          session: MalformedCase.Session = .internal, message: [UInt8]) {
            cases.append(MalformedCase(number: next, name: name, reference: reference, expect: expect, counted: counted,
                                       session: session, message: message))
            next += 1
        }

        /// Replaces the attribute of `type` (or adds it before MP_REACH_NLRI).
        mutating func replaced(_ name: String, _ reference: String, _ expect: MalformedCase.Expect, type: UInt8,
                               with attribute: [UInt8], session: MalformedCase.Session = .internal) {
            edited(name, reference, expect, session: session) { list, _ in
                if let i = list.firstIndex(where: { $0[1] == type }) {
                    list[i] = attribute
                } else {
                    let at = list.firstIndex { $0[1] == 14 } ?? list.count
                    list.insert(attribute, at: at)
                }
            }
        }

        mutating func removed(_ name: String, _ reference: String, type: UInt8) {
            edited(name, reference, Self.withdraw) { list, _ in list.removeAll { $0[1] == type } }
        }

        /// Lengths, flags and values of each attribute RFC 7606 section 7 covers.
        mutating func attributeCases() {
            let w = Self.withdraw
            // ORIGIN (7.1): well-known, 1 octet, 0..2.
            replaced("ORIGIN length 0", "7606 7.1", w, type: 1, with: attr(0x40, 1, []))
            replaced("ORIGIN length 2", "7606 7.1", w, type: 1, with: attr(0x40, 1, [0, 0]))
            replaced("ORIGIN value 3", "7606 7.1", w, type: 1, with: attr(0x40, 1, [3]))
            replaced("ORIGIN value 255", "7606 7.1", w, type: 1, with: attr(0x40, 1, [255]))
            replaced("ORIGIN flagged optional transitive", "7606 3(c)", w, type: 1, with: attr(0xc0, 1, [0]))
            replaced("ORIGIN flagged non-transitive", "7606 3(c)", w, type: 1, with: attr(0x00, 1, [0]))
            replaced("ORIGIN with the Partial bit", "4271 4.3, FRR bgp_attr_flag_invalid", w, type: 1, with: attr(0x60, 1, [0]))
            removed("ORIGIN missing", "7606 3(d)", type: 1)
            // AS_PATH (7.2): well-known; segments of type 1-4, 1-255 four-octet ASes.
            replaced("AS_PATH segment type 0", "7606 7.2", w, type: 2, with: attr(0x40, 2, [0, 1, 0, 0, 0xfd, 0xe8]))
            replaced("AS_PATH segment type 5", "7606 7.2", w, type: 2, with: attr(0x40, 2, [5, 1, 0, 0, 0xfd, 0xe8]))
            replaced("AS_PATH segment of zero ASes", "7606 7.2", w, type: 2, with: attr(0x40, 2, [2, 0]))
            replaced("AS_PATH segment overruns the attribute", "7606 7.2", w, type: 2, with: attr(0x40, 2, [2, 2, 0, 0, 0xfd, 0xe8]))
            replaced("AS_PATH with a stray trailing octet", "7606 7.2", w, type: 2, with: attr(0x40, 2, [2, 1, 0, 0, 0xfd, 0xe8, 0]))
            replaced("AS_PATH of length 1", "7606 7.2", w, type: 2, with: attr(0x40, 2, [2]))
            replaced("AS_PATH in 2-octet ASes on a 4-octet session", "7606 7.2, 6793", w, type: 2, with: attr(0x40, 2, [2, 1, 0xfd, 0xe8]))
            replaced("AS_PATH flagged optional", "7606 3(c)", w, type: 2, with: attr(0xc0, 2, []))
            replaced("AS_PATH with the Partial bit", "4271 4.3", w, type: 2, with: attr(0x60, 2, []))
            removed("AS_PATH missing", "7606 3(d)", type: 2)
            // NEXT_HOP (7.3): well-known, 4 octets (not needed by an EVPN-only UPDATE, still checked).
            replaced("NEXT_HOP length 3", "7606 7.3", w, type: 3, with: attr(0x40, 3, [10, 0, 0]))
            replaced("NEXT_HOP length 5", "7606 7.3", w, type: 3, with: attr(0x40, 3, [10, 0, 0, 1, 1]))
            replaced("NEXT_HOP length 0", "7606 7.3", w, type: 3, with: attr(0x40, 3, []))
            replaced("NEXT_HOP flagged optional", "7606 3(c)", w, type: 3, with: attr(0xc0, 3, [10, 0, 0, 1]))
            // MULTI_EXIT_DISC (7.4): optional non-transitive, 4 octets.
            replaced("MULTI_EXIT_DISC length 0", "7606 7.4", w, type: 4, with: attr(0x80, 4, []))
            replaced("MULTI_EXIT_DISC length 3", "7606 7.4", w, type: 4, with: attr(0x80, 4, [0, 0, 1]))
            replaced("MULTI_EXIT_DISC length 5", "7606 7.4", w, type: 4, with: attr(0x80, 4, [0, 0, 0, 0, 1]))
            replaced("MULTI_EXIT_DISC flagged transitive", "7606 3(c)", w, type: 4, with: attr(0xc0, 4, [0, 0, 0, 1]))
            replaced("MULTI_EXIT_DISC flagged well-known", "7606 3(c)", w, type: 4, with: attr(0x40, 4, [0, 0, 0, 1]))
            replaced("MULTI_EXIT_DISC with the Partial bit", "4271 4.3", w, type: 4, with: attr(0xa0, 4, [0, 0, 0, 1]))
            // LOCAL_PREF (7.5): well-known, 4 octets.
            replaced("LOCAL_PREF length 0", "7606 7.5", w, type: 5, with: attr(0x40, 5, []))
            replaced("LOCAL_PREF length 3", "7606 7.5", w, type: 5, with: attr(0x40, 5, [0, 0, 100]))
            replaced("LOCAL_PREF length 5", "7606 7.5", w, type: 5, with: attr(0x40, 5, [0, 0, 0, 0, 100]))
            replaced("LOCAL_PREF flagged optional transitive", "7606 3(c)", w, type: 5, with: attr(0xc0, 5, [0, 0, 0, 100]))
            replaced("LOCAL_PREF flagged optional", "7606 3(c)", w, type: 5, with: attr(0x80, 5, [0, 0, 0, 100]))
            replaced("LOCAL_PREF with the Partial bit", "4271 4.3", w, type: 5, with: attr(0x60, 5, [0, 0, 0, 100]))
            // ATOMIC_AGGREGATE (7.6): well-known, empty; attribute discard.
            replaced("ATOMIC_AGGREGATE length 1", "7606 7.6", Self.discard(6), type: 6, with: attr(0x40, 6, [1]))
            replaced("ATOMIC_AGGREGATE length 4", "7606 7.6", Self.discard(6), type: 6, with: attr(0x40, 6, [1, 2, 3, 4]))
            replaced("ATOMIC_AGGREGATE flagged optional", "7606 3(c), 7.6", Self.discard(6), type: 6, with: attr(0xc0, 6, []))
            replaced("ATOMIC_AGGREGATE with the Partial bit", "4271 4.3, 7606 7.6", Self.discard(6), type: 6, with: attr(0x60, 6, []))
            // AGGREGATOR (7.7): optional transitive, 8 octets with 4-octet ASes; attribute discard.
            replaced("AGGREGATOR length 6 on a 4-octet session", "7606 7.7", Self.discard(7), type: 7, with: attr(0xc0, 7, [0xfd, 0xe8, 10, 0, 0, 1]))
            replaced("AGGREGATOR length 0", "7606 7.7", Self.discard(7), type: 7, with: attr(0xc0, 7, []))
            replaced("AGGREGATOR length 9", "7606 7.7", Self.discard(7), type: 7, with: attr(0xc0, 7, [0, 0, 0xfd, 0xe8, 10, 0, 0, 1, 0]))
            replaced("AGGREGATOR flagged well-known", "7606 3(c), 7.7", Self.discard(7), type: 7, with: attr(0x40, 7, [0, 0, 0xfd, 0xe8, 10, 0, 0, 1]))
            replaced("AGGREGATOR flagged non-transitive", "7606 3(c), 7.7", Self.discard(7), type: 7, with: attr(0x80, 7, [0, 0, 0xfd, 0xe8, 10, 0, 0, 1]))
            // COMMUNITIES (7.8): optional transitive, a non-zero multiple of 4.
            for length in [0, 3, 5, 7] {
                replaced("COMMUNITIES length \(length)", "7606 7.8", w, type: 8, with: attr(0xc0, 8, [UInt8](repeating: 1, count: length)))
            }
            replaced("COMMUNITIES flagged well-known", "7606 3(c)", w, type: 8, with: attr(0x40, 8, [0, 1, 0, 1]))
            replaced("COMMUNITIES flagged non-transitive", "7606 3(c)", w, type: 8, with: attr(0x80, 8, [0, 1, 0, 1]))
            // ORIGINATOR_ID (7.9): optional non-transitive, 4 octets.
            for length in [0, 3, 5, 8] {
                replaced("ORIGINATOR_ID length \(length)", "7606 7.9", w, type: 9, with: attr(0x80, 9, [UInt8](repeating: 10, count: length)))
            }
            replaced("ORIGINATOR_ID flagged transitive", "7606 3(c)", w, type: 9, with: attr(0xc0, 9, [10, 0, 0, 9]))
            replaced("ORIGINATOR_ID flagged well-known", "7606 3(c)", w, type: 9, with: attr(0x40, 9, [10, 0, 0, 9]))
            // CLUSTER_LIST (7.10): optional non-transitive, a non-zero multiple of 4.
            for length in [0, 3, 6, 9] {
                replaced("CLUSTER_LIST length \(length)", "7606 7.10", w, type: 10, with: attr(0x80, 10, [UInt8](repeating: 10, count: length)))
            }
            replaced("CLUSTER_LIST flagged transitive", "7606 3(c)", w, type: 10, with: attr(0xc0, 10, [10, 0, 0, 9]))
            // EXTENDED_COMMUNITIES (7.14): optional transitive, a non-zero multiple of 8.
            for length in [0, 7, 9, 12] {
                replaced("EXTENDED_COMMUNITIES length \(length)", "7606 7.14", w, type: 16, with: attr(0xc0, 16, [UInt8](repeating: 0, count: length)))
            }
            replaced("EXTENDED_COMMUNITIES flagged well-known", "7606 3(c)", w, type: 16, with: attr(0x40, 16, [0, 2, 0xfd, 0xe8, 0, 0, 0, 100]))
            replaced("EXTENDED_COMMUNITIES flagged non-transitive", "7606 3(c)", w, type: 16, with: attr(0x80, 16, [0, 2, 0xfd, 0xe8, 0, 0, 0, 100]))
            // AS4_PATH, AS4_AGGREGATOR (RFC 6793 section 6): attribute discard.
            replaced("AS4_PATH segment type 0", "6793 6", Self.discard(17), type: 17, with: attr(0xc0, 17, [0, 1, 0, 0, 0xfd, 0xe8]))
            replaced("AS4_PATH segment overruns", "6793 6", Self.discard(17), type: 17, with: attr(0xc0, 17, [2, 3, 0, 0, 0, 1]))
            replaced("AS4_PATH length 3", "6793 6", Self.discard(17), type: 17, with: attr(0xc0, 17, [2, 1, 0]))
            replaced("AS4_PATH flagged well-known", "7606 3(c), 6793 6", Self.discard(17), type: 17, with: attr(0x40, 17, [2, 1, 0, 0, 0xfd, 0xe8]))
            replaced("AS4_AGGREGATOR length 6", "6793 6", Self.discard(18), type: 18, with: attr(0xc0, 18, [0, 0, 0, 1, 10, 0]))
            replaced("AS4_AGGREGATOR length 0", "6793 6", Self.discard(18), type: 18, with: attr(0xc0, 18, []))
            replaced("AS4_AGGREGATOR length 9", "6793 6", Self.discard(18), type: 18, with: attr(0xc0, 18, [0, 0, 0, 1, 10, 0, 0, 1, 0]))
            replaced("AS4_AGGREGATOR flagged non-transitive", "7606 3(c), 6793 6", Self.discard(18), type: 18, with: attr(0x80, 18, [0, 0, 0, 1, 10, 0, 0, 1]))
            // PMSI_TUNNEL (RFC 6514 section 5, RFC 7606 defaults): optional transitive.
            replaced("PMSI_TUNNEL length 0", "6514 5, 7606 2", w, type: 22, with: attr(0xc0, 22, []))
            replaced("PMSI_TUNNEL length 3", "6514 5, 7606 2", w, type: 22, with: attr(0xc0, 22, [0, 6, 0]))
            replaced("PMSI_TUNNEL flagged non-transitive", "7606 3(c)", w, type: 22, with: attr(0x80, 22, [0, 6, 0, 0x06, 0x41, 10, 0, 0, 2]))
            // LARGE_COMMUNITY (RFC 8092 section 6): optional transitive, a non-zero multiple of 12.
            for length in [0, 8, 13] {
                replaced("LARGE_COMMUNITY length \(length)", "8092 6", w, type: 32, with: attr(0xc0, 32, [UInt8](repeating: 0, count: length)))
            }
            replaced("LARGE_COMMUNITY flagged well-known", "7606 3(c)", w, type: 32, with: attr(0x40, 32, [UInt8](repeating: 0, count: 12)))
            // AS 0 (RFC 7607 section 2).
            replaced("AS_PATH holding AS 0", "7607 2", w, type: 2, with: attr(0x40, 2, [2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0, 0]))
            replaced("AGGREGATOR of AS 0", "7607 2, 7606 7.7", Self.discard(7), type: 7, with: attr(0xc0, 7, [0, 0, 0, 0, 10, 0, 0, 1]))
            replaced("AS4_PATH holding AS 0", "7607 2, 6793 6", Self.discard(17), type: 17, with: attr(0xc0, 17, [2, 1, 0, 0, 0, 0]))
            replaced("AS4_AGGREGATOR of AS 0", "7607 2, 6793 6", Self.discard(18), type: 18, with: attr(0xc0, 18, [0, 0, 0, 0, 10, 0, 0, 1]))
            // Unknown attributes (RFC 4271 sections 5 and 6.3).
            replaced("unknown well-known attribute 99", "4271 6.3", Self.reset(3, 2), type: 99, with: attr(0x40, 99, [1, 2, 3]))
            replaced("unknown well-known attribute 0", "4271 6.3", Self.reset(3, 2), type: 0, with: attr(0x40, 0, [1]))
            edited("unknown optional transitive attribute 99", "4271 5", .kept(discarded: nil), counted: false) { list, _ in
                list.append(attr(0xc0, 99, [1, 2, 3]))
            }
            edited("unknown optional non-transitive attribute 100", "4271 5", .kept(discarded: 100), counted: false) { list, _ in
                list.append(attr(0x80, 100, [1, 2, 3]))
            }
            // Duplicates (7606 3(g)): all but the first discarded.
            edited("LOCAL_PREF twice", "7606 3(g)", .kept(discarded: nil)) { list, _ in list.append(attr(0x40, 5, [0, 0, 0, 200])) }
            edited("ORIGIN twice", "7606 3(g)", .kept(discarded: nil)) { list, _ in list.append(attr(0x40, 1, [2])) }
            edited("EXTENDED_COMMUNITIES twice", "7606 3(g)", .kept(discarded: nil)) { list, _ in
                list.append(attr(0xc0, 16, [0, 2, 0xfd, 0xe8, 0, 0, 0, 200]))
            }
            // As FRR's tests/bgpd/test_attr_parse "repeated-attr": an optional attribute twice.
            edited("MULTI_EXIT_DISC twice", "7606 3(g), FRR test_attr_parse repeated-attr", .kept(discarded: nil)) { list, _ in
                list.append(attr(0x80, 4, [0, 0, 0, 5]))
                list.append(attr(0x80, 4, [0, 0, 0, 9]))
            }
            // Unusual but valid: nothing to count.
            edited("ORIGIN with Extended Length", "4271 4.3", .kept(discarded: nil), counted: false) { list, _ in
                list[0] = attrExtended(0x40, 1, [0])
            }
            edited("MP_REACH_NLRI reserved octet not zero", "4760 3", .kept(discarded: nil), counted: false) { list, _ in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i][3 + 4 + 4] = 7
            }
        }

        /// The attribute list as a whole (7606 section 4, 3 (a), (g), (j)).
        mutating func structureCases() {
            let sender = self.sender
            edited("attribute length overruns the path attributes, after MP_REACH_NLRI", "7606 4", Self.withdraw) { list, _ in
                list.append([0x40, 5, 9, 0, 0])
            }
            edited("2 stray octets after the last attribute", "7606 4", Self.withdraw) { list, _ in list.append([0x40, 5]) }
            // As FRR's tests/bgpd/test_attr_parse "extlen-underflow": 3 octets, 4 needed with Extended Length.
            edited("3 stray octets with the Extended Length bit after the last attribute", "7606 4, FRR test_attr_parse extlen-underflow",
                   Self.withdraw) { list, _ in list.append([0x50, 5, 0]) }
            edited("attribute length overruns the path attributes before MP_REACH_NLRI", "7606 4, 5.3", Self.reset(3, 5)) { list, _ in
                list[0] = [0x40, 1, 200, 0]
            }
            let n = next
            var clean = MalformedCases.cleanAttributes(n, sender: sender, session: .internal).flatMap { $0 }
            add("Total Path Attribute Length overruns the message", "7606 4", Self.reset(3, 1),
                message: MalformedCases.message(type: 2, [0, 0, UInt8((clean.count + 10) >> 8), UInt8((clean.count + 10) & 0xff)] + clean))
            clean = MalformedCases.cleanAttributes(next, sender: sender, session: .internal).flatMap { $0 }
            add("Withdrawn Routes Length overruns the message", "7606 4", Self.reset(3, 1),
                message: MalformedCases.message(type: 2, [0x10, 0] + clean))
            edited("MP_REACH_NLRI twice", "7606 3(g)", Self.reset(3, 1)) { list, n in
                list.append(MalformedCases.mpReach(MalformedCases.route(n, sender: sender), sender: sender))
            }
            edited("MP_UNREACH_NLRI twice", "7606 3(g)", Self.reset(3, 1)) { list, _ in
                list.append(MalformedCases.mpUnreach([]))
                list.append(MalformedCases.mpUnreach([]))
            }
            add("IPv4 NLRI with a prefix length of 33", "7606 3(j), 4271 6.3", Self.reset(3, 10),
                message: MalformedCases.update(MalformedCases.cleanAttributes(next, sender: sender, session: .internal)
                                               + [attr(0x40, 3, [10, 0, 0, 1])], nlri: [33, 10, 0, 0, 0, 0]))
        }

        /// MP_REACH_NLRI / MP_UNREACH_NLRI themselves (7606 section 7.11, 5.3; 4760 section 7).
        mutating func multiprotocolCases() {
            let sender = self.sender
            edited("MP_REACH_NLRI of 2 octets", "7606 7.11", Self.reset(3, 9)) { list, _ in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i] = attr(0x80, 14, [0, 25])
            }
            for length: UInt8 in [0, 3, 5, 15, 17, 33] {
                edited("MP_REACH_NLRI next hop length \(length)", "7606 7.11", Self.reset(3, 9)) { list, n in
                    let i = list.firstIndex { $0[1] == 14 } ?? 0
                    let route = MalformedCases.route(n, sender: sender)
                    list[i] = attr(0x80, 14, [0, 25, 70, length] + [UInt8](repeating: 10, count: Int(length)) + [0] + route)
                }
            }
            edited("MP_REACH_NLRI next hop length overruns the attribute", "7606 7.11", Self.reset(3, 9)) { list, _ in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i] = attr(0x80, 14, [0, 25, 70, 40, 10, 0, 0, 1])
            }
            edited("MP_REACH_NLRI flagged transitive", "7606 3(c)", Self.withdraw) { list, _ in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i][0] = 0xc0
            }
            edited("MP_UNREACH_NLRI of 2 octets", "7606 7.11", Self.reset(3, 9)) { list, _ in
                list.append(attr(0x80, 15, [0, 25]))
            }
            edited("MP_UNREACH_NLRI with an EVPN route of length 36", "7606 5.3, 7432 7", Self.reset(3, 9)) { list, n in
                var route = MalformedCases.route(n + 5000, sender: sender)
                route[1] = 36
                route.removeLast()
                list.append(MalformedCases.mpUnreach(route))
            }
            edited("MP_REACH_NLRI of a family not negotiated (IPv4 unicast)", "4760 7", .kept(discarded: nil), counted: false) { list, _ in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i] = attr(0x80, 14, [0, 1, 1, 4] + sender.address + [0, 24, 10, 77, 0])
            }
        }

        /// Message headers (RFC 4271 section 6.1) carrying an UPDATE of the case's route.
        mutating func headerCases() {
            let sender = self.sender
            var message = MalformedCases.cleanAnnouncement(next, sender: sender, session: .internal)
            message[3] = 0
            add("marker not all ones", "4271 6.1", Self.reset(1, 1), message: message)
            message = MalformedCases.cleanAnnouncement(next, sender: sender, session: .internal)
            message[16] = 0; message[17] = 18
            add("message length 18", "4271 6.1", Self.reset(1, 2), message: message)
            message = MalformedCases.cleanAnnouncement(next, sender: sender, session: .internal)
            message[16] = 0x10; message[17] = 1
            add("message length 4097", "4271 6.1", Self.reset(1, 2), message: message)
            message = MalformedCases.cleanAnnouncement(next, sender: sender, session: .internal)
            message[18] = 9
            add("message type 9", "4271 6.1", Self.reset(1, 3), message: message)
            // 22 octets is below the smallest UPDATE (23): Bad Message Length, before the body is looked at.
            add("UPDATE of 22 octets", "4271 6.1", Self.reset(1, 2), message: MalformedCases.message(type: 2, [0, 0, 0]))
            // A 4-octet body whose Withdrawn Routes Length (5) overruns it.
            add("UPDATE whose Withdrawn Routes Length overruns a 4-octet body", "7606 4", Self.reset(3, 1),
                message: MalformedCases.message(type: 2, [0, 5, 0, 0]))
        }

        /// Checks that only apply to an external peer.
        mutating func externalCases() {
            let sender = self.sender
            edited("LOCAL_PREF from an external peer", "7606 7.5", .kept(discarded: 5), session: .external) { list, _ in
                list.insert(attr(0x40, 5, [0, 0, 0, 100]), at: 2)
            }
            replaced("AS_PATH from an external peer not starting with its AS", "4271 6.3, 7606 7.2", Self.withdraw, type: 2,
                     with: attr(0x40, 2, [2, 1, 0, 0, 0xff, 0xfe]), session: .external)
            replaced("empty AS_PATH from an external peer", "4271 6.3, 7606 7.2", Self.withdraw, type: 2,
                     with: attr(0x40, 2, []), session: .external)
            replaced("AS_CONFED_SEQUENCE from an external peer", "5065 5.3, 7606 7.2", Self.withdraw, type: 2,
                     with: attr(0x40, 2, [3, 1, 0, 0, 0xff, 0xfe] + [2, 1] + be32(sender.asn)), session: .external)
            replaced("AS_CONFED_SET from an external peer", "5065 5.3, 7606 7.2", Self.withdraw, type: 2,
                     with: attr(0x40, 2, [2, 1] + be32(sender.asn) + [4, 1, 0, 0, 0xff, 0xfe]), session: .external)
        }

        /// The multihoming attributes (ESI Label, RFC 7432 section 7.5; DF Election, RFC 8584 section 2.2) inside
        /// EXTENDED_COMMUNITIES, and withdrawn type-1 and type-4 routes of wrong lengths (the announced ones are
        /// in the length sweep below). An extended community is 8 octets, so a cut or padded one makes the
        /// attribute's length wrong (7606 7.14); a well-formed one with values evpnd does not use is kept.
        mutating func multihomingCases() {
            let sender = self.sender
            let w = Self.withdraw
            let rt: [UInt8] = [0, 2] + be16(UInt16(truncatingIfNeeded: sender.localAS)) + [0, 0, 0, 100]
            let et8: [UInt8] = [3, 12, 0, 0, 0, 0, 0, 8]
            let df: [UInt8] = [6, 6, 2, 0, 0, 0, 0x7f, 0xff]            // DF Election: preference 32767, as FRR sends it
            let esiLabel: [UInt8] = [6, 1, 1, 0, 0, 0, 0, 0]            // ESI Label, single-active, label 0
            replaced("DF Election community cut to 7 octets", "7606 7.14, 8584 2.2", w, type: 16,
                     with: attr(0xc0, 16, rt + et8 + Array(df.prefix(7))))
            replaced("DF Election community with a 9th octet", "7606 7.14, 8584 2.2", w, type: 16,
                     with: attr(0xc0, 16, rt + et8 + df + [0]))
            replaced("ESI Label community cut to 6 octets", "7606 7.14, 7432 7.5", w, type: 16,
                     with: attr(0xc0, 16, rt + et8 + Array(esiLabel.prefix(6))))
            replaced("ESI Label community with 2 extra octets", "7606 7.14, 7432 7.5", w, type: 16,
                     with: attr(0xc0, 16, rt + et8 + esiLabel + [0, 0]))
            edited("DF Election community of an unknown algorithm 31 with every bitmap bit", "8584 2.2", .kept(discarded: nil),
                   counted: false) { list, _ in
                let i = list.firstIndex { $0[1] == 16 } ?? 0
                list[i] = attr(0xc0, 16, rt + et8 + [6, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
            }
            edited("ESI Label and ES-Import communities on a type-2 route", "7432 7.5, 7432 7.6", .kept(discarded: nil),
                   counted: false) { list, _ in
                let i = list.firstIndex { $0[1] == 16 } ?? 0
                list[i] = attr(0xc0, 16, rt + et8 + esiLabel + [6, 2, 0x44, 0x38, 0x39, 0xff, 0xff, 0x01])
            }
            edited("MP_UNREACH_NLRI with a type 1 route 24 octets long", "7606 5.3, 7432 7.1", Self.reset(3, 9)) { list, n in
                let value = EVPNTemplates.value(type: 1, n: n + 5000, sender: sender)
                list.append(MalformedCases.mpUnreach([1, 24] + Array(value.prefix(24))))
            }
            edited("MP_UNREACH_NLRI with a type 1 route 26 octets long", "7606 5.3, 7432 7.1", Self.reset(3, 9)) { list, n in
                let value = EVPNTemplates.value(type: 1, n: n + 5000, sender: sender)
                list.append(MalformedCases.mpUnreach([1, 26] + value + [0]))
            }
            edited("MP_UNREACH_NLRI with a type 4 route 22 octets long", "7606 5.3, 7432 7.4", Self.reset(3, 9)) { list, n in
                let value = EVPNTemplates.value(type: 4, n: n + 5000, sender: sender)
                list.append(MalformedCases.mpUnreach([4, 22] + Array(value.prefix(22))))
            }
            // 23 octets hold an IPv4 originator; an IP length of 128 does not fit them.
            edited("type 4 route whose IP length 128 disagrees with its 23 octets", "7606 5.3, 7432 7.4", Self.reset(3, 9)) { list, n in
                var value = EVPNTemplates.value(type: 4, n: n + 5000, sender: sender)
                value[18] = 128
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i] = MalformedCases.mpReach(MalformedCases.route(n, sender: sender) + [4, 23] + value, sender: sender)
            }
        }

        /// EVPN NLRI (RFC 7432 section 7) of every length 0-255 that does not fit its route type, types 1-5.
        /// The value is case route R's type-2 value cut or zero-padded, so every field that is there is sane.
        mutating func evpnLengthCases() {
            let sender = self.sender
            // Valid value lengths for these templates (IPv4 addresses): type 1 A-D 25; type 2 37 (one label)
            // or 40 (two); type 3 IMET 17; type 4 ES 23; type 5 IP prefix 34 (IPv4) or 58 (IPv6).
            let valid: [UInt8: Set<Int>] = [1: [25], 2: [37, 40], 3: [17], 4: [23], 5: [34, 58]]
            for type: UInt8 in 1...5 {
                for length in 0...255 where !(valid[type] ?? []).contains(length) {
                    let n = next
                    let template = EVPNTemplates.value(type: type, n: n, sender: sender)
                    var value = Array(template.prefix(length))
                    if value.count < length { value += [UInt8](repeating: 0, count: length - value.count) }
                    let nlri = [type, UInt8(length)] + value
                    var list = MalformedCases.cleanAttributes(n, sender: sender, session: .internal)
                    let i = list.firstIndex { $0[1] == 14 } ?? 0
                    list[i] = MalformedCases.mpReach(MalformedCases.route(n, sender: sender) + nlri, sender: sender)
                    add("EVPN route type \(type) of length \(length)", "7432 7, 7606 5.3", Self.reset(3, 9),
                        message: MalformedCases.update(list))
                }
            }
            // A route length that runs past the NLRI field.
            edited("EVPN route length overruns the NLRI field", "7606 5.3", Self.reset(3, 9)) { list, n in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i] = MalformedCases.mpReach(MalformedCases.route(n, sender: sender) + [2, 60, 0, 1], sender: sender)
            }
            edited("EVPN NLRI of 1 octet", "7606 5.3", Self.reset(3, 9)) { list, n in
                let i = list.firstIndex { $0[1] == 14 } ?? 0
                list[i] = MalformedCases.mpReach(MalformedCases.route(n, sender: sender) + [2], sender: sender)
            }
            // The valid lengths of the templates are accepted (not counted): the sweep above is about lengths only.
            for (type, lengths) in valid.sorted(by: { $0.key < $1.key }) {
                for length in lengths.sorted() {
                    let n = next
                    let value = EVPNTemplates.valid(type: type, length: length, n: n, sender: sender)
                    var list = MalformedCases.cleanAttributes(n, sender: sender, session: .internal)
                    let i = list.firstIndex { $0[1] == 14 } ?? 0
                    list[i] = MalformedCases.mpReach(MalformedCases.route(n, sender: sender) + [type, UInt8(length)] + value, sender: sender)
                    add("EVPN route type \(type) of valid length \(length)", "7432 7", .kept(discarded: nil), counted: false,
                        message: MalformedCases.update(list))
                }
            }
        }

        /// Unknown EVPN route types (0 and 6-255): ignored (RFC 7432 section 7), the rest of the UPDATE kept.
        mutating func unknownRouteTypeCases() {
            let sender = self.sender
            for type in [0] + Array(6...255) {
                edited("EVPN unknown route type \(type)", "7432 7, 7606 5.4", .kept(discarded: nil)) { list, n in
                    let i = list.firstIndex { $0[1] == 14 } ?? 0
                    list[i] = MalformedCases.mpReach([UInt8(type), 5, 1, 2, 3, 4, 5] + MalformedCases.route(n, sender: sender), sender: sender)
                }
            }
        }

        /// MAC+IP fields (RFC 7432 section 7.2) and the ARP/ND community (RFC 9047), appended after the sweeps (issue
        /// 14). A MAC length other than 48, an IP length other than 0/32/128, or one the route's length cannot hold:
        /// the NLRI cannot be trusted, as the type-4 row above (FRR's process_type2_route fails the same way). An ND
        /// community with flags RFC 9047 does not define is kept (its unknown bits ignored), the route with it.
        mutating func macIPCases() {
            let sender = self.sender
            for (name, offset, value, reference) in [("MAC length 47", 22, UInt8(47), "7606 5.3, 7432 7.2"),
                                                     ("IP length 24", 29, UInt8(24), "7606 5.3, 7432 7.2"),
                                                     ("IP length 128 in 37 octets", 29, UInt8(128), "7606 5.3, 7432 7.2")] {
                edited("MAC+IP route with \(name)", reference, Self.reset(3, 9)) { list, n in
                    var bad = MalformedCases.routeValue(n + 5000, sender: sender)
                    bad[offset] = value
                    let i = list.firstIndex { $0[1] == 14 } ?? 0
                    list[i] = MalformedCases.mpReach(MalformedCases.route(n, sender: sender) + [2, UInt8(bad.count)] + bad, sender: sender)
                }
            }
            edited("MAC+IP route with an ND community of undefined flags", "9047 2, 7606 7.14", .kept(discarded: nil),
                   counted: false) { list, _ in
                let i = list.firstIndex { $0[1] == 16 } ?? 0
                let value = Array(list[i][3...]) + [0x06, 0x08, 0xfa, 0, 0, 0, 0, 0]
                list[i] = MalformedCases.attr(0xc0, 16, value)
            }
        }
    }
}

/// Values of valid routes of types 1 to 5, IPv4 where there is an address, for the length sweep.
enum EVPNTemplates {
    static func value(type: UInt8, n: Int, sender: MalformedSender) -> [UInt8] {
        let rd: [UInt8] = [0, 1] + sender.address + [UInt8(n >> 8), UInt8(n & 0xff)]
        let esi = [UInt8](repeating: 0, count: 10)
        switch type {
        case 1: return rd + esi + [0, 0, 0, 0] + [0, 0x06, 0x41]                                  // 25
        case 2: return MalformedCases.routeValue(n, sender: sender) + [0, 0x06, 0x41]             // 40 (two labels)
        case 3: return rd + [0, 0, 0, 0] + [32] + sender.address                                  // 17
        case 4: return rd + esi + [32] + sender.address                                           // 23
        case 5: return rd + esi + [0, 0, 0, 0] + [24, 10, 99, 0, 0] + [0, 0, 0, 0] + [0, 0x06, 0x41] // 34
        default: return []
        }
    }

    /// A well-formed value of `length` octets: the template cut to one label, or for type 5 of 58 octets an IPv6
    /// prefix fd00:0:0:n::/64 with a zero gateway (RD(8) + ESI(10) + ETag(4) + len(1) + prefix(16) + GW(16) + label(3)).
    static func valid(type: UInt8, length: Int, n: Int, sender: MalformedSender) -> [UInt8] {
        if type == 5 && length == 58 {
            let rd: [UInt8] = [0, 1] + sender.address + [UInt8(n >> 8), UInt8(n & 0xff)]
            let prefix: [UInt8] = [0xfd, 0, 0, 0, 0, 0, UInt8(n >> 8), UInt8(n & 0xff)] + [UInt8](repeating: 0, count: 8)
            return rd + [UInt8](repeating: 0, count: 10) + [0, 0, 0, 0] + [64] + prefix + [UInt8](repeating: 0, count: 16)
                + [0, 0x06, 0x41]
        }
        return Array(value(type: type, n: n, sender: sender).prefix(length))
    }
}
