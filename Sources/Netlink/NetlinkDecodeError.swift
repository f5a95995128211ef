// What went wrong while decoding netlink bytes, and where. Decoding never traps: every structural read is
// bounds-checked and a failure becomes one of these values. Tests compare errors by `code`, not by prose.

/// A malformed or truncated netlink message or attribute.
public struct NetlinkDecodeError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Fewer bytes remain than a fixed-size structure or a length field needs.
        public static let truncated = Code(rawValue: "truncated")
        /// An `nlmsg_len` smaller than the header or larger than the bytes received.
        public static let badMessageLength = Code(rawValue: "bad-message-length")
        /// An `nla_len`/`rta_len` smaller than the attribute header or larger than its container.
        public static let badAttributeLength = Code(rawValue: "bad-attribute-length")
        /// A known attribute whose payload has the wrong size or content for its type.
        public static let badAttributeValue = Code(rawValue: "bad-attribute-value")
        /// A message lacks something its type requires (e.g. a link without IFLA_IFNAME).
        public static let missingAttribute = Code(rawValue: "missing-attribute")
    }

    public var code: Code
    /// The structure being decoded: "nlmsghdr", "ndmsg", "NDA_DST", "IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID"...
    public var context: String
    public var reason: String
    /// Byte offset in the decoded buffer, when the problem is structural (attribute payload checks have none).
    public var offset: Int?

    public init(_ code: Code, _ context: String, _ reason: String, offset: Int? = nil) {
        self.code = code
        self.context = context
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        return "netlink \(code): \(context)\(at): \(reason)"
    }

    /// The same error seen from an enclosing structure ("IFLA_LINKINFO/" + "IFLA_INFO_KIND").
    func within(_ outer: String) -> NetlinkDecodeError {
        var copy = self
        copy.context = outer + "/" + context
        return copy
    }
}
