// A packet capture on one device of a test's namespace (tcpdump, line-buffered, one line per packet), stopped and
// counted by the test; the testbed kills it on every path like any process it adopted.

import Foundation
import Glibc

final class Capture {
    let process: Process
    let path: String

    /// `tcpdump -i DEVICE -n -l FILTER` in `namespace`, its lines to `dir/stem.txt`. Returns once tcpdump listens.
    init(_ testbed: Testbed, in namespace: String, device: String, filter: String, stem: String) throws {
        path = "\(testbed.dir)/\(stem).txt"
        process = try Harness.launch(in: namespace, ["tcpdump", "-i", device, "-n", "-l", filter], logPath: path)
        testbed.adopt(process)
        // tcpdump says "listening on DEVICE" on stderr once the filter is in place.
        guard waitUntil(10, { Harness.fileText(path).contains("listening on") }) else {
            throw LabError("tcpdump on \(device) did not start: \(Harness.fileText(path))")
        }
    }

    /// Stops the capture and returns the packet lines. SIGKILL: the test process blocks SIGINT and SIGTERM and its
    /// children inherit the mask; `-l` has written every packet's line already.
    func stop() -> [String] {
        usleep(200_000)
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return Harness.fileText(path).split(separator: "\n").map(String.init).filter {
            !$0.contains("listening on") && !$0.contains("packets captured") && !$0.contains("received by filter")
                && !$0.contains("dropped by kernel") && !$0.hasPrefix("tcpdump:") && !$0.isEmpty
        }
    }
}
