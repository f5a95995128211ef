// Netlink's links and FDB rows to the VTEP's plain values and back, field by field. The flag and state
// bits are the kernel's own on both sides (NTF_*, NUD_*), so their raw values carry over unchanged.

import BGPWire
import Netlink
import VTEP

extension KernelLink {
    init(_ link: Link) {
        let kind: Kind
        switch link.kind {
        case .bridge:
            kind = .bridge
        case .vxlan(let info):
            // A collect-metadata device (no VNI) is not a VNI of its own: treat it as a plain port.
            if let vni = info.vni {
                kind = .vxlan(VXLAN(vni: vni, local: info.local.flatMap(IPAddress.init), learning: info.learning))
            } else {
                kind = .other
            }
        case .none, .other:
            kind = .other
        }
        // VXLAN devices and bridges without carrier-tracking report UNKNOWN: up means IFF_UP and not known down.
        let operUp = link.operState == .up || link.operState == .unknown
        self.init(index: link.index, name: link.name, kind: kind, masterIndex: link.masterIndex.map { Int32(bitPattern: $0) },
                  isUp: link.isUp && operUp)
    }
}

extension IPAddress {
    init?(_ address: InetAddress) {
        switch address {
        case .v4(let v): self = .v4(IPv4Address(rawValue: v))
        case .v6(let bytes): self.init(bytes: bytes)
        }
    }
}

extension InetAddress {
    init(_ address: IPAddress) {
        switch address {
        case .v4(let v): self = .v4(v.rawValue)
        case .v6(let v): self = .v6(v.bytes)
        }
    }
}

extension KernelFDBEntry {
    init(_ entry: FDBEntry) {
        self.init(mac: MACAddress(rawValue: entry.mac.value), ifindex: entry.ifindex,
                  master: entry.master.map { Int32(bitPattern: $0) }, vlan: entry.vlan,
                  destination: entry.destination.flatMap(IPAddress.init),
                  flags: Flags(rawValue: entry.flags.rawValue), state: State(rawValue: entry.state.rawValue),
                  nexthopID: entry.nexthopID)
    }
}

extension FDBEntry {
    /// The request form of a VTEP row. A bridge row is addressed with NTF_MASTER on its port (the VXLAN
    /// device) and without NDA_MASTER, as `bridge fdb add MAC dev vxlan100 master extern_learn` sends it;
    /// rows the kernel reported carry NDA_MASTER and no flag, so deleting one needs NTF_MASTER set here.
    init(request entry: KernelFDBEntry) {
        var flags = NeighbourFlags(rawValue: entry.flags.rawValue)
        if entry.isBridgeRow {
            flags.insert(.master)
            flags.remove(.self)
        }
        self.init(mac: EthernetAddress(value: entry.mac.rawValue), ifindex: entry.ifindex, master: nil, vlan: entry.vlan,
                  destination: entry.destination.map(InetAddress.init), flags: flags,
                  state: NeighbourState(rawValue: entry.state.rawValue), nexthopID: entry.nexthopID)
    }
}

extension NetlinkRequest {
    init(_ operation: FDBOperation) {
        let entry = FDBEntry(request: operation.entry)
        switch operation {
        case .add: self = .addFDB(entry)
        case .replace: self = .replaceFDB(entry)
        case .append: self = .appendFDB(entry)
        case .delete: self = .deleteFDB(entry)
        }
    }
}

extension NetlinkRequest {
    /// One request of a batch: an operation alone, or a pair of them as one NTF_SELF|NTF_MASTER request
    /// (FDBCombining): the device row's request with the bridge row's NTF_MASTER added, which is what
    /// `bridge fdb add MAC dev vxlanN dst VTEP self master extern_learn` sends.
    init(_ request: FDBBatchRequest, of operations: [FDBOperation]) {
        switch request {
        case .single(let i):
            self.init(operations[i])
        case .combined(let d, let b):
            var entry = FDBEntry(request: operations[d].entry)
            entry.flags.formUnion(FDBEntry(request: operations[b].entry).flags)
            switch operations[d] {
            case .delete: self = .deleteFDB(entry)
            default: self = .addFDB(entry)
            }
        }
    }
}

extension FDBOperationResult {
    init(_ outcome: RequestOutcome) {
        switch outcome {
        case .ok: self = .ok
        case .failed(let failure): self = .failed(errno: failure.errno.rawValue)
        case .unanswered: self = .unanswered
        }
    }
}

extension VTEPInput {
    /// The VTEP input for one kernel notification; nil for what the VTEP does not look at.
    init?(_ event: NetlinkEvent) {
        switch event {
        case .newLink(let link): self = .linkChanged(KernelLink(link))
        case .deletedLink(let link): self = .linkRemoved(index: link.index)
        case .newFDB(let entry): self = .fdbAdded(KernelFDBEntry(entry))
        case .deletedFDB(let entry): self = .fdbRemoved(KernelFDBEntry(entry))
        case .newIPNeighbour(let neighbour):
            guard let entry = KernelNeighbourEntry(neighbour) else { return nil }
            self = .neighbourAdded(entry)
        case .deletedIPNeighbour(let neighbour):
            guard let entry = KernelNeighbourEntry(neighbour) else { return nil }
            self = .neighbourRemoved(entry)
        case .newNexthop(let nexthop): self = .nexthopAdded(KernelNexthop(nexthop))
        case .deletedNexthop(let nexthop): self = .nexthopRemoved(KernelNexthop(nexthop))
        case .other, .malformed: return nil
        }
    }
}

extension KernelNeighbourEntry {
    /// nil only for an address that is neither 4 nor 16 octets (the decoder never makes one).
    init?(_ neighbour: IPNeighbour) {
        guard let ip = IPAddress(neighbour.address) else { return nil }
        self.init(ip: ip, mac: neighbour.mac.map { MACAddress(rawValue: $0.value) },
                  ifindex: neighbour.ifindex, state: State(rawValue: neighbour.state.rawValue),
                  flags: Flags(rawValue: neighbour.flags.rawValue))
    }
}

extension IPNeighbour {
    /// The neighbour a request carries.
    init(request entry: KernelNeighbourEntry) {
        self.init(address: InetAddress(entry.ip), mac: entry.mac.map { EthernetAddress(value: $0.rawValue) }, ifindex: entry.ifindex,
                  state: NeighbourState(rawValue: entry.state.rawValue), flags: NeighbourFlags(rawValue: entry.flags.rawValue))
    }
}

extension NetlinkRequest {
    /// The request for one SVI neighbour operation (an add is exclusive, as for the FDB: EEXIST tells the
    /// reconciler its model missed a row, and it replaces the row next round).
    init(_ operation: NeighbourOperation) {
        switch operation {
        case .add(let e): self = .addNeighbour(IPNeighbour(request: e))
        case .replace(let e), .append(let e): self = .replaceNeighbour(IPNeighbour(request: e))
        case .delete(let e): self = .deleteNeighbour(IPNeighbour(request: e))
        }
    }
}
