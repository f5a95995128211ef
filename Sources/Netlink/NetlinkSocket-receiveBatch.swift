import Glibc

// Reading notifications in batches: recvmmsg(2) takes up to `slots` datagrams in one system call, each
// into its own slot of the socket's receive buffer, and they are decoded in place (no copy into an array
// per datagram). A VTEP removing 100,000 remote MACs reads 200,000 notifications, one datagram each (the
// kernel echoes every row deleted): one recv(2) and two allocations apiece were a good part of the event
// reader's time (perf, scripts/bench.d/vtep).
//
// glibc declares recvmmsg and struct mmsghdr only under _GNU_SOURCE, which Swift's Glibc module does not
// set: the function is looked up in libc (as setns is, Syscall.swift) and the struct is declared here with
// the kernel's layout (include/linux/socket.h: struct msghdr, then unsigned int msg_len; 64 octets on
// 64-bit Linux, which is the Swift stride of this struct). Without the symbol, one recv(2) a call.

/// struct mmsghdr.
struct MultipleMessageHeader {
    var header: msghdr
    var length: UInt32
}

private typealias ReceiveMultipleFunction = @convention(c) (Int32, UnsafeMutableRawPointer?, UInt32, Int32,
                                                            UnsafeMutableRawPointer?) -> Int32

private let receiveMultiple: ReceiveMultipleFunction? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "recvmmsg") else { return nil }
    return unsafeBitCast(symbol, to: ReceiveMultipleFunction.self)
}()

extension NetlinkSocket {
    /// Datagrams one `receiveBatch` takes at most; each gets `bufferSize / batchSlots` octets (32 KiB,
    /// above the kernel's NLMSG_GOODSIZE for notifications).
    static let batchSlots = 32

    enum BatchReceived {
        /// This many datagrams were handed to the body.
        case datagrams(Int)
        case wouldBlock
        case overrun
    }

    /// Receives the datagrams waiting, up to `batchSlots`, without blocking, and hands each to `body` in
    /// place (the bytes are valid only during the call). ENOBUFS before any datagram is `.overrun`; after
    /// some, the kernel reports it on the next call.
    func receiveBatch(_ body: (UnsafeRawBufferPointer) -> Void) throws(NetlinkError) -> BatchReceived {
        guard let receiveMultiple else {
            switch try receiveDatagram() {
            case .datagram(let bytes):
                bytes.withUnsafeBytes(body)
                return .datagrams(1)
            case .wouldBlock: return .wouldBlock
            case .overrun: return .overrun
            }
        }
        let slots = Self.batchSlots
        let slotSize = buffer.count / slots
        var vectors = (0..<slots).map { i in iovec(iov_base: buffer.baseAddress! + i * slotSize, iov_len: slotSize) }
        return try vectors.withUnsafeMutableBufferPointer { (vectors) throws(NetlinkError) -> BatchReceived in
            var headers = (0..<slots).map { i in
                var header = msghdr()
                header.msg_iov = vectors.baseAddress! + i
                header.msg_iovlen = 1
                return MultipleMessageHeader(header: header, length: 0)
            }
            let count: Int32 = headers.withUnsafeMutableBytes { raw in
                while true {
                    let n = receiveMultiple(fileDescriptor, raw.baseAddress, UInt32(slots), Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC), nil)
                    if n >= 0 || errno != EINTR { return n }
                }
            }
            if count < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return .wouldBlock
                case ENOBUFS: return .overrun
                case let e: throw NetlinkError.system(call: "recvmmsg", errno: NetlinkErrno(rawValue: e))
                }
            }
            if count == 0 { return .wouldBlock }
            for i in 0..<Int(count) {
                // With MSG_TRUNC the length is the datagram's, which may exceed the slot.
                let length = Int(headers[i].length)
                guard length <= slotSize else { throw NetlinkError.datagramTooLarge(size: length) }
                body(UnsafeRawBufferPointer(start: buffer.baseAddress! + i * slotSize, count: length))
            }
            return .datagrams(Int(count))
        }
    }
}
