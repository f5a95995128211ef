// BFDAddress as `show bfd peers` writes it: IPv6 in RFC 5952's form (as inet_ntop and so FRR write it, which the
// interop tests compare with), and which addresses are link-local (they need an interface to be reached).
import BFD
import Testing

@Suite("BFD addresses")
struct AddressTests {
    @Test(arguments: [
        (0x2001_0db8_0000_0000, 0x0000_0000_0000_0002, "2001:db8::2"),
        (0xfe80_0000_0000_0000, 0x0859_38ff_fec8_7e2d, "fe80::859:38ff:fec8:7e2d"),
        (0, 0, "::"),
        (0, 1, "::1"),
        (0x2001_0db8_0000_0001, 0x0000_0000_0001_0000, "2001:db8:0:1::1:0"),   // the longer zero run wins
        (0x2001_0db8_0000_0000, 0x0001_0000_0000_0001, "2001:db8::1:0:0:1"),   // a tie: the first run
        (0x2001_0db8_0001_0001, 0x0001_0001_0000_0001, "2001:db8:1:1:1:1:0:1"), // one zero group stays
        (0xfd62_0001_0000_0000, 0x0000_0000_0000_0001, "fd62:1::1"),
    ] as [(UInt64, UInt64, String)])
    func ipv6Text(high: UInt64, low: UInt64, text: String) {
        #expect(BFDAddress.v6(high: high, low: low).description == text)
    }

    @Test func linkLocal() {
        #expect(BFDAddress.v6(high: 0xfe80_0000_0000_0000, low: 1).isIPv6LinkLocal)
        #expect(BFDAddress.v6(high: 0xfebf_ffff_0000_0000, low: 1).isIPv6LinkLocal)
        #expect(!BFDAddress.v6(high: 0xfec0_0000_0000_0000, low: 1).isIPv6LinkLocal)
        #expect(!BFDAddress.v6(high: 0x2001_0db8_0000_0000, low: 2).isIPv6LinkLocal)
        #expect(!(BFDAddress(ipv4: "169.254.0.1")?.isIPv6LinkLocal ?? true))
    }
}
