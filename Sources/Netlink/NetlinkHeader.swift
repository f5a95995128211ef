// struct nlmsghdr (include/uapi/linux/netlink.h), 16 bytes in host byte order:
//
//   len(4) | type(2) | flags(2) | seq(4) | pid(4)
//
// nlmsg_len counts the header and the payload; the next message starts at NLMSG_ALIGN(nlmsg_len).

public struct NetlinkHeader: Equatable, Hashable, Sendable {
    public static let size = 16

    public var length: UInt32
    public var type: NetlinkMessageType
    public var flags: NetlinkFlags
    public var sequence: UInt32
    /// nlmsg_pid: the port id of the sending socket (0 for the kernel, our port in replies to us).
    public var portID: UInt32

    public init(length: UInt32 = 0, type: NetlinkMessageType, flags: NetlinkFlags, sequence: UInt32 = 0, portID: UInt32 = 0) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }

    static func decode(_ reader: inout NetlinkReader) throws(NetlinkDecodeError) -> NetlinkHeader {
        NetlinkHeader(
            length: try reader.readUInt32("nlmsghdr"),
            type: NetlinkMessageType(try reader.readUInt16("nlmsghdr")),
            flags: NetlinkFlags(rawValue: try reader.readUInt16("nlmsghdr")),
            sequence: try reader.readUInt32("nlmsghdr"),
            portID: try reader.readUInt32("nlmsghdr"))
    }

    public func encode(into out: inout [UInt8]) {
        out.appendNetlink(length)
        out.appendNetlink(type.rawValue)
        out.appendNetlink(flags.rawValue)
        out.appendNetlink(sequence)
        out.appendNetlink(portID)
    }
}
