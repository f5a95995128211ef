// evpnd as the route reflector of two FRR 8.4 VTEPs (issue 4's Must-show), in network namespaces:
//   a. the VTEPs peer only with evpnd; their hosts ping; FRR holds the other VTEP's type-2 and type-3 routes with
//      ORIGINATOR_ID and CLUSTER_LIST and installs them in its FDB;
//   b. GoBGP 3.10 announces 1,000 type-2 routes with varied attributes (MAC+IPv4, MAC+IPv6, MAC only, type-0 and
//      type-1 ESIs, one or two labels, router MAC) through its CLI and withdraws half; a small raw BGP injector
//      written here with BGPWire adds 100 with MAC Mobility (some sticky), which GoBGP's CLI cannot express, and
//      withdraws half: the VTEPs hold exactly the other half of each, attributes intact;
//   c. two evpnd reflectors with one cluster id, one killed mid-test: the VTEPs keep every route and the hosts ping.
//
// Underlay: one bridge ("fabric") in namespace F, every speaker on 10.0.0.0/24 through a veth into it:
//   V1 10.0.0.1, V2 10.0.0.2 (FRR zebra+bgpd, br100 + vxlan100, host H1/H2 10.1.0.1/.2 on a veth into br100),
//   R1 10.0.0.253, R2 10.0.0.252 (evpnd, cluster id 10.0.0.254), I 10.0.0.50 (injector), G 10.0.0.51 (GoBGP).

import BGPWire
import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One fabric of namespaces; everything it made is removed by `close()`, which every test calls on every path.
final class ReflectorLab: @unchecked Sendable {
    let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
    let dir: String
    let bin: String
    private var namespaces: [String] = []
    private var frrNames: [String] = []
    private var processes: [Process] = []
    var fabric: String { "rrF-\(suffix)" }
    static let clusterID = "10.0.0.254"

    init() throws {
        dir = "/tmp/evpnd-rr-\(suffix)"
        bin = Tools.binDirectory() ?? ".build/debug"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        do {
            try addNamespace(fabric)
            try run(["ip", "-n", fabric, "link", "add", "fab", "type", "bridge"])
            try run(["ip", "-n", fabric, "link", "set", "fab", "up"])
        } catch {
            close()
            throw error
        }
    }

    func ns(_ role: String) -> String { "rr\(role)-\(suffix)" }

