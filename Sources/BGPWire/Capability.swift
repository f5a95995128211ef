// Capabilities advertised in OPEN (RFC 5492), one row per capability code.
//
// Each capability on the wire: `Code (1) | Length (1) | Value (Length)`. Known capabilities decode
// into typed values; any other code is kept as its bytes so it can be logged and echoed intact.

public struct CapabilityCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// RFC 4760.
    public static let multiprotocol = CapabilityCode(rawValue: 1)
    /// RFC 2918.
    public static let routeRefresh = CapabilityCode(rawValue: 2)
    /// RFC 8950.
    public static let extendedNextHop = CapabilityCode(rawValue: 5)
    /// RFC 8654.
    public static let extendedMessage = CapabilityCode(rawValue: 6)
    /// RFC 4724.
    public static let gracefulRestart = CapabilityCode(rawValue: 64)
    /// RFC 6793.
    public static let fourOctetAS = CapabilityCode(rawValue: 65)
    /// RFC 7911.
    public static let addPath = CapabilityCode(rawValue: 69)
    /// RFC 7313.
    public static let enhancedRouteRefresh = CapabilityCode(rawValue: 70)
    /// draft-walton-bgp-hostname-capability, as FRR sends it.
    public static let fqdn = CapabilityCode(rawValue: 73)
    /// The pre-standard route refresh code that FRR and Cisco still send beside code 2.
    public static let routeRefreshCisco = CapabilityCode(rawValue: 128)
}

/// Graceful Restart capability value (RFC 4724 section 3):
/// ```
///  Restart Flags (4 bits) | Restart Time in seconds (12 bits)
///  then per family: AFI (2) | SAFI (1) | Flags for Address Family (1)
/// ```
public struct GracefulRestartCapability: Hashable, Sendable {
    public struct Family: Hashable, Sendable {
        public var family: AddressFamily
        /// F bit: forwarding state was preserved across the restart.
        public var forwardingPreserved: Bool
        /// The other 7 bits, kept for a faithful re-encoding.
        public var otherFlags: UInt8
        public init(family: AddressFamily, forwardingPreserved: Bool, otherFlags: UInt8 = 0) {
            self.family = family
            self.forwardingPreserved = forwardingPreserved
            self.otherFlags = otherFlags
        }
    }
    /// The 4 flag bits: R (0x8, restarting) and N (0x4, notification support, RFC 8538).
    public var flags: UInt8
    public var restartTime: UInt16
    public var families: [Family]

    public init(restarting: Bool, notification: Bool = false, restartTime: UInt16, families: [Family]) {
        flags = (restarting ? 0x8 : 0) | (notification ? 0x4 : 0)
        self.restartTime = min(restartTime, 0xfff)
        self.families = families
    }

    public var restarting: Bool { flags & 0x8 != 0 }
    public var notificationSupport: Bool { flags & 0x4 != 0 }
}

/// ADD-PATH capability entry (RFC 7911 section 4): `AFI (2) | SAFI (1) | Send/Receive (1)`.
public struct AddPathEntry: Hashable, Sendable {
    public struct Direction: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let receive = Direction(rawValue: 1)
        public static let send = Direction(rawValue: 2)
        public static let both = Direction(rawValue: 3)
        public var canReceive: Bool { rawValue & 1 != 0 }
        public var canSend: Bool { rawValue & 2 != 0 }
    }
    public var family: AddressFamily
    public var direction: Direction
    public init(family: AddressFamily, direction: Direction) {
        self.family = family
        self.direction = direction
    }
}

/// Extended Next Hop capability entry (RFC 8950 section 3):
/// `NLRI AFI (2) | NLRI SAFI (2) | Nexthop AFI (2)`.
public struct ExtendedNextHopEntry: Hashable, Sendable {
    public var nlriAFI: AFI
    public var nlriSAFI: UInt16
    public var nextHopAFI: AFI
    public init(nlriAFI: AFI, nlriSAFI: UInt16, nextHopAFI: AFI) {
        self.nlriAFI = nlriAFI
        self.nlriSAFI = nlriSAFI
        self.nextHopAFI = nextHopAFI
    }
}

