// The remote side of multihoming (RFC 7432 sections 8.2 and 8.4, aliasing and mass withdraw), without
// I/O: from the type-1 routes of other switches, which VTEPs each remote ES has, and so the kernel
// nexthops evpnd wants: one FDB nexthop per VTEP that serves some ES, one FDB group per ES with at
// least one such VTEP (a group even for one member: the kernel accepts only a group in NDA_NH_ID).
//
// A VTEP joins an ES's group once it advertises both its EAD per ES and an EAD per EVI for the ES
// (FRR's rule; with `disable-ead-evi-rx` the EAD per ES alone). The withdrawal of its EAD per ES (all
// its fragments) takes it out of the ES's group: one replace of the group object, which moves every MAC
// behind it at once with no FDB row touched. An ES left without VTEPs has no group; its MACs then go
// to the VTEP of their own type-2 route (`fdbTarget`), as FRR does.
//
// Ids come from `EVPNNexthopIDs` and stay with their VTEP or ES while used. After a restart, `adopt`
// takes the ids of evpnd's objects found in the kernel: a VTEP's by its address, an ES's group by its
// members (two ESs on the same switches may swap ids, which moves no traffic).

import BGPWire

public struct RemoteESGroups: Sendable {
    /// Route keys of EAD per ES routes (fragments count once each) by ES and VTEP.
    private var perES: [EthernetSegmentIdentifier: [IPAddress: Set<EVPNRouteKey>]] = [:]
    /// VNIs of EAD per EVI routes by ES and VTEP.
    private var perEVI: [EthernetSegmentIdentifier: [IPAddress: Set<UInt32>]] = [:]
    /// `disable-ead-evi-rx`: an EAD per ES suffices.
    public var ignoresEADPerEVI = false

    public private(set) var vtepIDs: [IPAddress: UInt32] = [:]
    public private(set) var groupIDs: [EthernetSegmentIdentifier: UInt32] = [:]
    /// Adoptable kernel objects from the first dump: VTEP -> id, and member VTEP set -> group ids.
    private var adoptableVTEPs: [IPAddress: UInt32] = [:]
    private var adoptableGroups: [Set<IPAddress>: [UInt32]] = [:]

    public init() {}

    // MARK: inputs

    /// An EAD per ES route of `vtep` for `esi` (one fragment, named by its route key) came or went.
    public mutating func setEADPerES(_ esi: EthernetSegmentIdentifier, vtep: IPAddress, route: EVPNRouteKey, present: Bool) {
        if present {
            perES[esi, default: [:]][vtep, default: []].insert(route)
        } else {
            perES[esi]?[vtep]?.remove(route)
            if perES[esi]?[vtep]?.isEmpty == true { perES[esi]?[vtep] = nil }
            if perES[esi]?.isEmpty == true { perES[esi] = nil }
        }
    }

    /// An EAD per EVI route of `vtep` for `esi` on `vni` came or went.
    public mutating func setEADPerEVI(_ esi: EthernetSegmentIdentifier, vni: UInt32, vtep: IPAddress, present: Bool) {
        if present {
            perEVI[esi, default: [:]][vtep, default: []].insert(vni)
        } else {
            perEVI[esi]?[vtep]?.remove(vni)
            if perEVI[esi]?[vtep]?.isEmpty == true { perEVI[esi]?[vtep] = nil }
            if perEVI[esi]?.isEmpty == true { perEVI[esi] = nil }
        }
    }

    /// Ids of evpnd's own objects found in the kernel's first dump, to be taken again rather than
    /// allocated anew (a restart then changes nothing in the kernel).
    public mutating func adopt(_ dump: [KernelNexthop]) {
        var byID: [UInt32: IPAddress] = [:]
        for n in dump where n.isFDB && EVPNNexthopIDs.vteps.contains(n.id) {
            if case .vtep(let a) = n.target, adoptableVTEPs[a] == nil, !vtepIDs.values.contains(n.id) {
                adoptableVTEPs[a] = n.id
                byID[n.id] = a
            }
        }
        for n in dump where n.isFDB && EVPNNexthopIDs.groups.contains(n.id) {
            guard case .group(let members) = n.target, !groupIDs.values.contains(n.id) else { continue }
            let vteps = Set(members.compactMap { byID[$0] })
            guard vteps.count == members.count else { continue }
            adoptableGroups[vteps, default: []].append(n.id)
        }
    }

