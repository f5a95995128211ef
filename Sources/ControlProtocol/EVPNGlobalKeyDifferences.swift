// Where evpnd's `show evpn json` differs from zebra's (FRR 8.4) in its keys, each with the reason.
// Tests/DaemonTests/EVPNGlobalReportTests.swift holds the renderer to this list against
// Tests/Fixtures/frr-json/vtep1-evpn.json; docs/OPERATIONS.md repeats it.

public enum EVPNGlobalKeyDifferences {
    public static let onlyInFRR: [String: String] = [
        "macHoldtime": "EVPN multihoming (zebra_evpn_mh): not in evpnd yet, so none of its settings or state",
        "neighHoldtime": "as macHoldtime",
        "startupDelay": "as macHoldtime",
        "startupDelayTimer": "as macHoldtime",
        "uplinkConfigCount": "as macHoldtime",
        "uplinkActiveCount": "as macHoldtime",
        "protodownReasons": "as macHoldtime",
    ]
}
