// `show evpn es` for local ESs, merged with the remote view (zebra_evpn_es_show_entry in FRR 8.4): a local ES
// has `accessPort` and the `local` flag, `remote` too once another switch advertises it, `nonDF` while this
// switch is DF on none of its VNIs (also during the DF Wait); its `vteps` are the other switches, each with
// the `dfAlgorithm`/`dfPreference` of its type-4 route and the nexthop id of its member of the ES's group.

import BGPWire
import ControlProtocol
import VTEP

extension EVPNEthernetSegments {
    init(local: [LocalSegmentReport], remote: [RemoteSegmentReport]) {
        let remoteView = EVPNEthernetSegments(remote)
        var byESI = Dictionary(remote.map { ($0.esi, $0) }, uniquingKeysWith: { first, _ in first })
        var segments: [Segment] = []
        for es in local {
            let shared = byESI.removeValue(forKey: es.segment.esi)
            var flags = ["local"]
            var addresses = es.peers.map(\.originator)
            if let shared { addresses += shared.advertisers + shared.members }
            let known = Array(Set(addresses)).sorted { DFElection.numericallyLower($0, $1) }
            if !known.isEmpty { flags.append("remote") }
            if es.designatedForwarder.isEmpty { flags.append("nonDF") }
            let vteps = known.map { address -> VTEP in
                let candidate = es.peers.first { $0.originator == address }
                return VTEP(vtep: address.description, dfAlgorithm: candidate?.algorithm.description,
                            dfPreference: candidate?.preference, nexthopId: shared?.memberIDs[address])
            }
            segments.append(Segment(esi: es.segment.esi.description, accessPort: es.segment.port, flags: flags, vteps: vteps))
        }
        segments += remoteView.segments.filter { segment in byESI.keys.contains { $0.description == segment.esi } }
        self.init(segments: segments.sorted { $0.esi < $1.esi })
    }

}
