// `show evpn es [detail] [json]`: the Ethernet Segments the VTEP knows, in FRR 8.4's layout
// (ControlProtocol.EVPNEthernetSegments). Remote ESs today (VTEPState.remoteSegments): the switches that
// advertise each one and the kernel nexthop ids of those in its group.

import ControlProtocol
import VTEP

extension Runtime {
    func answerEthernetSegments(_ request: ControlRequest, state: VTEPState) -> ControlResponse? {
        let words = request.command
        guard words.count >= 3, words[0] == "show", words[1] == "evpn", words[2] == "es" else { return nil }
        let rest = Array(words.dropFirst(3))
        guard rest.isEmpty || rest == ["detail"] else { return .failure("expected 'show evpn es [detail]'") }
        let report = EVPNEthernetSegments(local: state.localSegments, remote: state.remoteSegments)
        if request.json {
            do { return ControlResponse(ok: true, output: try report.jsonText()) } catch { return .failure("cannot encode: \(error)") }
        }
        return ControlResponse(ok: true, output: rest.isEmpty ? report.tableText() : report.detailText())
    }
}

extension EVPNEthernetSegments {
    init(_ remote: [RemoteSegmentReport]) {
        self.init(segments: remote.map { es in
            let known = Set(es.advertisers).union(es.members).sorted()
            return Segment(esi: es.esi.description, flags: ["remote"],
                           vteps: known.map { VTEP(vtep: $0.description, nexthopId: es.memberIDs[$0]) })
        })
    }
}
