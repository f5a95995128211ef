// VNI discovery as FRR's `advertise-all-vni` does it (zebra/zebra_vxlan.c, bgpd/bgp_evpn.c): every
// VXLAN device that is a port of a bridge is a layer-2 VNI, its local address the VTEP address.
//
// Route distinguisher: `router-id:N` (RFC 7432 section 7.9, type 1). FRR 8.4 numbers N from a
// bitfield shared with the VRFs (`bgp->rd_idspace`, `bf_assign_index`, lowest free index); index 1
// goes to the default VRF's own RD (`bgp->vrf_rd_id`), so the first VNI gets :2, the next :3, in the
// order zebra reports them. Checked on FRR 8.4.4 here: VNIs 100, 200, 300 became 10.0.0.1:2, :3, :4.
// evpnd hands out the lowest free index from 2 up, new VNIs in ascending VNI order, and keeps a VNI's
// index while it exists, so the RDs match FRR's whenever zebra would also report in VNI order;
// configure `rd` where an exact RD matters.
//
// Route target: `AS:VNI`, type 0x00 with the low 16 bits of the AS (FRR's `form_auto_rt`:
// `encode_route_target_as(bgp->as & 0xFFFF, vni)`), for import and export alike; imported from any AS
// (RouteTargetImport.swift), so leaves in different ASes import each other's routes as FRR's do.

import BGPWire

/// A VXLAN device in a bridge: a VNI as the kernel shows it, before configuration.
public struct VXLANPort: Hashable, Sendable {
    public var vni: UInt32
    public var vxlanIndex: Int32
    public var vxlanName: String
    public var bridgeIndex: Int32
    public var bridgeName: String
    /// The device's local address: the VTEP address, the next hop and originator of its routes.
    public var vtep: IPAddress
    public var learning: Bool
    /// The VXLAN device and its bridge are both up: the VNI is advertised (type 3) only then.
    public var isUp: Bool
}

/// A VNI with its route distinguisher and route targets worked out.
public struct VNIInstance: Hashable, Sendable {
    public var port: VXLANPort
    public var rd: RouteDistinguisher
    /// The automatic RD's index N (`router-id:N`); nil when `rd` is configured.
    public var rdIndex: UInt16?
    public var importRouteTargets: [RouteTarget]
    public var exportRouteTargets: [RouteTarget]
    /// Local administrator numbers imported from any AS (`*:N`, and the automatic target: RouteTargetImport.swift).
    public var importAnyAS: [UInt32] = []

    public var vni: UInt32 { port.vni }
}

public enum VNIDiscovery {
    /// The VXLAN ports among `links`, by ascending VNI, and a sentence for each device left out.
    public static func discover(_ links: [KernelLink]) -> (ports: [VXLANPort], problems: [String]) {
        var byIndex: [Int32: KernelLink] = [:]
        for link in links { byIndex[link.index] = link }
        var ports: [UInt32: VXLANPort] = [:]
        var problems: [String] = []
        for link in links.sorted(by: { $0.index < $1.index }) {
            guard let vxlan = link.vxlan else { continue }
            guard let master = link.masterIndex, let bridge = byIndex[master], bridge.isBridge else { continue }
            guard let local = vxlan.local else {
                problems.append("\(link.name): VXLAN device in \(bridge.name) has no local address; VNI \(vxlan.vni) not used")
                continue
            }
            if let existing = ports[vxlan.vni] {
                problems.append("\(link.name): VNI \(vxlan.vni) is already on \(existing.vxlanName); ignored")
                continue
            }
            if vxlan.learning {
                problems.append("\(link.name): VNI \(vxlan.vni) has learning on; EVPN wants `nolearning` (remote MACs learned by the data plane are left alone)")
            }
            ports[vxlan.vni] = VXLANPort(vni: vxlan.vni, vxlanIndex: link.index, vxlanName: link.name, bridgeIndex: bridge.index,
                                         bridgeName: bridge.name, vtep: local, learning: vxlan.learning,
                                         isUp: link.isUp && bridge.isUp)
        }
        return (ports.values.sorted { $0.vni < $1.vni }, problems)
    }

    /// FRR's automatic route target for `vni` in `localAS`; `rfc8365`: `autort rfc8365-compatible`
    /// (RouteTargetImport.swift).
    public static func autoRouteTarget(localAS: UInt32, vni: UInt32, rfc8365: Bool = false) -> RouteTarget {
        .as2(asn: UInt16(truncatingIfNeeded: localAS), number: rfc8365 ? rfc8365VXLANAutoRouteTargetBits | vni : vni)
    }
}

/// The `N` of automatic RDs: lowest free index from 2 (1 is the default VRF's, as in FRR), stable
/// per VNI while the VNI exists.
public struct RDIndexAllocator: Hashable, Sendable {
    public private(set) var assigned: [UInt32: UInt16] = [:]
    static let first: UInt16 = 2

    public init() {}

    public mutating func index(for vni: UInt32) -> UInt16 {
        if let index = assigned[vni] { return index }
        let used = Set(assigned.values)
        var candidate = Self.first
        while used.contains(candidate) && candidate < .max { candidate += 1 }
        assigned[vni] = candidate
        return candidate
    }

    public mutating func release(_ vni: UInt32) { assigned[vni] = nil }
}

extension VNIInstance {
    /// Applies the configuration to discovered ports: configured RD and RTs win, the rest is automatic.
    /// VNIs are numbered in ascending order (configured RD or not, as FRR); indexes of VNIs that went
    /// away are freed first.
    public static func resolve(_ ports: [VXLANPort], config: VTEPConfig, allocator: inout RDIndexAllocator) -> [UInt32: VNIInstance] {
        let present = Set(ports.map(\.vni))
        for vni in allocator.assigned.keys where !present.contains(vni) { allocator.release(vni) }
        var out: [UInt32: VNIInstance] = [:]
        for port in ports.sorted(by: { $0.vni < $1.vni }) {
            let overrides = config.vnis[port.vni]
            let auto = VNIDiscovery.autoRouteTarget(localAS: config.localAS, vni: port.vni, rfc8365: config.autoRouteTargetRFC8365)
            let rd: RouteDistinguisher
            var rdIndex: UInt16?
            // FRR gives every VNI an index when it creates it, configured RD or not (`bgp_evpn_new`).
            let index = allocator.index(for: port.vni)
            if let configured = overrides?.rd {
                rd = configured
            } else {
                rdIndex = index
                rd = .ipv4(config.routerID, index)
            }
            // Configured import targets (exact or `*:N`) replace the automatic one, which matches any AS.
            let configuredImports = !(overrides?.importRouteTargets.isEmpty ?? true) || !(overrides?.importAnyAS.isEmpty ?? true)
            let imports = configuredImports ? overrides?.importRouteTargets ?? [] : [auto]
            let exports = overrides?.exportRouteTargets.isEmpty == false ? overrides?.exportRouteTargets ?? [auto] : [auto]
            var instance = VNIInstance(port: port, rd: rd, rdIndex: rdIndex, importRouteTargets: imports,
                                       exportRouteTargets: exports)
            instance.importAnyAS = configuredImports ? overrides?.importAnyAS ?? [] : [auto.localAdministrator]
            out[port.vni] = instance
        }
        return out
    }
}
