// `show bfd peers counters [json]`: one block per session with FRR's keys (bfdd/bfdd_vty.c,
// `_display_peer_counter` and `__display_peer_counters_json`), so a script that counts FRR's session-down
// events counts evpnd's the same way (scripts/bench.d/bfd-soak does). FRR's "zebra-notifications" is left out:
// evpnd has no zebra, and a zero there would claim something that did not happen.

import BFD

struct BFDCounterReport: Encodable {
    var multihop: Bool
    var peer: String
    var local: String?
    var interface: String?
    var vrf = "default"
    var controlPacketInput: UInt64
    var controlPacketOutput: UInt64
    var echoPacketInput: UInt64 = 0
    var echoPacketOutput: UInt64 = 0
    var sessionUp: UInt64
    var sessionDown: UInt64

    enum CodingKeys: String, CodingKey {
        case multihop, peer, local, interface, vrf
        case controlPacketInput = "control-packet-input", controlPacketOutput = "control-packet-output"
        case echoPacketInput = "echo-packet-input", echoPacketOutput = "echo-packet-output"
        case sessionUp = "session-up", sessionDown = "session-down"
    }

    init(_ status: BFDSessionStatus) {
        multihop = status.key.multihop
        peer = status.key.peer.description
        local = status.key.local?.description
        interface = status.key.interface
        controlPacketInput = status.counters.controlPacketsReceived
        controlPacketOutput = status.counters.controlPacketsSent
        sessionUp = status.counters.upCount
        sessionDown = status.counters.downCount
    }

    /// vtysh's `show bfd peers counters` block.
    var textLines: [String] {
        var head = "\tpeer \(peer)"
        if multihop { head += " multihop" }
        if let local { head += " local-address \(local)" }
        head += " vrf \(vrf)"
        if let interface { head += " interface \(interface)" }
        return [head, "\t\tControl packet input: \(controlPacketInput) packets",
                "\t\tControl packet output: \(controlPacketOutput) packets",
                "\t\tEcho packet input: \(echoPacketInput) packets", "\t\tEcho packet output: \(echoPacketOutput) packets",
                "\t\tSession up events: \(sessionUp)", "\t\tSession down events: \(sessionDown)", ""]
    }
}
