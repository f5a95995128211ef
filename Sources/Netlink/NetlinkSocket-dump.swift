// Dumps (NLM_F_DUMP): a multipart reply, NLM_F_MULTI messages over several datagrams until NLMSG_DONE. If the
// table changed while the kernel walked it, the messages carry NLM_F_DUMP_INTR and the result may be
// inconsistent: start again.

extension NetlinkSocket {
    public static let dumpAttempts = 5

    /// Runs a dump and returns its messages (without NLMSG_DONE). Retries an interrupted dump up to
    /// `dumpAttempts` times.
    public func dump(_ request: NetlinkRequest) throws(NetlinkError) -> [NetlinkMessage] {
        for _ in 1...Self.dumpAttempts {
            let (messages, interrupted) = try dumpOnce(request)
            if !interrupted { return messages }
        }
        throw NetlinkError.dumpInterrupted(attempts: Self.dumpAttempts)
    }

    private func dumpOnce(_ request: NetlinkRequest) throws(NetlinkError) -> ([NetlinkMessage], Bool) {
        let sequence = takeSequence()
        var datagram: [UInt8] = []
        request.encode(sequence: sequence, portID: portID, extraFlags: [.request, .dump], into: &datagram)
        try sendDatagram(datagram)
        var results: [NetlinkMessage] = []
        var interrupted = false
        while true {
            switch try receiveDatagram() {
            case .datagram(let bytes):
                let messages: [NetlinkMessage]
                do { messages = try NetlinkMessage.decodeAll(bytes) } catch { throw NetlinkError.decode(error) }
                for message in messages {
                    guard message.header.sequence == sequence, message.header.portID == portID else {
                        if message.header.sequence == 0, message.header.portID == 0 { pendingEvents.append(message) }
                        continue
                    }
                    if message.header.flags.contains(.dumpInterrupted) { interrupted = true }
                    switch message.payload {
                    case .done(let done):
                        if let e = done.error, e < 0 {
                            throw NetlinkError.request(NetlinkRequestFailure(errno: NetlinkErrno(rawValue: -e)))
                        }
                        return (results, interrupted)
                    case .error(let e):
                        if !e.isAck { throw NetlinkError.request(NetlinkRequestFailure(e)) }
                    default:
                        results.append(message)
                    }
                }
            case .overrun:
                overrunPending = true
                throw NetlinkError.overrun
            case .wouldBlock:
                guard try waitReadable(milliseconds: options.replyTimeoutMilliseconds) else { throw NetlinkError.timedOut }
            }
        }
    }

    /// Sends one request with NLM_F_ACK and returns the replies that came before its acknowledgement (for a GET
    /// of one object: its RTM_NEW* message). Throws the kernel's refusal as `.request`.
    public func transact(_ request: NetlinkRequest) throws(NetlinkError) -> [NetlinkMessage] {
        let sequence = takeSequence()
        var datagram: [UInt8] = []
        request.encode(sequence: sequence, portID: portID, into: &datagram)
        try sendDatagram(datagram)
        var replies: [NetlinkMessage] = []
        while true {
            switch try receiveDatagram() {
            case .datagram(let bytes):
                let messages: [NetlinkMessage]
                do { messages = try NetlinkMessage.decodeAll(bytes) } catch { throw NetlinkError.decode(error) }
                for message in messages {
                    guard message.header.sequence == sequence, message.header.portID == portID else {
                        if message.header.sequence == 0, message.header.portID == 0 { pendingEvents.append(message) }
                        continue
                    }
                    if case .error(let e) = message.payload {
                        if e.isAck { return replies }
                        throw NetlinkError.request(NetlinkRequestFailure(e))
                    }
                    replies.append(message)
                }
            case .overrun:
                overrunPending = true
                throw NetlinkError.overrun
            case .wouldBlock:
                guard try waitReadable(milliseconds: options.replyTimeoutMilliseconds) else { throw NetlinkError.timedOut }
            }
        }
    }
}