    private func addNamespace(_ name: String) throws {
        try run(["ip", "netns", "add", name])
        namespaces.append(name)
        try run(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    /// A namespace on the fabric with `address`/24 on its uplink.
    func addNode(_ role: String, address: String) throws {
        let name = ns(role)
        try addNamespace(name)
        let port = "p\(role)"
        try run(["ip", "link", "add", "name", "uplink", "netns", name, "type", "veth", "peer", "name", port, "netns", fabric])
        try run(["ip", "-n", fabric, "link", "set", port, "master", "fab", "up"])
        try run(["ip", "-n", name, "addr", "add", "\(address)/24", "dev", "uplink"])
        try run(["ip", "-n", name, "link", "set", "uplink", "up"])
    }

    /// VTEP `i` (1 or 2): br100 with vxlan100 (VNI 100, local 10.0.0.i) and host Hi (aa:bb:cc:00:01:0i, 10.1.0.i).
    func addVTEP(_ i: Int) throws {
        let v = ns("V\(i)"), h = ns("H\(i)")
        try addNode("V\(i)", address: "10.0.0.\(i)")
        try addNamespace(h)
        for command in [
            ["ip", "-n", v, "link", "add", "br100", "address", "02:00:00:00:0\(i):ff", "type", "bridge"],
            ["ip", "-n", v, "link", "add", "vxlan100", "address", "02:00:00:00:0\(i):64", "type", "vxlan", "id", "100",
             "dstport", "4789", "local", "10.0.0.\(i)", "nolearning"],
            ["ip", "-n", v, "link", "set", "vxlan100", "master", "br100"],
            ["ip", "link", "add", "name", "eth0", "netns", h, "address", "aa:bb:cc:00:01:0\(i)", "type", "veth",
             "peer", "name", "host\(i)", "netns", v, "address", "02:00:00:00:0\(i):01"],
            ["ip", "-n", v, "link", "set", "host\(i)", "master", "br100"],
            ["ip", "-n", v, "link", "set", "host\(i)", "up"],
            ["ip", "-n", v, "link", "set", "vxlan100", "up"],
            ["ip", "-n", v, "link", "set", "br100", "up"],
            ["ip", "-n", h, "link", "set", "eth0", "up"],
            ["ip", "-n", h, "addr", "add", "10.1.0.\(i)/24", "dev", "eth0"],
        ] { try run(command) }
    }

    func close() {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
        processes = []
        for name in frrNames {
            for daemon in ["bgpd", "zebra"] {
                if let pid = pidFile("/var/run/frr/\(name)/\(daemon).pid") {
                    kill(pid, SIGKILL)
                    _ = waitUntil(3) { kill(pid, 0) != 0 }
                }
            }
            try? FileManager.default.removeItem(atPath: "/var/run/frr/\(name)")
        }
        frrNames = []
        for name in namespaces.reversed() { _ = try? run(["ip", "netns", "del", name], check: false) }
        namespaces = []
        try? FileManager.default.removeItem(atPath: dir)
    }

    func write(_ name: String, _ text: String) throws -> String { try writeLabFile("\(dir)/\(name)", text) }

    private func pidFile(_ path: String) -> Int32? { livePID(inFile: path) }

    // MARK: FRR VTEPs

    func frrName(_ i: Int) -> String { "evpnd-rr-v\(i)-\(suffix)" }

    /// FRR VTEP `i`, peering with each of `reflectors` (`timers 3 9`, `timers connect 1`).
    func startFRRVTEP(_ i: Int, reflectors: [String]) throws {
        let name = frrName(i)
        let neighbors = reflectors.map {
            " neighbor \($0) remote-as 65000\n neighbor \($0) timers 3 9\n neighbor \($0) timers connect 1"
        }.joined(separator: "\n")
        let config = """
        frr defaults datacenter
        hostname vtep\(i)
        log file /var/run/frr/\(name)/bgpd.log informational
        router bgp 65000
         bgp router-id 10.0.0.\(i)
         no bgp default ipv4-unicast
        \(neighbors)
         address-family l2vpn evpn
        \(reflectors.map { "  neighbor \($0) activate" }.joined(separator: "\n"))
          advertise-all-vni
         exit-address-family
        exit
        """
        let path = try write("vtep\(i).conf", config)
        let runDir = "/var/run/frr/\(name)"
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        frrNames.append(name)
        try run(["chown", "frr:frr", "/var/run/frr", runDir])
        for daemon in ["zebra", "bgpd"] {
            try runDaemonizing(["ip", "netns", "exec", ns("V\(i)"), "\(Tools.frrDir)/\(daemon)", "-d", "-N", name, "-f", path,
                                "-u", "frr", "-g", "frr"], logPath: "\(dir)/v\(i)-\(daemon)-start.log")
        }
    }

    func vtysh(_ i: Int, _ command: String) throws -> String {
        try run(["vtysh", "-N", frrName(i), "-c", command], timeout: 60).output
    }

    func vtyshJSON(_ i: Int, _ command: String) -> [String: Any]? {
        guard let text = try? vtysh(i, command) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    func frrPeerState(_ i: Int, _ peer: String) -> String? {
        ((vtyshJSON(i, "show bgp l2vpn evpn summary json")?["peers"] as? [String: Any])?[peer] as? [String: Any])?["state"] as? String
    }

    /// Every path FRR VTEP `i` holds (brief or detail JSON), with its RD and prefix.
    func frrPaths(_ i: Int, detail: Bool = false) -> [(rd: String, prefix: String, path: [String: Any])] {
        guard let json = vtyshJSON(i, "show bgp l2vpn evpn route\(detail ? " detail" : "") json") else { return [] }
        var result: [(String, String, [String: Any])] = []
        for (rd, value) in json {
            guard let prefixes = value as? [String: Any] else { continue }
            for (prefix, p) in prefixes where prefix != "rd" {
                for path in ((p as? [String: Any])?["paths"] as? [[[String: Any]]]) ?? [] {
                    if let first = path.first { result.append((rd, prefix, first)) }
                }
            }
        }
        return result
    }

    func fdb(_ i: Int) -> String {
        (try? run(["ip", "netns", "exec", ns("V\(i)"), "bridge", "fdb", "show", "dev", "vxlan100"]).output) ?? ""
    }

    func ping(from i: Int, to other: Int) -> Bool {
        ((try? run(["ip", "netns", "exec", ns("H\(i)"), "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.1.0.\(other)"], check: false))?.status) == 0
    }

    // MARK: evpnd reflectors

    private(set) var reflectors: [String: Process] = [:]

    /// An evpnd reflector in namespace `role` with router id `address`, clients `clients` and non-client `others`
    /// (the other reflector of the cluster). `passive` clients are speakers that only dial in (the injectors).
    func startReflector(_ role: String, address: String, clients: [String], passive: [String], others: [String]) throws {
        let lines = (clients + passive).map { " neighbor \($0) peer-group VTEPS" }
            + passive.map { " neighbor \($0) passive" }
            + others.flatMap { [" neighbor \($0) remote-as 65000", " neighbor \($0) timers 3 9", " neighbor \($0) timers connect 1"] }
        let config = """
        ! evpnd as the seed's route reflector (docs/REFLECTOR.md)
        frr defaults datacenter
        hostname rr-\(role)
        router bgp 65000
         bgp router-id \(address)
         bgp cluster-id \(Self.clusterID)
         no bgp default ipv4-unicast
         neighbor VTEPS peer-group
         neighbor VTEPS remote-as 65000
         neighbor VTEPS timers 3 9
         neighbor VTEPS timers connect 1
        \(lines.joined(separator: "\n"))
         address-family l2vpn evpn
          neighbor VTEPS activate
          neighbor VTEPS route-reflector-client
        \(others.map { "  neighbor \($0) activate" }.joined(separator: "\n"))
         exit-address-family
        exit
        """
        let path = try write("evpnd-\(role).conf", config)
        let socket = controlSocket(role)
        let log = "\(dir)/evpnd-\(role).log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", ns(role), "\(bin)/evpnd", "--config", path, "--socket", socket, "--log-level", "info"]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        reflectors[role] = process
        guard waitUntil(10, { FileManager.default.fileExists(atPath: socket) }) else {
            throw LabError("evpnd \(role) did not open its control socket:\n\(logText(role))")
        }
    }

    func controlSocket(_ role: String) -> String { "\(dir)/evpnd-\(role).sock" }
    func logText(_ role: String) -> String { (try? String(contentsOfFile: "\(dir)/evpnd-\(role).log", encoding: .utf8)) ?? "" }

    func evpnctl(_ role: String, _ words: [String]) throws -> String {
        try run(["\(bin)/evpnctl", "-s", controlSocket(role), "show"] + words, timeout: 60).output
    }

    func reflectorPeerState(_ role: String, _ peer: String) -> String? {
        guard let text = try? evpnctl(role, ["bgp", "l2vpn", "evpn", "summary", "--json"]),
              let summary = try? JSONDecoder().decode(BGPSummary.self, from: Data(text.utf8)) else { return nil }
        return summary.peers[peer]?.state
    }

    // MARK: GoBGP

    func startGoBGP(role: String, address: String, reflector: String) throws {
        let path = try write("gobgp.toml", Configs.gobgp(asn: 65000, routerID: address, neighbor: reflector, peerAS: 65000))
        processes.append(try startGoBGPDaemon(namespace: ns(role), configPath: path, logDirectory: dir))
    }

    func gobgp(_ role: String, _ arguments: [String]) throws -> String {
        try run(["ip", "netns", "exec", ns(role), "gobgp", "-u", "127.0.0.1", "-p", "50051"] + arguments).output
    }

    /// Runs `gobgp -u 127.0.0.1 -p 50051 global rib -a evpn LINE` for every line of `lines` inside `role`'s
    /// namespace: one `xargs -P 2` started from here (not one process per route; one `gobgp` call costs about 8 ms,
    /// two at a time use both cores). xargs rather than a shell loop with `&`/`wait`: the test runner's children
    /// inherit a blocked SIGCHLD, so dash's `wait` never returns, and a blocked SIGTERM, hence SIGKILL on timeout.
    /// Throws if any call failed.
    func gobgpBatch(_ role: String, _ name: String, _ lines: String, timeout: TimeInterval = 90) throws {
        let path = try write("gobgp-\(name).args", lines)
        let log = "\(dir)/gobgp-\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.find("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", ns(role), Tools.find("xargs") ?? "/usr/bin/xargs", "-P", "2", "-L", "1", "-a", path,
                             Tools.find("gobgp") ?? "gobgp", "-u", "127.0.0.1", "-p", "50051", "global", "rib", "-a", "evpn"]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let done = waitUntil(timeout, interval: 0.1) { !process.isRunning }
        if !done { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard done, process.terminationStatus == 0 else {
            throw LabError("gobgp \(name) (\(done ? "exit \(process.terminationStatus)" : "timed out")): \(output.prefix(2000))")
        }
    }
}

/// A raw BGP speaker for injecting routes: one TCP session opened from inside a namespace (the socket is created
/// while this thread is in that namespace; `setns` only moves the calling thread), OPEN/KEEPALIVE by hand,
/// UPDATEs built with BGPWire. A reader thread drains what the reflector sends and answers nothing but keepalives.
final class RawInjector: @unchecked Sendable {
    /// glibc's setns(2), which Glibc's module does not export (it is behind _GNU_SOURCE).
    private static func setns(_ fd: Int32, _ type: Int32) -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return -1 }
        return unsafeBitCast(symbol, to: SetNS.self)(fd, type)
    }
    /// CLONE_NEWNET from <linux/sched.h>.
    private static let CLONE_NEWNET: Int32 = 0x4000_0000