public enum Capability: Hashable, Sendable {
    /// `AFI (2) | Reserved (1) | SAFI (1)`; the reserved octet is kept for re-encoding.
    case multiprotocol(AddressFamily, reserved: UInt8)
    case routeRefresh
    case routeRefreshCisco
    case enhancedRouteRefresh
    case extendedMessage
    case fourOctetAS(UInt32)
    case gracefulRestart(GracefulRestartCapability)
    case extendedNextHop([ExtendedNextHopEntry])
    case addPath([AddPathEntry])
    /// `Hostname length (1) | Hostname | Domain length (1) | Domain`.
    case fqdn(hostname: String, domain: String)
    case unknown(code: UInt8, value: [UInt8])

    public static func multiprotocol(_ family: AddressFamily) -> Capability { .multiprotocol(family, reserved: 0) }

    public var code: CapabilityCode {
        switch self {
        case .multiprotocol: return .multiprotocol
        case .routeRefresh: return .routeRefresh
        case .routeRefreshCisco: return .routeRefreshCisco
        case .enhancedRouteRefresh: return .enhancedRouteRefresh
        case .extendedMessage: return .extendedMessage
        case .fourOctetAS: return .fourOctetAS
        case .gracefulRestart: return .gracefulRestart
        case .extendedNextHop: return .extendedNextHop
        case .addPath: return .addPath
        case .fqdn: return .fqdn
        case .unknown(let code, _): return CapabilityCode(rawValue: code)
        }
    }

    public var name: String {
        switch self {
        case .multiprotocol: return "multiprotocol"
        case .routeRefresh: return "route-refresh"
        case .routeRefreshCisco: return "route-refresh-old"
        case .enhancedRouteRefresh: return "enhanced-route-refresh"
        case .extendedMessage: return "extended-message"
        case .fourOctetAS: return "4-octet-as"
        case .gracefulRestart: return "graceful-restart"
        case .extendedNextHop: return "extended-nexthop"
        case .addPath: return "add-path"
        case .fqdn: return "fqdn"
        case .unknown(let code, _): return "capability-\(code)"
        }
    }

    static func malformed(_ reason: String, offset: Int) -> BGPError {
        // RFC 5492 names no subcode for a malformed capability; FRR and GoBGP send OPEN error
        // subcode 0 (unspecific), so do we.
        .reset(.malformedCapability, .open, 0, reason, offset: offset)
    }

