// Pairing the device and bridge rows of one MAC into one request, and spreading the answers back
// (FDBCombining): which operations pair, and what a refused combined request turns into.

import BGPCore
import BGPWire
import Testing
import VTEP

@Suite struct FDBCombiningTests {
    static let a = Lab.mac(0xa), b = Lab.mac(0xb)
    static let device: Int32 = 11, bridge: Int32 = 10

    static func dev(_ mac: MACAddress, vtep: IPAddress = Lab.vtep2) -> KernelFDBEntry {
        FDBIntent.remoteMAC(mac, device: device, bridge: bridge, vtep: vtep).entry
    }
    static func br(_ mac: MACAddress) -> KernelFDBEntry { FDBIntent.bridgeRow(mac, device: device, bridge: bridge).entry }
    /// A bridge row as the kernel reports it (NDA_MASTER, no NTF_MASTER): what a delete carries.
    static func reportedBr(_ mac: MACAddress) -> KernelFDBEntry {
        KernelFDBEntry(mac: mac, ifindex: device, master: bridge, flags: [.extLearned], state: .reachable)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var operations: [FDBOperation]
        var expected: [FDBBatchRequest]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a reconciler's add round: device rows, then bridge rows",
             operations: [.add(dev(a)), .add(dev(b)), .add(br(a)), .add(br(b))],
             expected: [.combined(device: 0, bridge: 2), .combined(device: 1, bridge: 3)]),
        Case(name: "a delete round: bridge rows first, as reported by the kernel",
             operations: [.delete(reportedBr(a)), .delete(br(b)), .delete(dev(a)), .delete(dev(b))],
             expected: [.combined(device: 2, bridge: 0), .combined(device: 3, bridge: 1)]),
        Case(name: "add and delete of one MAC do not pair",
             operations: [.delete(reportedBr(a)), .add(dev(a))],
             expected: [.single(0), .single(1)]),
        Case(name: "a replace (a move) goes alone",
             operations: [.replace(dev(a)), .add(br(a))],
             expected: [.single(0), .single(1)]),
        Case(name: "different MACs do not pair",
             operations: [.add(dev(a)), .add(br(b))],
             expected: [.single(0), .single(1)]),
        Case(name: "another VLAN does not pair",
             operations: [.add(dev(a)), .add({ var e = br(a); e.vlan = 20; return e }())],
             expected: [.single(0), .single(1)]),
        Case(name: "a bridge row on another port does not pair",
             operations: [.add(dev(a)), .add({ var e = br(a); e.ifindex = 12; return e }())],
             expected: [.single(0), .single(1)]),
        Case(name: "a sticky bridge row goes alone",
             operations: [.add(dev(a)), .add({ var e = br(a); e.flags.insert(.sticky); return e }())],
             expected: [.single(0), .single(1)]),
        Case(name: "a device row without extern_learn goes alone",
             operations: [.delete({ var e = dev(a); e.flags = [.self]; return e }()), .delete(reportedBr(a))],
             expected: [.single(0), .single(1)]),
        Case(name: "different states do not pair",
             operations: [.add(dev(a)), .add({ var e = br(a); e.state = .permanent; return e }())],
             expected: [.single(0), .single(1)]),
        Case(name: "flood rows never pair",
             operations: [.append(FDBIntent.flood(device: device, bridge: bridge, vtep: Lab.vtep2).entry), .add(dev(a)),
                          .add(br(a))],
             expected: [.single(0), .combined(device: 1, bridge: 2)]),
        Case(name: "a lone half stays alone among pairs",
             operations: [.add(dev(a)), .add(dev(b)), .add(br(b))],
             expected: [.single(0), .combined(device: 1, bridge: 2)]),
        Case(name: "empty", operations: [], expected: []),
    ]

    @Test(arguments: cases) func pairing(_ c: Case) {
        let requests = FDBCombining.requests(for: c.operations)
        #expect(requests == c.expected)
        // Every operation is sent exactly once.
        let sent = requests.flatMap { r -> [Int] in
            switch r {
            case .single(let i): return [i]
            case .combined(let d, let b): return [d, b]
            }
        }
        #expect(sent.sorted() == Array(c.operations.indices))
    }

    struct Spread: CustomTestStringConvertible, Sendable {
        var name: String
        var requests: [FDBBatchRequest]
        var answers: [FDBOperationResult]
        var count: Int
        var results: [FDBOperationResult]
        var retry: [Int]
        var testDescription: String { name }
    }

    static let eexist = FDBOperationResult.failed(errno: FDBOperationResult.EEXIST)
    static let enoent = FDBOperationResult.failed(errno: FDBOperationResult.ENOENT)

    static let spreads: [Spread] = [
        Spread(name: "a combined ACK is both rows' ACK",
               requests: [.combined(device: 0, bridge: 1)], answers: [.ok], count: 2, results: [.ok, .ok], retry: []),
        Spread(name: "a refused combined add: both rows go again, device row first",
               requests: [.single(0), .combined(device: 1, bridge: 2)], answers: [.ok, eexist], count: 3,
               results: [.ok, .unanswered, .unanswered], retry: [1, 2]),
        Spread(name: "a refused combined delete: both again in operation order (bridge row first)",
               requests: [.combined(device: 2, bridge: 0), .combined(device: 3, bridge: 1)], answers: [enoent, .ok], count: 4,
               results: [.unanswered, .ok, .unanswered, .ok], retry: [0, 2]),
        Spread(name: "no answer to a combined request is no answer for both (a dump follows)",
               requests: [.combined(device: 0, bridge: 1), .single(2)], answers: [.unanswered, .failed(errno: 22)], count: 3,
               results: [.unanswered, .unanswered, .failed(errno: 22)], retry: []),
        Spread(name: "a single request's failure is its own, not retried",
               requests: [.single(0)], answers: [eexist], count: 1, results: [eexist], retry: []),
    ]

    @Test(arguments: spreads) func spreading(_ s: Spread) {
        let (results, retry) = FDBCombining.spread(s.answers, of: s.requests, operationCount: s.count)
        #expect(retry == s.retry)
        // Retried rows get their answers from the separate requests; the rest are final here.
        for i in 0..<s.count where !retry.contains(i) { #expect(results[i] == s.results[i], "operation \(i)") }
    }

    /// What the reconciler plans for N remote MACs, in and out, is N combined requests each way.
    @Test func reconcilerRoundsPairCompletely() {
        let managed = [ManagedDevice(device: Self.device, bridge: Self.bridge)]
        let macs = (1...50).map { Lab.mac(UInt64($0)) }
        let intents = Set(macs.flatMap { [FDBIntent.remoteMAC($0, device: Self.device, bridge: Self.bridge, vtep: Lab.vtep2),
                                          FDBIntent.bridgeRow($0, device: Self.device, bridge: Self.bridge)] })
        let adds = FDBReconciler.reconcile(desired: intents, actual: [], managed: managed)
        #expect(adds.count == 100)
        let addRequests = FDBCombining.requests(for: adds)
        #expect(addRequests.count == 50)
        #expect(addRequests.allSatisfy { if case .combined = $0 { return true } else { return false } })
        // The kernel's view of those rows (bridge rows with NDA_MASTER, no NTF_MASTER), all unwanted.
        let reported = macs.flatMap { [Self.dev($0), Self.reportedBr($0)] }
        let deletes = FDBReconciler.reconcile(desired: [], actual: reported, managed: managed)
        #expect(deletes.count == 100)
        let deleteRequests = FDBCombining.requests(for: deletes)
        #expect(deleteRequests.count == 50)
        #expect(deleteRequests.allSatisfy { if case .combined = $0 { return true } else { return false } })
    }
}

