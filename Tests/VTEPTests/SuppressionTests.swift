// ARP/ND suppression (VTEPState+Suppression.swift): `neigh_suppress` on each VNI's VXLAN port set or cleared when
// the configuration asks, healed when changed, never touched when it does not ask; `show evpn vni` says which.

import BGPWire
import Testing
import VTEP

@Suite struct SuppressionTests {
    static func config(global: Bool?, perVNI: [UInt32: Bool] = [:]) -> VTEPConfig {
        var config = Lab.config()
        config.arpNDSuppress = global
        for (vni, on) in perVNI { config.vnis[vni] = VNIConfig(vni: vni, arpNDSuppress: on) }
        return config
    }

    static func links(suppress: Bool, vnis: [UInt32] = [100, 200]) -> [KernelLink] {
        Lab.links(vnis: vnis).map { link in
            var link = link
            if link.masterIndex != nil { link.neighSuppress = suppress }
            return link
        }
    }

    @Test func leftToTheOperatorWithoutTheCommand() {
        var rig = Rig(links: Self.links(suppress: false), config: Self.config(global: nil))
        #expect(rig.suppressionRequests.isEmpty)
        rig.kernel.operatorSetNeighSuppress(port: Lab.vxlan(100), true)
        rig.flush()
        #expect(rig.suppressionRequests.isEmpty)
        let report = rig.vtep.vniReport()
        #expect(report.map(\.arpNDSuppress) == [true, false])
        #expect(report.allSatisfy { $0.arpNDSuppressConfigured == nil })
    }

    @Test func setOnceOnEveryVNIsPortAndShown() {
        var rig = Rig(links: Self.links(suppress: false), config: Self.config(global: true))
        #expect(rig.suppressionRequests.map(\.port) == [Lab.vxlan(100), Lab.vxlan(200)])
        #expect(rig.suppressionRequests.map(\.on) == [true, true])
        #expect(rig.kernel.links[Lab.vxlan(100)]?.neighSuppress == true)
        #expect(rig.vtep.vniReport().map(\.arpNDSuppress) == [true, true])
        #expect(rig.vtep.vniReport().map(\.arpNDSuppressConfigured) == [true, true])
        // Quiet afterwards: more events of the same links ask nothing more.
        rig.kernel.setLink(Lab.port(100), up: true)
        rig.flush()
        #expect(rig.suppressionRequests.count == 2)
        #expect(rig.logs.contains { $0.message.contains("neigh_suppress on on vxlan100 (was off)") })
    }

    @Test func anOperatorsChangeIsUndone() {
        var rig = Rig(links: Self.links(suppress: true), config: Self.config(global: true))
        #expect(rig.suppressionRequests.isEmpty)
        // `bridge link set dev vxlan200 neigh_suppress off`: only the AF_BRIDGE message tells.
        rig.kernel.operatorSetNeighSuppress(port: Lab.vxlan(200), false)
        rig.flush()
        #expect(rig.suppressionRequests.map(\.port) == [Lab.vxlan(200)])
        #expect(rig.kernel.links[Lab.vxlan(200)]?.neighSuppress == true)
    }

    @Test func aVNIBlockWinsOverTheGlobalSetting() {
        let rig = Rig(links: Self.links(suppress: true), config: Self.config(global: true, perVNI: [200: false]))
        #expect(rig.suppressionRequests.map(\.port) == [Lab.vxlan(200)])
        #expect(rig.suppressionRequests.map(\.on) == [false])
        #expect(rig.kernel.links[Lab.vxlan(100)]?.neighSuppress == true)
        #expect(rig.kernel.links[Lab.vxlan(200)]?.neighSuppress == false)
    }

    @Test func aStaleEventDoesNotRepeatTheRequestAndADumpForgetsIt() {
        var rig = Rig(links: Self.links(suppress: false), config: Self.config(global: nil))
        rig.kernel.muted = true  // the kernel takes the requests but tells nothing yet
        rig.send(.configure(Self.config(global: true)))
        #expect(rig.suppressionRequests.count == 2)
        // An event read before the change took effect (the old value) does not ask again.
        rig.send(.linkChanged(Self.links(suppress: false)[1]))
        #expect(rig.suppressionRequests.count == 2)
        // A full dump forgets what was asked (a refused request is retried only then): asked again.
        rig.kernel.muted = false
        rig.send(.links(Self.links(suppress: false)))
        #expect(rig.suppressionRequests.count == 4)
    }

    @Test func vnisOutOfServiceAreNotTouched() {
        var links = Self.links(suppress: false, vnis: [100])
        links[1].isUp = false
        var rig = Rig(links: links, config: Self.config(global: true))
        #expect(rig.suppressionRequests.isEmpty)
    }
}
