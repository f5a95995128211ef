// Where evpnd's `show bgp neighbors json` differs from FRR 8.4's in its keys, each with the reason. Paths are
// dot-joined below one peer's object (`neighborCapabilities.hostName.advHostName`). The unit tests
// (Tests/DaemonTests/NeighborReportTests.swift, against captured FRR output) and the interop test
// (Tests/InteropTests/NeighborsInteropTests.swift, against a live FRR on the same session) require the
// difference of the key sets to be exactly this list, so a key that appears or vanishes on either side fails.
// docs/OPERATIONS.md repeats the list for operators.

public enum NeighborKeyDifferences {
    /// Keys FRR prints for a peer that evpnd does not, and why.
    public static let onlyInFRR: [String: String] = [
        "bgpTimerConfiguredConditionalAdvertisementsSec":
            "evpnd has no conditional advertisement (advertise-map), so no timer for it",
        "addressFamilyInfo.l2VpnEvpn.updateGroupId":
            "FRR's update groups are an implementation detail; evpnd groups peers by attribute set instead",
        "addressFamilyInfo.l2VpnEvpn.subGroupId": "as updateGroupId",
        "addressFamilyInfo.l2VpnEvpn.packetQueueLength":
            "evpnd builds UPDATEs when the socket can take them (pull-based), it has no packet queue",
        "nexthopGlobal": "the IPv6 global next hop FRR would send for IPv6 families; evpnd carries IPv4 VTEP next hops only",
        "nexthopLocal": "the IPv6 link-local next hop, as nexthopGlobal",
        "bgpConnection": "whether the peer is on a connected subnet; evpnd does not consult the interface table for reports",
        "readThread": "FRR's I/O pthread state; evpnd reads and writes on its one engine queue",
        "writeThread": "as readThread",
    ]

    /// Keys evpnd prints for a peer that FRR does not, and why.
    public static let onlyInEvpnd: [String: String] = [:]

    /// vtysh's text lines (digits read as `N`) that evpnd does not print, for the reasons above.
    public static let textOnlyInFRR: [String: String] = [
        "  Configured conditional advertisements interval is N seconds": "as bgpTimerConfiguredConditionalAdvertisementsSec",
        "  Update group N, subgroup N": "as addressFamilyInfo.*.updateGroupId",
        "  Packet Queue length N": "as addressFamilyInfo.*.packetQueueLength",
        "Nexthop global: ": "as nexthopGlobal (the line's value follows)",
        "Nexthop local: ": "as nexthopLocal",
        "BGP connection: ": "as bgpConnection",
        "Read thread: ": "as readThread; evpnd does not show its descriptor numbers",
        "  Not part of any update group": "as addressFamilyInfo.*.updateGroupId",
    ]

    /// Every key path below `object` (a JSON object as JSONSerialization returns it): "a", "a.b", ...
    /// Arrays are not descended into (no neighbor key holds one).
    public static func keyPaths(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var paths = Set<String>()
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            paths.insert(path)
            if let nested = value as? [String: Any] { paths.formUnion(keyPaths(nested, prefix: path)) }
        }
        return paths
    }
}
