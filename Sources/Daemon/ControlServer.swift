// The control socket: a Unix stream listener; each client sends request lines and gets one response line each.
// A line that is not a request, or is too long, gets an error response; the daemon carries on either way.
// Confined to the engine queue (see `Runtime`).

import ControlProtocol
import Dispatch
// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging

final class ControlServer: @unchecked Sendable {
    let path: String
    let queue: DispatchQueue
    let logger: Logger
    let respond: (ControlRequest) -> ControlResponse
    private var listener: (fd: Int32, source: DispatchSourceRead)?
    private var clients: [ObjectIdentifier: StreamChannel] = [:]
    /// Bytes of each client's unfinished line.
    private var partial: [ObjectIdentifier: [UInt8]] = [:]
    static let maxClients = 64

    init(path: String, queue: DispatchQueue, logger: Logger, respond: @escaping (ControlRequest) -> ControlResponse) {
        self.path = path
        self.queue = queue
        self.logger = logger
        self.respond = respond
    }

    func start() throws {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        do {
            if !directory.isEmpty { try Sockets.makeDirectories(directory) }
            let fd = try Sockets.unixListener(path: path)
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [weak self] in self?.acceptAll(fd) }
            source.setCancelHandler { closeDescriptor(fd) }
            source.resume()
            listener = (fd, source)
            logger.info("control socket \(path)")
        } catch {
            throw DaemonStartError(description: "cannot open the control socket \(path): \(error)")
        }
    }

    func stop() {
        listener?.source.cancel()
        listener = nil
        for (_, client) in clients { client.closeNow() }
        clients.removeAll()
        partial.removeAll()
        unlink(path)
    }

    private func acceptAll(_ fd: Int32) {
        Sockets.acceptPending(fd, failed: { logger.warning("control socket accept: \($0)") }) { clientFD, _ in
            guard clients.count < Self.maxClients else {
                closeDescriptor(clientFD)
                return
            }
            let channel = StreamChannel(fd: clientFD, queue: queue, highWater: 1 << 20, hardLimit: 256 << 20)
            let key = ObjectIdentifier(channel)
            clients[key] = channel
            partial[key] = []
            channel.start { [weak self, weak channel] event in
                guard let self, let channel else { return }
                switch event {
                case .bytes(let bytes): self.received(bytes, from: channel)
                case .drained: break
                case .closed: self.forget(channel)
                }
            }
        }
    }

    private func forget(_ channel: StreamChannel) {
        let key = ObjectIdentifier(channel)
        clients[key] = nil
        partial[key] = nil
    }

    private func received(_ bytes: [UInt8], from channel: StreamChannel) {
        let key = ObjectIdentifier(channel)
        var buffer = (partial[key] ?? []) + bytes
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            channel.send(Array(handle(line: line).encodedLine()))
        }
        if buffer.count > ControlSocket.maxRequestLength {
            channel.send(Array(ControlResponse.failure("request longer than \(ControlSocket.maxRequestLength) bytes").encodedLine()))
            channel.closeAfterFlush()
            forget(channel)
            return
        }
        partial[key] = buffer
    }

    private func handle(line: [UInt8]) -> ControlResponse {
        let request: ControlRequest
        do {
            request = try ControlRequest.decode(line: line)
        } catch {
            logger.info("control socket: bad request: \(error)")
            return .failure("bad request: not a JSON request line (\(error))")
        }
        return respond(request)
    }
}
