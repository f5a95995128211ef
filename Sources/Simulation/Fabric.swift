// A large EVPN fabric in the simulator, shaped as issue 18 asks: N VTEPs (each an engine, its VTEP
// reducer and a simulated kernel) under two route reflectors of one cluster, V VNIs, each VTEP in a
// few of them, and a number of hosts (MACs) behind each VTEP in each of its VNIs. At N = 2,000:
// 200 VNIs, 5 per VTEP (so 50 VTEPs per VNI), 10 MACs per VNI per VTEP: 100,000 type-2 and 10,000
// type-3 routes, of which each VTEP imports 5 x 49 x 11 = 2,695.
//
// The fabric keeps the ground truth (which VTEP each host is behind, which VTEPs are up) apart from
// anything the speakers say, so that a check (FabricCheck.swift) can tell whether every FDB ended
// right. Every random choice comes from one seeded generator: a run is replayed from its seed.

import BGPCore
import BGPWire
import VTEP

/// The fabric's size and shape.
public struct FabricShape: Sendable, CustomStringConvertible {
    public var vteps: Int
    public var vnis: Int
    public var vnisPerVTEP: Int
    /// Hosts behind each VTEP in each of its VNIs.
    public var macsPerVNI: Int
    /// Whether a VTEP keeps only the routes it imports (Engine+Retain.swift); off keeps the whole table.
    public var retainOnlyImported = true

    public init(vteps: Int, vnis: Int, vnisPerVTEP: Int, macsPerVNI: Int) {
        self.vteps = vteps
        self.vnis = max(1, vnis)
        self.vnisPerVTEP = min(max(1, vnisPerVTEP), self.vnis)
        self.macsPerVNI = macsPerVNI
    }

    /// The issue's shape at any size: a VNI per 10 VTEPs, 5 VNIs per VTEP, 10 MACs per VNI per VTEP.
    public static func issue18(vteps: Int) -> FabricShape {
        FabricShape(vteps: vteps, vnis: max(5, vteps / 10), vnisPerVTEP: 5, macsPerVNI: 10)
    }

    public var type2Routes: Int { vteps * vnisPerVTEP * macsPerVNI }
    public var type3Routes: Int { vteps * vnisPerVTEP }

    public var description: String {
        "\(vteps) VTEPs, \(vnis) VNIs (\(vnisPerVTEP) per VTEP), \(macsPerVNI) MACs per VNI per VTEP: "
            + "\(type2Routes) type-2 and \(type3Routes) type-3 routes"
    }
}

