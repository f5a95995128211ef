// Programs the multihoming datapath filters (VTEP's DatapathFilterPlan) into nftables with the `nft` binary,
// level-triggered: each `reconcile` reads evpnd's two tables back and rewrites them in one transaction only
// when they differ from what evpnd last installed (or are missing, or were edited by hand), so a table
// deleted or changed by an operator is healed on the next round. Only evpnd's tables (`table bridge evpnd`,
// `table inet evpnd`) are read or written; `remove` deletes them on stop. Why `nft` and not netlink
// nftables: docs/DECISIONS.md.

import VTEP

public final class DatapathFilterApplier: @unchecked Sendable {
    public let nft: String
    let runner: any ExternalToolRunning
    /// The plan installed last and the tables as nft listed them right after (counters left out).
    private var installed: (plan: DatapathFilterPlan, listing: String)?

    public enum Outcome: Hashable, Sendable {
        /// The tables were already right.
        case unchanged
        /// They were (re)written: first install, plan change, or repair of a table changed from outside.
        case written(repair: Bool)
    }

    public init(nft: String = "/usr/sbin/nft", runner: any ExternalToolRunning = SpawnedTool()) {
        self.nft = nft
        self.runner = runner
    }

    /// Makes evpnd's tables what `plan` says. Throws with nft's message when nft refuses.
    @discardableResult
    public func reconcile(_ plan: DatapathFilterPlan) throws -> Outcome {
        let listing = try currentListing()
        if let installed, installed.plan == plan, installed.listing == listing { return .unchanged }
        let repair = installed?.plan == plan
        let result = try runner.run([nft, "-f", "-"], input: plan.nftScript)
        guard result.status == 0 else {
            installed = nil
            throw ExternalToolError(description: "nft refused the multihoming filters: \(result.output)")
        }
        installed = (plan, try currentListing())
        return .written(repair: repair)
    }

    /// Deletes evpnd's tables (nothing else).
    public func remove() throws {
        installed = nil
        let result = try runner.run([nft, "-f", "-"], input: DatapathFilterPlan.removalScript)
        guard result.status == 0 else {
            throw ExternalToolError(description: "nft could not remove the multihoming filters: \(result.output)")
        }
    }

    /// evpnd's tables as nft lists them, counters left out; "" for a missing table.
    func currentListing() throws -> String {
        var text = ""
        for family in ["bridge", "inet"] {
            let result = try runner.run([nft, "list", "table", family, DatapathFilterPlan.bridgeTable], input: nil)
            if result.status == 0 { text += Self.withoutCounters(result.output) }
        }
        return text
    }

    /// A listing with `counter packets N bytes M` reduced to `counter`: the counts change with traffic.
    static func withoutCounters(_ text: String) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index + 4 < words.count {
            if words[index].hasSuffix("counter"), words[index + 1] == "packets", words[index + 3] == "bytes" {
                words.removeSubrange(index + 1 ... index + 4)
            }
            index += 1
        }
        return words.joined(separator: " ")
    }

    /// The packets each rule dropped, by its comment ("non-DF vni 100", "local bias 10.0.0.2"), for `show`.
    public func dropCounts() throws -> [String: Int] {
        let result = try runner.run([nft, "list", "table", "bridge", DatapathFilterPlan.bridgeTable], input: nil)
        guard result.status == 0 else { return [:] }
        var counts: [String: Int] = [:]
        for line in result.output.split(separator: "\n") {
            guard let packets = line.firstRange(of: "counter packets "), let comment = line.firstRange(of: "comment \"") else { continue }
            let number = line[packets.upperBound...].prefix { $0.isNumber }
            let name = line[comment.upperBound...].prefix { $0 != "\"" }
            counts[String(name)] = Int(number)
        }
        return counts
    }
}
