// Fuzz target "config": the FRR-dialect configuration parser (bytes as read from a file: NUL and non-UTF-8
// are errors, not crashes).
//
// Invariant checked: a text that parses without errors writes back (`show running-config`) to a text that
// parses without errors to the same neighbors, listen ranges and router settings (source locations aside), and
// writes back to the same text.
import Config

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    let result = ConfigParser.parse(bytes: input, file: "fuzz.conf")
    for d in result.diagnostics { _ = "\(d)" }
    guard let config = result.config, result.errors.isEmpty else { return 0 }
    let text = config.runningConfigText
    let again = ConfigParser.parse(text: text, file: "running.conf")
    fuzzInvariant(again.errors.isEmpty, "running-config does not parse: \(again.errors)\n\(text)")
    guard let reparsed = again.config else {
        fuzzInvariant(false, "running-config gives no configuration:\n\(text)")
        return 0
    }
    // Source locations differ by design; what the engine runs, and the text itself, must not.
    fuzzInvariant(reparsed.resolvedNeighbors == config.resolvedNeighbors, "neighbors change through running-config:\n\(text)")
    fuzzInvariant(reparsed.resolvedListenRanges.map(\.template) == config.resolvedListenRanges.map(\.template)
                  && reparsed.resolvedListenRanges.map(\.prefix) == config.resolvedListenRanges.map(\.prefix),
                  "listen ranges change through running-config:\n\(text)")
    fuzzInvariant(reparsed.listenLimit == config.listenLimit && reparsed.router.clusterID == config.router.clusterID
                  && reparsed.router.routerID == config.router.routerID && reparsed.router.asn == config.router.asn
                  && vniBlocks(reparsed) == vniBlocks(config)
                  && reparsed.router.duplicateAddressDetection == config.router.duplicateAddressDetection
                  && reparsed.router.advertiseAllVNI == config.router.advertiseAllVNI,
                  "router settings change through running-config:\n\(text)")
    fuzzInvariant(reparsed.runningConfigText == text, "running-config is not a fixed point:\n\(text)\n\(reparsed.runningConfigText)")
    return 0
}

private struct VNIBlock: Equatable {
    var vni: UInt32
    var rd: String?
    var imports: [String]
    var exports: [String]
}

private func vniBlocks(_ config: BGPConfig) -> [VNIBlock] {
    config.router.vnis.map {
        VNIBlock(vni: $0.vni, rd: $0.rd.map { "\($0)" }, imports: $0.importRouteTargets.map { "\($0)" },
                 exports: $0.exportRouteTargets.map { "\($0)" })
    }
}
