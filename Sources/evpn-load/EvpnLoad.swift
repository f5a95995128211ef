// evpn-load: a BGP EVPN load generator and receiver for benchmarks (scripts/bench, docs/PERFORMANCE.md).
// `inject` advertises many type-2 routes and can withdraw or move them; `sink` counts and times what
// arrives. Both speak plain BGP over TCP with BGPWire; one thread each, poll(2), CLOCK_MONOTONIC.
// Output is one `evpn-load ROLE what=... key=value ...` line per event or result.
import ArgumentParser
import BGPWire
#if canImport(Glibc)
import Glibc
#endif

@main
struct EvpnLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evpn-load",
        abstract: "Load a BGP EVPN speaker with type-2 routes and time how fast they come out the other side.",
        discussion: """
        Typical use, a reflector at 10.0.0.1 with four sinks and an injector (each line in its own shell, or \
        namespace):
          evpn-load sink --remote 10.0.0.1 --local 10.0.0.11 --local 10.0.0.12 --expect 100000 --sync /tmp/s
          evpn-load inject --remote 10.0.0.1 --local 10.0.0.10 --routes 100000 --sync /tmp/s
        Output lines are `evpn-load inject|sink what=KIND key=value ...`; times (`*_s`) are seconds after the \
        injector's first UPDATE when both share `--sync DIR`, else after the sink's sessions were established. \
        Exit status: 0 done (sink: every session got every route, and with --moves nothing was lost), \
        1 incomplete or failed, 64 usage error.
        """,
        subcommands: [Inject.self, SinkCommand.self]
    )
}

struct SessionOptions: ParsableArguments {
    @Option(help: "Address of the peer to connect to (IPv4).") var remote: String?
    @Option(help: "TCP port of the peer, or to listen on.") var port: UInt16 = 179
    @Option(name: .customLong("as"), help: "Local AS number (4-octet AS capability is always sent).") var localAS: UInt32 = 65000
    @Option(help: "The peer's AS number, for the attributes (iBGP if equal to --as).") var remoteAS: UInt32?
    @Option(help: "BGP identifier (default: the local address, or 10.255.255.254).") var routerID: String?
    @Option(help: "Hold time offered in OPEN, seconds.") var holdTime: UInt16 = 90
    @Option(help: "Seconds to keep retrying connect, or to wait for a peer and its OPEN.") var connectTimeout: Double = 30
    @Option(help: "A directory shared by the injector and sinks: start time, ready and move count files.") var sync: String?

    func speaker(defaultID: String?) throws -> Speaker {
        let text = routerID ?? defaultID ?? "10.255.255.254"
        guard let id = IPv4Address(text) else { throw ValidationError("--router-id: not an IPv4 address: \(text)") }
        return Speaker(asn: localAS, routerID: id, holdTime: holdTime)
    }

    func syncDirectory() throws -> SyncDirectory? {
        guard let sync else { return nil }
        var info = stat()
        guard stat(sync, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw ValidationError("--sync: \(sync) is not a directory")
        }
        return SyncDirectory(path: sync)
    }
}

func parseMAC(_ text: String, option: String) throws -> UInt64 {
    guard let mac = MACAddress(text) else { throw ValidationError("\(option): not a MAC address: \(text)") }
    return mac.rawValue
}

func parseIPv4(_ text: String, option: String) throws -> IPv4Address {
    guard let address = IPv4Address(text) else { throw ValidationError("\(option): not an IPv4 address: \(text)") }
    return address
}