    /// Decodes one capability (code, length and value) from the reader.
    public static func decode(_ reader: inout WireReader) throws(BGPError) -> Capability {
        let start = reader.offset
        do {
            let code = CapabilityCode(rawValue: try reader.readUInt8())
            let length = Int(try reader.readUInt8())
            var value = try reader.bounded(length)
            let raw = Array(value.bytes[value.offset..<value.end])
            func expect(_ n: Int) throws(BGPError) {
                guard length == n else {
                    throw malformed("capability \(code.rawValue) has length \(length), expected \(n)", offset: start)
                }
            }
            func expectMultiple(of n: Int) throws(BGPError) {
                guard length % n == 0 else {
                    throw malformed("capability \(code.rawValue) has length \(length), not a multiple of \(n)", offset: start)
                }
            }
            switch code {
            case .multiprotocol:
                try expect(4)
                let afi = AFI(rawValue: try value.readUInt16())
                let reserved = try value.readUInt8()
                return .multiprotocol(AddressFamily(afi: afi, safi: SAFI(rawValue: try value.readUInt8())), reserved: reserved)
            case .routeRefresh:
                try expect(0)
                return .routeRefresh
            case .routeRefreshCisco:
                try expect(0)
                return .routeRefreshCisco
            case .enhancedRouteRefresh:
                try expect(0)
                return .enhancedRouteRefresh
            case .extendedMessage:
                try expect(0)
                return .extendedMessage
            case .fourOctetAS:
                try expect(4)
                return .fourOctetAS(try value.readUInt32())
            case .gracefulRestart:
                guard length >= 2, (length - 2) % 4 == 0 else {
                    throw malformed("graceful-restart capability has length \(length), not 2 + 4n", offset: start)
                }
                let word = try value.readUInt16()
                var families: [GracefulRestartCapability.Family] = []
                while !value.isAtEnd {
                    let afi = AFI(rawValue: try value.readUInt16())
                    let safi = SAFI(rawValue: try value.readUInt8())
                    let flags = try value.readUInt8()
                    families.append(.init(family: AddressFamily(afi: afi, safi: safi),
                                          forwardingPreserved: flags & 0x80 != 0, otherFlags: flags & 0x7f))
                }
                var gr = GracefulRestartCapability(restarting: false, restartTime: word & 0xfff, families: families)
                gr.flags = UInt8(word >> 12)
                return .gracefulRestart(gr)
            case .extendedNextHop:
                try expectMultiple(of: 6)
                var entries: [ExtendedNextHopEntry] = []
                while !value.isAtEnd {
                    entries.append(ExtendedNextHopEntry(nlriAFI: AFI(rawValue: try value.readUInt16()),
                                                        nlriSAFI: try value.readUInt16(),
                                                        nextHopAFI: AFI(rawValue: try value.readUInt16())))
                }
                return .extendedNextHop(entries)
            case .addPath:
                try expectMultiple(of: 4)
                var entries: [AddPathEntry] = []
                while !value.isAtEnd {
                    let afi = AFI(rawValue: try value.readUInt16())
                    let safi = SAFI(rawValue: try value.readUInt8())
                    entries.append(AddPathEntry(family: AddressFamily(afi: afi, safi: safi),
                                                direction: .init(rawValue: try value.readUInt8())))
                }
                return .addPath(entries)
            case .fqdn:
                let hostLength = Int(try value.readUInt8())
                let host = try value.readBytes(hostLength)
                let domainLength = Int(try value.readUInt8())
                let domain = try value.readBytes(domainLength)
                guard value.isAtEnd else { throw malformed("FQDN capability has \(value.remaining) trailing octets", offset: start) }
                // Not every speaker sends valid UTF-8; keep such a capability as bytes rather than lose it.
                guard let h = String(validating: host, as: UTF8.self), let d = String(validating: domain, as: UTF8.self) else {
                    return .unknown(code: code.rawValue, value: raw)
                }
                return .fqdn(hostname: h, domain: d)
            default:
                return .unknown(code: code.rawValue, value: raw)
            }
        } catch let truncated as WireReader.Truncated {
            throw malformed("capability truncated: needed \(truncated.needed) octets, had \(truncated.available)", offset: truncated.offset)
        } catch let error as BGPError {
            throw error
        } catch {
            throw malformed("capability: \(error)", offset: start)
        }
    }

    public func encode(into writer: inout WireWriter) {
        writer.writeUInt8(code.rawValue)
        let mark = writer.reserveLength(width: 1)
        switch self {
        case .multiprotocol(let family, let reserved):
            writer.writeUInt16(family.afi.rawValue)
            writer.writeUInt8(reserved)
            writer.writeUInt8(family.safi.rawValue)
        case .routeRefresh, .routeRefreshCisco, .enhancedRouteRefresh, .extendedMessage:
            break
        case .fourOctetAS(let asn):
            writer.writeUInt32(asn)
        case .gracefulRestart(let gr):
            writer.writeUInt16(UInt16(gr.flags & 0xf) << 12 | (gr.restartTime & 0xfff))
            for f in gr.families {
                writer.writeUInt16(f.family.afi.rawValue)
                writer.writeUInt8(f.family.safi.rawValue)
                writer.writeUInt8((f.forwardingPreserved ? 0x80 : 0) | (f.otherFlags & 0x7f))
            }
        case .extendedNextHop(let entries):
            for e in entries {
                writer.writeUInt16(e.nlriAFI.rawValue)
                writer.writeUInt16(e.nlriSAFI)
                writer.writeUInt16(e.nextHopAFI.rawValue)
            }
        case .addPath(let entries):
            for e in entries {
                writer.writeUInt16(e.family.afi.rawValue)
                writer.writeUInt8(e.family.safi.rawValue)
                writer.writeUInt8(e.direction.rawValue)
            }
        case .fqdn(let hostname, let domain):
            let h = Array(hostname.utf8.prefix(255))
            let d = Array(domain.utf8.prefix(255))
            writer.writeUInt8(UInt8(h.count))
            writer.writeBytes(h)
            writer.writeUInt8(UInt8(d.count))
            writer.writeBytes(d)
        case .unknown(_, let value):
            writer.writeBytes(value.prefix(255))
        }
        writer.fillLength(mark)
    }
}
