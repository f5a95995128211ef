// `show evpn vni`, `show evpn mac vni all|N`, `show evpn arp-cache vni all|N` and `clear evpn dup-addr vni all|N`:
// the VTEP's reports in FRR's JSON (ControlProtocol.EVPNVNIList, EVPNMACTable, EVPNArpCache) and vtysh's tables.

import BGPWire
import ControlProtocol
import VTEP

extension Runtime {
    /// The answer to a VTEP command, or nil when `request` is not one.
    func answerVTEP(_ request: ControlRequest) -> ControlResponse? {
        let words = request.command
        guard words.count >= 3, words[1] == "evpn" else { return nil }
        guard let state = vtep?.state else {
            if words[0] == "show" || words[0] == "clear" { return .failure("not a VTEP: no 'advertise-all-vni' in 'address-family l2vpn evpn'") }
            return nil
        }
        if let response = answerEthernetSegments(request, state: state) { return response }
        switch (words[0], Array(words.dropFirst(2))) {
        case ("show", ["vni"]):
            return render(EVPNVNIList(state.vniReport()), json: request.json) { try $0.jsonText() }
        case ("show", let rest) where rest.count == 3 && rest[0] == "mac" && rest[1] == "vni":
            let table = EVPNMACTable(state.macReport(), vnis: state.vniReport().filter(\.inService).map(\.vni))
            if rest[2] == "all" { return render(table, json: request.json) { try $0.jsonText() } }
            guard let vni = UInt32(rest[2]) else { return .failure("expected 'all' or a VNI: \(rest[2])") }
            let one = EVPNMACTable(vnis: table.vnis.filter { $0.vni == vni })
            if request.json {
                do { return ControlResponse(ok: true, output: try table.jsonText(vni: vni)) } catch {
                    return .failure("cannot encode: \(error)")
                }
            }
            return ControlResponse(ok: true, output: one.tableText())
        case ("show", let rest) where rest.count == 3 && rest[0] == "arp-cache" && rest[1] == "vni":
            let table = EVPNArpCache(state.arpCacheReport(), vnis: state.vniReport().filter(\.inService).map(\.vni))
            if rest[2] == "all" { return render(table, json: request.json) { try $0.jsonText() } }
            guard let vni = UInt32(rest[2]) else { return .failure("expected 'all' or a VNI: \(rest[2])") }
            if request.json {
                do { return ControlResponse(ok: true, output: try table.jsonText(vni: vni)) } catch {
                    return .failure("cannot encode: \(error)")
                }
            }
            return ControlResponse(ok: true, output: table.tableText(vni: vni))
        case ("clear", let rest) where rest.count >= 3 && rest[0] == "dup-addr" && rest[1] == "vni":
            let vni: UInt32? = rest[2] == "all" ? nil : UInt32(rest[2])
            if rest[2] != "all" && vni == nil { return .failure("expected 'all' or a VNI: \(rest[2])") }
            var mac: MACAddress?
            if rest.count == 5, rest[3] == "mac" {
                guard let parsed = MACAddress(rest[4]) else { return .failure("not a MAC address: \(rest[4])") }
                mac = parsed
            }
            driveVTEP(.clearDuplicates(vni: vni, mac: mac))
            return ControlResponse(ok: true, output: "")
        default:
            return nil
        }
    }

    private func render<T>(_ value: T, json: Bool, _ encode: (T) throws -> String) -> ControlResponse where T: TableText {
        if json {
            do { return ControlResponse(ok: true, output: try encode(value)) } catch { return .failure("cannot encode: \(error)") }
        }
        return ControlResponse(ok: true, output: value.tableText())
    }
}

protocol TableText { func tableText() -> String }
extension EVPNVNIList: TableText {}
extension EVPNMACTable: TableText {}
extension EVPNArpCache: TableText {}

extension EVPNArpCache {
    /// `vnis`: VNIs listed even without neighbours, as zebra lists them.
    init(_ reports: [NeighbourReport], vnis: [UInt32]) {
        var byVNI: [UInt32: [Neighbour]] = Dictionary(vnis.map { ($0, []) }, uniquingKeysWith: { a, _ in a })
        for report in reports {
            var vtep: String?
            if case .remote(let address) = report.kind { vtep = address.description }
            byVNI[report.vni, default: []].append(Neighbour(
                ip: report.ip.description, type: vtep == nil ? "local" : "remote", state: report.isActive ? "active" : "inactive",
                mac: report.mac.description, remoteVtep: vtep, defaultGateway: report.isDefaultGateway,
                localSequence: report.localSequence, remoteSequence: report.remoteSequence,
                detectionCount: report.detectionCount, isDuplicate: report.isDuplicate))
        }
        self.init(vnis: byVNI.map { VNI(vni: $0.key, neighbours: $0.value) })
    }
}

extension EVPNVNIList {
    init(_ reports: [VNIReport]) {
        self.init(vnis: reports.map {
            VNI(vni: $0.vni, vxlanIf: $0.vxlanInterface, numMacs: $0.numMacs, numArpNd: $0.numArpNd,
                remoteVteps: $0.remoteVteps.map(\.description))
        })
    }
}

extension EVPNMACTable {
    /// `vnis`: VNIs listed even without MACs, as zebra lists them.
    init(_ reports: [MACReport], vnis: [UInt32]) {
        var byVNI: [UInt32: [MAC]] = Dictionary(vnis.map { ($0, []) }, uniquingKeysWith: { a, _ in a })
        for report in reports {
            let mac: MAC
            switch report.kind {
            case .local(let interface, let vlan):
                mac = .local(report.mac.description, intf: interface, vlan: vlan, localSequence: report.localSequence,
                             remoteSequence: report.remoteSequence, detectionCount: report.detectionCount, isDuplicate: report.isDuplicate)
            case .remote(let vtep):
                var remote = MAC.remote(report.mac.description, vtep: vtep.description, localSequence: report.localSequence,
                                        remoteSequence: report.remoteSequence, detectionCount: report.detectionCount,
                                        isDuplicate: report.isDuplicate)
                if let esi = report.esi {
                    // zebra names the ES instead of a VTEP for a MAC behind one.
                    remote.remoteVtep = nil
                    remote.remoteEs = esi.description
                }
                mac = remote
            }
            byVNI[report.vni, default: []].append(mac)
        }
        self.init(vnis: byVNI.map { VNI(vni: $0.key, macs: $0.value) })
    }
}