struct Inject: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Advertise N type-2 routes (and a type-3) in full UPDATEs, End-of-RIB, then hold, withdraw or move them.",
        discussion: """
        Route i is MAC (--mac-base + i) with IPv4 (--ip-base + i), VNI --vni, RD ROUTER-ID:VNI, next hop \
        --next-hop, RT AS:VNI and VXLAN encapsulation, 103 to a 4096-octet UPDATE. --then move moves route \
        (j mod N) at move j: MAC Mobility sequence (j / N + 1), next hop --move-next-hop in even passes and \
        --next-hop in odd ones, and a transitive opaque extended community (0x03, sub-type 0xEE) holding the \
        time of the move in CLOCK_MONOTONIC microseconds, from which a sink computes the delay.
        """
    )
    @OptionGroup var session: SessionOptions
    @Option(help: "Listen on this address for the peer's connection instead of connecting (--remote).") var listen: String?
    @Option(help: "Local address to connect from.") var local: String?
    @Option(help: "Number of type-2 routes.") var routes: Int
    @Option(help: "VNI (label and RT value).") var vni: UInt32 = 100
    @Option(help: "First MAC address.") var macBase: String = "02:00:00:00:00:00"
    @Option(help: "First IPv4 address of the MAC/IP routes, or 'none' for MAC-only routes.") var ipBase: String = "10.128.0.0"
    @Option(help: "Next hop (VTEP address) of the routes (default: --local, or the router id).") var nextHop: String?
    @Option(help: "Next hop the routes move to (--then move).") var moveNextHop: String = "10.255.0.2"
    @Flag(inversion: .prefixedNo, help: "Also advertise the VNI's type-3 (IMET) route.") var imet = true
    @Option(help: "After End-of-RIB: hold (keep the session until a signal or --hold-for), withdraw, move, or exit.")
    var then: String = "hold"
    @Option(help: "Moves per second (--then move).") var rate: Double = 10000
    @Option(help: "Seconds of moves (--then move).") var duration: Double = 30
    @Option(help: "Before withdrawing or moving, wait up to this many seconds for a sink's SYNC/ready file (0: don't wait).")
    var waitReady: Double = 0
    @Option(help: "Seconds to keep the session after the last action (default: until SIGINT/SIGTERM).") var holdFor: Double?
    @Option(help: "l2vpn-evpn (type-2 routes), or ipv4-unicast: prefixes of --prefix-length from --ip-base, next hop --next-hop, no type-3.")
    var family: String = "l2vpn-evpn"
    @Option(help: "Length of the IPv4 unicast prefixes (--family ipv4-unicast).") var prefixLength: UInt8 = 32

    func validate() throws {
        guard family == "l2vpn-evpn" || family == "ipv4-unicast" else { throw ValidationError("--family: l2vpn-evpn or ipv4-unicast") }
        guard (1...32).contains(prefixLength) else { throw ValidationError("--prefix-length: 1 to 32") }
        guard routes > 0 else { throw ValidationError("--routes must be positive") }
        guard rate > 0, duration >= 0 else { throw ValidationError("--rate must be positive and --duration not negative") }
        guard InjectPlan.Then(rawValue: then) != nil else { throw ValidationError("--then: one of hold, withdraw, move, exit; not \(then)") }
        guard (session.remote == nil) != (listen == nil) else { throw ValidationError("give exactly one of --remote and --listen") }
        if vni > 0xff_ffff { throw ValidationError("--vni: at most 16777215") }
    }

    func run() throws {
        installStopHandlers()
        var speaker = try session.speaker(defaultID: local ?? listen)
        let unicast = family == "ipv4-unicast"
        if unicast { speaker.families = [.ipv4Unicast] }
        let hop = try parseIPv4(nextHop ?? local ?? listen ?? speaker.routerID.description, option: "--next-hop")
        let ip: UInt32? = ipBase == "none" ? nil : try parseIPv4(ipBase, option: "--ip-base").rawValue
        let set = RouteSet(count: routes, vni: vni, rd: .ipv4(speaker.routerID, UInt16(truncatingIfNeeded: vni)),
                           macBase: try parseMAC(macBase, option: "--mac-base"), ipBase: ip, nextHop: hop,
                           localAS: session.localAS, remoteAS: session.remoteAS ?? session.localAS,
                           routeTargetAS: UInt16(truncatingIfNeeded: session.localAS), unicastLength: unicast ? prefixLength : nil)
        let plan = InjectPlan(speaker: speaker, remote: session.remote, listen: listen, local: local, port: session.port,
                              routes: set, imet: imet && !unicast, then: InjectPlan.Then(rawValue: then) ?? .hold, rate: rate,
                              duration: duration, moveNextHop: try parseIPv4(moveNextHop, option: "--move-next-hop"),
                              sync: try session.syncDirectory(), waitReady: waitReady, holdFor: holdFor,
                              connectTimeout: session.connectTimeout)
        do {
            try Injector(plan: plan).run()
        } catch {
            report("inject", [("what", "error"), ("error", "\"\(error)\"")])
            throw ExitCode(1)
        }
    }
}

struct SinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Receive routes on one or more sessions; report when each held 1, 50 %, 99 % and 100 % of --expect.",
        discussion: """
        One session per --local (each with that address as router id), or --sessions connections accepted on \
        --listen. The summary line's times are the slowest session's. With --moves it keeps going after all \
        routes arrived, until the injector wrote SYNC/moves and every route reached its final MAC Mobility \
        sequence (or --grace seconds passed: those routes are `lost`), and reports the stamp-to-arrival delay.
        """
    )
    @OptionGroup var session: SessionOptions
    @Option(help: "Local address to connect from; repeat for one session per address.") var local: [String] = []
    @Option(help: "Listen on this address and accept --sessions connections instead of connecting.") var listen: String?
    @Option(help: "Sessions to accept with --listen.") var sessions: Int = 1
    @Option(help: "Type-2 routes each session should receive (routes 0..<N of an injector with the same --mac-base).")
    var expect: Int
    @Option(help: "The injector's --mac-base.") var macBase: String = "02:00:00:00:00:00"
    @Option(help: "Give up after this many seconds (the report then says complete=0 and the fraction received).")
    var timeout: Double = 300
    @Flag(help: "Measure moves (needs --sync): after all routes arrived, time each move until the injector's last.")
    var moves = false
    @Option(help: "Seconds to wait, after the injector wrote its move count, for the last moves to arrive.") var grace: Double = 10

    func validate() throws {
        guard expect >= 0, sessions >= 1 else { throw ValidationError("--expect must not be negative, --sessions at least 1") }
        guard (session.remote == nil) != (listen == nil) else { throw ValidationError("give exactly one of --remote and --listen") }
        if moves && session.sync == nil { throw ValidationError("--moves needs --sync DIR (shared with the injector)") }
    }

    func run() throws {
        installStopHandlers()
        let plan = SinkPlan(speaker: try session.speaker(defaultID: local.first ?? listen), remote: session.remote,
                            locals: local, listen: listen, sessions: sessions, port: session.port, expect: expect,
                            macBase: try parseMAC(macBase, option: "--mac-base"), timeout: timeout,
                            sync: try session.syncDirectory(), moves: moves, grace: grace,
                            connectTimeout: session.connectTimeout)
        let ok: Bool
        do {
            ok = try Sink(plan: plan).run()
        } catch {
            report("sink", [("what", "error"), ("error", "\"\(error)\"")])
            throw ExitCode(1)
        }
        if !ok { throw ExitCode(1) }
    }
}