    private let fd: Int32
    private let lock = NSLock()
    private var closed = false
    private(set) var receivedBytes = 0
    private var keepaliveThread: Thread?
    let context = CodecContext()

    init(namespace: String, source: String, to remote: String, asn: UInt32, routerID: IPv4Address) throws {
        let original = open("/proc/self/ns/net", O_RDONLY)
        let target = open("/var/run/netns/\(namespace)", O_RDONLY)
        defer { Glibc.close(original); Glibc.close(target) }
        guard original >= 0, target >= 0, Self.setns(target, Self.CLONE_NEWNET) == 0 else {
            throw LabError("setns \(namespace): \(String(cString: strerror(errno)))")
        }
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        // Back to the test's namespace before anything can throw.
        let back = Self.setns(original, Self.CLONE_NEWNET)
        guard socketFD >= 0, back == 0 else { throw LabError("socket/setns back: \(String(cString: strerror(errno)))") }
        fd = socketFD
        func sockaddr(_ text: String, port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, text, &address.sin_addr)
            return address
        }
        var local = sockaddr(source, port: 0)
        var peer = sockaddr(remote, port: 179)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let connected = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else {
            Glibc.close(fd)
            throw LabError("injector connect to \(remote): \(String(cString: strerror(errno)))")
        }
        let open = BGPMessage.open(OpenMessage(asn: asn, holdTime: 90, identifier: routerID, capabilities: [
            .multiprotocol(.l2vpnEVPN), .fourOctetAS(asn), .routeRefresh,
        ]))
        try send([open, .keepalive])
        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                lock.lock(); receivedBytes += n; lock.unlock()
            }
        }
        reader.start()
        let keepalive = Thread { [self] in
            while !isClosed {
                Thread.sleep(forTimeInterval: 5)
                try? send([.keepalive])
            }
        }
        keepalive.start()
        keepaliveThread = keepalive
    }

    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }
    var received: Int { lock.lock(); defer { lock.unlock() }; return receivedBytes }

    func send(_ messages: [BGPMessage]) throws {
        var bytes: [UInt8] = []
        for message in messages { bytes += try message.encode(context: context) }
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw LabError("injector closed") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw LabError("injector write: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    func close() {
        lock.lock()
        if !closed { closed = true; shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
        lock.unlock()
    }
}

/// GoBGP's routes: type 2 in VNI 100's route target, everything `gobgp global rib -a evpn add macadv` can express.
/// Route `n`'s attributes are chosen by k = n / 2, so the half kept (even n) and the half withdrawn (odd n) vary
/// alike: k % 3 picks MAC+IPv4, MAC+IPv6 or MAC only; k % 4 the ESI (none, type 0 arbitrary, type 1 LACP, none);
/// even k two labels (L2 VNI 100 and 5000), odd k one; every 7th k the router-MAC extended community.
enum GoBGPRoutes {
    static let nextHop = "10.0.0.51"
    static let rd = RouteDistinguisher.ipv4(IPv4Address(10, 0, 0, 51), 1)
    static let routerMAC = "aa:bb:cc:00:00:51"
    /// (GoBGP CLI words, the ESI as FRR writes it).
    static let esis: [(cli: String, frr: String)?] = [
        nil,
        ("esi ARBITRARY 11:22:33:44:55:66:77:88:99", "00:11:22:33:44:55:66:77:88:99"),
        ("esi LACP aa:bb:cc:dd:ee:ff 100", "01:aa:bb:cc:dd:ee:ff:00:64:00"),
        nil,
    ]

    static func esi(_ n: Int) -> (cli: String, frr: String)? { esis[(n / 2) % 4] }
    static func twoLabels(_ n: Int) -> Bool { (n / 2) % 2 == 0 }
    static func hasRouterMAC(_ n: Int) -> Bool { (n / 2) % 7 == 0 }

    static func route(_ n: Int) -> MACIPAdvertisementRoute {
        let ip: IPAddress?
        switch (n / 2) % 3 {
        case 0: ip = .v4(IPv4Address(10, 51, UInt8(n >> 8), UInt8(n & 0xff)))
        case 1: ip = .v6(IPv6Address(high: 0xfd00_0100_0000_0000, low: 0x0051_0000 | UInt64(n)))
        default: ip = nil
        }
        return MACIPAdvertisementRoute(
            rd: rd, esi: esi(n).flatMap { EthernetSegmentIdentifier($0.frr) } ?? .zero,
            mac: MACAddress(rawValue: 0x0251_0000_0000 | UInt64(n)), ip: ip, label1: MPLSLabelField(vni: 100),
            label2: twoLabels(n) ? MPLSLabelField(vni: 5000) : nil)
    }

    /// Route `n` as FRR lists it.
    static func prefix(_ n: Int) -> String { EVPNNLRI(route: .macIP(route(n))).route.prefixString }

    /// The `gobgp global rib -a evpn add|del` arguments after the verb (MAC only is written as IP 0.0.0.0).
    static func cli(_ n: Int) -> String {
        let r = route(n)
        return ["macadv", r.mac.description, r.ip?.description ?? "0.0.0.0", esi(n)?.cli, "etag 0",
                "label \(twoLabels(n) ? "100,5000" : "100")", "rd 10.0.0.51:1 rt 65000:100 encap vxlan",
                hasRouterMAC(n) ? "router-mac \(routerMAC)" : nil, "nexthop \(nextHop)"]
            .compactMap { $0 }.joined(separator: " ")
    }

    /// The argument lines of `gobgp global rib -a evpn VERB ...` for each of `numbers`, one route a line, for
    /// `xargs -L 1` (see `ReflectorLab.gobgpBatch`).
    static func batch(_ verb: String, _ numbers: [Int]) -> String {
        numbers.map { "\(verb) \(cli($0))\n" }.joined()
    }
}

/// The injector's routes: what GoBGP 3.10's CLI cannot express, MAC Mobility (every route) with the sticky flag (every
/// other kept route); type 2 in VNI 100's route target, one attribute set per group of 50 so UPDATEs pack.
enum InjectedRoutes {
    static let rd = RouteDistinguisher.ipv4(IPv4Address(10, 0, 0, 50), 1)
    static let esi = EthernetSegmentIdentifier(high: 0x0011, low: 0x2233_4455_6677_8899)

    /// Route `n`: every 4th has IPv6, every 4th+1 IPv4, the rest MAC only; every 3rd an ESI; every 2nd two labels.
    static func route(_ n: Int) -> EVPNNLRI {
        let mac = MACAddress(rawValue: 0x0200_5000_0000 | UInt64(n))
        let ip: IPAddress?
        switch n % 4 {
        case 0: ip = .v6(IPv6Address(high: 0xfd00_0100_0000_0000, low: 0x5000_0000_0000_0000 | UInt64(n)))
        case 1: ip = .v4(IPv4Address(10, 50, UInt8(n >> 8), UInt8(n & 0xff)))
        default: ip = nil
        }
        return EVPNNLRI(route: .macIP(MACIPAdvertisementRoute(
            rd: rd, esi: n % 3 == 0 ? esi : .zero, mac: mac, ip: ip, label1: MPLSLabelField(vni: 100),
            label2: n % 2 == 0 ? MPLSLabelField(vni: 5000) : nil)))
    }

    /// Route `n`'s MAC Mobility: sequence n % 7, sticky for every 4th route.
    static func mobility(_ n: Int) -> ExtendedCommunity? {
        .macMobility(sequence: UInt32(n % 7), sticky: n % 4 == 0)
    }

    static func announce(_ numbers: [Int]) -> [BGPMessage] {
        // Group by attribute set (the mobility community differs).
        let groups = Dictionary(grouping: numbers) { mobility($0).map { $0.rawValue } ?? 0 }
        var messages: [BGPMessage] = []
        for (_, members) in groups.sorted(by: { $0.key < $1.key }) {
            var communities: [ExtendedCommunity] = [.routeTarget(asn: 65000, value: 100), .encapsulation(.vxlan)]
            if let mm = mobility(members[0]) { communities.append(mm) }
            for chunk in stride(from: 0, to: members.count, by: 50) {
                let routes = members[chunk..<min(chunk + 50, members.count)].map(route)
                messages.append(.update(UpdateMessage(attributes: [
                    PathAttribute(.origin(.igp)),
                    PathAttribute(.asPath(ASPath(segments: []))),
                    PathAttribute(.localPref(100)),
                    PathAttribute(.extendedCommunities(communities)),
                    PathAttribute(.mpReachNLRI(MPReachNLRI(evpn: routes, nextHop: .v4(IPv4Address(10, 0, 0, 50))))),
                ])))
            }
        }
        return messages
    }

    static func withdraw(_ numbers: [Int]) -> [BGPMessage] {
        stride(from: 0, to: numbers.count, by: 50).map { chunk in
            .update(UpdateMessage(attributes: [PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(
                family: .l2vpnEVPN, nlri: .evpn(numbers[chunk..<min(chunk + 50, numbers.count)].map(route)))))]))
        }
    }
}

