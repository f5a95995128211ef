// The send hold timer (RFC 9687): a peer that stops reading lets our output pile up in its socket and then in
// the channel; when no byte of it can be written for the send hold time, the connection is closed and the engine
// frees the session's state as for any lost connection (DownReason "send hold timer expired").
//
// The timer runs while output is pending and restarts whenever a write makes progress; it stops when the output
// is empty. RFC 9687 asks for a NOTIFICATION (code 8, Send Hold Timer Expired) "if possible": it is not sent
// here, because the socket is full by definition and the unsent output may end in the middle of a message, so a
// NOTIFICATION could only follow bytes the peer has not read and would not be seen as one.
// Besides the timer, output is bounded: the engine builds UPDATEs for a peer only when its channel is under
// `highWater` (pull-based sending), and a channel over `hardLimit` is closed at once.

import Dispatch

final class SendHoldTimer {
    private let source: DispatchSourceTimer

    init(after: Duration, queue: DispatchQueue, expired: @escaping () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = after.components
        let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
        source.schedule(deadline: .now() + .nanoseconds(nanoseconds), leeway: .milliseconds(50))
        source.setEventHandler(handler: expired)
        source.resume()
    }

    func cancel() { source.cancel() }
}

extension StreamChannel {
    /// After every flush: restart the timer on progress, stop it when nothing is left.
    func sendHoldAfterFlush(progress: Bool) {
        guard let sendHoldTime else { return }
        if pendingOutput == 0 {
            sendHold?.cancel()
            sendHold = nil
            return
        }
        guard progress || sendHold == nil else { return }
        sendHold?.cancel()
        sendHold = SendHoldTimer(after: sendHoldTime, queue: queue) { [weak self] in
            guard let self, !self.isClosed, self.pendingOutput > 0 else { return }
            self.tearDown(reason: "send hold timer expired: \(self.pendingOutput) octets could not be written for "
                          + "\(sendHoldTime.components.seconds) s, the peer is not reading (RFC 9687)")
        }
    }
}
