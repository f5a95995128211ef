// One MAC's decision (MACMobility.swift has the rules) turned into effects: the type-2 route evpnd
// advertises for it and the remote VTEP it installs, unless the MAC is a frozen duplicate.

import BGPCore
import BGPWire

extension VTEPState {
    mutating func decide(_ key: MACKey, _ fx: inout VTEPEffects) {
        guard let vni = vnis[key.vni] else {
            macs[key] = nil
            return
        }
        // One lookup: the record is read and written back through its index (nothing below changes `macs`).
        guard let slot = macs.index(forKey: key) else { return }
        var record = macs.values[slot]
        let best = record.remotes.best
        if let best { record.remoteSequence = best.sequence }
        // Learned on our ES and by the peer switch of the ES: our route follows the peer's sequence (a sync MAC).
        if let best, best.sequence > record.localSequence, sharedESOwner(record.local, best) != nil { record.localSequence = best.sequence }
        let (owner, reason) = sharedESOwner(record.local, best) ?? MobilityRules.owner(local: record.local, localSequence: record.localSequence, best: best,
                                                  ownVTEP: vni.port.vtep)
        if record.owner == .local, case .remote(let winner) = owner {
            counters.movesToRemote += 1
            counters.byVNI[key.vni, default: VNIEventCounts()].movesToRemote += 1
            fx.log(.info, "VNI \(key.vni): MAC \(key.mac) moved to \(winner.vtep) (\(reason)); local route withdrawn", vni: key.vni, mac: key.mac)
            if record.detector.remoteMove(now: fx.now, config: config.duplicateDetection) {
                detected(key, &record, vtep: winner.vtep, &fx)
            }
        }
        record.owner = owner

        let gone = record.local == nil && record.remotes.isEmpty
        if frozen.contains(key) && !gone {
            // A frozen duplicate: its advertisement stays as it was and no remote is installed anew;
            // a host the bridge holds here is not fought over with a remote install.
            if owner == .local && record.installed != nil {
                setInstall(nil, mac: key.mac, in: vni)
                record.installed = nil
            }
            macs.values[slot] = record
            return
        }
        if !frozen.isEmpty { frozen.remove(key) }  // (removing from an empty set still hashes the key)

        var advertise: (sequence: UInt32, sticky: Bool)?
        var install: IPAddress?
        var installESI: EthernetSegmentIdentifier?
        switch owner {
        case .local:
            if let local = record.local { advertise = (record.localSequence, local.sticky) }
        case .remote(let path):
            install = path.vtep
            installESI = path.esi
        case .none:
            break
        }
        // A MAC learned on a local ES port goes out with the ES's ESI (VTEPState+Multihoming.swift).
        let esi = advertise == nil ? nil : localESI(record.local)
        if advertise?.sequence != record.advertised?.sequence || advertise?.sticky != record.advertised?.sticky
            || esi != advertisedESI(key) {
            let routeKey = Origination.macKey(vni, mac: key.mac)
            if let advertise, let esi {
                fx.advertise(routeKey, MultihomingOrigination.macRoute(vni, mac: key.mac, sequence: advertise.sequence,
                                                                       sticky: advertise.sticky, esi: esi))
            } else if let advertise {
                fx.advertise(routeKey, Origination.macRoute(vni, mac: key.mac, sequence: advertise.sequence, sticky: advertise.sticky))
            } else {
                fx.advertise(routeKey, nil)
            }
            record.advertised = advertise
            setAdvertisedESI(key, esi)
        }
        if install != record.installed || ((installESI != nil || !esMACs.isEmpty) && installESI != esMACs[key]) {
            setInstall(install, mac: key.mac, in: vni, esi: installESI)
            record.installed = install
        }
        macChanged(key)
        if record.isEmpty { macs.remove(at: slot) } else { macs.values[slot] = record }
    }

    /// The two rows of a remote MAC (device row to the VTEP, bridge row to the VXLAN port), or none.
    mutating func setInstall(_ vtep: IPAddress?, mac: MACAddress, in vni: VNIInstance, esi: EthernetSegmentIdentifier? = nil) {
        let device = vni.port.vxlanIndex, bridge = vni.port.bridgeIndex
        let deviceRow = remoteMACRow(mac, vtep: vtep ?? vni.port.vtep, esi: vtep == nil ? nil : esi, in: vni)
        let bridgeRow = FDBIntent.bridgeRow(mac, device: device, bridge: bridge)
        fdb.setDesired(vtep == nil ? nil : deviceRow, at: deviceRow.key)
        fdb.setDesired(vtep == nil ? nil : bridgeRow, at: bridgeRow.key)
    }

    /// A move made the MAC a duplicate: log, count, and freeze it if configured.
    mutating func detected(_ key: MACKey, _ record: inout MACRecord, vtep: IPAddress, _ fx: inout VTEPEffects) {
        counters.duplicatesDetected += 1
        counters.byVNI[key.vni, default: VNIEventCounts()].duplicatesDetected += 1
        let freeze = config.duplicateDetection.freeze
        let detail: String
        switch freeze {
        case .off: detail = "flagged only (no freeze configured)"
        case .permanent: detail = "frozen until `clear evpn dup-addr`"
        case .after(let d): detail = "frozen for \(d)"
        }
        fx.log(.warning, "VNI \(key.vni): MAC \(key.mac) detected as duplicate (\(record.detector.count) moves within "
               + "\(config.duplicateDetection.window)), last VTEP \(vtep); \(detail)", vni: key.vni, mac: key.mac)
        if freeze != .off { frozen.insert(key) }
    }

    /// Frozen duplicates whose freeze time ran out recover.
    mutating func recoverFrozen(_ fx: inout VTEPEffects) {
        guard case .after(let hold) = config.duplicateDetection.freeze else { return }
        for key in frozen.sorted() {
            guard let at = macs[key]?.detector.detectedAt, fx.now.duration(since: at) >= hold else { continue }
            macs[key]?.detector.clear()
            frozen.remove(key)
            dirtyMACs.insert(key)
            fx.log(.notice, "VNI \(key.vni): MAC \(key.mac) duplicate freeze expired; updates resume", vni: key.vni, mac: key.mac)
        }
    }

    func nextRecovery(_ now: Instant) -> Duration? {
        guard case .after(let hold) = config.duplicateDetection.freeze else { return nil }
        let ends = frozen.compactMap { macs[$0]?.detector.detectedAt.map { $0 + hold } } + frozenIPEnds()
        guard let first = ends.min() else { return nil }
        return first.duration(since: now)
    }
}