    // MARK: outputs

    /// The VTEPs in the group of `esi`, sorted.
    public func members(of esi: EthernetSegmentIdentifier) -> [IPAddress] {
        guard let withES = perES[esi] else { return [] }
        let withEVI = perEVI[esi] ?? [:]
        return withES.keys.filter { ignoresEADPerEVI || withEVI[$0]?.isEmpty == false }.sorted()
    }

    /// Every ES some other switch advertises, sorted.
    public var segments: [EthernetSegmentIdentifier] { Set(perES.keys).union(perEVI.keys).sorted() }

    /// The VTEPs that advertised an EAD per ES (active in the group or not), for reports.
    public func advertisers(of esi: EthernetSegmentIdentifier) -> [IPAddress] { (perES[esi]?.keys).map { $0.sorted() } ?? [] }

    /// Where a remote MAC with `esi` should point: the ES's group once it has one, else the VTEP of its
    /// own route.
    public func fdbTarget(esi: EthernetSegmentIdentifier?, routeVTEP: IPAddress) -> FDBTarget {
        if let esi, let id = groupIDs[esi] { return .group(id) }
        return .vtep(routeVTEP)
    }

    public enum FDBTarget: Hashable, Sendable {
        case vtep(IPAddress)
        case group(UInt32)
    }

    /// Recomputes the objects wanted and gives them as intents (VTEP nexthops and groups), allocating ids
    /// to new VTEPs and ESs and freeing those no longer used.
    public mutating func desired() -> [NexthopIntent] {
        var groups: [EthernetSegmentIdentifier: [IPAddress]] = [:]
        for esi in perES.keys {
            let m = members(of: esi)
            if !m.isEmpty { groups[esi] = m }
        }
        let usedVTEPs = Set(groups.values.joined())
        // Free first, so an id is reusable in the same round only for something new.
        for vtep in vtepIDs.keys where !usedVTEPs.contains(vtep) { vtepIDs[vtep] = nil }
        for esi in groupIDs.keys where groups[esi] == nil { groupIDs[esi] = nil }
        for vtep in usedVTEPs.sorted() where vtepIDs[vtep] == nil {
            if let id = adoptableVTEPs.removeValue(forKey: vtep), !vtepIDs.values.contains(id) {
                vtepIDs[vtep] = id
            } else if let id = Self.lowestFree(in: EVPNNexthopIDs.vteps, taken: Set(vtepIDs.values).union(adoptableVTEPs.values)) {
                vtepIDs[vtep] = id
            }
        }
        for (esi, vteps) in groups.sorted(by: { $0.key < $1.key }) where groupIDs[esi] == nil {
            let set = Set(vteps)
            if var ids = adoptableGroups[set], !ids.isEmpty {
                groupIDs[esi] = ids.removeFirst()
                adoptableGroups[set] = ids.isEmpty ? nil : ids
            } else if let id = Self.lowestFree(in: EVPNNexthopIDs.groups,
                                               taken: Set(groupIDs.values).union(adoptableGroups.values.joined())) {
                groupIDs[esi] = id
            }
        }
        var intents: [NexthopIntent] = vtepIDs.map { NexthopIntent.vtep(id: $0.value, $0.key) }
        for (esi, vteps) in groups {
            guard let id = groupIDs[esi] else { continue }
            let memberIDs = vteps.compactMap { vtepIDs[$0] }
            if !memberIDs.isEmpty { intents.append(.group(id: id, members: memberIDs)) }
        }
        return intents.sorted { $0.id < $1.id }
    }

    private static func lowestFree(in range: Range<UInt32>, taken: Set<UInt32>) -> UInt32? {
        var id = range.lowerBound
        while id < range.upperBound {
            if !taken.contains(id) { return id }
            id += 1
        }
        return nil
    }
}

extension KernelTableReconciler where Table == NexthopTable {
    /// Makes the desired rows those of `groups`: rows no longer wanted are dropped (deleted next plan).
    public mutating func setDesired(_ intents: [NexthopIntent]) {
        let wanted = Dictionary(intents.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for id in desired.keys where wanted[id] == nil { setDesired(nil, at: id) }
        for (id, intent) in wanted { setDesired(intent, at: id) }
    }
}
