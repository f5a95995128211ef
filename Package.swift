// swift-tools-version: 6.0
// evpnd: a pure-Swift BGP-EVPN speaker for Linux. See README.md and docs/.
import PackageDescription

let package = Package(
    name: "evpnd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "evpnd", targets: ["evpnd"]),
        .executable(name: "evpnctl", targets: ["evpnctl"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The metrics endpoint (docs/OPERATIONS.md, Metrics): series and text exposition.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure codecs: no Foundation networking, no Dispatch, no sockets.
        .target(name: "BGPWire"),
        .executableTarget(
            name: "evpnctl",
            dependencies: [
                "BGPWire",
                "ControlProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Static Swift runtime and FoundationEssentials in release, as evpnd: the Debian package
            // (scripts/package) runs on a machine without a Swift toolchain. FoundationEssentials only, not
            // Foundation, for the same reason as the daemon: full Foundation statically links ICU's data
            // (evpnctl was 60 MB stripped with it). The shims are FoundationEssentials' own (see evpnd).
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCollections", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("swiftSynchronization", .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        .executableTarget(
            name: "evpnd",
            dependencies: [
                "BGPWire",
                "Config",
                "Daemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The Swift runtime, Dispatch and FoundationEssentials linked in: about 3 MB less resident memory
            // than loading them as shared libraries (docs/PERFORMANCE.md, idle). Release builds only, so
            // debug links stay fast.
            // (What SwiftPM's --static-swift-stdlib does, kept in the manifest so every release build gets it;
            // the two shim libraries are FoundationEssentials' own, which only the static archive leaves out.)
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCollections", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("swiftSynchronization", .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // Micro-benchmarks of the codecs, and the FDB watcher and kernel batch of the VTEP scenarios (scripts/bench).
        .executableTarget(
            name: "evpn-bench",
            dependencies: ["BGPWire", "Netlink"]
        ),
        // Load generator and receiver for the benchmarks (scripts/bench, docs/PERFORMANCE.md): plain BGP over TCP.
        .executableTarget(
            name: "evpn-load",
            dependencies: ["BGPWire", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "EvpnLoadTests", dependencies: ["evpn-load", "BGPWire"]),
        // An emulated LAG for a dual-homed test host (no bonding driver here): a TAP over member packet sockets,
        // counting duplicates and echoes (docs/TESTING.md). Glibc only.
        .executableTarget(name: "evpn-lag"),
        .testTarget(name: "LAGTests", dependencies: ["evpn-lag"]),
        // The I/O-free engine: session state machine, RIB, route reflection; time is passed in.
        .target(name: "BGPCore", dependencies: ["BGPWire"]),
        .testTarget(name: "BGPCoreTests", dependencies: ["BGPCore", "BGPWire", "MalformedUpdates"]),
        // BFD (RFC 5880/5881/5883), I/O-free: packets and timer expiries in; packets, timers and state changes out.
        .target(name: "BFD"),
        .testTarget(name: "BFDTests", dependencies: ["BFD"]),
        // The RFC 7606 hostile-input table (raw bytes), shared by BGPCoreTests and InteropTests.
        .target(name: "MalformedUpdates", path: "Tests/MalformedUpdates"),
        // The VTEP, I/O-free: VNI discovery, local MAC learning, MAC mobility, desired FDB and its reconciler.
        // No Netlink here: the Daemon maps Netlink's links and FDB rows to the VTEP's plain values.
        .target(name: "VTEP", dependencies: ["BGPCore", "BGPWire"]),
        .testTarget(name: "VTEPTests", dependencies: ["VTEP", "BGPCore", "BGPWire", "ControlProtocol"]),
        // The deterministic simulator: engines joined by in-memory links under a virtual clock, and the
        // fabric-size scenarios (issue 18), shared by SimulationTests and the evpn-sim benchmark.
        .target(name: "Simulation", dependencies: ["BGPCore", "BGPWire", "VTEP"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "BGPCore", "BGPWire", "VTEP"]),
        // The fabric simulation as a release-mode benchmark (scripts/bench.d/fabric, docs/PERFORMANCE.md).
        .executableTarget(name: "evpn-sim", dependencies: ["Simulation", "BGPCore", "BGPWire", "VTEP"]),
        // The FRR-dialect config parser (`router bgp` part): typed config and FILE:LINE:COLUMN diagnostics. A leaf.
        .target(name: "Config", dependencies: ["BGPWire"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "BGPWire"]),
        // Request and response types of the control socket (line-delimited JSON), shared by evpnd and evpnctl. A leaf.
        .target(name: "ControlProtocol"),
        // libbsd's setproctitle and pidfile, for the daemon (a module map linking `bsd`; no pkgConfig, see ARCHITECTURE.md).
        .systemLibrary(name: "CBSD", path: "Sources/CBSD"),
        // The runtime: the engine queue owning the engine, TCP and control sockets, timers and signals (Dispatch).
        .target(
            name: "Daemon",
            dependencies: [
                "BGPCore", "BGPWire", "Config", "ControlProtocol", "CBSD", "VTEP", "Netlink", "BFD",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "BGPCore", "BGPWire", "Config", "ControlProtocol", "VTEP", "BFD",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Against FRR 8.4 and GoBGP 3.10 in network namespaces (root; skipped with a message elsewhere, failed under CI=true).
        .testTarget(name: "InteropTests", dependencies: ["ControlProtocol", "BGPWire", "MalformedUpdates", "VTEP", "Daemon"]),
        // rtnetlink over AF_NETLINK (links, bridge/VXLAN FDB, batches, events); Glibc only, no Foundation, no Dispatch.
        .target(name: "Netlink"),
        // Codec tests against captured kernel bytes (Tests/Fixtures/netlink) and live tests in a namespace (root).
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink"]),
        .testTarget(
            name: "BGPWireTests",
            dependencies: ["BGPWire"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
