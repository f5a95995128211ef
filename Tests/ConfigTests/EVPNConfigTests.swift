import BGPWire
import Testing
@testable import Config

/// `vni N` blocks and `dup-addr-detection` under `address-family l2vpn evpn`, as FRR 8.4 writes them.
struct EVPNConfigTests {
    static func vtep(_ evpnLines: [String]) -> String {
        """
        frr defaults datacenter
        router bgp 65000
         bgp router-id 10.0.0.1
         neighbor 10.0.0.253 remote-as 65000
         address-family l2vpn evpn
          neighbor 10.0.0.253 activate
          advertise-all-vni
        \(evpnLines.map { "  " + $0 }.joined(separator: "\n"))
         exit-address-family
        exit
        """
    }

    @Test func vniBlocksWithRDAndRouteTargets() throws {
        let result = ConfigParser.parse(text: Self.vtep([
            "vni 100", " rd 10.0.0.1:100", " route-target import 65000:1100", " route-target export 65000:2100", "exit-vni",
            "vni 200", " route-target both 10.9.9.9:7", "exit-vni",
        ]), file: "vtep.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let router = try #require(result.config).router
        #expect(router.advertiseAllVNI)
        #expect(router.vnis.map(\.vni) == [100, 200])
        #expect(router.vnis[0].rd == RouteDistinguisher("10.0.0.1:100"))
        #expect(router.vnis[0].importRouteTargets == [RouteTarget("65000:1100")].compactMap { $0 })
        #expect(router.vnis[0].exportRouteTargets == [RouteTarget("65000:2100")].compactMap { $0 })
        #expect(router.vnis[1].rd == nil)
        #expect(router.vnis[1].importRouteTargets == router.vnis[1].exportRouteTargets)
        #expect(router.vnis[1].importRouteTargets.count == 1)
        #expect(router.vnis[0].location.line == 8)
    }

    @Test func addressFamilyCommandEndsAVNIBlock() throws {
        // FRR's parser walks up the tree: `exit-address-family` inside `vni N` leaves both.
        let result = ConfigParser.parse(text: """
            router bgp 65000
             bgp router-id 10.0.0.1
             address-family l2vpn evpn
              advertise-all-vni
              vni 100
               rd 10.0.0.1:100
             exit-address-family
             neighbor 10.0.0.2 remote-as 65000
            exit
            """, file: "vtep.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let router = try #require(result.config).router
        #expect(router.vnis.count == 1)
        #expect(router.neighbors.count == 1)
    }

    @Test func dupAddrDetection() throws {
        let router = try #require(ConfigParser.parse(text: Self.vtep([
            "dup-addr-detection max-moves 3 time 60", "dup-addr-detection freeze 30",
        ]), file: "vtep.conf").config).router
        let detection = try #require(router.duplicateAddressDetection)
        #expect(detection.enabled)
        #expect(detection.maxMoves == 3)
        #expect(detection.seconds == 60)
        #expect(detection.freeze == .seconds(30))

        let off = try #require(ConfigParser.parse(text: Self.vtep(["no dup-addr-detection"]), file: "vtep.conf").config).router
        #expect(off.duplicateAddressDetection?.enabled == false)
        let permanent = try #require(ConfigParser.parse(text: Self.vtep(["dup-addr-detection freeze permanent"]), file: "v").config).router
        #expect(permanent.duplicateAddressDetection?.freeze == .permanent)
        #expect(permanent.duplicateAddressDetection?.maxMoves == 5)
    }

    @Test(arguments: [
        ("vni 0", "expected a VNI from 1 to 16777215"),
        ("vni 16777216", "expected a VNI from 1 to 16777215"),
        ("dup-addr-detection max-moves 1 time 60", "max-moves"),
        ("dup-addr-detection freeze 10", "freeze time"),
    ])
    func badLinesAreErrors(line: String, message: String) {
        let result = ConfigParser.parse(text: Self.vtep([line]), file: "vtep.conf")
        #expect(result.config == nil)
        #expect(result.errors.contains { $0.location.line == 8 && $0.message.contains(message) }, "\(result.diagnostics)")
    }

    @Test func badRouteTargetPointsAtTheWord() {
        let result = ConfigParser.parse(text: Self.vtep(["vni 100", " route-target import banana", "exit-vni"]), file: "vtep.conf")
        #expect(result.config == nil)
        let error = result.errors.first
        #expect(error?.location.line == 9)
        #expect(error?.text == "banana")
    }

    @Test func vniOutsideL2VPNIsAnError() {
        let result = ConfigParser.parse(text: """
            router bgp 65000
             address-family ipv4 unicast
              vni 100
             exit-address-family
            exit
            """, file: "x.conf")
        #expect(result.errors.contains { $0.location.line == 3 }, "\(result.diagnostics)")
    }
}

/// `route-target import *:N` and `autort rfc8365-compatible` (EVPN across ASes).
struct EVPNAnyASConfigTests {
    @Test func anyASImportAndAutort() throws {
        let text = EVPNConfigTests.vtep(["autort rfc8365-compatible", "vni 100", " route-target import *:100", " route-target import 65000:7",
                                         "exit-vni"])
        let result = ConfigParser.parse(text: text, file: "vtep.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let router = try #require(result.config).router
        #expect(router.autortRFC8365)
        #expect(router.vnis.first?.importAnyAS == [100])
        #expect(router.vnis.first?.importRouteTargets == [RouteTarget("65000:7")].compactMap { $0 })
        // The running configuration writes them back and parses to the same thing.
        let running = try #require(result.config).runningConfigText
        #expect(running.contains(" route-target import *:100"))
        #expect(running.contains("autort rfc8365-compatible"))
        let again = try #require(ConfigParser.parse(text: running, file: "running").config)
        #expect(again.router.vnis.first?.importAnyAS == [100])
        #expect(again.router.autortRFC8365)
        let off = try #require(ConfigParser.parse(text: EVPNConfigTests.vtep(["autort rfc8365-compatible", "no autort rfc8365-compatible"]),
                                                  file: "v").config)
        #expect(!off.router.autortRFC8365)
    }

    @Test(arguments: [
        (" route-target export *:100", "can only be imported", "export"),
        (" route-target both *:100", "can only be imported", "both"),
        (" route-target import *:x", "expected '*:N'", "*:x"),
        (" route-target import *:4294967296", "expected '*:N'", "*:4294967296"),
    ])
    func badAnyASLines(line: String, message: String, word: String) {
        let result = ConfigParser.parse(text: EVPNConfigTests.vtep(["vni 100", line, "exit-vni"]), file: "vtep.conf")
        #expect(result.config == nil)
        let error = result.errors.first
        #expect(error?.location.line == 9)
        #expect(error?.text == word)
        #expect(error?.message.contains(message) == true, "\(result.diagnostics)")
    }

    @Test func badAutortWord() {
        let result = ConfigParser.parse(text: EVPNConfigTests.vtep(["autort rfc4364"]), file: "vtep.conf")
        #expect(result.errors.first?.location == SourceLocation(file: "vtep.conf", line: 8, column: 10))
    }
}
