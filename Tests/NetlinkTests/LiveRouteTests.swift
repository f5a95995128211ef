// Kernel routes against the running kernel, in a namespace of the test's own (LabNamespace, LiveKernelTests.swift):
// a replace, dump and delete round trip through this module, ESRCH for a missing route, and the route event
// socket's filter (NetlinkSocket-routeFilter.swift): evpnd's own proto bgp adds are dropped in the kernel; their
// deletion and another protocol's add still arrive.
import Foundation
import Glibc
import Testing
@testable import Netlink

@Suite(.serialized) struct LiveRouteTests {
    static func setUp(_ lab: LabNamespace) throws {
        try LabNamespace.ip(["-n", lab.name, "addr", "add", "10.2.0.1/24", "dev", "veth0p"])
        try LabNamespace.ip(["-n", lab.name, "link", "set", "veth0p", "up"])
    }

    @Test func replaceDumpDelete() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        try Self.setUp(lab)
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let port = try #require(try socket.link(named: "veth0p")).index
        let single = IPRoute(destination: InetAddress("10.9.0.0")!, prefixLength: 24,
                             nextHops: [RouteNextHop(gateway: InetAddress("10.2.0.2")!, ifindex: 0)])
        let ecmp = IPRoute(destination: InetAddress("10.9.1.0")!, prefixLength: 24,
                           nextHops: [RouteNextHop(gateway: InetAddress("10.2.0.2")!, ifindex: port),
                                      RouteNextHop(gateway: InetAddress("10.2.0.3")!, ifindex: port)])
        let outcomes = try socket.perform([.replaceRoute(single), .replaceRoute(ecmp)])
        #expect(outcomes.allSatisfy { $0.isOK }, "\(outcomes)")
        let dumped = try socket.dumpRoutes().filter { $0.protocol == .bgp }
        var expectedSingle = single
        expectedSingle.nextHops[0].ifindex = port  // the kernel resolved the device
        #expect(Set(dumped) == [expectedSingle, ecmp])
        let deletes = try socket.perform([.deleteRoute(single), .deleteRoute(ecmp), .deleteRoute(single)])
        #expect(deletes[0].isOK && deletes[1].isOK)
        guard case .failed(let failure) = deletes[2] else { Issue.record("a second delete succeeded"); return }
        #expect(failure.errno == .ESRCH)
        #expect(try socket.dumpRoutes().filter { $0.protocol == .bgp }.isEmpty)
    }

    @Test func ownAddsAreFilteredOut() throws {
        guard LabNamespace.available() else { return }
        let lab = try LabNamespace()
        try Self.setUp(lab)
        let socket = try NetlinkSocket(networkNamespace: lab.path)
        let events = try NetlinkSocket(networkNamespace: lab.path, options: NetlinkSocketOptions(groups: [.ipv4Route], nonBlocking: true))
        try events.ignoreBGPRouteAdds()
        let ours = IPRoute(destination: InetAddress("10.9.0.0")!, prefixLength: 24, nextHops: [RouteNextHop(gateway: InetAddress("10.2.0.2")!, ifindex: 0)])
        var theirs = ours
        theirs.destination = InetAddress("10.9.5.0")!
        theirs.protocol = .static
        #expect(try socket.perform([.replaceRoute(ours), .replaceRoute(theirs), .deleteRoute(ours)]).allSatisfy { $0.isOK })
        var seen: [String] = []
        for _ in 0..<30 {
            if case .events(let batch) = try events.readEvents() {
                for event in batch {
                    switch event {
                    case .newRoute(let r): seen.append("add \(r.destination)/\(r.prefixLength) proto \(r.protocol)")
                    case .deletedRoute(let r): seen.append("del \(r.destination)/\(r.prefixLength) proto \(r.protocol)")
                    default: break
                    }
                }
            }
            if seen.count >= 2 { break }
            usleep(10_000)
        }
        #expect(seen == ["add 10.9.5.0/24 proto static", "del 10.9.0.0/24 proto bgp"])
    }
}