@Suite(.serialized)
struct ReflectorInteropTests {
    static let tools = ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "bridge", "ping"]

    /// Builds the fabric with two FRR VTEPs peering with `reflectors` (role, address), starts the evpnd
    /// reflectors, and waits until every session is up and the hosts ping.
    static func withFabric(reflectors: [(String, String)], extraNodes: [(String, String)] = [],
                           passiveClients: [String] = [], _ body: (ReflectorLab) throws -> Void) throws {
        let lab = try ReflectorLab()
        defer { lab.close() }
        do {
            for (role, address) in reflectors + extraNodes { try lab.addNode(role, address: address) }
            try lab.addVTEP(1)
            try lab.addVTEP(2)
            for (role, address) in reflectors {
                try lab.startReflector(role, address: address, clients: ["10.0.0.1", "10.0.0.2"], passive: passiveClients,
                                       others: reflectors.map(\.1).filter { $0 != address })
            }
            let addresses = reflectors.map(\.1)
            for i in 1...2 { try lab.startFRRVTEP(i, reflectors: addresses) }
            let up = waitUntil(40, interval: 0.5) {
                (1...2).allSatisfy { i in addresses.allSatisfy { lab.frrPeerState(i, $0) == "Established" } }
            }
            try #require(up, "FRR sessions: \((1...2).map { i in addresses.map { "V\(i)-\($0): \(lab.frrPeerState(i, $0) ?? "?")" } })")
            // The hosts ping once FRR has the other VTEP's IMET route (flooding) and MAC routes.
            let pinged = waitUntil(30, interval: 0.5) { lab.ping(from: 1, to: 2) }
            try #require(pinged, "H1 cannot ping H2 through the evpnd reflector")
            try body(lab)
        } catch {
            for (role, _) in reflectors { print("--- evpnd \(role) log ---\n\(lab.logText(role).suffix(3000))") }
            throw error
        }
    }

    /// Paths FRR VTEP `i` holds whose next hop is `vtep`.
    static func paths(_ lab: ReflectorLab, on i: Int, from vtep: String, detail: Bool = false) -> [(rd: String, prefix: String, path: [String: Any])] {
        lab.frrPaths(i, detail: detail).filter { (($0.path["nexthops"] as? [[String: Any]])?.first?["ip"] as? String) == vtep }
    }

    @Test func frrVTEPsReachEachOtherThroughEvpnd() throws {
        guard Tools.ready("FRR VTEPs through the evpnd reflector", needs: Self.tools) else { return }
        let started = Date()
        try Self.withFabric(reflectors: [("R1", "10.0.0.253")]) { lab in
            #expect(lab.ping(from: 2, to: 1))
            for (me, other) in [(1, 2), (2, 1)] {
                let otherVTEP = "10.0.0.\(other)"
                // Type 2 (the other host's MAC) and type 3 (IMET), reflected: ORIGINATOR_ID is the other VTEP,
                // CLUSTER_LIST holds the cluster id. FRR 8.4 shows both only in its detail JSON.
                var reflected: [(rd: String, prefix: String, path: [String: Any])] = []
                let complete = waitUntil(15, interval: 0.5) {
                    reflected = Self.paths(lab, on: me, from: otherVTEP, detail: true)
                    return reflected.contains { $0.prefix.hasPrefix("[2]:") && $0.prefix.contains("aa:bb:cc:00:01:0\(other)") }
                        && reflected.contains { $0.prefix == "[3]:[0]:[32]:[\(otherVTEP)]" }
                }
                #expect(complete, "V\(me) holds \(reflected.map(\.prefix))")
                for route in reflected {
                    #expect(route.path["originatorId"] as? String == otherVTEP, "\(route.prefix): \(route.path)")
                    #expect(((route.path["clusterList"] as? [String: Any])?["list"] as? [String])?.contains(ReflectorLab.clusterID) == true,
                            "\(route.prefix): \(route.path)")
                }
                // Installed in the kernel: the other host's MAC and the flood entry, both towards the other VTEP.
                let fdbOK = waitUntil(10, interval: 0.5) {
                    let fdb = lab.fdb(me)
                    return fdb.contains("aa:bb:cc:00:01:0\(other) dst \(otherVTEP)") && fdb.contains("00:00:00:00:00:00 dst \(otherVTEP)")
                }
                #expect(fdbOK, "V\(me) FDB:\n\(lab.fdb(me))")
            }
            // evpnd's own view: the same routes, in FRR's JSON and table.
            let json = try lab.evpnctl("R1", ["bgp", "l2vpn", "evpn", "route", "--json"])
            let report = try JSONDecoder().decode(EVPNRouteReport.self, from: Data(json.utf8))
            #expect(report.numPrefix >= 4, "\(json)")
            let table = try lab.evpnctl("R1", ["bgp", "l2vpn", "evpn"])
            #expect(table.contains("Route Distinguisher: ") && table.contains("*>i[3]:[0]:[32]:[10.0.0.1]"), "\(table)")
        }
        print("reflector test a: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    @Test func injectedRoutesReachVTEPsAndHalfAreWithdrawn() throws {
        guard Tools.ready("1,000 injected routes through the evpnd reflector", needs: Self.tools + ["gobgpd", "gobgp"]) else { return }
        let started = Date()
        try Self.withFabric(reflectors: [("R1", "10.0.0.253")], extraNodes: [("I", "10.0.0.50"), ("G", "10.0.0.51")],
                            passiveClients: ["10.0.0.50", "10.0.0.51"]) { lab in
            try lab.startGoBGP(role: "G", address: "10.0.0.51", reflector: "10.0.0.253")
            // GoBGP's CLI has no MAC Mobility: a raw BGP injector adds 100 routes with it (some sticky).
            let injector = try RawInjector(namespace: lab.ns("I"), source: "10.0.0.50", to: "10.0.0.253", asn: 65000,
                                           routerID: IPv4Address(10, 0, 0, 50))
            defer { injector.close() }
            let up = waitUntil(20, interval: 0.3) {
                ["10.0.0.50", "10.0.0.51"].allSatisfy { lab.reflectorPeerState("R1", $0) == "Established" }
            }
            try #require(up, "GoBGP \(lab.reflectorPeerState("R1", "10.0.0.51") ?? "?"), injector \(lab.reflectorPeerState("R1", "10.0.0.50") ?? "?")")

            let count = 1000, mobilityCount = 100
            try injector.send(InjectedRoutes.announce(Array(0..<mobilityCount)))
            // GoBGP: 1,000 type-2 routes, one `gobgp global rib add` each, from one xargs inside its namespace.
            var clock = Date()
            try lab.gobgpBatch("G", "add", GoBGPRoutes.batch("add", Array(0..<count)))
            let addSeconds = Date().timeIntervalSince(clock)
            for i in 1...2 {
                #expect(waitUntil(60, interval: 1) { Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count == count },
                        "V\(i) has \(Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count) of GoBGP's \(count)")
                #expect(waitUntil(10, interval: 0.5) { Self.paths(lab, on: i, from: "10.0.0.50").count == mobilityCount },
                        "V\(i) has \(Self.paths(lab, on: i, from: "10.0.0.50").count) of the injector's \(mobilityCount)")
            }
            print("GoBGP added \(count) routes in \(String(format: "%.1f", addSeconds)) s, on both VTEPs (with the injector's "
                  + "\(mobilityCount)) \(String(format: "%.1f", Date().timeIntervalSince(clock))) s after the first add")

            // Withdraw the odd-numbered half of each: `gobgp global rib del` with the same arguments.
            let withdrawn = (0..<count).filter { $0 % 2 == 1 }
            clock = Date()
            try injector.send(InjectedRoutes.withdraw((0..<mobilityCount).filter { $0 % 2 == 1 }))
            try lab.gobgpBatch("G", "del", GoBGPRoutes.batch("del", withdrawn))
            let delSeconds = Date().timeIntervalSince(clock)
            let kept = (0..<count).filter { $0 % 2 == 0 }
            let keptPrefixes = Set(kept.map(GoBGPRoutes.prefix))
            let keptMobility = (0..<mobilityCount).filter { $0 % 2 == 0 }
            let keptMobilityPrefixes = Set(keptMobility.map { InjectedRoutes.route($0).route.prefixString })
            #expect(keptPrefixes.count == kept.count && Set(withdrawn.map(GoBGPRoutes.prefix)).isDisjoint(with: keptPrefixes))
            for i in 1...2 {
                #expect(waitUntil(60, interval: 1) { Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count == kept.count },
                        "V\(i) has \(Self.paths(lab, on: i, from: GoBGPRoutes.nextHop).count) of GoBGP's routes, expected \(kept.count)")
                #expect(waitUntil(10, interval: 0.5) { Self.paths(lab, on: i, from: "10.0.0.50").count == keptMobility.count },
                        "V\(i) has \(Self.paths(lab, on: i, from: "10.0.0.50").count) of the injector's, expected \(keptMobility.count)")
                let seconds = Date().timeIntervalSince(clock)

                // Exactly the routes not withdrawn, counted by prefix, each with its attributes as FRR shows them.
                let detail = lab.frrPaths(i, detail: true)
                let fromGoBGP = detail.filter { Self.nextHop($0.path) == GoBGPRoutes.nextHop }
                let fromInjector = detail.filter { Self.nextHop($0.path) == "10.0.0.50" }
                let seenGoBGP = Set(fromGoBGP.map(\.prefix)), seenInjector = Set(fromInjector.map(\.prefix))
                #expect(fromGoBGP.count == kept.count && seenGoBGP == keptPrefixes,
                        "V\(i): GoBGP's \(fromGoBGP.count) paths; missing \(keptPrefixes.subtracting(seenGoBGP).sorted().prefix(5)), extra \(seenGoBGP.subtracting(keptPrefixes).sorted().prefix(5))")
                #expect(fromInjector.count == keptMobility.count && seenInjector == keptMobilityPrefixes,
                        "V\(i): the injector's \(fromInjector.count) paths, missing \(keptMobilityPrefixes.subtracting(seenInjector).sorted().prefix(5))")
                print("V\(i): \(seenGoBGP.count) of GoBGP's and \(seenInjector.count) of the injector's routes, "
                      + "\(String(format: "%.1f", seconds)) s after the withdrawals began")

                // GoBGP's routes: every kept one checked.
                let byPrefix = Dictionary(fromGoBGP.map { ($0.prefix, $0.path) }, uniquingKeysWith: { a, _ in a })
                var wrong: [String] = []
                for n in kept {
                    let prefix = GoBGPRoutes.prefix(n)
                    guard let path = byPrefix[prefix] else { continue }  // reported above
                    let communities = (path["extendedCommunity"] as? [String: Any])?["string"] as? String ?? ""
                    let text = "\(path)"
                    let esi = GoBGPRoutes.esi(n)?.frr
                    var problems: [String] = []
                    // FRR writes the labels as "VNI": "100/5000" (two) or "100" (one).
                    let vni = GoBGPRoutes.twoLabels(n) ? "100/5000" : "100"
                    if path["VNI"] as? String != vni { problems.append("VNI \(path["VNI"] ?? "none"), expected \(vni)") }
                    if !communities.contains("RT:65000:100") || !communities.contains("ET:8") {
                        problems.append("communities \(communities)")
                    }
                    if communities.contains("Rmac:\(GoBGPRoutes.routerMAC)") != GoBGPRoutes.hasRouterMAC(n) {
                        problems.append("router MAC: \(communities)")
                    }
                    if path["esi"] as? String != esi { problems.append("ESI \(path["esi"] ?? "none"), expected \(esi ?? "none")") }
                    if path["originatorId"] as? String != GoBGPRoutes.nextHop { problems.append("originator \(path["originatorId"] ?? "none")") }
                    if !text.contains(ReflectorLab.clusterID) { problems.append("cluster list: \(path["clusterList"] ?? "none")") }
                    if !problems.isEmpty { wrong.append("\(prefix): \(problems.joined(separator: "; "))") }
                }
                #expect(wrong.isEmpty, "V\(i): \(wrong.count) of GoBGP's routes with wrong attributes: \(wrong.prefix(5))")
                #expect(seenGoBGP.contains { $0.contains(":[128]:[fd00:100::51:") } && seenGoBGP.contains { $0.contains(":[32]:[10.51.") }
                        && seenGoBGP.contains { !$0.contains("]:[32]:[") && !$0.contains("]:[128]:[") },
                        "IPv4, IPv6 and MAC-only routes are among GoBGP's")

                // The injector's: MAC Mobility with and without the sticky flag.
                let injected = Dictionary(fromInjector.map { ($0.prefix, $0.path) }, uniquingKeysWith: { a, _ in a })
                var sticky = 0
                for n in keptMobility {
                    let prefix = InjectedRoutes.route(n).route.prefixString
                    guard let path = injected[prefix], let mm = InjectedRoutes.mobility(n),
                          case .macMobility(let seq, let isSticky) = mm.kind else { continue }
                    let communities = (path["extendedCommunity"] as? [String: Any])?["string"] as? String ?? ""
                    #expect(communities.contains(isSticky ? "MM:\(seq), sticky MAC" : "MM:\(seq)")
                            && (isSticky || !communities.contains("sticky")), "\(prefix): \(communities)")
                    #expect(communities.contains("RT:65000:100"), "\(prefix): \(communities)")
                    #expect(path["VNI"] as? String == "100/5000", "\(prefix): both labels: \(path)")
                    #expect(path["originatorId"] as? String == "10.0.0.50")
                    #expect(path["esi"] as? String == (n % 3 == 0 ? "00:11:22:33:44:55:66:77:88:99" : nil), "\(prefix): ESI: \(path)")
                    if isSticky { sticky += 1 }
                }
                #expect(sticky == keptMobility.count / 2, "V\(i): \(sticky) sticky MACs")
            }
            print("GoBGP withdrew \(withdrawn.count) routes in \(String(format: "%.1f", delSeconds)) s")
        }
        print("reflector test b: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    static func nextHop(_ path: [String: Any]) -> String? {
        (path["nexthops"] as? [[String: Any]])?.first?["ip"] as? String
    }

    @Test func twoReflectorsOneStopsVTEPsKeepEverything() throws {
        guard Tools.ready("two evpnd reflectors, one stopped", needs: Self.tools) else { return }
        let started = Date()
        try Self.withFabric(reflectors: [("R1", "10.0.0.253"), ("R2", "10.0.0.252")]) { lab in
            #expect(waitUntil(20, interval: 0.5) { lab.reflectorPeerState("R1", "10.0.0.252") == "Established" },
                    "the reflectors peer with each other")
            func counts() -> [Int] { (1...2).map { lab.frrPaths($0).count } }
            // Each VTEP: its own routes plus the other's, each of the other's twice (once per reflector).
            _ = waitUntil(10, interval: 0.5) {
                (1...2).allSatisfy { i in Self.paths(lab, on: i, from: "10.0.0.\(3 - i)").count >= 4 }
            }
            Thread.sleep(forTimeInterval: 2)
            let prefixesBefore = (1...2).map { i in Set(lab.frrPaths(i).map { "\($0.rd) \($0.prefix)" }) }
            let reflectedBefore = (1...2).map { i in Self.paths(lab, on: i, from: "10.0.0.\(3 - i)").count }
            print("before: paths \(counts()), reflected \(reflectedBefore), prefixes \(prefixesBefore.map(\.count))")
            #expect(reflectedBefore.allSatisfy { $0 >= 4 })

            let r1 = try #require(lab.reflectors["R1"])
            kill(r1.processIdentifier, SIGKILL)
            r1.waitUntilExit()
            #expect(waitUntil(15, interval: 0.5) { (1...2).allSatisfy { lab.frrPeerState($0, "10.0.0.253") != "Established" } },
                    "the VTEPs notice R1 is gone (hold timer 9 s)")
            Thread.sleep(forTimeInterval: 10)
            let prefixesAfter = (1...2).map { i in Set(lab.frrPaths(i).map { "\($0.rd) \($0.prefix)" }) }
            #expect(prefixesAfter == prefixesBefore, "every route kept: lost \(zip(prefixesBefore, prefixesAfter).map { $0.subtracting($1) })")
            for i in 1...2 {
                let reflected = Self.paths(lab, on: i, from: "10.0.0.\(3 - i)")
                // One path per route now (through R2), every route still there.
                #expect(Set(reflected.map(\.prefix)).count * 2 == reflectedBefore[i - 1], "V\(i): \(reflected.count) paths")
            }
            #expect(lab.ping(from: 1, to: 2) && lab.ping(from: 2, to: 1), "hosts still ping through R2")
        }
        print("reflector test c: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
