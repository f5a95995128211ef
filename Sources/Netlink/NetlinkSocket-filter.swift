import Glibc

// A socket filter (classic BPF, SO_ATTACH_FILTER) that keeps the kernel's echoes of our own FDB installs
// off an event socket. Every row evpnd adds is `extern_learn` (NTF_EXT_LEARNED), and the kernel notifies
// each one to every RTNLGRP_NEIGH listener: installing 100,000 remote MACs queued 200,000 such
// notifications on evpnd's own socket, each read and decoded only to confirm what the reconciler had
// already written into its model (scripts/bench.d/vtep). The filter runs in the kernel's multicast
// delivery, before anything is queued.
//
// What it drops: RTM_NEWNEIGH of family AF_BRIDGE with NTF_EXT_LEARNED set. What still comes: deletions
// (an operator removing a row evpnd wants is healed), rows the bridge learned (local MACs, and a remote
// MAC taken over by a local port: the bridge clears the flag when it moves the entry), rows without the
// flag (flood rows, static rows), links, and everything else. An extern_learn row added by another
// process is only seen at the next dump.
//
// Offsets in the notification skb (one message each): nlmsghdr type at 4 (u16, host order), ndmsg
// family at 16, ndm_flags at 26. Classic BPF loads halfwords big-endian, so the type is compared in the
// byte order the host stored it in.

/// struct sock_filter (include/uapi/linux/filter.h): code(2) jt(1) jf(1) k(4).
struct SocketFilterInstruction {
    var code: UInt16
    var jumpTrue: UInt8
    var jumpFalse: UInt8
    var k: UInt32
}

/// struct sock_fprog: len(2), pad, filter pointer.
struct SocketFilterProgram {
    var length: UInt16
    var filter: UnsafeMutablePointer<SocketFilterInstruction>?
}

extension NetlinkSocket {
    /// include/uapi/asm-generic/socket.h: SO_ATTACH_FILTER = 26
    static let attachFilter: Int32 = 26

    /// The program, exposed for tests: instructions as (code, jt, jf, k).
    static func externallyLearnedAddFilter() -> [SocketFilterInstruction] {
        // include/uapi/linux/bpf_common.h: BPF_LD|BPF_H|BPF_ABS 0x28, BPF_LD|BPF_B|BPF_ABS 0x30,
        // BPF_JMP|BPF_JEQ|BPF_K 0x15, BPF_JMP|BPF_JSET|BPF_K 0x45, BPF_RET|BPF_K 0x06.
        let newNeighbourAsLoaded = UInt32(NetlinkMessageType.newNeighbour.rawValue.bigEndian)
        return [
            SocketFilterInstruction(code: 0x28, jumpTrue: 0, jumpFalse: 0, k: 4),                      // 0: A = nlmsg_type
            SocketFilterInstruction(code: 0x15, jumpTrue: 0, jumpFalse: 5, k: newNeighbourAsLoaded),   // 1: not NEWNEIGH -> 7
            SocketFilterInstruction(code: 0x30, jumpTrue: 0, jumpFalse: 0, k: 16),                     // 2: A = ndm_family
            SocketFilterInstruction(code: 0x15, jumpTrue: 0, jumpFalse: 3, k: UInt32(ProtocolFamily.bridge.rawValue)), // 3: not AF_BRIDGE -> 7
            SocketFilterInstruction(code: 0x30, jumpTrue: 0, jumpFalse: 0, k: 26),                     // 4: A = ndm_flags
            SocketFilterInstruction(code: 0x45, jumpTrue: 0, jumpFalse: 1, k: UInt32(NeighbourFlags.extLearned.rawValue)), // 5: extern_learn?
            SocketFilterInstruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0),                      // 6: drop
            SocketFilterInstruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0xFFFF_FFFF),            // 7: keep all of it
        ]
    }

    /// Stops RTM_NEWNEIGH notifications of `extern_learn` bridge-family rows from reaching this socket.
    public func ignoreExternallyLearnedAdds() throws(NetlinkError) {
        var instructions = Self.externallyLearnedAddFilter()
        let count = instructions.count
        _ = try instructions.withUnsafeMutableBufferPointer { (buffer) throws(NetlinkError) -> Int32 in
            var program = SocketFilterProgram(length: UInt16(count), filter: buffer.baseAddress)
            return try systemCall("setsockopt(SO_ATTACH_FILTER)") {
                setsockopt(fileDescriptor, SOL_SOCKET, Self.attachFilter, &program, socklen_t(MemoryLayout<SocketFilterProgram>.size))
            }
        }
    }
}
