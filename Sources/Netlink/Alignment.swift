// Netlink's 4-byte alignment. include/uapi/linux/netlink.h: NLMSG_ALIGNTO = 4U, NLA_ALIGNTO = 4;
// include/uapi/linux/rtnetlink.h: RTA_ALIGNTO = 4U. A message or attribute's length field counts its header and
// payload but not the padding that follows it; the next one starts at the aligned offset.

public enum NetlinkAlignment {
    public static let boundary = 4

    /// NLMSG_ALIGN / RTA_ALIGN / NLA_ALIGN.
    @inline(__always)
    public static func align(_ length: Int) -> Int { (length + boundary - 1) & ~(boundary - 1) }

    /// Zero bytes to append after `length` bytes to reach the next boundary.
    @inline(__always)
    public static func padding(_ length: Int) -> Int { align(length) - length }
}
