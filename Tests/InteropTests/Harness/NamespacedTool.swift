// Runs the daemon's external tools (`nft`, `ip`) inside a lab namespace, for tests that drive evpnd's
// appliers (Daemon's DatapathFilterApplier, ESPortStateApplier) directly: `ip netns exec NS COMMAND`.

import Daemon

struct NamespacedTool: ExternalToolRunning {
    let namespace: String

    func run(_ arguments: [String], input: String?) throws -> ExternalToolResult {
        try SpawnedTool().run(["/usr/sbin/ip", "netns", "exec", namespace] + arguments, input: input)
    }
}
