// The decision process: which of a destination's paths is best, and why.
//
// As the RFCs say it (RFC 4271 section 9.1.2.2, RFC 4456 section 9, RFC 7432 section 15):
//   a) highest degree of preference (LOCAL_PREF for iBGP-learned routes, a local policy for others)
//   b) shortest AS_PATH (an AS_SET counts as 1)
//   c) lowest ORIGIN
//   d) lowest MULTI_EXIT_DISC, comparing only routes from the same neighboring AS
//   e) routes learned by eBGP over routes learned by iBGP
//   f) lowest interior cost to the NEXT_HOP
//   g) lowest BGP Identifier of the advertising speaker; the ORIGINATOR_ID stands for it when present
//      (RFC 4456), then the shortest CLUSTER_LIST (RFC 4456: "between the BGP Identifier comparison
//      and the peer address comparison")
//   h) lowest peer address
//   RFC 7432 section 15: for a MAC/IP route, the higher MAC Mobility sequence number wins; a sticky
//   (static) MAC over one that is not.
//
// As this code does it (FRR 8.4's order, bgpd/bgp_route.c `bgp_path_info_cmp`, since operators
// compare the two side by side and FRR's `selectionReason` names each step):
//   1. type 2 only: sticky MAC wins                               "EVPN Sticky Mac"
//   2. type 2 only: higher MAC Mobility sequence wins             "EVPN sequence number"
//   3. type 2 only: equal sequence, lower next hop wins           "EVPN lower IP"
//      (FRR's choice, so both sides of a MAC move settle on one VTEP; RFC 7432 15.1 lets it be)
//   4. (weight: evpnd has no weight; every path has FRR's default 0, so never decides)
//   5. highest LOCAL_PREF; 100 when absent and for eBGP paths     "Local Pref"
//   6. locally originated wins over learned                       "Local Route"
//   7. shortest AS_PATH                                           "AS Path"
//   8. lowest ORIGIN                                              "Origin"
//   9. lowest MED, only if the neighbor AS is the same or both
//      paths are internal (FRR's default, not always-compare-med) "MED"
//  10. eBGP over iBGP                                             "Peer Type"
//  11. IGP cost to the next hop: skipped. evpnd has no IGP table and VXLAN next hops are resolved by
//      the kernel; FRR with all metrics equal passes on the same way.
//  12. both eBGP: the path already selected stays                 "Older Path"
//  13. lowest ORIGINATOR_ID, else the peer's BGP Identifier       "Router ID"
//  14. shortest CLUSTER_LIST                                      "Cluster length"
//  15. lowest peer address; a local path has none and loses here  "Neighbor IP"
//  16. nothing left                                               "Nothing left to compare"
// Deviations from the RFC order: steps 1-3 come before LOCAL_PREF (as in FRR), and step 6 (local
// first) sits between a) and b), which RFC 4271 leaves to local policy.

import BGPWire

/// Why the best path is best, in FRR's words (`bgp_path_selection_reason2str`).
public enum SelectionReason: String, Hashable, Sendable {
    case none = "Nothing to Select"
    case first = "First path received"
    case evpnStickyMAC = "EVPN Sticky Mac"
    case evpnSequence = "EVPN sequence number"
    case evpnLowerIP = "EVPN lower IP"
    case localPref = "Local Pref"
    case localRoute = "Local Route"
    case asPath = "AS Path"
    case origin = "Origin"
    case med = "MED"
    case peerType = "Peer Type"
    case olderPath = "Older Path"
    case routerID = "Router ID"
    case clusterLength = "Cluster length"
    case neighborIP = "Neighbor IP"
    case nothingLeft = "Nothing left to compare"
}

/// What the decision needs to know about where a path came from.
struct PathOrigin {
    enum Kind: UInt8 { case local, ibgp, ebgp }
    var kind: Kind
    /// The peer's BGP Identifier (ours for local paths).
    var routerID: IPv4Address
    /// nil for local paths.
    var address: IPAddress?
}

