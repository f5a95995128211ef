// P-Multicast Service Interface Tunnel attribute, path attribute 22, optional transitive
// (RFC 6514 section 5).
//
// ```
//  Flags (1) | Tunnel Type (1) | MPLS Label (3) | Tunnel Identifier (variable)
// ```
// EVPN sends it with every type 3 route (RFC 7432 section 11.2). Over VXLAN the tunnel type is
// Ingress Replication (6), the identifier is the VTEP's unicast address (4 or 16 octets: the
// attribute length says which) and the label field carries the VNI (RFC 8365 section 5.1.3).
// Other tunnel types are kept as raw identifier octets, so they re-encode unchanged.

public struct PMSITunnel: Hashable, Sendable, CustomStringConvertible {
    /// IANA "P-Multicast Service Interface Tunnel (PMSI Tunnel) Tunnel Types"; an open set.
    public struct TunnelType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let noTunnelInformation = TunnelType(rawValue: 0)
        public static let rsvpTEP2MP = TunnelType(rawValue: 1)
        public static let mLDPP2MP = TunnelType(rawValue: 2)
        public static let pimSSM = TunnelType(rawValue: 3)
        public static let pimSM = TunnelType(rawValue: 4)
        public static let bidirPIM = TunnelType(rawValue: 5)
        public static let ingressReplication = TunnelType(rawValue: 6)
        public static let mLDPMP2MP = TunnelType(rawValue: 7)

        /// FRR's names (bgpd/bgp_route.c `bgp_pmsi_tnltype_str`), shown as "tunnelType" in route JSON.
        public var description: String {
            switch rawValue {
            case 0: return "No info"
            case 1: return "RSVP-TE P2MP"
            case 2: return "mLDP P2MP"
            case 3: return "PIM-SSM"
            case 4: return "PIM-SM"
            case 5: return "PIM-BIDIR"
            case 6: return "Ingress Replication"
            case 7: return "mLDP MP2MP"
            // FRR falls back to its default string, "No info", for types it has no name for.
            default: return "No info"
            }
        }
    }

    public enum Tunnel: Hashable, Sendable {
        /// Ingress Replication with a 4- or 16-octet endpoint: the only form EVPN over VXLAN uses.
        case ingressReplication(endpoint: IPAddress)
        /// Any other type, or Ingress Replication whose identifier is not 4 or 16 octets.
        case other(TunnelType, identifier: [UInt8])
    }

    /// Bit 0x01 is Leaf Information Required (RFC 6514 section 5).
    public var flags: UInt8
    public var label: MPLSLabelField
    public var tunnel: Tunnel

    public static let leafInformationRequired: UInt8 = 0x01
    public static let attributeType: UInt8 = 22
    /// Flags(1) + tunnel type(1) + label(3), before the identifier.
    static let fixedLength = 5

    public init(flags: UInt8 = 0, label: MPLSLabelField, tunnel: Tunnel) {
        self.flags = flags
        self.label = label
        self.tunnel = tunnel
    }

    /// What a VTEP attaches to its type 3 route for `vni`.
    public static func ingressReplication(endpoint: IPAddress, vni: UInt32) -> PMSITunnel {
        PMSITunnel(label: MPLSLabelField(vni: vni), tunnel: .ingressReplication(endpoint: endpoint))
    }

    public var tunnelType: TunnelType {
        switch tunnel {
        case .ingressReplication: return .ingressReplication
        case .other(let type, _): return type
        }
    }

    public var tunnelIdentifier: [UInt8] {
        switch tunnel {
        case .ingressReplication(let endpoint): return endpoint.bytes
        case .other(_, let identifier): return identifier
        }
    }

    /// The replication endpoint, when this is Ingress Replication.
    public var ingressReplicationEndpoint: IPAddress? {
        if case .ingressReplication(let endpoint) = tunnel { return endpoint }
        return nil
    }

    /// Decodes the attribute value; `reader` holds exactly the attribute's octets.
    ///
    /// Fewer than 5 octets cannot be a PMSI Tunnel. RFC 7606 does not name this attribute; its
    /// section 2 rule for attributes that affect how routes are used (this one decides where BUM
    /// traffic is flooded) is treat-as-withdraw.
    public init(from reader: inout WireReader) throws(BGPError) {
        let start = reader.offset
        guard reader.remaining >= Self.fixedLength else {
            throw BGPError(.attributeLength, .treatAsWithdraw,
                           "PMSI_TUNNEL length \(reader.remaining), must be at least \(Self.fixedLength)",
                           offset: start, attributeType: Self.attributeType)
        }
        do {
            flags = try reader.readUInt8()
            let type = TunnelType(rawValue: try reader.readUInt8())
            label = try MPLSLabelField(from: &reader)
            let identifier = reader.readRest()
            if type == .ingressReplication, let endpoint = IPAddress(bytes: identifier) {
                tunnel = .ingressReplication(endpoint: endpoint)
            } else {
                tunnel = .other(type, identifier: identifier)
            }
        } catch {
            // Unreachable after the length check; kept so a wrong check cannot trap.
            throw BGPError(.attributeLength, .treatAsWithdraw, "PMSI_TUNNEL truncated",
                           offset: error.offset, attributeType: Self.attributeType)
        }
    }

    /// Writes the attribute value (the caller writes the attribute header).
    public func encode(into writer: inout WireWriter) {
        writer.writeUInt8(flags)
        writer.writeUInt8(tunnelType.rawValue)
        label.encode(into: &writer)
        writer.writeBytes(tunnelIdentifier)
    }

    public var valueLength: Int { Self.fixedLength + tunnelIdentifier.count }

    /// "Ingress Replication, label 100, endpoint 10.0.1.1": FRR's tunnel type name and label (as it
    /// shows them in route detail) plus the identifier.
    public var description: String {
        var text = "\(tunnelType)"
        // FRR has no name for types above 7; show the number rather than its "No info" fallback.
        if tunnelType.rawValue > TunnelType.mLDPMP2MP.rawValue { text += " (type \(tunnelType.rawValue))" }
        text += ", label \(label)"
        switch tunnel {
        case .ingressReplication(let endpoint): text += ", endpoint \(endpoint)"
        case .other(_, let identifier):
            if !identifier.isEmpty { text += ", identifier \(hexString(identifier))" }
        }
        if flags & Self.leafInformationRequired != 0 { text += ", leaf information required" }
        return text
    }
}
