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
    ],
    targets: [
        // Pure codecs: no Foundation networking, no Dispatch, no sockets.
        .target(name: "BGPWire"),
        .executableTarget(
            name: "evpnctl",
            dependencies: [
                "BGPWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "evpnd",
            dependencies: [
                "BGPWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Micro-benchmarks of the codecs (scripts/bench); figures go to docs/PERFORMANCE.md.
        .executableTarget(
            name: "evpn-bench",
            dependencies: ["BGPWire"]
        ),
        // The I/O-free engine: session state machine, RIB, route reflection; time is passed in.
        .target(name: "BGPCore", dependencies: ["BGPWire"]),
        .testTarget(name: "BGPCoreTests", dependencies: ["BGPCore", "BGPWire"]),
        // Deterministic simulations: engines joined by in-memory links under a virtual clock.
        .testTarget(name: "SimulationTests", dependencies: ["BGPCore", "BGPWire"]),
        .testTarget(
            name: "BGPWireTests",
            dependencies: ["BGPWire"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
