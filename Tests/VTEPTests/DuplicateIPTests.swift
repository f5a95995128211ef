// Duplicate IP detection (VTEPState+DuplicateIP.swift): two hosts on two switches claiming one address. This switch
// has host Y (MAC y) on a local port; the other switch's host X (MAC x) arrives as MAC+IP routes. Each ARP of Y takes
// the address at a higher sequence, each route of X takes it back: after `max-moves` moves within `time` the address
// is a duplicate, frozen, shown in `show evpn arp-cache`, and cleared by `clear evpn dup-addr vni N ip A`.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct DuplicateIPTests {
    static let x = Lab.mac(0x51)
    static let y = Lab.mac(0x52)
    static let ip = IPLab.ip4

    /// Runs the tug of war until `moves` moves were counted (each ARP of Y and each route of X is one).
    static func tugOfWar(_ rig: inout Rig, moves: Int) {
        var sequence: UInt32 = 0
        rig.announce(IPLab.remoteMACIP(x, ip, vtep: Lab.vtep2, sequence: sequence))
        rig.learn(y, port: Lab.port(100))
        for move in 1...moves {
            rig.now = rig.now + .seconds(1)
            if move % 2 == 1 {
                rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: ip, mac: y)))
                sequence = IPLab.advertisedIPs(rig)[ip]?.sequence ?? sequence
            } else {
                sequence += 1
                rig.announce(IPLab.remoteMACIP(x, ip, vtep: Lab.vtep2, sequence: sequence))
            }
        }
    }

    static func row(_ rig: Rig) -> NeighbourReport? { rig.vtep.arpCacheReport(vni: 100).first { $0.ip == ip } }

    @Test func detectedAfterTheConfiguredMovesFrozenShownAndCleared() {
        var rig = Rig(config: Lab.config(freeze: .permanent))
        Self.tugOfWar(&rig, moves: 4)
        #expect(Self.row(rig)?.isDuplicate == false)
        #expect(Self.row(rig)?.detectionCount == 4)
        Self.tugOfWarStep(&rig, arpOfY: true)  // the fifth move
        #expect(Self.row(rig)?.isDuplicate == true)
        #expect(Self.row(rig)?.detectionCount == 5)
        #expect(rig.logs.contains { $0.level == .warning && $0.message.contains("duplicate IP \(Self.ip)") })
        let frozenState = (IPLab.advertisedIPs(rig)[Self.ip]?.mac, IPLab.installed(rig)[Self.ip])
        // Frozen: X's next route changes nothing here.
        rig.announce(IPLab.remoteMACIP(Self.x, Self.ip, vtep: Lab.vtep2, sequence: 40))
        #expect(IPLab.advertisedIPs(rig)[Self.ip]?.mac == frozenState.0)
        #expect(IPLab.installed(rig)[Self.ip] == frozenState.1)
        // Cleared: the count starts over and the decision resumes (X's sequence 40 wins now).
        rig.send(.clearDuplicateIPs(vni: 100, ip: Self.ip))
        #expect(Self.row(rig)?.isDuplicate == false)
        #expect(Self.row(rig)?.detectionCount == 0)
        #expect(IPLab.installed(rig)[Self.ip] == Self.x)
        #expect(IPLab.advertisedIPs(rig)[Self.ip] == nil)
    }

    static func tugOfWarStep(_ rig: inout Rig, arpOfY: Bool) {
        rig.now = rig.now + .seconds(1)
        rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: ip, mac: y)))
    }

    @Test func withoutFreezeOnlyFlagged() {
        var rig = Rig(config: Lab.config(freeze: .off))
        Self.tugOfWar(&rig, moves: 6)
        #expect(Self.row(rig)?.isDuplicate == true)
        rig.announce(IPLab.remoteMACIP(Self.x, Self.ip, vtep: Lab.vtep2, sequence: 90))
        #expect(IPLab.installed(rig)[Self.ip] == Self.x, "not frozen: X's route still wins")
    }

    @Test func aTimedFreezeEnds() {
        var rig = Rig(config: Lab.config(freeze: .after(.seconds(30))))
        Self.tugOfWar(&rig, moves: 5)
        #expect(Self.row(rig)?.isDuplicate == true)
        #expect(rig.timer != nil, "a timer for the freeze's end")
        rig.now = rig.now + .seconds(31)
        rig.send(.timerFired)
        #expect(Self.row(rig)?.isDuplicate == false)
    }

    @Test func movesSpreadOverMoreThanTheWindowAreNoDuplicate() {
        var rig = Rig(config: Lab.config(freeze: .permanent))
        var sequence: UInt32 = 0
        rig.announce(IPLab.remoteMACIP(Self.x, Self.ip, vtep: Lab.vtep2))
        rig.learn(Self.y, port: Lab.port(100))
        for move in 1...10 {
            rig.now = rig.now + .seconds(100)
            if move % 2 == 1 {
                rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: Self.ip, mac: Self.y)))
                sequence = IPLab.advertisedIPs(rig)[Self.ip]?.sequence ?? sequence
            } else {
                sequence += 1
                rig.announce(IPLab.remoteMACIP(Self.x, Self.ip, vtep: Lab.vtep2, sequence: sequence))
            }
        }
        #expect(Self.row(rig)?.isDuplicate == false)
    }
}
