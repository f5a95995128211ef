import BGPWire
import Testing
@testable import Config

/// The lab's FRR configs (scripts/lab/frr) and hand-written evpnd configs must load unchanged.
struct GoodFileTests {
    static let reflector = """
        ! FRR 8.4 route reflector
        frr defaults datacenter
        hostname rr
        !
        router bgp 65000
         bgp router-id 10.0.0.253
         bgp cluster-id 10.0.0.254
         no bgp default ipv4-unicast
         neighbor VTEPS peer-group
         neighbor VTEPS remote-as 65000
         neighbor VTEPS update-source 10.0.0.253
         neighbor VTEPS passive
         neighbor 10.0.0.1 peer-group VTEPS
         neighbor 10.0.0.2 peer-group VTEPS
         neighbor 10.0.0.253 peer-group VTEPS # This node
         !
         address-family l2vpn evpn
          neighbor VTEPS activate
          neighbor VTEPS route-reflector-client
         exit-address-family
        exit
        !
        """

    @Test func reflectorLoadsWithInheritance() throws {
        let result = ConfigParser.parse(text: Self.reflector, file: "rr.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.hostname == "rr")
        #expect(config.profile == .datacenter)
        #expect(config.router.asn == 65000)
        #expect(config.router.routerID == IPv4Address("10.0.0.253"))
        #expect(config.router.clusterID == IPv4Address("10.0.0.254"))
        let peers = config.resolvedNeighbors
        #expect(peers.map(\.address.description) == ["10.0.0.1", "10.0.0.2"])
        for peer in peers {
            #expect(peer.remoteAS == .number(65000))
            #expect(peer.updateSource == IPAddress("10.0.0.253"))
            #expect(peer.passive)
            #expect(peer.keepalive == 3 && peer.holdTime == 9)
            #expect(peer.families == [.l2vpnEVPN])
            #expect(peer.routeReflectorClient)
            #expect(peer.peerGroup == "VTEPS")
        }
        // The reflector's own address as a neighbor: warned, then ignored.
        let own = try #require(result.warnings.first { $0.message.contains("own address") })
        #expect(own.location.line == 15)
    }

    @Test func noIndentationAndTrailingComments() throws {
        let text = """
            router bgp 65001
            bgp router-id 10.0.0.1
            neighbor 10.0.0.2 remote-as external # the spine
            neighbor 10.0.0.2 timers 5 15
            neighbor 10.0.0.2 timers connect 2
            neighbor 10.0.0.2 port 1179
            neighbor 10.0.0.2 description spine one
            neighbor 10.0.0.2 capability extended-nexthop
            neighbor 10.0.0.2 shutdown
            address-family l2vpn evpn
            neighbor 10.0.0.2 activate
            advertise-all-vni
            neighbor 10.0.0.3 remote-as 65003
            timers bgp 10 30
            """
        let result = ConfigParser.parse(text: text, file: "x.conf")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.router.advertiseAllVNI)
        let peers = config.resolvedNeighbors
        let spine = try #require(peers.first)
        #expect(spine.remoteAS == .external)
        #expect(spine.keepalive == 5 && spine.holdTime == 15 && spine.connectRetry == 2)
        #expect(spine.port == 1179)
        #expect(spine.description == "spine one")
        #expect(spine.extendedNextHop && spine.shutdown)
        #expect(spine.families == [.ipv4Unicast, .l2vpnEVPN])
        // `neighbor ... remote-as` inside the address family falls back to router bgp, like FRR.
        let second = try #require(peers.last)
        #expect(second.remoteAS == .number(65003))
        #expect(second.keepalive == 10 && second.holdTime == 30)
        #expect(second.families == [.ipv4Unicast])
    }

