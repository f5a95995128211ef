// The kernel half of the VTEP: which VNIs exist (links) and which MACs are local (bridge rows).
//
// A local MAC (FRR's zebra, `zebra_evpn_local_mac_add_update`): a row of a VNI's bridge, on a port
// that is up and is not a VXLAN device, that the bridge learned (not `extern_learn`: that is a remote
// MAC some control plane installed) and that is not `permanent` (the bridge's and its ports' own
// addresses, and rows added by hand without `static`, which FRR ignores too). `static` rows count
// (FRR advertises them, checked here); NTF_STICKY makes the MAC sticky.

import BGPCore
import BGPWire

extension VTEPState {
    /// Discovers VNIs again and brings routes and FDB intents in line with what changed.
    mutating func refreshVNIs(_ fx: inout VTEPEffects) {
        let (found, problems) = VNIDiscovery.discover(Array(links.values))
        for problem in problems where !reportedProblems.contains(problem) {
            reportedProblems.insert(problem)
            fx.log(.warning, problem)
        }
        ports = Dictionary(found.map { ($0.vni, $0) }, uniquingKeysWith: { a, _ in a })
        var portBridges: [Int32: Int32] = [:]
        for link in links.values {
            if let master = link.masterIndex, links[master]?.isBridge == true { portBridges[link.index] = master }
        }
        fdb.setPortBridges(portBridges)

        let active = config.advertiseAllVNI ? found.filter(\.isUp) : []
        let wanted = VNIInstance.resolve(active, config: config, allocator: &allocator)
        let old = vnis
        // Every device old or new is evpnd's for this round, so rows of VNIs that went can be deleted.
        fdb.setManaged((Array(old.values) + Array(wanted.values)).map {
            ManagedDevice(device: $0.port.vxlanIndex, bridge: $0.port.bridgeIndex)
        })
        neighbours.setManaged(svis: (Array(old.values) + Array(wanted.values)).map(\.port.bridgeIndex))
        for (vni, instance) in old.sorted(by: { $0.key < $1.key }) where wanted[vni] != instance {
            deactivate(instance, &fx)
        }
        for (vni, instance) in wanted.sorted(by: { $0.key < $1.key }) where old[vni] != instance {
            activate(instance, &fx)
        }
    }

    private mutating func activate(_ vni: VNIInstance, _ fx: inout VTEPEffects) {
        vnis[vni.vni] = vni
        bridgeVNI[vni.port.bridgeIndex] = vni.vni
        fx.log(.info, "VNI \(vni.vni) up on \(vni.port.vxlanName) in \(vni.port.bridgeName), VTEP \(vni.port.vtep), RD \(vni.rd)", vni: vni.vni)
        let imet = Origination.imetRoute(vni)
        fx.advertise(EVPNRouteKey(imet.route), imet)
        // Rows already in its bridge are local MACs now; remote routes already held may import.
        for (key, _) in fdb.actual where key.table == .bridge(vni.port.bridgeIndex) { fdb.changedBridgeRows.insert(key) }
        // And the neighbours already on its SVI are local hosts' addresses now.
        for (key, _) in neighbours.actual where key.ifindex == vni.port.bridgeIndex { neighbours.changedLearnedRows.insert(key) }
        let ordered = remoteRoutes.keys.map { (key: $0, text: $0.prefixString) }
            .sorted { ($0.key.rd, $0.text) < ($1.key.rd, $1.text) }.map(\.key)
        for key in ordered {
            guard var route = remoteRoutes[key], accepts(vni, route) else { continue }
            route.imports.append(vni.vni)
            remoteRoutes[key] = route
            attach(route, key: key, to: vni.vni, &fx)
        }
    }

