// Per-VNI figures for the metrics endpoint, as plain values: counted from the MAC table when asked (one
// pass, no series per MAC), so the reducer keeps no extra bookkeeping on its hot paths.

import BGPWire

public struct VNIStatistics: Hashable, Sendable {
    public var vni: UInt32
    /// MACs learned on a local port and in force.
    public var localMACs = 0
    /// MACs of remote VTEPs in force (installed).
    public var remoteMACs = 0
    /// MACs detected as duplicates (RFC 7432 section 15.1), frozen or not.
    public var duplicateMACs = 0
    /// Duplicates held frozen (`dup-addr-detection freeze`).
    public var frozenMACs = 0
    /// Remote VTEPs of the flood list installed.
    public var remoteVTEPs = 0

    public init(vni: UInt32) { self.vni = vni }
}

extension VTEPState {
    /// Every VNI in service, by VNI.
    public func vniStatistics() -> [VNIStatistics] {
        var byVNI: [UInt32: VNIStatistics] = [:]
        for vni in vnis.keys { byVNI[vni] = VNIStatistics(vni: vni) }
        for (key, record) in macs {
            guard byVNI[key.vni] != nil else { continue }
            switch record.owner {
            case .none: break
            case .local: byVNI[key.vni]?.localMACs += 1
            case .remote: byVNI[key.vni]?.remoteMACs += 1
            }
            if record.detector.isDuplicate { byVNI[key.vni]?.duplicateMACs += 1 }
        }
        for key in frozen { byVNI[key.vni]?.frozenMACs += 1 }
        for (vni, vteps) in floodInstalled { byVNI[vni]?.remoteVTEPs = vteps.count }
        return byVNI.values.sorted { $0.vni < $1.vni }
    }

    /// The reconciler's drift figures (FDBReconciler+Drift.swift).
    public var fdbDrift: FDBDriftCounters { fdb.drift }
}
