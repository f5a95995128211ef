// An address moving to another MAC (a server moving its IP to its other NIC on another switch), seen from the
// three switches involved (VTEPState+Neighbours.swift, VTEPState+Announcements.swift): the new switch learns it
// from the host's gratuitous ARP and advertises it above the old sequence; the old switch and a third one take
// the new MAC and announce it on their own ports, at most once a second per address.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct AddressMoveTests {
    static let nic1 = Lab.mac(0x41)
    static let nic2 = Lab.mac(0x42)
    static let ip = IPLab.ip4

    @Test func aThirdSwitchTakesTheNewMACAndAnnouncesItOnce() {
        var rig = Rig()
        let old = IPLab.remoteMACIP(Self.nic1, Self.ip, vtep: Lab.vtep2)
        rig.announce(old)
        #expect(IPLab.installed(rig) == [Self.ip: Self.nic1])
        #expect(rig.announcements.isEmpty, "a first install is no move")
        rig.announce(IPLab.remoteMACIP(Self.nic2, Self.ip, vtep: Lab.vtep3, sequence: 1))
        rig.withdraw(old.route)
        #expect(IPLab.installed(rig) == [Self.ip: Self.nic2])
        #expect(rig.announcements == [NeighbourAnnouncement(vni: 100, svi: IPLab.svi, ip: Self.ip, mac: Self.nic2)])
        // Back within the second: installed, not announced again (the rate limit), and counted.
        rig.announce(IPLab.remoteMACIP(Self.nic1, Self.ip, vtep: Lab.vtep2, sequence: 2))
        #expect(IPLab.installed(rig) == [Self.ip: Self.nic1])
        #expect(rig.announcements.count == 1)
        #expect(rig.vtep.counters.announcementsDropped == 1)
        rig.now = rig.now + .seconds(2)
        rig.announce(IPLab.remoteMACIP(Self.nic2, Self.ip, vtep: Lab.vtep3, sequence: 3))
        #expect(rig.announcements.count == 2)
    }

    @Test func theNewSwitchLearnsItFromTheHostsGratuitousARPAndAdvertisesAboveTheOldSequence() {
        var rig = Rig()
        rig.announce(IPLab.remoteMACIP(Self.nic1, Self.ip, vtep: Lab.vtep2, sequence: 4))
        #expect(IPLab.installed(rig) == [Self.ip: Self.nic1])
        // NIC 2 comes up here and sends its gratuitous ARP: the bridge learns the MAC, the SVI reads the ARP (the
        // kernel leaves the `noarp` row alone).
        rig.learn(Self.nic2, port: Lab.port(100))
        rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: Self.ip, mac: Self.nic2)))
        let advertised = IPLab.advertisedIPs(rig)[Self.ip]
        #expect(advertised?.mac == Self.nic2)
        #expect(advertised?.sequence == 5, "the remote sequence + 1")
        #expect(IPLab.installed(rig).isEmpty, "the remote row goes")
        #expect(rig.announcements.isEmpty, "the host announced itself here")
        // The old switch withdraws: nothing changes here.
        rig.withdraw(IPLab.remoteMACIP(Self.nic1, Self.ip, vtep: Lab.vtep2, sequence: 4).route)
        #expect(IPLab.advertisedIPs(rig)[Self.ip]?.sequence == 5)
    }

    /// The ARP of a local host is a claim only for an address held as a remote host's (where the kernel's `noarp`
    /// row keeps it from learning the host); any other address is the kernel's to learn, as with FRR, so that a
    /// claim never rests on snooping alone (it would not survive a restart).
    @Test func anARPFromALocalMACClaimsAnAddressHeldAsRemoteAndOnlyThat() {
        var rig = Rig()
        rig.learn(Self.nic2, port: Lab.port(100))
        rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: Self.ip, mac: Self.nic2)))
        #expect(IPLab.advertisedIPs(rig).isEmpty, "an address not held as remote is left to the kernel")

        rig.announce(IPLab.remoteMACIP(Self.nic1, Self.ip, vtep: Lab.vtep2, sequence: 4))
        rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: Self.ip, mac: Lab.mac(0x99))))
        #expect(IPLab.advertisedIPs(rig).isEmpty, "a MAC not learned on a local port claims nothing")
        // The kernel makes no entry from a gratuitous ARP: the ARP itself is the claim, once the MAC is local.
        rig.send(.arpObserved(ObservedARP(svi: IPLab.svi, ip: Self.ip, mac: Self.nic2)))
        #expect(IPLab.advertisedIPs(rig)[Self.ip]?.mac == Self.nic2)
        #expect(IPLab.advertisedIPs(rig)[Self.ip]?.sequence == 5)
        // It lasts while the MAC is local.
        rig.kernel.age(Self.nic2, bridge: Lab.bridge(100))
        rig.flush()
        #expect(IPLab.advertisedIPs(rig).isEmpty)
    }

    @Test func theOldRouteGoneFirstStillAnnouncesTheNewMAC() {
        var rig = Rig()
        let old = IPLab.remoteMACIP(Self.nic1, Self.ip, vtep: Lab.vtep2)
        rig.announce(old)
        rig.withdraw(old.route)
        rig.now = rig.now + .seconds(1)
        rig.announce(IPLab.remoteMACIP(Self.nic2, Self.ip, vtep: Lab.vtep3, sequence: 1))
        #expect(rig.announcements.map(\.mac) == [Self.nic2], "the MAC it resolved to a moment ago was another")
        // A host never seen here before is no move.
        rig.announce(IPLab.remoteMACIP(Self.nic1, IPLab.other, vtep: Lab.vtep2))
        #expect(rig.announcements.count == 1)
    }

    @Test func theOldSwitchGivesItUpAndAnnouncesTheNewMAC() {
        var rig = Rig()
        rig.learn(Self.nic1, port: Lab.port(100))
        rig.kernel.resolve(Self.ip, to: Self.nic1, on: IPLab.svi)
        rig.flush()
        #expect(IPLab.advertisedIPs(rig)[Self.ip]?.mac == Self.nic1)
        rig.announce(IPLab.remoteMACIP(Self.nic2, Self.ip, vtep: Lab.vtep3, sequence: 1))
        #expect(IPLab.advertisedIPs(rig)[Self.ip] == nil, "withdrawn")
        #expect(IPLab.installed(rig) == [Self.ip: Self.nic2], "the kernel's learned row replaced by the remote one")
        #expect(rig.announcements == [NeighbourAnnouncement(vni: 100, svi: IPLab.svi, ip: Self.ip, mac: Self.nic2)])
        #expect(IPLab.macOnlyRoutes(rig).contains(Self.nic1), "NIC 1's MAC is still here")
    }

    @Test func framesAreWhatTheWireWants() {
        let arp = NeighbourAnnouncement(vni: 100, svi: 10, ip: IPAddress("10.1.0.21")!, mac: MACAddress("aa:bb:cc:00:00:01")!).frame
        #expect(arp.count == 42)
        #expect(Array(arp[0..<6]) == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        #expect(Array(arp[12..<14]) == [0x08, 0x06])
        #expect(Array(arp[28..<32]) == [10, 1, 0, 21])
        #expect(Array(arp[38..<42]) == [10, 1, 0, 21], "target = sender: gratuitous")
        #expect(ObservedARP(svi: 10, arp: Array(arp[14...])) == ObservedARP(svi: 10, ip: IPAddress("10.1.0.21")!, mac: MACAddress("aa:bb:cc:00:00:01")!))
        let na = NeighbourAnnouncement(vni: 100, svi: 10, ip: IPAddress("fd00:1::21")!, mac: MACAddress("aa:bb:cc:00:00:01")!).frame
        #expect(na.count == 86)
        #expect(Array(na[0..<6]) == [0x33, 0x33, 0, 0, 0, 1])
        #expect(na[54] == 136 && na[58] == 0x20, "a Neighbor Advertisement with the override flag")
        // The checksum over pseudo-header and message sums to 0xffff (RFC 4443 section 2.3).
        var words: [UInt8] = Array(na[22..<54]) + [0, 0, 0, 32, 0, 0, 0, 58] + Array(na[54...])
        if words.count % 2 == 1 { words.append(0) }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: words.count, by: 2) { sum += UInt32(words[i]) << 8 | UInt32(words[i + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        #expect(sum == 0xffff)
        // A probe (sender 0.0.0.0) and a short packet are no claim.
        #expect(ObservedARP(svi: 10, arp: [0, 1, 8, 0, 6, 4, 0, 1] + [UInt8](repeating: 0, count: 20)) == nil)
        #expect(ObservedARP(svi: 10, arp: [0, 1]) == nil)
    }
}