/// One candidate as the decision sees it.
struct Candidate {
    var attributes: AttributeSet
    var origin: PathOrigin
    /// Currently the selected path (for "Older Path").
    var selected: Bool
}

enum BestPath {
    static let defaultLocalPref: UInt32 = 100

    static func localPref(_ c: Candidate) -> UInt32 {
        c.origin.kind == .ebgp ? defaultLocalPref : (c.attributes.localPref ?? defaultLocalPref)
    }

    /// Whether `new` is better than `existing`, and the step that decided.
    static func compare(_ new: Candidate, _ existing: Candidate, isMACIP: Bool) -> (Bool, SelectionReason) {
        let a = new.attributes
        let b = existing.attributes
        if isMACIP {
            let (aSequence, aSticky) = a.macMobility ?? (0, false)
            let (bSequence, bSticky) = b.macMobility ?? (0, false)
            if aSticky != bSticky { return (aSticky, .evpnStickyMAC) }
            if aSequence != bSequence { return (aSequence > bSequence, .evpnSequence) }
            if let x = a.nextHopAddress, let y = b.nextHopAddress, x != y { return (x < y, .evpnLowerIP) }
        }
        let (aPref, bPref) = (localPref(new), localPref(existing))
        if aPref != bPref { return (aPref > bPref, .localPref) }
        let (aLocal, bLocal) = (new.origin.kind == .local, existing.origin.kind == .local)
        if aLocal != bLocal { return (aLocal, .localRoute) }
        let (aLength, bLength) = (a.asPath.pathLength, b.asPath.pathLength)
        if aLength != bLength { return (aLength < bLength, .asPath) }
        if a.origin != b.origin { return (a.origin.rawValue < b.origin.rawValue, .origin) }
        let bothInternal = aLength == 0 && bLength == 0
        if bothInternal || (a.neighborAS != nil && a.neighborAS == b.neighborAS) {
            // A missing MED is 0 (FRR's default, not `bgp bestpath med missing-as-worst`).
            let (aMED, bMED) = (a.med ?? 0, b.med ?? 0)
            if aMED != bMED { return (aMED < bMED, .med) }
        }
        let (aEBGP, bEBGP) = (new.origin.kind == .ebgp, existing.origin.kind == .ebgp)
        if aEBGP != bEBGP { return (aEBGP, .peerType) }
        if aEBGP && bEBGP && new.selected != existing.selected { return (new.selected, .olderPath) }
        let aID = a.originatorID ?? new.origin.routerID
        let bID = b.originatorID ?? existing.origin.routerID
        if aID != bID { return (aID < bID, .routerID) }
        if a.clusterList.count != b.clusterList.count { return (a.clusterList.count < b.clusterList.count, .clusterLength) }
        switch (new.origin.address, existing.origin.address) {
        case (nil, _?): return (false, .neighborIP)
        case (_?, nil): return (true, .neighborIP)
        case (let x?, let y?) where x != y: return (x < y, .neighborIP)
        default: return (false, .nothingLeft)
        }
    }

    /// The step at which `loser` loses to `best`, for the report of a path that is not selected (FRR 8.4 names
    /// only the best path's reason; holo's comparison returns it for every pair). Called only when a report is
    /// made, so the decision on the hot path stays one comparison per candidate.
    static func lossReason(_ loser: Candidate, against best: Candidate, isMACIP: Bool) -> SelectionReason {
        compare(loser, best, isMACIP: isMACIP).1
    }

    /// The index of the best candidate and why, FRR's way: the first path is the initial best, each
    /// later one is compared with the best so far, and the reason is that of the last comparison.
    static func select(_ candidates: [Candidate], isMACIP: Bool) -> (Int, SelectionReason)? {
        guard !candidates.isEmpty else { return nil }
        var best = 0
        var reason = SelectionReason.first
        for i in candidates.indices.dropFirst() {
            let (better, why) = compare(candidates[i], candidates[best], isMACIP: isMACIP)
            reason = why
            if better { best = i }
        }
        return (best, reason)
    }
}
