// Both rows of a remote MAC in one netlink request (issue 8, scenario 3).
//
// A remote MAC is two rows: `MAC dev vxlanN dst VTEP self extern_learn` in the VXLAN device's table and
// `MAC dev vxlanN master extern_learn` in its bridge's. rtnl_fdb_add (and rtnl_fdb_del) takes one request
// with NTF_SELF|NTF_MASTER to both tables: the bridge's first, then the device's, which is what
// `bridge fdb add MAC dev vxlanN dst VTEP self master extern_learn` sends (checked with strace, iproute2
// 6.1). Half the requests, and about 20% less kernel time per MAC (`evpn-bench fdb-kernel --rows`).
//
// The catch: the kernel stops at the first table that refuses and answers with that one error, so after a
// failed combined request neither row's state is known. Both go again as the two separate requests the
// reconciler planned (unchanged bytes), and their answers are what `fold` sees, EEXIST and ENOENT included.
// The reconciler orders a round by phase (all device rows, then all bridge rows, when adding), so
// VTEPState cuts it into batches with `batches`, which puts each MAC's two rows next to each other (the
// row order of one MAC is unchanged; rows of different MACs never depended on each other).
// Only plain pairs are combined: the same kind (add with add, delete with delete), MAC, VLAN, device and
// state, the device row `self extern_learn` with a destination, the bridge row `extern_learn` without
// one; anything else (flood rows, replaces, appends, sticky or odd rows) goes alone as before.

import BGPWire

/// One netlink request of an FDB batch, by index into the batch's operations.
public enum FDBBatchRequest: Hashable, Sendable {
    /// One operation alone.
    case single(Int)
    /// The device row and the bridge row of one MAC, same kind, in one NTF_SELF|NTF_MASTER request.
    case combined(device: Int, bridge: Int)
}

public enum FDBCombining {
    /// The requests for `operations`, in their order: a pair goes out where its first operation stood.
    public static func requests(for operations: [FDBOperation]) -> [FDBBatchRequest] {
        struct PairKey: Hashable {
            var delete: Bool
            var mac: MACAddress
            var vlan: UInt16?
            var device: Int32
        }
        var devices: [PairKey: Int] = [:]
        devices.reserveCapacity(operations.count)
        for (i, op) in operations.enumerated() {
            guard let (delete, entry) = pairable(op), isPlainDeviceRow(entry) else { continue }
            devices[PairKey(delete: delete, mac: entry.mac, vlan: entry.vlan, device: entry.ifindex)] = i
        }
        guard !devices.isEmpty else { return operations.indices.map { .single($0) } }
        // Partner of each operation that is half of a pair.
        var partner = [Int?](repeating: nil, count: operations.count)
        for (i, op) in operations.enumerated() {
            guard let (delete, entry) = pairable(op), isPlainBridgeRow(entry),
                  let d = devices[PairKey(delete: delete, mac: entry.mac, vlan: entry.vlan, device: entry.ifindex)],
                  partner[d] == nil, operations[d].entry.state == entry.state else { continue }
            partner[d] = i
            partner[i] = d
        }
        var out: [FDBBatchRequest] = []
        out.reserveCapacity(operations.count)
        for i in operations.indices {
            guard let p = partner[i] else { out.append(.single(i)); continue }
            guard i < p else { continue }
            out.append(operations[i].entry.isBridgeRow ? .combined(device: p, bridge: i) : .combined(device: i, bridge: p))
        }
        return out
    }

