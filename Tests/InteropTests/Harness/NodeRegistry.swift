// The nodes of a preset by role, each made on first use, so that starting a node and asking it later (its
// socket, its vtysh, its log) reach the same one.

import Foundation

final class NodeRegistry<Node>: @unchecked Sendable {
    private let lock = NSLock()
    private var nodes: [String: Node] = [:]

    /// The node of `role`, made by `make` the first time.
    func node(_ role: String, _ make: () -> Node) -> Node {
        lock.withLock {
            if let node = nodes[role] { return node }
            let node = make()
            nodes[role] = node
            return node
        }
    }

    var all: [String: Node] { lock.withLock { nodes } }
}
