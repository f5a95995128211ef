// OPEN: the one we send, the checks on the one we receive (RFC 4271 section 6.2), and what the two
// together settle for the session (RFC 5492 capabilities, RFC 4760 families, RFC 6793 4-octet AS,
// RFC 8654 extended messages, RFC 7911 ADD-PATH, RFC 4724 graceful restart, RFC 2918/7313 route
// refresh, the FQDN capability FRR sends).

import BGPWire

/// What both OPENs settled for one session.
public struct NegotiatedSession: Hashable, Sendable {
    public var peerAS: UInt32
    public var peerIdentifier: IPv4Address
    /// The smaller of both hold times; 0 means no Hold timer and no KEEPALIVEs (RFC 4271 section 4.2).
    public var holdTime: UInt16
    /// Seconds between our KEEPALIVEs: the configured interval, at most a third of the hold time; 0 with a hold time of 0.
    public var keepaliveInterval: UInt16
    /// Families both sides advertised: nothing of another family is sent to this peer.
    public var families: Set<AddressFamily>
    public var fourOctetAS: Bool
    public var extendedMessages: Bool
    /// Families whose NLRI the peer sends with path identifiers, and those we send with them.
    public var addPathReceive: Set<AddressFamily>
    public var addPathSend: Set<AddressFamily>
    /// The peer accepts ROUTE-REFRESH (code 2 or the pre-standard 128).
    public var routeRefresh: Bool
    /// RFC 7313: both sides sent the Enhanced Route Refresh capability.
    public var enhancedRouteRefresh: Bool
    /// The peer's Graceful Restart capability, recorded for the RIB (stale routes) to use.
    public var peerGracefulRestart: GracefulRestartCapability?
    /// RFC 8950 entries the peer advertised that we advertised too.
    public var extendedNextHop: [ExtendedNextHopEntry]
    public var peerHostname: String?
    public var peerDomain: String?

    /// How to read what the peer sends.
    public var receiveContext: CodecContext {
        CodecContext(fourOctetAS: fourOctetAS, extendedMessages: extendedMessages, addPath: addPathReceive)
    }

    /// How to write what we send.
    public var sendContext: CodecContext {
        CodecContext(fourOctetAS: fourOctetAS, extendedMessages: extendedMessages, addPath: addPathSend)
    }
}

/// A refused OPEN: the NOTIFICATION to send and why.
struct OpenRejection: Error, Hashable {
    var notification: NotificationMessage
    var reason: String
}

enum Negotiation {
    /// RFC 4271 section 8: the hold time set in OpenSent, "a large value", 4 minutes suggested.
    static let largeHoldTime: UInt16 = 240