    /// `operations` cut into batches of at most `maxBatch`, each MAC's two rows side by side in one batch
    /// (device row first when adding, bridge row first when removing, as the phases order them), so the
    /// writer can send them as one request. Everything else keeps its order; with a `maxBatch` under 2 the
    /// operations are cut as they come.
    public static func batches(_ operations: [FDBOperation], maxBatch: Int) -> [[FDBOperation]] {
        let size = max(1, maxBatch)
        guard size >= 2 else { return operations.map { [$0] } }
        var out: [[FDBOperation]] = []
        var batch: [FDBOperation] = []
        batch.reserveCapacity(min(size, operations.count))
        for request in requests(for: operations) {
            // Appended one by one: an array per request was an allocation per MAC.
            let count: Int
            if case .combined = request { count = 2 } else { count = 1 }
            if batch.count + count > size {
                out.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
            switch request {
            case .single(let i):
                batch.append(operations[i])
            case .combined(let d, let b):
                batch.append(operations[min(d, b)])
                batch.append(operations[max(d, b)])
            }
        }
        if !batch.isEmpty { out.append(batch) }
        return out
    }

    /// Spreads the answers of `requests` over the operations. A combined request's success is both rows'
    /// success, and no answer is no answer for both; a refused one leaves both rows unknown: they are
    /// listed in `retry` (in operation order, so phase order) to go again as separate requests, and their
    /// results here are placeholders until then.
    public static func spread(_ answers: [FDBOperationResult], of requests: [FDBBatchRequest], operationCount: Int)
        -> (results: [FDBOperationResult], retry: [Int]) {
        var results = [FDBOperationResult](repeating: .unanswered, count: operationCount)
        var retry: [Int] = []
        for (request, answer) in zip(requests, answers) {
            switch request {
            case .single(let i):
                results[i] = answer
            case .combined(let d, let b):
                if case .failed = answer {
                    retry += [d, b]
                } else {
                    results[d] = answer
                    results[b] = answer
                }
            }
        }
        retry.sort()
        return (results, retry)
    }

    /// `requests(for:)` for a batch cut by `batches`, where each pair already stands side by side: pairs
    /// of neighbours only, found without a table (the writer's side; `batches` paired them with one). A
    /// pair that is not side by side goes as two requests, which is always correct, only slower.
    public static func adjacentRequests(for operations: [FDBOperation]) -> [FDBBatchRequest] {
        var out: [FDBBatchRequest] = []
        out.reserveCapacity(operations.count)
        var i = operations.startIndex
        while i < operations.endIndex {
            if i + 1 < operations.endIndex, let pair = pair(operations, i, i + 1) {
                out.append(pair)
                i += 2
            } else {
                out.append(.single(i))
                i += 1
            }
        }
        return out
    }

    /// `.combined` when operations `a` and `b` are a plain pair, as `requests(for:)` pairs them.
    private static func pair(_ operations: [FDBOperation], _ a: Int, _ b: Int) -> FDBBatchRequest? {
        guard let (deleteA, x) = pairable(operations[a]), let (deleteB, y) = pairable(operations[b]), deleteA == deleteB,
              x.mac == y.mac, x.vlan == y.vlan, x.ifindex == y.ifindex, x.state == y.state else { return nil }
        if isPlainDeviceRow(x) && isPlainBridgeRow(y) { return .combined(device: a, bridge: b) }
        if isPlainBridgeRow(x) && isPlainDeviceRow(y) { return .combined(device: b, bridge: a) }
        return nil
    }

    private static func pairable(_ op: FDBOperation) -> (delete: Bool, entry: KernelFDBEntry)? {
        switch op {
        case .add(let e): return (false, e)
        case .delete(let e): return (true, e)
        case .replace, .append: return nil
        }
    }

    /// `MAC dev D dst VTEP self extern_learn` (as planned, or as the kernel reported it).
    static func isPlainDeviceRow(_ e: KernelFDBEntry) -> Bool {
        !e.isBridgeRow && e.mac != .zero && e.destination != nil && e.flags == [.self, .extLearned]
    }

    /// `MAC dev D master extern_learn`: planned with NTF_MASTER, reported with NDA_MASTER and no flag.
    static func isPlainBridgeRow(_ e: KernelFDBEntry) -> Bool {
        e.isBridgeRow && e.destination == nil && e.flags.subtracting(.master) == .extLearned
    }
}
