// Every captured datagram decodes, and re-encodes to the same bytes.
import Testing
@testable import Netlink

@Suite("Fixtures: decode and re-encode every captured datagram")
struct FixtureRoundTripTests {
    @Test func fixturesArePresent() {
        #expect(NetlinkFixtures.all.count >= 60, "run scripts/lab/capture-netlink")
    }

    @Test(arguments: NetlinkFixtures.all)
    func roundTrip(file: String) throws {
        let bytes = NetlinkFixtures.meaningful(NetlinkFixtures.bytes(file))
        #expect(!bytes.isEmpty)
        let messages = try NetlinkMessage.decodeAll(bytes)
        #expect(!messages.isEmpty)
        var out: [UInt8] = []
        for m in messages { m.encode(into: &out) }
        #expect(out == bytes, "\(file): re-encoding differs")
        // The typed views decode too, and for the kernel's messages re-encode to the same attributes (iproute2
        // writes IFLA_INFO_KIND without its NUL, so its requests are only decoded).
        let fromKernel = file.hasSuffix(".recv.bin")
        for m in messages {
            switch m.payload {
            case .link(let l):
                let typed = try l.typedAttributes()
                if fromKernel { #expect(typed.map(\.raw) == l.attributes, "\(file): typed link attributes differ") }
            case .neighbour(let n):
                #expect(try n.typedAttributes().map(\.raw) == n.attributes, "\(file): typed neighbour attributes differ")
            case .nexthop(let n):
                #expect(try n.typedAttributes().map(\.raw) == n.attributes, "\(file): typed nexthop attributes differ")
            default: break
            }
        }
    }
}