/// SplitMix64: small, fast, and the same sequence on every machine for a seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public struct Fabric {
    public static let asn: UInt32 = 65000
    public static let clusterID = IPv4Address(10, 0, 0, 100)
    public static let reflectorAddresses = [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)]
    /// Kernel interface indices of a VTEP's k-th VNI: bridge, VXLAN device, host port.
    public static func bridgeIndex(_ k: Int) -> Int32 { Int32(10 + 3 * k) }
    public static func vxlanIndex(_ k: Int) -> Int32 { Int32(11 + 3 * k) }
    public static func portIndex(_ k: Int) -> Int32 { Int32(12 + 3 * k) }

    public let shape: FabricShape
    public var net: Network
    public var random: SeededRandom
    /// Node indices in `net`.
    public private(set) var reflectors: [Int] = []
    public private(set) var vteps: [Int] = []
    /// Ground truth: the VTEP (by number, 0..<N) each host MAC is behind.
    public var location: [MACAddress: Int] = [:]
    /// Ground truth: the VNI (by number, 0..<V) of each host MAC.
    public private(set) var vniOfMAC: [MACAddress: Int] = [:]
    /// The VTEPs of each VNI, by VNI number.
    public private(set) var members: [[Int]] = []

    public static func vtepAddress(_ i: Int) -> IPv4Address { IPv4Address(10, 1, UInt8(i / 250), UInt8(i % 250 + 1)) }
    public static func vniValue(_ j: Int) -> UInt32 { UInt32(10_000 + j) }
    /// Host `m` of VNI `j` born behind VTEP `i`.
    public static func hostMAC(vtep i: Int, vni j: Int, host m: Int) -> MACAddress {
        MACAddress(rawValue: 0x02_00_00_00_00_00 | UInt64(i) << 24 | UInt64(j) << 8 | UInt64(m))
    }

    /// The VNIs (numbers 0..<V) VTEP `i` is in: a run of consecutive ones, so each VNI gets the same
    /// number of VTEPs when V divides N x vnisPerVTEP.
    public func vnis(of i: Int) -> [Int] {
        (0..<shape.vnisPerVTEP).map { (i * shape.vnisPerVTEP + $0) % shape.vnis }
    }

    static func timers(_ config: PeerConfig) -> PeerConfig {
        var config = config
        config.keepalive = 3
        config.holdTime = 9
        config.connectRetry = 5
        return config
    }

    public static func reflectorConfig(_ n: Int) -> EngineConfig {
        let template = timers(PeerConfig(address: .v4(IPv4Address(0, 0, 0, 0)), remoteAS: .internal,
                                         routeReflectorClient: true, peerGroup: "VTEPS"))
        let me = reflectorAddresses[n]
        let other = reflectorAddresses[1 - n]
        return EngineConfig(localAS: asn, routerID: me, hostname: "rr\(n + 1)",
                            peers: [timers(PeerConfig(address: .v4(other), remoteAS: .internal))],
                            listenRanges: [ListenRange(prefix: IPPrefix(address: .v4(IPv4Address(10, 1, 0, 0)), length: 16),
                                                       template: template)],
                            listenLimit: 10_000, clusterID: clusterID)
    }

    public static func vtepConfig(_ i: Int) -> EngineConfig {
        let me = vtepAddress(i)
        return EngineConfig(localAS: asn, routerID: me, hostname: "vtep\(i)",
                            peers: reflectorAddresses.map { timers(PeerConfig(address: .v4($0), remoteAS: .internal)) })
    }

    public func links(of i: Int) -> [KernelLink] {
        var out: [KernelLink] = []
        for (k, j) in vnis(of: i).enumerated() {
            let vni = Self.vniValue(j)
            out.append(KernelLink(index: Self.bridgeIndex(k), name: "br\(vni)", kind: .bridge))
            out.append(KernelLink(index: Self.vxlanIndex(k), name: "vxlan\(vni)",
                                  kind: .vxlan(.init(vni: vni, local: .v4(Self.vtepAddress(i)))), masterIndex: Self.bridgeIndex(k)))
            out.append(KernelLink(index: Self.portIndex(k), name: "host\(k)", masterIndex: Self.bridgeIndex(k)))
        }
        return out
    }

    /// Builds the fabric with every host learned in its VTEP's kernel (so every route is originated)
    /// and no session up yet: `start` begins the cold start.
    public init(shape: FabricShape, seed: UInt64) {
        self.shape = shape
        random = SeededRandom(seed: seed)
        net = Network()
        net.keepUpdates = false
        net.keepLogs = shape.vteps <= 50
        net.keepFDBLog = false
        members = Array(repeating: [], count: shape.vnis)
        for n in 0..<Self.reflectorAddresses.count {
            reflectors.append(net.add(.v4(Self.reflectorAddresses[n]), Self.reflectorConfig(n)))
        }
        for i in 0..<shape.vteps {
            let node = net.add(.v4(Self.vtepAddress(i)), Self.vtepConfig(i))
            vteps.append(node)
            for j in vnis(of: i) { members[j].append(i) }
            bootVTEP(i)
            for (k, j) in vnis(of: i).enumerated() {
                for m in 0..<shape.macsPerVNI {
                    let mac = Self.hostMAC(vtep: i, vni: j, host: m)
                    location[mac] = i
                    vniOfMAC[mac] = j
                    net.kernel(node) { $0.learn(mac, on: Self.portIndex(k)) }
                }
            }
        }
    }

    /// A fresh VTEP reducer over VTEP `i`'s kernel (kept as it is when there is one), and the
    /// engine told which route targets it imports.
    mutating func bootVTEP(_ i: Int) {
        let node = vteps[i]
        let config = VTEPConfig(localAS: Self.asn, routerID: Self.vtepAddress(i))
        let kernel = net.nodes[node].vtep?.kernel ?? SimulatedKernel(links: links(of: i))
        var vtep = Network.VTEPNode(state: VTEPState(config: config), kernel: kernel)
        vtep.kernel.keepsJournal = false
        net.nodes[node].vtep = vtep
        net.runVTEP(node, [.configure(config), .links(links(of: i)), .fdbDump(kernel.dump())])
        if shape.retainOnlyImported {
            let targets = Set(net.nodes[node].vtep?.state.vnis.values.flatMap(\.importRouteTargets) ?? [])
            // (Before the start nobody is there to ask for a refresh: no outputs to carry out.)
            _ = net.nodes[node].engine.retainRouteTargets(targets, now: net.now)
        }
    }

    /// Starts every speaker, each VTEP at a random moment of the first `spread` (seeded).
    public mutating func start(spread: Duration = .seconds(1)) {
        for node in reflectors { net.deliver(.start, to: node) }
        let spreadNanoseconds = UInt64(max(1, spread.nanosecondsCount))
        for node in vteps {
            let offset = Duration.nanoseconds(Int64(random.next(upperBound: spreadNanoseconds)))
            net.schedule(.input(node: node, .start), after: offset)
        }
    }

    /// Runs in steps of `step` until `done` holds (checked after each step) or `limit` passed.
    /// Returns whether it held.
    public mutating func run(until done: (Fabric) -> Bool, step: Duration = .milliseconds(500), limit: Duration) -> Bool {
        let end = net.now + limit
        while net.now < end {
            net.run(for: step)
            if done(self) { return true }
        }
        return false
    }
}

extension Duration {
    /// The whole duration in nanoseconds (Int64 holds 292 years).
    public var nanosecondsCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
