// A bridge port's `neigh_suppress` flag (IFLA_BRPORT_NEIGH_SUPPRESS): read from the two kinds of link message
// the kernel sends about a port, and set with the request `ip link set dev PORT type bridge_slave
// neigh_suppress on|off` sends.
//
// Where the kernel reports it (checked here on 6.18 with `ip -d monitor link`):
//   - RTM_NEWLINK, family AF_UNSPEC (dumps, and the event after a change made through RTM_NEWLINK):
//       IFLA_LINKINFO { IFLA_INFO_SLAVE_KIND "bridge", IFLA_INFO_SLAVE_DATA { ..., IFLA_BRPORT_NEIGH_SUPPRESS u8 } }
//   - RTM_NEWLINK, family AF_BRIDGE (the only event after `bridge link set dev PORT neigh_suppress on`, which goes
//     through RTM_SETLINK/AF_BRIDGE): IFLA_PROTINFO (NLA_F_NESTED) { ..., IFLA_BRPORT_NEIGH_SUPPRESS u8 }
// Both are read, so a change made either way is seen (and healed when evpnd manages the flag).
//
// The request: RTM_NEWLINK, AF_UNSPEC, ifi_index = the port, no NLM_F_CREATE:
//   IFLA_LINKINFO { IFLA_INFO_SLAVE_KIND "bridge", IFLA_INFO_SLAVE_DATA { IFLA_BRPORT_NEIGH_SUPPRESS u8 } }
// (rtnl_newlink -> br_port_slave_changelink); the kernel answers with the AF_UNSPEC event above.

/// include/uapi/linux/if_link.h: IFLA_PROTINFO = 12 (in LinkAttributeType's numbering).
public enum BridgePortAttributes {
    public static let protInfo: UInt16 = 12
    /// include/uapi/linux/if_link.h: IFLA_BRPORT_NEIGH_SUPPRESS = 32 (enum after IFLA_BRPORT_GROUP_FWD_MASK = 31).
    public static let neighSuppress: UInt16 = 32
}

/// What a link message says about the device as a bridge port.
public struct BridgePortState: Equatable, Hashable, Sendable {
    public var index: Int32
    /// nil: the message did not say.
    public var neighSuppress: Bool?

    public init(index: Int32, neighSuppress: Bool?) {
        self.index = index
        self.neighSuppress = neighSuppress
    }

    /// From an AF_BRIDGE RTM_NEWLINK (IFLA_PROTINFO); nil when it carries no port attributes.
    public init?(bridgeMessage message: LinkMessage) throws(NetlinkDecodeError) {
        guard message.family == .bridge,
              let info = message.attributes.first(where: { $0.type == BridgePortAttributes.protInfo }) else { return nil }
        // Without NLA_F_NESTED, IFLA_PROTINFO is the old one-byte STP state (br_setlink's binary compatibility).
        guard info.isNested else { return nil }
        let children = try info.nested(context: "IFLA_PROTINFO")
        self.init(index: message.index, neighSuppress: try Self.neighSuppress(in: children, context: "IFLA_PROTINFO"))
    }

    /// IFLA_BRPORT_NEIGH_SUPPRESS among a port's attributes (IFLA_PROTINFO's or IFLA_INFO_SLAVE_DATA's).
    static func neighSuppress(in attributes: [RawAttribute], context: String) throws(NetlinkDecodeError) -> Bool? {
        guard let raw = attributes.first(where: { $0.type == BridgePortAttributes.neighSuppress }) else { return nil }
        do {
            return try AttributePayload.uint8(raw.payload, "IFLA_BRPORT_NEIGH_SUPPRESS") != 0
        } catch {
            throw error.within(context)
        }
    }
}

extension NetlinkRequest {
    /// `ip link set dev PORT type bridge_slave neigh_suppress on|off`.
    public static func setNeighSuppress(port index: Int32, _ on: Bool) -> NetlinkRequest {
        let info: [LinkInfoAttribute] = [
            .slaveKind("bridge"),
            .slaveData([RawAttribute(type: BridgePortAttributes.neighSuppress, payload: [on ? 1 : 0])]),
        ]
        return NetlinkRequest(type: .newLink, flags: [],
                              body: .link(LinkMessage(index: index, attributes: [LinkAttribute.linkInfo(info).raw])))
    }
}
