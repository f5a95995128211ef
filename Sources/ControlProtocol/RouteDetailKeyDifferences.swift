// Where evpnd's `show bgp l2vpn evpn route detail json` differs from FRR 8.4's in its keys, each with the reason.
// Paths are dot-joined below one path object (`nexthops.metric` for a key of the next hop objects) or, with a
// `route.` prefix, below one prefix object. Tests/DaemonTests/RouteDetailReportTests.swift holds the renderer
// to this list against Tests/Fixtures/frr-json/vtep1-two-paths-detail.json; docs/OPERATIONS.md repeats it.

public enum RouteDetailKeyDifferences {
    public static let onlyInFRR: [String: String] = [
        "VNI": "FRR's VNI of the route from its EVPN instance table; evpnd's routes carry the VNI in the label, shown in the prefix",
        "vni": "as VNI",
        "version": "FRR's table version per path; evpnd keeps no table versions",
        "lastUpdate": "evpnd does not timestamp paths (a per-path time would cost memory on every route)",
        "nexthops.metric": "the IGP metric to the next hop; evpnd has no IGP table",
        "nexthops.accessible": "next-hop tracking; evpnd does not resolve VXLAN next hops (the kernel does)",
        "route.advertisedTo": "evpnd does not keep, per route, the peers it was sent to (the Adj-RIB-Out is per group)",
    ]

    public static let onlyInEvpnd: [String: String] = [
        "notSelectedReason": "on a path that is not the best: the decision step at which it lost to the best path "
            + "(FRR 8.4 names only the best path's reason, in bestpath.selectionReason)",
    ]
}
