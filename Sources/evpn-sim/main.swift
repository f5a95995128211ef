// The fabric simulation as a benchmark (issue 18; scripts/bench.d/fabric runs it in release mode):
//   evpn-sim [--vteps N] [--vnis V] [--vnis-per-vtep K] [--macs M] [--seed S]
//            [--scenarios cold,reflector,storm,flap] [--keep-all]
// builds the issue's fabric at N VTEPs (200 VNIs at 2,000, 5 per VTEP, 10 MACs per VNI per VTEP),
// runs the scenarios in order on it, and prints one line of figures per scenario (wall time, virtual
// convergence time, writes and bytes on the links, FDB operations, the check) and the process's
// peak resident memory (VmHWM). Exits 1 if a scenario did not converge or its check failed.

#if canImport(Glibc)
import Glibc
#endif
import Simulation

func peakMemory() -> String {
    guard let file = fopen("/proc/self/status", "r") else { return "unknown" }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmHWM:") { return text.dropFirst(6).trimmingCharacters() }
    }
    return "unknown"
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}

/// User plus system CPU time of the process so far: on a shared machine, wall time says little.
func cpuTime() -> String {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let micros = Int64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    return ScenarioResult.seconds(.microseconds(micros))
}

/// A line on standard output, written at once (print's buffer would hold it until exit when the
/// output is a file, and a long run's figures would be lost if it is stopped).
func say(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    let text = Array("evpn-sim: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

var vteps = 2000
var seed: UInt64 = 1
var scenarios = ["cold", "reflector", "storm", "flap"]
var keepAll = false
var shapeOverrides: [String: Int] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--vteps":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value >= 2, value <= 60_000 else { fail("--vteps wants 2...60000") }
        vteps = value
    case "--seed":
        guard let value = arguments.popFirst().flatMap({ UInt64($0) }) else { fail("--seed wants an unsigned number") }
        seed = value
    case "--scenarios":
        guard let value = arguments.popFirst() else { fail("--scenarios wants a list") }
        scenarios = value.split(separator: ",").map(String.init)
        for name in scenarios where !["cold", "reflector", "storm", "flap"].contains(name) { fail("unknown scenario \(name)") }
    case "--vnis", "--vnis-per-vtep", "--macs":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value >= 1, value <= 10_000 else { fail("\(argument) wants 1...10000") }
        shapeOverrides[argument] = value
    case "--keep-all":
        keepAll = true
    default:
        fail("unknown argument \(argument) (--vteps N, --vnis V, --vnis-per-vtep K, --macs M, --seed S, "
             + "--scenarios cold,reflector,storm,flap, --keep-all)")
    }
}

let clock = ContinuousClock()
let began = clock.now
var shape = FabricShape.issue18(vteps: vteps)
shape = FabricShape(vteps: vteps, vnis: shapeOverrides["--vnis"] ?? shape.vnis,
                    vnisPerVTEP: shapeOverrides["--vnis-per-vtep"] ?? shape.vnisPerVTEP, macsPerVNI: shapeOverrides["--macs"] ?? shape.macsPerVNI)
shape.retainOnlyImported = !keepAll
say("fabric: \(shape), seed \(seed)\(keepAll ? ", VTEPs keep every route" : "")")
var fabric = Fabric(shape: shape, seed: seed)
say("built in \(ScenarioResult.seconds(clock.now - began)), CPU \(cpuTime()), peak memory \(peakMemory())")
var failed = false
if !scenarios.contains("cold") { fail("every run begins with the cold start: list cold first") }
for name in scenarios {
    let result: ScenarioResult
    switch name {
    case "cold": result = fabric.coldStart()
    case "reflector": result = fabric.reflectorOutage()
    case "storm": result = fabric.macStorm()
    default: result = fabric.flaps(count: min(100, vteps / 2))
    }
    say("\(result); CPU so far \(cpuTime()), peak memory \(peakMemory())")
    if !result.converged || !result.problems.isEmpty { failed = true }
}
say("total wall \(ScenarioResult.seconds(clock.now - began)), CPU \(cpuTime()), peak memory \(peakMemory())")
exit(failed ? 1 : 0)
