// MAC mobility (RFC 7432 section 15) and duplicate detection, on a VTEP at 10.0.0.1.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct MobilityTests {
    static let m = Lab.mac(0x77)
    static let port = Lab.port(100)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Local sequence and stickiness set up first (by moves), then a remote route arrives.
        var localMoves: UInt32
        var localSticky = false
        var remote: (vtep: IPAddress, sequence: UInt32, sticky: Bool)
        /// After the remote route: who has the MAC.
        var remoteWins: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "remote with a higher sequence takes a local MAC", localMoves: 0, remote: (Lab.vtep2, 1, false), remoteWins: true),
        Case(name: "remote with a lower sequence does not", localMoves: 1, remote: (Lab.vtep2, 0, false), remoteWins: false),
        Case(name: "equal sequence, remote VTEP lower: remote wins", localMoves: 0, remote: (IPAddress("10.0.0.0")!, 0, false),
             remoteWins: true),
        Case(name: "equal sequence, our VTEP lower: local stays", localMoves: 0, remote: (Lab.vtep2, 0, false), remoteWins: false),
        Case(name: "local sticky never moves", localMoves: 0, localSticky: true, remote: (Lab.vtep2, 9, false), remoteWins: false),
        Case(name: "remote sticky takes a local MAC", localMoves: 0, remote: (Lab.vtep2, 0, true), remoteWins: true),
    ]

    /// A local MAC whose local sequence is `moves` (each move: a remote route with the current
    /// sequence, then a local learn that bumps it past it).
    static func localMAC(moves: UInt32, sticky: Bool) -> Rig {
        var rig = Rig()
        if sticky {
            rig.kernel.operatorAdd(KernelFDBEntry(mac: m, ifindex: port, master: Lab.bridge(100), flags: [.sticky], state: .noARP))
            rig.flush()
            return rig
        }
        rig.learn(m, port: port)
        for n in 0..<moves {
            rig.now = rig.now + .seconds(1)
            rig.announce(Lab.remoteMAC(m, vtep: Lab.vtep3, sequence: n + 1))   // takes it
            rig.now = rig.now + .seconds(1)
            rig.learn(m, port: port)                                            // back: n + 2
            rig.withdraw(Lab.remoteMAC(m, vtep: Lab.vtep3).route)
        }
        return rig
    }

    @Test(arguments: cases)
    func localAgainstRemote(_ c: Case) {
        var rig = Self.localMAC(moves: c.localMoves, sticky: c.localSticky)
        let before = rig.advertisedSequence(Self.m)
        #expect(before != nil)
        rig.announce(Lab.remoteMAC(Self.m, vtep: c.remote.vtep, sequence: c.remote.sequence, sticky: c.remote.sticky))
        let report = rig.mac(Self.m)
        if c.remoteWins {
            #expect(report?.kind == .remote(vtep: c.remote.vtep))
            #expect(rig.advertisedSequence(Self.m) == nil, "our route is withdrawn")
            #expect(rig.remoteRows()[Self.m] == c.remote.vtep)
            // The bridge's learned row was taken over: it points at the VXLAN device now.
            #expect(rig.bridgeRow(Self.m)?.ifindex == Lab.vxlan(100))
            #expect(rig.bridgeRow(Self.m)?.isExternallyLearned == true)
        } else {
            #expect(report?.kind == .local(interface: "veth100a", vlan: nil))
            #expect(rig.advertisedSequence(Self.m)?.sequence == before?.sequence)
            #expect(rig.remoteRows()[Self.m] == nil)
            #expect(rig.bridgeRow(Self.m)?.ifindex == Self.port)
        }
    }

    @Test func remoteToLocalAdvertisesTheRemoteSequencePlusOne() {
        var rig = Rig()
        rig.announce(Lab.remoteMAC(Self.m, vtep: Lab.vtep2, sequence: 4))
        #expect(rig.mac(Self.m)?.kind == .remote(vtep: Lab.vtep2))
        #expect(rig.mac(Self.m)?.remoteSequence == 4)
        // The host shows up here: the bridge takes over the extern_learn row.
        rig.learn(Self.m, port: Self.port)
        #expect(rig.mac(Self.m)?.kind == .local(interface: "veth100a", vlan: nil))
        #expect(rig.advertisedSequence(Self.m)! == (5, false))
        #expect(rig.mac(Self.m)?.localSequence == 5)
        #expect(rig.remoteRows()[Self.m] == nil, "the VXLAN device's row for it is deleted")
        // The old VTEP's route goes: nothing changes here.
        rig.withdraw(Lab.remoteMAC(Self.m, vtep: Lab.vtep2).route)
        #expect(rig.advertisedSequence(Self.m)! == (5, false))
    }

    @Test func bestRemoteAcrossRDs() {
        var rig = Rig()
        rig.announce(Lab.remoteMAC(Self.m, vtep: Lab.vtep3, sequence: 1))
        rig.announce(Lab.remoteMAC(Self.m, vtep: Lab.vtep2, sequence: 2))
        #expect(rig.remoteRows()[Self.m] == Lab.vtep2)
        rig.withdraw(Lab.remoteMAC(Self.m, vtep: Lab.vtep2).route)
        #expect(rig.remoteRows()[Self.m] == Lab.vtep3)
        // A move between remote VTEPs is a replace of the device row, never delete + add.
        let moved = FDBIntent.remoteMAC(Self.m, device: Lab.vxlan(100), bridge: Lab.bridge(100), vtep: Lab.vtep3).entry
        #expect(rig.operations.contains(.replace(moved)))
        #expect(!rig.operations.contains { if case .delete(let e) = $0 { return e.mac == Self.m } else { return false } })
    }

    // MARK: duplicate detection

    /// Ping-pong: local learn (count 1), remote takes it (2), local (3), remote (4), local (5).
    /// `times` are the five moves' offsets in seconds.
    static func pingPong(times: [Int64], freeze: DuplicateDetection.Freeze = .permanent) -> Rig {
        var rig = Rig(config: Lab.config(freeze: freeze))
        rig.announce(Lab.remoteMAC(m, vtep: Lab.vtep2, sequence: 0))
        var remoteSequence: UInt32 = 0
        for (i, t) in times.enumerated() {
            rig.now = Instant(nanoseconds: UInt64(t) * 1_000_000_000 + 1_000_000_000)
            if i % 2 == 0 {
                rig.learn(m, port: port)
            } else {
                remoteSequence = (rig.advertisedSequence(m)?.sequence ?? remoteSequence) + 1
                rig.announce(Lab.remoteMAC(m, vtep: Lab.vtep2, sequence: remoteSequence))
            }
        }
        return rig
    }

    @Test func fiveMovesIn180SecondsAreADuplicate() {
        let rig = Self.pingPong(times: [0, 45, 90, 135, 180])
        let report = rig.mac(Self.m)
        #expect(report?.isDuplicate == true)
        #expect(report?.detectionCount == 5)
        #expect(rig.vtep.counters.duplicatesDetected == 1)
        #expect(rig.logs.contains { $0.level == .warning && $0.message.contains("detected as duplicate") })
        // Frozen: the fifth move (a local learn) is not advertised; the kernel keeps the host where it
        // learned it (evpnd does not fight the data plane with a remote install).
        #expect(rig.advertisedSequence(Self.m) == nil)
        #expect(rig.bridgeRow(Self.m)?.ifindex == Self.port)
        // Further remote updates are not installed either.
        var frozen = rig
        frozen.announce(Lab.remoteMAC(Self.m, vtep: Lab.vtep3, sequence: 50))
        #expect(frozen.remoteRows()[Self.m] == nil)
        #expect(frozen.bridgeRow(Self.m)?.ifindex == Self.port)
    }

    @Test func fiveMovesIn181SecondsAreNot() {
        let rig = Self.pingPong(times: [0, 45, 90, 135, 181])
        #expect(rig.mac(Self.m)?.isDuplicate == false)
        #expect(rig.mac(Self.m)?.detectionCount == 1)
        #expect(rig.vtep.counters.duplicatesDetected == 0)
        #expect(rig.advertisedSequence(Self.m) != nil)
    }

    @Test func withoutFreezeADuplicateIsOnlyFlagged() {
        let rig = Self.pingPong(times: [0, 1, 2, 3, 4], freeze: .off)
        #expect(rig.mac(Self.m)?.isDuplicate == true)
        #expect(rig.advertisedSequence(Self.m) != nil)
    }

    @Test func frozenDuplicateRecoversAfterTheFreezeTimeOrAClear() {
        var rig = Self.pingPong(times: [0, 1, 2, 3, 4], freeze: .after(.seconds(30)))
        #expect(rig.mac(Self.m)?.isDuplicate == true)
        #expect(rig.timer == .seconds(30))
        #expect(rig.advertisedSequence(Self.m) == nil)
        rig.now = rig.now + .seconds(30)
        rig.send(.timerFired)
        #expect(rig.mac(Self.m)?.isDuplicate == false)
        #expect(rig.advertisedSequence(Self.m) != nil)

        var permanent = Self.pingPong(times: [0, 1, 2, 3, 4])
        permanent.send(.clearDuplicates(vni: nil, mac: nil))
        #expect(permanent.mac(Self.m)?.isDuplicate == false)
        #expect(permanent.advertisedSequence(Self.m) != nil)
    }
}