    /// Our OPEN for one peer. Capabilities follow FRR's set and order, so FRR and GoBGP see the
    /// speaker they expect: multiprotocol per family, route refresh (2 and 128), enhanced route
    /// refresh, 4-octet AS, extended next hop when configured, FQDN, graceful restart.
    static func ourOpen(localAS: UInt32, routerID: IPv4Address, hostname: String, gracefulRestartTime: UInt16,
                        restarting: Bool = false, peer: PeerConfig) -> OpenMessage {
        var capabilities: [Capability] = []
        // Sorted so the bytes do not depend on Set order (reproducible captures and tests).
        let families = peer.families.sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }
        for family in families { capabilities.append(.multiprotocol(family)) }
        capabilities.append(.routeRefreshCisco)
        capabilities.append(.routeRefresh)
        capabilities.append(.enhancedRouteRefresh)
        capabilities.append(.fourOctetAS(localAS))
        if peer.extendedNextHop {
            // RFC 8950: IPv4 unicast NLRI over an IPv6 next hop, the case FRR's knob covers.
            capabilities.append(.extendedNextHop([ExtendedNextHopEntry(nlriAFI: .ipv4, nlriSAFI: UInt16(SAFI.unicast.rawValue), nextHopAFI: .ipv6)]))
        }
        if !hostname.isEmpty { capabilities.append(.fqdn(hostname: hostname, domain: "")) }
        // RFC 4724 by the configured role (GracefulRestart.swift).
        if let gr = gracefulRestartCapability(mode: peer.gracefulRestart, restartTime: gracefulRestartTime,
                                              restarting: restarting, families: peer.families) {
            capabilities.append(gr)
        }
        return OpenMessage(asn: localAS, holdTime: peer.holdTime, identifier: routerID, capabilities: capabilities)
    }

    /// Checks the peer's OPEN against ours and the configuration (RFC 4271 section 6.2) and settles the session.
    static func negotiate(ours: OpenMessage, theirs: OpenMessage, localAS: UInt32, peer: PeerConfig) throws(OpenRejection) -> NegotiatedSession {
        guard theirs.version == 4 else {
            // The data is the largest version we support, 2 octets (RFC 4271 section 6.2).
            throw OpenRejection(notification: NotificationMessage(code: .open, subcode: NotificationSubcode.Open.unsupportedVersionNumber, data: [0, 4]),
                                reason: "unsupported BGP version \(theirs.version)")
        }
        let theirCapabilities = theirs.capabilities
        let peerAS = theirs.asNumber
        guard peer.remoteAS.accepts(peerAS, localAS: localAS) else {
            throw OpenRejection(notification: NotificationMessage(code: .open, subcode: NotificationSubcode.Open.badPeerAS, data: asData(theirs.myAS)),
                                reason: "peer AS \(peerAS) is not the configured remote-as \(peer.remoteAS)")
        }
        guard theirs.holdTime == 0 || theirs.holdTime >= 3 else {
            throw OpenRejection(notification: NotificationMessage(code: .open, subcode: NotificationSubcode.Open.unacceptableHoldTime),
                                reason: "hold time \(theirs.holdTime) is neither 0 nor at least 3 seconds")
        }
        let isInternal = peerAS == localAS
        // RFC 6286 section 2.1: the identifier must be non-zero, and differ from ours within an AS.
        guard theirs.identifier.rawValue != 0, !(isInternal && theirs.identifier == ours.identifier) else {
            throw OpenRejection(notification: NotificationMessage(code: .open, subcode: NotificationSubcode.Open.badBGPIdentifier, data: theirs.identifier.bytes),
                                reason: "bad BGP identifier \(theirs.identifier)")
        }
        for case .unknown(let type, _) in theirs.optionalParameters {
            throw OpenRejection(notification: NotificationMessage(code: .open, subcode: NotificationSubcode.Open.unsupportedOptionalParameter),
                                reason: "unsupported optional parameter type \(type)")
        }

        let ourCapabilities = ours.capabilities
        var ourFamilies = Set<AddressFamily>()
        for case .multiprotocol(let family, _) in ourCapabilities { ourFamilies.insert(family) }
        var theirFamilies = Set<AddressFamily>()
        for case .multiprotocol(let family, _) in theirCapabilities { theirFamilies.insert(family) }
        // RFC 4760 section 1: a speaker that sends no multiprotocol capability speaks IPv4 unicast.
        if theirFamilies.isEmpty { theirFamilies = [.ipv4Unicast] }

        let holdTime = min(ours.holdTime, theirs.holdTime)
        let keepalive: UInt16 = holdTime == 0 ? 0 : max(1, min(peer.keepalive == 0 ? holdTime / 3 : peer.keepalive, holdTime / 3))

        func has(_ list: [Capability], _ code: CapabilityCode) -> Bool { list.contains { $0.code == code } }
        var addPathReceive = Set<AddressFamily>()
        var addPathSend = Set<AddressFamily>()
        var ourAddPath: [AddressFamily: AddPathEntry.Direction] = [:]
        for case .addPath(let entries) in ourCapabilities { for e in entries { ourAddPath[e.family] = e.direction } }
        for case .addPath(let entries) in theirCapabilities {
            for e in entries {
                guard let mine = ourAddPath[e.family] else { continue }
                if mine.canReceive && e.direction.canSend { addPathReceive.insert(e.family) }
                if mine.canSend && e.direction.canReceive { addPathSend.insert(e.family) }
            }
        }
        var ourNextHops: Set<ExtendedNextHopEntry> = []
        for case .extendedNextHop(let entries) in ourCapabilities { ourNextHops.formUnion(entries) }
        var extendedNextHop: [ExtendedNextHopEntry] = []
        for case .extendedNextHop(let entries) in theirCapabilities { extendedNextHop += entries.filter { ourNextHops.contains($0) } }
        var gracefulRestart: GracefulRestartCapability?
        for case .gracefulRestart(let gr) in theirCapabilities { gracefulRestart = gr }
        var hostname: String?
        var domain: String?
        for case .fqdn(let h, let d) in theirCapabilities {
            hostname = h
            domain = d.isEmpty ? nil : d
        }

        return NegotiatedSession(
            peerAS: peerAS, peerIdentifier: theirs.identifier, holdTime: holdTime, keepaliveInterval: keepalive,
            families: ourFamilies.intersection(theirFamilies),
            fourOctetAS: has(ourCapabilities, .fourOctetAS) && has(theirCapabilities, .fourOctetAS),
            extendedMessages: has(ourCapabilities, .extendedMessage) && has(theirCapabilities, .extendedMessage),
            addPathReceive: addPathReceive, addPathSend: addPathSend,
            routeRefresh: has(theirCapabilities, .routeRefresh) || has(theirCapabilities, .routeRefreshCisco),
            enhancedRouteRefresh: has(ourCapabilities, .enhancedRouteRefresh) && has(theirCapabilities, .enhancedRouteRefresh),
            peerGracefulRestart: gracefulRestart, extendedNextHop: extendedNextHop,
            peerHostname: hostname, peerDomain: domain)
    }

    private static func asData(_ myAS: UInt16) -> [UInt8] { [UInt8(myAS >> 8), UInt8(myAS & 0xff)] }
}
