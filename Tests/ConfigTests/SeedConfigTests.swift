// The example configurations in conf/ (the seed's VTEP and reflector) load as an operator installs them, and
// `show running-config` writes a configuration back that parses to the same thing.

import BGPWire
import Foundation
import Testing
@testable import Config

enum ExampleConfigs {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("conf").path

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".conf") }.sorted().map { "\(directory)/\($0)" }
    }
}

struct SeedConfigTests {
    @Test func bothExamplesExist() {
        #expect(ExampleConfigs.files.map { ($0 as NSString).lastPathComponent } == ["reflector.conf", "vtep.conf"])
    }

    @Test(arguments: ExampleConfigs.files)
    func exampleLoads(_ path: String) throws {
        let result = ConfigParser.load(path: path)
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        #expect(result.config != nil)
        // Only the reflector's "# This node" neighbor may warn.
        for warning in result.warnings {
            #expect(warning.message.contains("own address"), "\(warning)")
        }
    }

    @Test func vtepExample() throws {
        let config = try #require(ConfigParser.load(path: "\(ExampleConfigs.directory)/vtep.conf").config)
        #expect(config.hostname == "DC01Switch01")
        #expect(config.router.asn == 65000)
        #expect(config.router.routerID == IPv4Address("10.0.1.1"))
        #expect(config.router.advertiseAllVNI)
        let peers = config.resolvedNeighbors
        #expect(peers.map(\.address.description) == ["10.0.0.1", "10.0.0.2"])
        for peer in peers {
            #expect(peer.remoteAS == .internal)
            #expect(peer.updateSource == IPAddress("10.0.1.1"))
            #expect(peer.families == [.l2vpnEVPN])
            #expect(peer.extendedNextHop)
            #expect(peer.keepalive == 3 && peer.holdTime == 9)
            #expect(!peer.routeReflectorClient)
        }
        #expect(peers.map(\.description) == ["DC01RR01", "DC02RR01"])
    }

    @Test func reflectorExampleIgnoresItsOwnAddressWithAWarning() throws {
        let path = "\(ExampleConfigs.directory)/reflector.conf"
        let result = ConfigParser.load(path: path)
        let config = try #require(result.config, "\(result.diagnostics)")
        #expect(config.router.clusterID == IPv4Address("1.1.1.1"))
        #expect(config.listenLimit == 200)
        #expect(config.resolvedNeighbors.map(\.address.description) == ["10.0.0.2"], "the other reflector only")
        #expect(config.resolvedNeighbors.first?.routeReflectorClient == false)
        let ranges = config.resolvedListenRanges
        #expect(ranges.map(\.prefix.description) == ["10.0.1.0/24", "10.0.2.0/24"])
        #expect(ranges.allSatisfy { $0.template.routeReflectorClient && $0.template.passive && $0.template.families == [.l2vpnEVPN] })
        let own = try #require(result.warnings.first)
        #expect(result.warnings.count == 1)
        #expect(own.description.hasPrefix("\(path):33:"), "\(own)")
        #expect(own.description.contains("own address; ignored: '10.0.0.1'"), "\(own)")
    }

    /// What `show running-config` prints parses back to the same configuration.
    @Test(arguments: ExampleConfigs.files)
    func runningConfigRoundTrips(_ path: String) throws {
        let config = try #require(ConfigParser.load(path: path).config)
        let text = config.runningConfigText
        let again = ConfigParser.parse(text: text, file: "running-config")
        #expect(again.errors.isEmpty, "\(again.diagnostics)\n\(text)")
        let reparsed = try #require(again.config)
        #expect(reparsed.resolvedNeighbors == config.resolvedNeighbors, "\(text)")
        #expect(reparsed.resolvedListenRanges.map(\.template) == config.resolvedListenRanges.map(\.template))
        #expect(reparsed.router.clusterID == config.router.clusterID)
        #expect(reparsed.router.advertiseAllVNI == config.router.advertiseAllVNI)
        #expect(reparsed.listenLimit == config.listenLimit)
        #expect(reparsed.profile == config.profile && reparsed.hostname == config.hostname)
        #expect(reparsed.runningConfigText == text)
    }

