// The datapath filters' input read off the multihoming reducer, so the daemon needs one call after every
// `MultihomingState.handle` that returned `.roles` (or changed the ES peers): per configured ES its port,
// the other switches that advertise it (type-4 originators, whether or not our own ES is up), and per VNI
// whether the election made this switch DF. An ES in its DF Wait, or down, is DF for no VNI: its overlay BUM
// is blocked, as RFC 8584 section 2.1 wants until the election has run.

import BGPWire

extension DatapathFilterInput {
    public init(multihoming state: MultihomingState, vxlanUDPPorts: Set<UInt16> = [4789]) {
        var segments: [Segment] = []
        for es in state.settings?.segments ?? [] {
            let elected = state.election.segments[es.esi]
            let peers = Set(elected?.remotes.keys.map { $0 } ?? state.election.remoteOnly[es.esi]?.keys.map { $0 } ?? [])
            let df = elected?.designatedForwarder ?? []
            let vnis = state.vnis.map { VNI(vni: $0.vni, vxlanDevice: $0.port.vxlanName, designatedForwarder: df.contains($0.vni)) }
            segments.append(Segment(port: es.port, peers: peers, vnis: vnis))
        }
        self.init(segments: segments, vxlanUDPPorts: vxlanUDPPorts)
    }
}
