// What the config layer hands the VTEP for its local Ethernet Segments: the `interface IFNAME` / `evpn mh
// es-id|es-sys-mac|es-df-pref` stanzas as ESs, `ead-es-frag evi-limit` and `disable-ead-evi-tx`. It becomes
// `MultihomingSettings` together with the VTEP's router-id (VTEPState+Multihoming.swift).

public struct VTEPMultihomingConfig: Hashable, Sendable {
    public var segments: [LocalEthernetSegment]
    /// `ead-es-frag evi-limit`.
    public var eviLimit: Int
    /// Not `disable-ead-evi-tx`.
    public var sendsEADPerEVI: Bool
    /// The DF Wait timer (RFC 7432 section 8.5: 3 s); shorter only in tests.
    public var dfWait: Duration

    public init(segments: [LocalEthernetSegment] = [], eviLimit: Int = 128, sendsEADPerEVI: Bool = true,
                dfWait: Duration = DFStateMachine.defaultWait) {
        self.segments = segments
        self.eviLimit = eviLimit
        self.sendsEADPerEVI = sendsEADPerEVI
        self.dfWait = dfWait
    }
}
