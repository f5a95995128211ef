import Glibc

// The one wrapper every system call of this module goes through: retries EINTR, turns -1 into a thrown errno.

@inline(__always)
func systemCall<T: BinaryInteger>(_ name: String, _ body: () -> T) throws(NetlinkError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let e = errno
        if e == EINTR { continue }
        throw NetlinkError.system(call: name, errno: NetlinkErrno(rawValue: e))
    }
}

/// setns(2) is not exported to Swift by Glibc's module map (it is behind _GNU_SOURCE); look it up in libc itself.
private typealias SetNamespaceFunction = @convention(c) (Int32, Int32) -> Int32

func setNetworkNamespace(_ fd: Int32) throws(NetlinkError) {
    // include/uapi/linux/sched.h: CLONE_NEWNET = 0x40000000
    let cloneNewNet: Int32 = 0x4000_0000
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "setns") else {
        throw NetlinkError.system(call: "dlsym(setns)", errno: .EOPNOTSUPP)
    }
    let setns = unsafeBitCast(symbol, to: SetNamespaceFunction.self)
    _ = try systemCall("setns") { setns(fd, cloneNewNet) }
}
