// One non-blocking stream socket (a BGP TCP connection or a control client) on the engine queue: a read source,
// a write source that runs only while output is pending, a bounded output buffer, and close-after-flush.
// Confined to the engine queue like the rest of the runtime (see `Runtime`).

import Dispatch
import Glibc

final class StreamChannel {
    enum Event {
        case bytes([UInt8])
        /// The output buffer was emptied by the write source (the socket had been full).
        case drained
        /// EOF or an error; the channel is already torn down.
        case closed(reason: String)
    }

    let fd: Int32
    let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var writeSourceRunning = false
    /// Bytes not yet written; `outputOffset` of them are already gone.
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var closeWhenFlushed = false
    private(set) var isClosed = false
    /// Closes the descriptor when the last source's cancel handler has run, as Dispatch requires. Held by the
    /// cancel handlers themselves, so it works after the channel is gone.
    private let closer: DescriptorCloser
    private var handler: (Event) -> Void = { _ in }
    /// Pending output at which the channel counts as full: no more is asked of the engine until it drains.
    let highWater: Int
    /// Pending output at which the connection is given up on (a peer that stopped reading).
    let hardLimit: Int

    var pendingOutput: Int { output.count - outputOffset }
    var canTakeMore: Bool { !isClosed && !closeWhenFlushed && pendingOutput < highWater }

    /// RFC 9687 send hold timer (StreamChannel+SendHold.swift): output that makes no progress for this long closes
    /// the connection. nil: off (control clients).
    let sendHoldTime: Duration?
    var sendHold: SendHoldTimer?

    init(fd: Int32, queue: DispatchQueue, highWater: Int = 256 * 1024, hardLimit: Int = 16 << 20, sendHoldTime: Duration? = nil) {
        self.fd = fd
        self.queue = queue
        self.highWater = highWater
        self.hardLimit = hardLimit
        self.sendHoldTime = sendHoldTime
        closer = DescriptorCloser(fd: fd)
    }

    /// Starts reading; `handler` is called on the queue for every event.
    func start(_ handler: @escaping (Event) -> Void) {
        self.handler = handler
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { [weak self] in self?.readAvailable() }
        read.setCancelHandler { [closer] in closer.sourceCancelled() }
        let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        write.setEventHandler { [weak self] in self?.writeAvailable() }
        write.setCancelHandler { [closer] in closer.sourceCancelled() }
        readSource = read
        writeSource = write
        closer.liveSources = 2
        read.resume()
        if pendingOutput > 0 { resumeWriting() }
    }

    /// Queues bytes and writes what the socket takes now.
    func send(_ bytes: [UInt8]) {
        guard !isClosed, !closeWhenFlushed else { return }
        output.append(contentsOf: bytes)
        if pendingOutput > hardLimit {
            tearDown(reason: "output buffer over \(hardLimit) bytes: the peer stopped reading")
            return
        }
        if !writeSourceRunning { flush() }
    }

    /// Closes once everything queued has been written.
    func closeAfterFlush() {
        guard !isClosed else { return }
        closeWhenFlushed = true
        if pendingOutput == 0 { tearDown(reason: nil) } else if !writeSourceRunning { flush() }
    }

    /// Closes now, dropping unwritten output; no event follows.
    func closeNow() {
        tearDown(reason: nil)
    }

    private func readAvailable() {
        guard !isClosed else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count: Int
        do {
            count = try syscall { buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress, raw.count) } }
        } catch where error == .wouldBlock {
            return
        } catch {
            tearDown(reason: "read: \(error)")
            return
        }
        if count == 0 {
            tearDown(reason: "Connection closed by peer")
            return
        }
        buffer.removeSubrange(count...)
        handler(.bytes(buffer))
    }

    private func writeAvailable() {
        guard !isClosed else { return }
        flush()
        if !isClosed && pendingOutput == 0 && !closeWhenFlushed { handler(.drained) }
    }

    /// Writes as much as the socket takes; runs the write source only while something is left.
    private func flush() {
        let before = outputOffset
        defer { if !isClosed { sendHoldAfterFlush(progress: outputOffset != before || pendingOutput == 0) } }
        while pendingOutput > 0 {
            let written: Int
            do {
                let offset = outputOffset
                written = try syscall {
                    output.withUnsafeBytes { raw in Glibc.send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL)) }
                }
            } catch where error == .wouldBlock {
                break
            } catch {
                tearDown(reason: "write: \(error)")
                return
            }
            outputOffset += written
        }
        if pendingOutput == 0 {
            output.removeAll(keepingCapacity: output.capacity <= 65536)
            outputOffset = 0
            suspendWriting()
            if closeWhenFlushed { tearDown(reason: nil) }
        } else {
            // Compact now and then so a long-lived buffer does not keep written bytes.
            if outputOffset > 65536 && outputOffset * 2 > output.count {
                output.removeSubrange(0..<outputOffset)
                outputOffset = 0
            }
            resumeWriting()
        }
    }

    private func resumeWriting() {
        guard let writeSource, !writeSourceRunning else { return }
        writeSourceRunning = true
        writeSource.resume()
    }

    private func suspendWriting() {
        guard let writeSource, writeSourceRunning else { return }
        writeSourceRunning = false
        writeSource.suspend()
    }

    /// `reason` nil: a close we asked for (no event). Otherwise the peer or an error closed it: `.closed` follows.
    func tearDown(reason: String?) {
        guard !isClosed else { return }
        isClosed = true
        sendHold?.cancel()
        sendHold = nil
        output = []
        outputOffset = 0
        if let readSource, let writeSource {
            readSource.cancel()
            writeSource.cancel()
            // A suspended source never runs its cancel handler: resume it so the descriptor gets closed.
            if !writeSourceRunning { writeSource.resume() }
            writeSourceRunning = false
        } else {
            closeDescriptor(fd)
        }
        readSource = nil
        writeSource = nil
        if let reason {
            let handler = self.handler
            handler(.closed(reason: reason))
        }
        handler = { _ in }
    }
}

final class DescriptorCloser {
    let fd: Int32
    var liveSources = 0
    init(fd: Int32) { self.fd = fd }
    func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 { closeDescriptor(fd) }
    }
}