extension FDBCombiningTests {
    /// Batches keep each MAC's rows together and in phase order, respect the cap, and lose nothing.
    @Test(arguments: [1, 2, 3, 10, 1024]) func batchesKeepPairsTogether(_ cap: Int) {
        let macs = (1...7).map { Lab.mac(UInt64($0)) }
        let flood = FDBOperation.append(FDBIntent.flood(device: Self.device, bridge: Self.bridge, vtep: Lab.vtep2).entry)
        // A reconciler round: removals (bridge, then device rows), then adds (device, then bridge rows).
        let ops: [FDBOperation] = [.delete(Self.reportedBr(macs[0]))] + [.delete(Self.dev(macs[0]))] + [flood]
            + macs.dropFirst().map { .add(Self.dev($0)) } + [.replace(Self.dev(macs[0]))] + macs.dropFirst().map { .add(Self.br($0)) }
        let batches = FDBCombining.batches(ops, maxBatch: cap)
        #expect(batches.allSatisfy { !$0.isEmpty && $0.count <= max(cap, 1) })
        let flat = batches.flatMap { $0 }
        #expect(flat.count == ops.count)
        #expect(Set(flat) == Set(ops))
        if cap >= 2 {
            // Every pair sits side by side in one batch, first as the phases order it.
            for batch in batches {
                let requests = FDBCombining.requests(for: batch)
                for case .combined(let d, let b) in requests {
                    if case .delete = batch[d] { #expect(b + 1 == d) } else { #expect(d + 1 == b) }
                }
                // So the writer's pairing of neighbours finds the same requests without a table.
                #expect(FDBCombining.adjacentRequests(for: batch) == requests)
            }
            #expect(batches.map { FDBCombining.requests(for: $0).count }.reduce(0, +) == ops.count - 7)
        } else {
            #expect(flat == ops)
        }
    }
}

extension FDBCombiningTests {
    /// Neighbours only: a pair apart goes as two requests (correct, only slower), and nothing else pairs.
    @Test func adjacentRequestsPairOnlyNeighbours() {
        let a = Lab.mac(1), b = Lab.mac(2)
        #expect(FDBCombining.adjacentRequests(for: [.add(Self.dev(a)), .add(Self.br(a))]) == [.combined(device: 0, bridge: 1)])
        #expect(FDBCombining.adjacentRequests(for: [.delete(Self.reportedBr(a)), .delete(Self.dev(a))]) == [.combined(device: 1, bridge: 0)])
        #expect(FDBCombining.adjacentRequests(for: [.add(Self.dev(a)), .add(Self.dev(b)), .add(Self.br(a))])
                == [.single(0), .single(1), .single(2)])
        #expect(FDBCombining.adjacentRequests(for: [.add(Self.dev(a)), .add(Self.br(b))]) == [.single(0), .single(1)])
        #expect(FDBCombining.adjacentRequests(for: [.add(Self.dev(a)), .delete(Self.reportedBr(a))]) == [.single(0), .single(1)])
        #expect(FDBCombining.adjacentRequests(for: [.replace(Self.dev(a)), .add(Self.br(a))]) == [.single(0), .single(1)])
        #expect(FDBCombining.adjacentRequests(for: []) == [])
    }
}
