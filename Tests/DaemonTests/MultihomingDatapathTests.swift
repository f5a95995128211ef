// The daemon's multihoming datapath (Runtime+Multihoming.swift) with fake `nft` and `ip`: an input handed over
// writes the filters and holds the ES port for the startup delay, the same input again changes nothing, and
// stopping removes the tables and releases the port.

import BGPWire
@testable import Daemon
import Logging
import Testing
import VTEP

@Suite struct MultihomingDatapathTests {
    static func input(df: Bool) -> DatapathFilterInput {
        DatapathFilterInput(segments: [
            .init(port: "server1", peers: [.v4(IPv4Address(10, 0, 0, 2))],
                  vnis: [.init(vni: 100, vxlanDevice: "vxlan100", designatedForwarder: df)]),
        ])
    }

    @Test func handedOverAppliedOnceThenRemovedAndReleasedOnStop() {
        let nft = FakeNft(), ip = FakeIP()
        ip.ports["server1"] = FakeIP.Port()
        let datapath = MultihomingDatapath(esPorts: ["server1"], uplinks: ["uplink"], startupDelay: .seconds(30),
                                           logger: Logger(label: "test"), filters: DatapathFilterApplier(runner: nft),
                                           portHold: ESPortStateApplier(runner: ip))
        datapath.submit(Self.input(df: false), uplinksUp: ["uplink"])
        datapath.waitUntilIdle()
        #expect(nft.scripts.count == 1)
        #expect(nft.scripts.last?.contains("non-DF vni 100") == true)
        #expect(nft.scripts.last?.contains("local bias 10.0.0.2") == true)
        // Within the startup delay: held (protodown, the fake port supports it).
        #expect(ip.ports["server1"]?.protodown == true)
        #expect(datapath.portHold.ports["server1"]?.reasons == ["startup-delay"])

        // The same input again: nothing rewritten. The DF comes: the non-DF rule goes.
        datapath.submit(Self.input(df: false), uplinksUp: ["uplink"])
        datapath.waitUntilIdle()
        #expect(nft.scripts.count == 1)
        datapath.submit(Self.input(df: true), uplinksUp: nil)
        datapath.waitUntilIdle()
        #expect(nft.scripts.count == 2)
        #expect(nft.scripts.last?.contains("non-DF") == false)

        datapath.stop()
        #expect(nft.scripts.last == DatapathFilterPlan.removalScript)
        #expect(ip.ports["server1"]?.protodown == false)
    }

    @Test func noUplinkUpHoldsThePortAfterTheDelayToo() {
        let nft = FakeNft(), ip = FakeIP()
        ip.ports["server1"] = FakeIP.Port()
        let datapath = MultihomingDatapath(esPorts: ["server1"], uplinks: ["uplink"], startupDelay: .zero,
                                           logger: Logger(label: "test"), filters: DatapathFilterApplier(runner: nft),
                                           portHold: ESPortStateApplier(runner: ip))
        datapath.submit(Self.input(df: true), uplinksUp: [])
        datapath.waitUntilIdle()
        #expect(ip.ports["server1"]?.protodown == true)
        #expect(datapath.portHold.ports["server1"]?.reasons == ["uplink-down"])
        datapath.submit(nil, uplinksUp: ["uplink"])
        datapath.waitUntilIdle()
        #expect(ip.ports["server1"]?.protodown == false)
        datapath.stop()
    }
}