    private mutating func deactivate(_ vni: VNIInstance, _ fx: inout VTEPEffects) {
        fx.log(.info, "VNI \(vni.vni) down or changed: its routes are withdrawn and its remote entries removed", vni: vni.vni)
        fx.advertise(EVPNRouteKey(Origination.imetRoute(vni).route), nil)
        dropIPs(of: vni, &fx)
        for key in macs.keys.filter({ $0.vni == vni.vni }) {
            guard let record = macs[key] else { continue }
            if record.advertised != nil { fx.advertise(Origination.macKey(vni, mac: key.mac), nil) }
            if record.installed != nil { setInstall(nil, mac: key.mac, in: vni) }
            macs[key] = nil
            frozen.remove(key)
            dirtyMACs.remove(key)
        }
        for vtep in floodInstalled[vni.vni] ?? [] {
            let intent = FDBIntent.flood(device: vni.port.vxlanIndex, bridge: vni.port.bridgeIndex, vtep: vtep)
            fdb.setDesired(nil, at: intent.key)
        }
        floodInstalled[vni.vni] = nil
        flood[vni.vni] = nil
        for (key, route) in remoteRoutes where route.imports.contains(vni.vni) {
            remoteRoutes[key]?.imports.removeAll { $0 == vni.vni }
        }
        vnis[vni.vni] = nil
        if bridgeVNI[vni.port.bridgeIndex] == vni.vni { bridgeVNI[vni.port.bridgeIndex] = nil }
    }

    /// A port went up or down (or away): its bridge rows are looked at again.
    mutating func portChanged(_ index: Int32) {
        for (key, entry) in fdb.actual where entry.isBridgeRow && entry.ifindex == index { fdb.changedBridgeRows.insert(key) }
    }

    /// The local MAC a bridge row stands for, if it is one.
    func localMAC(_ entry: KernelFDBEntry) -> LocalMAC? {
        guard entry.isBridgeRow, !entry.isExternallyLearned, !entry.state.contains(.permanent),
              let port = links[entry.ifindex], port.isUp, port.vxlan == nil, !port.isBridge else { return nil }
        return LocalMAC(port: port.index, portName: port.name, vlan: entry.vlan, sticky: entry.flags.contains(.sticky),
                        pinned: entry.state.contains(.noARP))
    }

    /// Local learning for one bridge row that changed.
    mutating func learn(from key: FDBKey, _ fx: inout VTEPEffects) {
        guard case .bridge(let bridge) = key.table, let vniNumber = bridgeVNI[bridge], vnis[vniNumber] != nil,
              key.mac != .zero else { return }
        let now = fx.now
        var local: LocalMAC?
        if let entry = fdb.actualEntry(at: key) { local = localMAC(entry) }
        let macKey = MACKey(vni: vniNumber, mac: key.mac)
        var record = macs[macKey] ?? MACRecord()
        guard record.local != local else { return }
        if record.local == nil, local != nil {
            // Learned here while the MAC was remote: a move (RFC 7432 15.1: sequence = remote's + 1).
            if let best = record.remotes.best, sharedESOwner(local, best) != nil {
                // The peer switch of our ES learned it too: not a move (FRR's sync MAC); same sequence.
                record.localSequence = max(record.localSequence, best.sequence)
            } else if case .remote = record.owner, let best = record.remotes.best {
                record.localSequence = max(record.localSequence, best.sequence &+ 1)
                counters.movesToLocal += 1
                counters.byVNI[vniNumber, default: VNIEventCounts()].movesToLocal += 1
                fx.log(.info, "VNI \(vniNumber): MAC \(key.mac) moved here from \(best.vtep); sequence \(record.localSequence)",
                       vni: vniNumber, mac: key.mac)
                if record.detector.localMove(now: now, config: config.duplicateDetection) { detected(macKey, &record, vtep: best.vtep, &fx) }
            }
        }
        record.local = local
        macs[macKey] = record
        dirtyMACs.insert(macKey)
    }

    func frozenOrDuplicate() -> [MACKey] {
        macs.filter { $0.value.detector.isDuplicate }.map(\.key).sorted()
    }
}