    @Test func otherDaemonsStanzasAreSkippedWithOneWarning() throws {
        let text = """
            frr version 8.4.4
            frr defaults traditional
            hostname vtep1
            log syslog informational
            service integrated-vtysh-config
            ip forwarding
            interface lan100
             ip address 10.1.0.1/24
             evpn mh es-id 1
             evpn mh es-sys-mac 44:38:39:ff:ff:01
            exit
            interface vxlan100
             description the tunnel
            router bgp 65000
             neighbor 10.0.0.253 remote-as internal
            line vty
             exec-timeout 0
            """
        let result = ConfigParser.parse(text: text, file: "frr.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        #expect(result.warnings.count == 1)
        let warning = try #require(result.warnings.first)
        for name in ["log", "service", "ip forwarding", "interface", "line vty"] {
            #expect(warning.message.contains(name), "\(warning)")
        }
        #expect(!warning.message.contains("ip address"), "an interface's own lines are part of its stanza: \(warning)")
        let config = try #require(result.config)
        #expect(config.hostname == "vtep1")
        #expect(config.resolvedNeighbors.first?.keepalive == 60)
        #expect(config.resolvedNeighbors.first?.holdTime == 180)
    }

    @Test func listenRangeUsesItsGroup() throws {
        let text = """
            router bgp 65000
             bgp router-id 10.0.0.1
             neighbor LEAVES peer-group
             neighbor LEAVES remote-as external
             neighbor LEAVES timers 3 9
             bgp listen range 10.0.5.77/24 peer-group LEAVES
             bgp listen limit 20
             address-family l2vpn evpn
              neighbor LEAVES activate
             exit-address-family
            """
        let result = ConfigParser.parse(text: text, file: "x.conf")
        let config = try #require(result.config, "\(result.diagnostics)")
        let range = try #require(config.resolvedListenRanges.first)
        #expect(range.prefix.description == "10.0.5.0/24")
        #expect(range.template.remoteAS == .external)
        #expect(range.template.holdTime == 9)
        #expect(range.template.families == [.ipv4Unicast, .l2vpnEVPN])
        #expect(config.listenLimit == 20)
    }

    @Test func ipv6NeighborAndLocalAddressIgnored() throws {
        let text = """
            router bgp 65000
             neighbor fd00::2 remote-as 65001
             neighbor 192.0.2.7 remote-as 65001
            """
        let result = ConfigParser.parse(text: text, file: "x.conf", localAddresses: [IPAddress("192.0.2.7")!])
        let config = try #require(result.config, "\(result.diagnostics)")
        #expect(config.resolvedNeighbors.map(\.address) == [IPAddress("fd00::2")!])
        #expect(result.warnings.count == 1)
    }
}

/// Broken inputs: each gives an error at FILE:LINE:COLUMN naming the offending text, and no configuration.
struct BrokenInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var line: Int
        var column: Int
        var message: String
        var offending: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown command", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n frobnicate now\n",
             line: 3, column: 2, message: "unknown command", offending: "frobnicate now"),
        Case(name: "bad address", text: "router bgp 1\n bgp router-id 10.0.0.256\n",
             line: 2, column: 16, message: "bad IPv4 address", offending: "10.0.0.256"),
        Case(name: "bad neighbor address", text: "router bgp 1\n neighbor 10.0.0.x remote-as 2\n",
             line: 2, column: 11, message: "bad neighbor address", offending: "10.0.0.x"),
        Case(name: "missing router bgp", text: "hostname x\nneighbor 10.0.0.2 remote-as 2\n",
             line: 2, column: 1, message: "only valid inside 'router bgp'", offending: "neighbor 10.0.0.2 remote-as 2"),
        Case(name: "duplicate neighbor", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 remote-as 3\n",
             line: 3, column: 30, message: "duplicate neighbor", offending: "3"),
        Case(name: "peer group used before defined", text: "router bgp 1\n neighbor 10.0.0.2 peer-group SPINES\n neighbor SPINES peer-group\n",
             line: 2, column: 31, message: "used before it is defined", offending: "SPINES"),
        Case(name: "listen range group undefined", text: "router bgp 1\n bgp listen range 10.0.0.0/24 peer-group G\n",
             line: 2, column: 42, message: "used before it is defined", offending: "G"),
        Case(name: "AS out of range", text: "router bgp 4294967296\n",
             line: 1, column: 12, message: "AS number out of range", offending: "4294967296"),
        Case(name: "AS zero", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 0\n",
             line: 2, column: 30, message: "AS number out of range", offending: "0"),
        Case(name: "empty file", text: "", line: 1, column: 1, message: "empty configuration", offending: ""),
        Case(name: "comments only", text: "! nothing\n# here\n", line: 1, column: 1, message: "empty configuration", offending: ""),
        Case(name: "neighbor attribute before remote-as", text: "router bgp 1\n neighbor 10.0.0.2 update-source 10.0.0.1\n",
             line: 2, column: 11, message: "specify remote-as or peer-group", offending: "10.0.0.2"),
        Case(name: "hold time 2", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 timers 1 2\n",
             line: 3, column: 29, message: "hold time must be 0 or 3", offending: "2"),
        Case(name: "trailing word", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 passive yes\n",
             line: 3, column: 28, message: "unexpected word", offending: "yes"),
        Case(name: "update-source interface", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 update-source lo\n",
             line: 3, column: 34, message: "interface name is not supported", offending: "lo"),
        Case(name: "second instance", text: "router bgp 1\nrouter bgp 2\n",
             line: 2, column: 12, message: "second 'router bgp'", offending: "2"),
        Case(name: "vrf instance", text: "router bgp 1 vrf red\n",
             line: 1, column: 14, message: "VRF is not supported", offending: "vrf"),
        Case(name: "activate outside address family", text: "router bgp 1\n neighbor 10.0.0.2 remote-as 2\n neighbor 10.0.0.2 activate\n",
             line: 3, column: 20, message: "only valid inside 'address-family'", offending: "activate"),
        Case(name: "bad prefix", text: "router bgp 1\n neighbor G peer-group\n neighbor G remote-as 2\n bgp listen range 10.0.0.0/33 peer-group G\n",
             line: 4, column: 19, message: "bad prefix", offending: "10.0.0.0/33"),
        Case(name: "group without remote-as", text: "router bgp 1\n neighbor G peer-group\n neighbor 10.0.0.2 peer-group G\n",
             line: 3, column: 11, message: "no remote-as", offending: "10.0.0.2"),
    ]

    @Test(arguments: cases)
    func brokenInput(_ c: Case) throws {
        let result = ConfigParser.parse(text: c.text, file: "bad.conf")
        #expect(result.config == nil)
        let error = try #require(result.errors.first, "no error for \(c.name)")
        #expect(error.location == SourceLocation(file: "bad.conf", line: c.line, column: c.column), "\(error)")
        #expect(error.message.contains(c.message), "\(error)")
        #expect(error.text == c.offending, "\(error)")
        #expect(error.description.hasPrefix("bad.conf:\(c.line):\(c.column): error: "))
    }

    @Test func binaryFile() throws {
        let result = ConfigParser.parse(bytes: [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x01], file: "evpnd")
        let error = try #require(result.errors.first)
        #expect(error.message.contains("binary"))
        #expect(result.config == nil)
        let notUTF8 = ConfigParser.parse(bytes: [0x72, 0xff, 0xfe, 0x0a], file: "x")
        #expect(notUTF8.errors.first?.message.contains("binary") == true)
    }

    @Test func everyErrorIsReported() {
        let text = "router bgp 1\n bogus one\n neighbor 10.0.0.2 remote-as 2\n bogus two\n bgp router-id x\n"
        let result = ConfigParser.parse(text: text, file: "f")
        #expect(result.errors.map(\.location.line) == [2, 4, 5])
    }

    @Test func missingFile() {
        let result = ConfigParser.load(path: "/nonexistent/evpnd.conf")
        #expect(result.config == nil)
        #expect(result.errors.first?.description.hasPrefix("/nonexistent/evpnd.conf:1:1: error: cannot read") == true)
    }
}

struct EnforceFirstASConfigTests {
    static func parse(_ line: String?) throws -> BGPConfig {
        let text = "router bgp 65000\n bgp router-id 10.0.0.1\n" + (line.map { " \($0)\n" } ?? "")
        let result = ConfigParser.parse(text: text, file: "t.conf")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        return try #require(result.config)
    }

    @Test func onByDefaultAndTurnedOffAsInFRR() throws {
        #expect(try Self.parse(nil).router.enforceFirstAS)
        #expect(try Self.parse("bgp enforce-first-as").router.enforceFirstAS)
        let off = try Self.parse("no bgp enforce-first-as")
        #expect(!off.router.enforceFirstAS)
        #expect(off.runningConfigText.contains("\n no bgp enforce-first-as\n"))
        #expect(!(try Self.parse(nil).runningConfigText.contains("enforce-first-as")))
    }

    @Test func extraWordsAreAnError() {
        let result = ConfigParser.parse(text: "router bgp 65000\n bgp enforce-first-as now\n", file: "t.conf")
        #expect(result.errors.count == 1)
        #expect(result.errors.first.map { "\($0)".contains("t.conf:2:") } == true, "\(result.diagnostics)")
    }
}