    /// `vni` blocks and `dup-addr-detection` survive the trip through `show running-config`.
    @Test func runningConfigKeepsVNIBlocks() throws {
        let source = """
        router bgp 65000
         bgp router-id 10.0.1.1
         neighbor 10.0.0.1 remote-as internal
         address-family l2vpn evpn
          neighbor 10.0.0.1 activate
          advertise-all-vni
          dup-addr-detection max-moves 3 time 60
          dup-addr-detection freeze permanent
          vni 100
           rd 10.0.1.1:100
           route-target both 65000:100
           route-target import 65000:999
          exit-vni
         exit-address-family
        """
        let config = try #require(ConfigParser.parse(text: source, file: "vni.conf").config)
        let text = config.runningConfigText
        for line in ["  dup-addr-detection max-moves 3 time 60", "  dup-addr-detection freeze permanent", "  vni 100",
                     "   rd 10.0.1.1:100", "   route-target both 65000:100", "   route-target import 65000:999", "  exit-vni"] {
            #expect(text.contains(line + "\n"), "missing '\(line)' in\n\(text)")
        }
        let reparsed = try #require(ConfigParser.parse(text: text, file: "running-config").config)
        #expect(reparsed.router.vnis.map(\.vni) == [100])
        #expect(reparsed.router.vnis.first?.rd == config.router.vnis.first?.rd)
        #expect(Set(reparsed.router.vnis.first?.importRouteTargets ?? []) == Set(config.router.vnis.first?.importRouteTargets ?? []))
        #expect(reparsed.router.vnis.first?.exportRouteTargets == config.router.vnis.first?.exportRouteTargets)
        #expect(reparsed.router.duplicateAddressDetection == config.router.duplicateAddressDetection)
        #expect(reparsed.runningConfigText == text)
    }

    @Test func runningConfigIsFRRText() throws {
        let config = try #require(ConfigParser.load(path: "\(ExampleConfigs.directory)/vtep.conf").config)
        let lines = config.runningConfigText.split(separator: "\n").map(String.init)
        #expect(lines.starts(with: ["frr defaults datacenter", "hostname DC01Switch01", "!", "router bgp 65000",
                                    " bgp router-id 10.0.1.1", " no bgp ebgp-requires-policy", " no bgp default ipv4-unicast"]))
        #expect(lines.contains(" neighbor RR peer-group"))
        #expect(lines.contains(" neighbor 10.0.0.1 peer-group RR"))
        #expect(lines.contains(" neighbor 10.0.0.1 description DC01RR01"))
        #expect(lines.contains(" address-family l2vpn evpn"))
        #expect(lines.contains("  neighbor RR activate"))
        #expect(lines.contains("  advertise-all-vni"))
        #expect(lines.suffix(3) == [" exit-address-family", "exit", "!"])
    }

    /// `neighbor X password P` is read and applied (TCP MD5, Daemon/SessionSecurity.swift): no warning any more.
    @Test func passwordIsParsed() throws {
        let text = "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 password s3cret\n"
        let result = ConfigParser.parse(text: text, file: "p.conf")
        let config = try #require(result.config)
        #expect(config.resolvedNeighbors.first?.password == "s3cret")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
    }
}

/// Broken inputs the issue names that ConfigParserTests' table does not already cover.
struct MoreBrokenInputTests {
    @Test func duplicateNeighborInSameGroupTwiceIsFine() throws {
        // Repeating a line is not a duplicate (FRR accepts it); a different remote-as is (BrokenInputTests).
        let text = "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 remote-as 2\n"
        #expect(ConfigParser.parse(text: text, file: "x").config != nil)
    }

    @Test func unknownCommandInsideAddressFamily() throws {
        let text = "router bgp 1\n address-family l2vpn evpn\n  advertise-everything\n"
        let result = ConfigParser.parse(text: text, file: "x.conf")
        #expect(result.config == nil)
        #expect(result.errors.first?.description == "x.conf:3:3: error: unknown command: 'advertise-everything'")
    }

    @Test func wholeFileOfBinaryOnDisk() throws {
        let path = NSTemporaryDirectory() + "evpnd-binary-\(UInt32.random(in: 0..<UInt32.max)).conf"
        try Data([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x00, 0x01]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = ConfigParser.load(path: path)
        #expect(result.config == nil)
        #expect(result.errors.first?.description.hasPrefix("\(path):2:1: error: binary file") == true, "\(result.errors)")
    }
}
