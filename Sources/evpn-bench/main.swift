// Micro-benchmarks of the wire codec: decode and encode of a maximal (4096-octet) UPDATE full of
// EVPN type-2 routes, the shape a reflector moves most. Not a test: it prints figures for
// docs/PERFORMANCE.md. Run with `scripts/bench wire` (release build).
import BGPWire
#if canImport(Glibc)
import Glibc
#endif

struct Figures {
    var name: String
    var routesPerSecond: [Double]
}

/// The largest UPDATE of type-2 routes (MAC + IPv4, one VNI label) sharing one attribute set that
/// fits 4096 octets, as a VTEP or reflector sends them.
func makeUpdate() -> (message: BGPMessage, routes: Int) {
    let context = CodecContext()
    let nextHop = IPAddress.v4(IPv4Address(10, 0, 1, 1))
    let attributes: [PathAttribute] = [
        PathAttribute(.origin(.igp)),
        PathAttribute(.asPath(.empty)),
        PathAttribute(.localPref(100)),
        PathAttribute(.extendedCommunities([
            .routeTarget(asn: 65000, value: 100),
            .encapsulation(.vxlan),
        ])),
    ]
    var routes: [EVPNNLRI] = []
    var count = 0
    while true {
        let mac = MACAddress(rawValue: 0xaabb_cc00_0000 + UInt64(count))
        let ip = IPAddress.v4(IPv4Address(rawValue: 0x0a01_0000 + UInt32(count)))
        let route = MACIPAdvertisementRoute(rd: .ipv4(IPv4Address(10, 0, 1, 1), 2),
                                            mac: mac, ip: ip, label1: MPLSLabelField(vni: 100))
        let candidate = routes + [EVPNNLRI(route: .macIP(route))]
        let update = UpdateMessage(attributes: attributes + [PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: candidate, nextHop: nextHop)))])
        guard let bytes = try? BGPMessage.update(update).encode(context: context), bytes.count <= 4096 else { break }
        routes = candidate
        count += 1
    }
    let update = UpdateMessage(attributes: attributes + [PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: routes, nextHop: nextHop)))])
    return (.update(update), routes.count)
}

func measure(rounds: Int, iterations: Int, routesPerIteration: Int, _ body: () -> Int) -> [Double] {
    var rates: [Double] = []
    let clock = ContinuousClock()
    var sink = 0
    for _ in 0..<rounds {
        let elapsed = clock.measure {
            for _ in 0..<iterations { sink &+= body() }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        rates.append(Double(iterations * routesPerIteration) / seconds)
    }
    if sink == 42 { print("") } // keeps the optimizer from dropping the work
    return rates
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

let arguments = CommandLine.arguments.dropFirst()
// Subcommands for the VTEP scenarios of scripts/bench (FDBWatch.swift, FDBKernel.swift); without one, the codec
// micro-benchmark below.
if let subcommand = arguments.first, !subcommand.isEmpty, Int(subcommand) == nil {
    do {
        switch subcommand {
        case "fdb-watch": try fdbWatch(arguments.dropFirst())
        case "fdb-kernel": try fdbKernel(arguments.dropFirst())
        case "route-watch": try routeWatch(arguments.dropFirst())
        case "now": print(stamp(monotonicSeconds()))
        default: throw BenchUsageError("unknown subcommand '\(subcommand)' (fdb-watch, fdb-kernel, route-watch, now, or a round count)")
        }
        exit(0)
    } catch {
        FileHandleStderr.write("evpn-bench \(subcommand): \(error)\n")
        exit(2)
    }
}
let rounds = arguments.first.flatMap(Int.init) ?? 7
let context = CodecContext()
let (message, routeCount) = makeUpdate()
guard let wire = try? message.encode(context: context), case .update(let update) = message else {
    print("evpn-bench: could not build the benchmark UPDATE")
    exit(1)
}
let body = Array(wire.dropFirst(BGPMessageHeader.length))
let iterations = 2000

let decodeRates = measure(rounds: rounds, iterations: iterations, routesPerIteration: routeCount) {
    guard let decoded = try? UpdateMessage(decoding: body, context: context), let reach = decoded.mpReach else { return 0 }
    return reach.nlri.count
}
let encodeRates = measure(rounds: rounds, iterations: iterations, routesPerIteration: routeCount) {
    var writer = WireWriter(capacity: 4096)
    try? update.encodeBody(into: &writer, context: context)
    return writer.count
}

print("UPDATE: \(wire.count) octets, \(routeCount) type-2 routes (MAC+IPv4, one label), \(rounds) rounds of \(iterations)")
print("decode: median \(Int(median(decodeRates))) routes/s (min \(Int(decodeRates.min() ?? 0)), max \(Int(decodeRates.max() ?? 0)))")
print("encode: median \(Int(median(encodeRates))) routes/s (min \(Int(encodeRates.min() ?? 0)), max \(Int(encodeRates.max() ?? 0)))")
