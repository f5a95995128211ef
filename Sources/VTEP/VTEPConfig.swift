// What the config layer hands the VTEP: the `router bgp` identity, `advertise-all-vni`, per-VNI
// overrides (`vni N` / `rd X` / `route-target import|export|both X`) and `dup-addr-detection`.
// Defaults are FRR 8.4's (zebra/zebra_vrf.h, bgpd/bgp_evpn_vty.c).

import BGPWire

/// `address-family l2vpn evpn` / `vni N` ... `exit-vni`: what overrides the automatic values.
public struct VNIConfig: Hashable, Sendable {
    public var vni: UInt32
    /// `rd X`; nil: the automatic `router-id:N`.
    public var rd: RouteDistinguisher?
    /// `route-target import X` (and `both`); empty: the automatic `AS:VNI`.
    public var importRouteTargets: [RouteTarget]
    /// `route-target export X` (and `both`); empty: the automatic `AS:VNI`.
    public var exportRouteTargets: [RouteTarget]
    /// `route-target import *:N`: the numbers N, imported from any AS (RouteTargetImport.swift).
    public var importAnyAS: [UInt32]
    /// `arp-nd-suppress` / `no arp-nd-suppress` in the block (an evpnd extension): overrides the global one.
    public var arpNDSuppress: Bool?

    public init(vni: UInt32, rd: RouteDistinguisher? = nil, importRouteTargets: [RouteTarget] = [],
                exportRouteTargets: [RouteTarget] = [], importAnyAS: [UInt32] = [], arpNDSuppress: Bool? = nil) {
        self.vni = vni
        self.rd = rd
        self.importRouteTargets = importRouteTargets
        self.exportRouteTargets = exportRouteTargets
        self.importAnyAS = importAnyAS
        self.arpNDSuppress = arpNDSuppress
    }
}

/// `dup-addr-detection [max-moves N time M]` and `dup-addr-detection freeze N|permanent`.
public struct DuplicateDetection: Hashable, Sendable {
    public enum Freeze: Hashable, Sendable {
        /// Detect, flag (`isDuplicate`) and log only: FRR's behaviour without a `freeze` line.
        case off
        /// Stop advertising and installing changes of a duplicate MAC until `clear evpn dup-addr`.
        case permanent
        /// As `permanent`, then recover by itself after this long (FRR's `freeze N`).
        case after(Duration)
    }

    public var enabled: Bool
    /// N: moves within `window` that make a MAC a duplicate (FRR: 5).
    public var maxMoves: Int
    /// M: the detection window (FRR: 180 s). A move more than M after the first one starts over.
    public var window: Duration
    public var freeze: Freeze

    /// FRR's numbers (5 moves in 180 s). The freeze is on: the issue asks that a duplicate MAC stop
    /// churning BGP; FRR without `dup-addr-detection freeze` only flags it (pass `.off` for that).
    public init(enabled: Bool = true, maxMoves: Int = 5, window: Duration = .seconds(180), freeze: Freeze = .permanent) {
        self.enabled = enabled
        self.maxMoves = maxMoves
        self.window = window
        self.freeze = freeze
    }
}

public struct VTEPConfig: Hashable, Sendable {
    /// `router bgp AS`: the AS half of automatic route targets (its low 16 bits, as FRR).
    public var localAS: UInt32
    /// `bgp router-id`: the address half of automatic route distinguishers.
    public var routerID: IPv4Address
    /// `advertise-all-vni`: every VXLAN device in a bridge is a VNI. Off: nothing is advertised or installed.
    public var advertiseAllVNI: Bool
    /// Overrides by VNI.
    public var vnis: [UInt32: VNIConfig]
    public var duplicateDetection: DuplicateDetection
    /// Most FDB operations in one `.fdb` output (one netlink batch).
    public var maxBatch: Int
    /// `disable-ead-evi-rx`: a switch joins a remote ES's group on its EAD per ES alone.
    public var ignoresEADPerEVI = false
    /// `autort rfc8365-compatible`: automatic route targets in RFC 8365's format (RouteTargetImport.swift).
    public var autoRouteTargetRFC8365 = false
    /// `arp-nd-suppress` (true) or `no arp-nd-suppress` (false) in `address-family l2vpn evpn`: evpnd sets or
    /// clears `neigh_suppress` on every VNI's VXLAN port. nil: the operator's (FRR leaves it to the operator).
    public var arpNDSuppress: Bool? = nil
    /// Local Ethernet Segments (VTEPMultihomingConfig.swift).
    public var multihoming = VTEPMultihomingConfig()

    public init(localAS: UInt32, routerID: IPv4Address, advertiseAllVNI: Bool = true, vnis: [VNIConfig] = [],
                duplicateDetection: DuplicateDetection = DuplicateDetection(), maxBatch: Int = 1024) {
        self.localAS = localAS
        self.routerID = routerID
        self.advertiseAllVNI = advertiseAllVNI
        var byVNI: [UInt32: VNIConfig] = [:]
        for vni in vnis { byVNI[vni.vni] = vni }
        self.vnis = byVNI
        self.duplicateDetection = duplicateDetection
        self.maxBatch = max(1, maxBatch)
    }
}
