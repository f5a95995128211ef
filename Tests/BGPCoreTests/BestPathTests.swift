// The decision process one step at a time: two paths that differ only in what one step looks at,
// the winner, and FRR's selectionReason for it.

@testable import BGPCore
import BGPWire
import Testing

@Suite struct BestPathTests {
    struct Side: Sendable {
        var attributes: [PathAttribute] = []
        var nextHop = IPv4Address(10, 0, 1, 1)
        var kind = PathOrigin.Kind.ibgp
        var routerID = IPv4Address(10, 0, 0, 9)
        var address: IPAddress? = .v4(IPv4Address(10, 0, 0, 9))
        var selected = false
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var a: Side
        var b: Side
        var macIP = false
        /// Whether `a` wins.
        var aWins: Bool
        var reason: SelectionReason
        var testDescription: String { name }
    }

    static func base(_ extra: [PathAttribute] = []) -> [PathAttribute] {
        var list: [PathAttribute] = [PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty))]
        for attribute in extra {
            list.removeAll { $0.type == attribute.type }
            list.append(attribute)
        }
        return list
    }

    static func path(_ asns: [UInt32]) -> PathAttribute {
        PathAttribute(.asPath(ASPath(segments: [.init(type: .sequence, asns: asns)])))
    }

    static let mm5 = PathAttribute(.extendedCommunities([.macMobility(sequence: 5)]))
    static let mm3 = PathAttribute(.extendedCommunities([.macMobility(sequence: 3)]))
    static let sticky = PathAttribute(.extendedCommunities([.macMobility(sequence: 0, sticky: true)]))

    static let rows: [Row] = [
        Row(name: "sticky MAC", a: Side(attributes: base([sticky])), b: Side(attributes: base()), macIP: true,
            aWins: true, reason: .evpnStickyMAC),
        Row(name: "higher MAC Mobility sequence", a: Side(attributes: base([mm3])), b: Side(attributes: base([mm5])), macIP: true,
            aWins: false, reason: .evpnSequence),
        Row(name: "equal sequence, lower next hop", a: Side(attributes: base(), nextHop: IPv4Address(10, 0, 1, 2)),
            b: Side(attributes: base(), nextHop: IPv4Address(10, 0, 1, 1)), macIP: true, aWins: false, reason: .evpnLowerIP),
        Row(name: "mobility is ignored outside type 2", a: Side(attributes: base([mm3]), address: .v4(IPv4Address(10, 0, 0, 5))),
            b: Side(attributes: base([mm5]), address: .v4(IPv4Address(10, 0, 0, 6))), aWins: true, reason: .neighborIP),
        Row(name: "highest LOCAL_PREF", a: Side(attributes: base([PathAttribute(.localPref(200))])),
            b: Side(attributes: base([PathAttribute(.localPref(100))])), aWins: true, reason: .localPref),
        Row(name: "missing LOCAL_PREF is 100", a: Side(attributes: base()), b: Side(attributes: base([PathAttribute(.localPref(90))])),
            aWins: true, reason: .localPref),
        Row(name: "local route", a: Side(attributes: base(), kind: .ebgp), b: Side(attributes: base(), kind: .local, address: nil),
            aWins: false, reason: .localRoute),
        Row(name: "shortest AS_PATH", a: Side(attributes: base([path([65001, 65002])]), kind: .ebgp),
            b: Side(attributes: base([path([65003])]), kind: .ebgp), aWins: false, reason: .asPath),
        Row(name: "lowest ORIGIN", a: Side(attributes: base([PathAttribute(.origin(.incomplete))])),
            b: Side(attributes: base([PathAttribute(.origin(.egp))])), aWins: false, reason: .origin),
        Row(name: "lowest MED, same neighbor AS", a: Side(attributes: base([path([65001]), PathAttribute(.multiExitDisc(10))]), kind: .ebgp),
            b: Side(attributes: base([path([65001]), PathAttribute(.multiExitDisc(20))]), kind: .ebgp), aWins: true, reason: .med),
        Row(name: "MED not compared across neighbor ASes",
            a: Side(attributes: base([path([65001]), PathAttribute(.multiExitDisc(10))]), kind: .ebgp, routerID: IPv4Address(10, 0, 0, 8)),
            b: Side(attributes: base([path([65002]), PathAttribute(.multiExitDisc(20))]), kind: .ebgp, routerID: IPv4Address(10, 0, 0, 7)),
            aWins: false, reason: .routerID),
        Row(name: "eBGP over iBGP", a: Side(attributes: base([path([65001])]), kind: .ibgp),
            b: Side(attributes: base([path([65001])]), kind: .ebgp), aWins: false, reason: .peerType),
        Row(name: "older path among eBGP", a: Side(attributes: base([path([65001])]), kind: .ebgp, routerID: IPv4Address(10, 0, 0, 200), selected: true),
            b: Side(attributes: base([path([65002])]), kind: .ebgp, routerID: IPv4Address(10, 0, 0, 2)), aWins: true, reason: .olderPath),
        Row(name: "lowest router id", a: Side(attributes: base(), routerID: IPv4Address(10, 0, 0, 3)),
            b: Side(attributes: base(), routerID: IPv4Address(10, 0, 0, 4)), aWins: true, reason: .routerID),
        Row(name: "ORIGINATOR_ID stands for the router id",
            a: Side(attributes: base([PathAttribute(.originatorID(IPv4Address(10, 0, 0, 50)))]), routerID: IPv4Address(10, 0, 0, 3)),
            b: Side(attributes: base([PathAttribute(.originatorID(IPv4Address(10, 0, 0, 40)))]), routerID: IPv4Address(10, 0, 0, 4)),
            aWins: false, reason: .routerID),
        Row(name: "shortest CLUSTER_LIST", a: Side(attributes: base([PathAttribute(.clusterList([IPv4Address(1, 1, 1, 1), IPv4Address(2, 2, 2, 2)]))])),
            b: Side(attributes: base([PathAttribute(.clusterList([IPv4Address(1, 1, 1, 1)]))])), aWins: false, reason: .clusterLength),
        Row(name: "lowest neighbor address", a: Side(attributes: base(), address: .v4(IPv4Address(10, 0, 0, 5))),
            b: Side(attributes: base(), address: .v4(IPv4Address(10, 0, 0, 6))), aWins: true, reason: .neighborIP),
        Row(name: "nothing left", a: Side(attributes: base()), b: Side(attributes: base()), aWins: false, reason: .nothingLeft),
    ]

    static func candidate(_ side: Side, _ interner: inout AttributeInterner) -> Candidate {
        Candidate(attributes: interner.intern(attributes: side.attributes, nextHop: side.nextHop.bytes),
                  origin: PathOrigin(kind: side.kind, routerID: side.routerID, address: side.address), selected: side.selected)
    }

    @Test(arguments: rows) func eachStep(_ row: Row) {
        var interner = AttributeInterner()
        let a = Self.candidate(row.a, &interner)
        let b = Self.candidate(row.b, &interner)
        let (aWins, reason) = BestPath.compare(a, b, isMACIP: row.macIP)
        #expect(aWins == row.aWins)
        #expect(reason == row.reason)
        // The same decision the other way round, except where nothing decides (the incumbent stays).
        if row.reason != .nothingLeft {
            let (bWins, reverse) = BestPath.compare(b, a, isMACIP: row.macIP)
            #expect(bWins == !row.aWins)
            #expect(reverse == row.reason)
        }
    }

    @Test func aSinglePathIsTheFirstReceived() {
        var interner = AttributeInterner()
        let only = Self.candidate(Side(attributes: Self.base()), &interner)
        #expect(BestPath.select([only], isMACIP: false)?.1 == .first)
        #expect(BestPath.select([], isMACIP: false) == nil)
        #expect(SelectionReason.first.rawValue == "First path received")
    }

    @Test func identicalAttributeSetsAreOneObject() {
        var interner = AttributeInterner()
        let x = interner.intern(attributes: Self.base([Self.mm5]), nextHop: [10, 0, 1, 1])
        let y = interner.intern(attributes: Self.base([Self.mm5]).reversed(), nextHop: [10, 0, 1, 1])
        let z = interner.intern(attributes: Self.base([Self.mm5]), nextHop: [10, 0, 1, 2])
        #expect(x === y)
        #expect(x !== z)
        #expect(interner.count == 2)
    }
}
