// `show evpn [json]`: the VTEP's global EVPN state in zebra's layout (FRR 8.4 zebra/zebra_vty.c, `show evpn`),
// checked against Tests/Fixtures/frr-json/vtep1-evpn.{json,txt} (scripts/lab/capture-views-json). zebra's
// multihoming block is left out (ControlProtocol.EVPNGlobalKeyDifferences says why).

import BGPWire
import ControlProtocol
import VTEP

/// What `show evpn` reports, from the VTEP's configuration and VNI table.
struct EVPNGlobalView: Hashable {
    var l2VNIs: Int
    var duplicateDetection: DuplicateDetection
}

enum EVPNGlobalReport {
    /// zebra's dad_freeze_time: 0 when the freeze is permanent or off (the text tells them apart).
    static func freezeSeconds(_ freeze: DuplicateDetection.Freeze) -> Int64 {
        if case .after(let duration) = freeze { return duration.components.seconds }
        return 0
    }

    static func json(_ view: EVPNGlobalView) -> JSONValue {
        let d = view.duplicateDetection
        return .object([
            // evpnd does not advertise the SVI's gateway MAC/IP (advertise-default-gw).
            ("advertiseGatewayMacip", .string("No")),
            ("numVnis", .int(view.l2VNIs)),
            ("numL2Vnis", .int(view.l2VNIs)),
            // evpnd has no L3 VNIs (symmetric IRB needs VRF devices, which this kernel lacks).
            ("numL3Vnis", .int(0)),
            ("isDuplicateAddrDetection", .bool(d.enabled)),
            ("maxMoves", .int(d.maxMoves)),
            ("detectionTime", .int(d.window.components.seconds)),
            ("detectionFreezeTime", .int(freezeSeconds(d.freeze))),
        ])
    }

    static func text(_ view: EVPNGlobalView) -> String {
        let d = view.duplicateDetection
        var out = "L2 VNIs: \(view.l2VNIs)\nL3 VNIs: 0\n"
        out += "Advertise gateway mac-ip: No\nAdvertise svi mac-ip: No\nAdvertise svi mac: No\n"
        out += "Duplicate address detection: \(d.enabled ? "Enable" : "Disable")\n"
        out += "  Detection max-moves \(d.maxMoves), time \(d.window.components.seconds)\n"
        switch d.freeze {
        case .off: break
        case .permanent: out += "  Detection freeze permanent\n"
        case .after(let duration): out += "  Detection freeze \(duration.components.seconds)\n"
        }
        return out
    }
}

extension Runtime {
    /// `show evpn [json]`; nil when `request` is not this command.
    func answerEVPNGlobal(_ request: ControlRequest) -> ControlResponse? {
        let words = request.command
        guard words == ["show", "evpn"] || words == ["show", "evpn", "json"] else { return nil }
        guard let state = vtep?.state else {
            return .failure("not a VTEP: no 'advertise-all-vni' in 'address-family l2vpn evpn'")
        }
        let view = EVPNGlobalView(l2VNIs: state.vniReport().count, duplicateDetection: state.config.duplicateDetection)
        if request.json || words.last == "json" { return ControlResponse(ok: true, output: EVPNGlobalReport.json(view).frrPretty) }
        return ControlResponse(ok: true, output: EVPNGlobalReport.text(view))
    }
}
