// PMSI Tunnel attribute (RFC 6514 section 5) as EVPN over VXLAN uses it (RFC 8365 section 5.1.3),
// and the 3-octet label field it shares with EVPN NLRI.

import Testing
@testable import BGPWire

struct PMSICase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: PMSITunnel
    let text: String
    var testDescription: String { name }
}

@Suite struct PMSITunnelTests {
    static let cases: [PMSICase] = [
        .init(name: "ingress replication, IPv4 VTEP",
              // Flags (1) | Tunnel Type (1) = 6 | MPLS Label (3) = VNI 100 | Tunnel Identifier (4) = 10.0.1.1
              bytes: [0x00, 0x06, 0x00, 0x00, 0x64, 0x0a, 0x00, 0x01, 0x01],
              expected: .ingressReplication(endpoint: .v4(IPv4Address(10, 0, 1, 1)), vni: 100),
              text: "Ingress Replication, label 100, endpoint 10.0.1.1"),
        .init(name: "ingress replication, IPv6 VTEP, full 24-bit VNI",
              // Flags | Type 6 | Label = VNI 16777215 | Identifier (16) = 2001:db8::1
              bytes: [0x00, 0x06, 0xff, 0xff, 0xff,
                      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
              expected: .ingressReplication(endpoint: .v6(IPv6Address("2001:db8::1") ?? IPv6Address(high: 0, low: 0)),
                                            vni: 0xff_ffff),
              text: "Ingress Replication, label 16777215, endpoint 2001:db8::1"),
        .init(name: "leaf information required",
              // Flags = 0x01 | Type 6 | Label = VNI 10 | Identifier = 192.0.2.1
              bytes: [0x01, 0x06, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x01],
              expected: PMSITunnel(flags: 0x01, label: MPLSLabelField(vni: 10),
                                   tunnel: .ingressReplication(endpoint: .v4(IPv4Address(192, 0, 2, 1)))),
              text: "Ingress Replication, label 10, endpoint 192.0.2.1, leaf information required"),
        .init(name: "no tunnel information, empty identifier",
              // Flags | Type 0 | Label 0 | no identifier
              bytes: [0x00, 0x00, 0x00, 0x00, 0x00],
              expected: PMSITunnel(label: .zero, tunnel: .other(.noTunnelInformation, identifier: [])),
              text: "No info, label 0"),
        .init(name: "PIM-SSM keeps its identifier as raw octets",
              // Flags | Type 3 | MPLS label 16 with bottom of stack | Sender (4) + P-group (4)
              bytes: [0x00, 0x03, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x01, 0xe8, 0x00, 0x00, 0x01],
              expected: PMSITunnel(label: MPLSLabelField(mplsLabel: 16, bottomOfStack: true),
                                   tunnel: .other(.pimSSM, identifier: [0x0a, 0x00, 0x00, 0x01, 0xe8, 0x00, 0x00, 0x01])),
              text: "PIM-SSM, label 257, identifier 0a000001e8000001"),
        .init(name: "ingress replication with a 5-octet identifier is kept raw",
              bytes: [0x00, 0x06, 0x00, 0x00, 0x64, 0x0a, 0x00, 0x01, 0x01, 0x99],
              expected: PMSITunnel(label: MPLSLabelField(vni: 100),
                                   tunnel: .other(.ingressReplication, identifier: [0x0a, 0x00, 0x01, 0x01, 0x99])),
              text: "Ingress Replication, label 100, identifier 0a00010199"),
        .init(name: "a type with no FRR name shows its number",
              bytes: [0x00, 0x2a, 0x00, 0x00, 0x00, 0xab],
              expected: PMSITunnel(label: .zero, tunnel: .other(PMSITunnel.TunnelType(rawValue: 42), identifier: [0xab])),
              text: "No info (type 42), label 0, identifier ab"),
    ]

    @Test(arguments: cases)
    func decodesPrintsAndReencodes(_ c: PMSICase) throws {
        var reader = WireReader(c.bytes)
        let tunnel = try PMSITunnel(from: &reader)
        #expect(reader.isAtEnd)
        #expect(tunnel == c.expected)
        #expect(tunnel.description == c.text)
        #expect(tunnel.valueLength == c.bytes.count)
        var writer = WireWriter()
        tunnel.encode(into: &writer)
        #expect(writer.bytes == c.bytes)
    }

    @Test func ingressReplicationViews() {
        let tunnel = PMSITunnel.ingressReplication(endpoint: .v4(IPv4Address(10, 0, 1, 1)), vni: 100)
        #expect(tunnel.tunnelType == .ingressReplication)
        #expect(tunnel.tunnelType.description == "Ingress Replication")
        #expect(tunnel.ingressReplicationEndpoint == .v4(IPv4Address(10, 0, 1, 1)))
        #expect(tunnel.label.vni == 100)
        #expect(tunnel.tunnelIdentifier == [10, 0, 1, 1])
    }

    @Test(arguments: 0..<5)
    func shorterThanFiveOctetsIsTreatAsWithdraw(_ length: Int) {
        var reader = WireReader(Array(repeating: 0x06, count: length))
        do {
            _ = try PMSITunnel(from: &reader)
            Issue.record("decoded a \(length)-octet PMSI Tunnel")
        } catch {
            #expect(error.code == .attributeLength)
            #expect(error.outcome == .treatAsWithdraw)
            #expect(error.attributeType == 22)
        }
    }

    // MARK: MPLSLabelField

    @Test func vxlanUsesAll24BitsAsTheVNI() {
        // RFC 8365 section 5.1.3: the VNI fills the 3-octet field; FRR and GoBGP put VNI 100 as 00 00 64.
        let label = MPLSLabelField(vni: 100)
        #expect(label.rawValue == 0x00_0064)
        #expect(label.vni == 100)
        #expect(MPLSLabelField(vni: 0x1ff_ffff).vni == 0xff_ffff)
    }

    @Test func mplsUsesTheHigh20Bits() {
        // Label (20) | TC (3) | S (1): label 16 with S set is 0x000101.
        let label = MPLSLabelField(mplsLabel: 16, bottomOfStack: true)
        #expect(label.rawValue == 0x00_0101)
        #expect(label.mplsLabel == 16)
        #expect(label.bottomOfStack)
        #expect(MPLSLabelField(mplsLabel: 0xf_ffff, bottomOfStack: false).rawValue == 0xff_fff0)
        #expect(!MPLSLabelField(rawValue: 0xff_fff0).bottomOfStack)
    }

    @Test func labelFieldRoundTrips() throws {
        var reader = WireReader([0x01, 0x86, 0xa1])
        let label = try MPLSLabelField(from: &reader)
        #expect(label.vni == 100_001)
        var writer = WireWriter()
        label.encode(into: &writer)
        #expect(writer.bytes == [0x01, 0x86, 0xa1])
    }
}
