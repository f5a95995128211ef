// Netlink's nexthop objects to the VTEP's plain values and back (KernelMapping.swift does links and FDB rows).

import BGPWire
import Netlink
import VTEP

extension KernelNexthop {
    init(_ nexthop: Nexthop) {
        let target: Target
        switch nexthop.target {
        case .gateway(let address, nil):
            target = IPAddress(address).map(Target.vtep) ?? .other
        case .group(let members, .multipath) where members.allSatisfy({ $0.weight == 1 }):
            target = .group(members.map(\.id))
        default:
            target = .other
        }
        self.init(id: nexthop.id, target: target, isFDB: nexthop.isFDB)
    }
}

extension NetlinkRequest {
    /// The request for one nexthop operation (`KernelNexthop.Target.other` is never evpnd's, so never
    /// added or replaced; its delete needs only the id).
    init?(_ operation: NexthopOperation) {
        let entry = operation.entry
        if case .delete = operation {
            self = .deleteNexthop(id: entry.id)
            return
        }
        let nexthop: Nexthop
        switch entry.target {
        case .vtep(let address): nexthop = .fdbVTEP(id: entry.id, vtep: InetAddress(address))
        case .group(let members): nexthop = .fdbGroup(id: entry.id, members: members)
        case .other: return nil
        }
        switch operation {
        case .add, .append: self = .addNexthop(nexthop)
        case .replace: self = .replaceNexthop(nexthop)
        case .delete: return nil
        }
    }
}
