// `address-family l2vpn evpn` beyond `advertise-all-vni`: per-VNI overrides and duplicate address
// detection, as FRR 8.4's bgpd (bgpd/bgp_evpn_vty.c) and zebra (zebra/zebra_vty.c) read them:
//
//   address-family l2vpn evpn
//    advertise-all-vni
//    dup-addr-detection max-moves 5 time 180
//    dup-addr-detection freeze 30|permanent
//    vni 100
//     rd 10.0.0.1:100
//     route-target import 65000:100
//     route-target export 65000:100
//     route-target both 65000:100
//     route-target import *:100          (any AS; FRR since #22653, refused by FRR 8.4)
//    exit-vni
//    autort rfc8365-compatible           (RFC 8365 section 5.1.2.1 automatic route targets)
//   exit-address-family

import BGPWire

/// One `vni N` ... `exit-vni` block. Empty route-target lists and a nil RD mean FRR's automatic values.
public struct EVPNVNIStanza: Hashable, Sendable {
    public var vni: UInt32
    public var rd: RouteDistinguisher?
    public var importRouteTargets: [RouteTarget] = []
    public var exportRouteTargets: [RouteTarget] = []
    /// `route-target import *:N`: N imported from any AS (FRR since #22653; FRR 8.4 refuses the line).
    public var importAnyAS: [UInt32] = []
    public var location: SourceLocation

    public init(vni: UInt32, location: SourceLocation) {
        self.vni = vni
        self.location = location
    }
}

/// `dup-addr-detection [max-moves N time M]`, `dup-addr-detection freeze N|permanent`, `no dup-addr-detection`.
public struct DupAddrDetectionConfig: Hashable, Sendable {
    public enum Freeze: Hashable, Sendable {
        case seconds(Int)
        case permanent
    }

    public var enabled = true
    /// FRR's defaults: 5 moves in 180 s.
    public var maxMoves = 5
    public var seconds = 180
    /// nil: no `freeze` line was written.
    public var freeze: Freeze?

    public init() {}
}

extension Parser {
    /// `vni N`, `dup-addr-detection ...` and `no dup-addr-detection` in `address-family l2vpn evpn`.
    mutating func evpnCommand(_ words: [Word], family: AddressFamily) throws(CommandError) -> Outcome {
        guard family == .l2vpnEVPN else { throw CommandError(message: "only valid in 'address-family l2vpn evpn'", word: words[0]) }
        let text = words.map(\.text)
        switch text[0] {
        case "vni":
            try expect(words, count: 2)
            guard let vni = UInt32(text[1]), (1...16_777_215).contains(vni) else {
                throw CommandError(message: "expected a VNI from 1 to 16777215", word: words[1])
            }
            let known = router?.vnis.contains { $0.vni == vni } ?? false
            if !known {
                let stanza = EVPNVNIStanza(vni: vni, location: location(words[0].column))
                router?.vnis.append(stanza)
            }
            node = .vni(vni)
            return .done
        case "autort":
            try expect(words, count: 2)
            guard text[1] == "rfc8365-compatible" else { throw CommandError(message: "expected 'rfc8365-compatible'", word: words[1]) }
            router?.autortRFC8365 = true
            return .done
        case "dup-addr-detection":
            var detection = router?.duplicateAddressDetection ?? DupAddrDetectionConfig()
            detection.enabled = true
            if words.count == 1 {
                // Just on, with whatever numbers were given before.
            } else if text[1] == "max-moves" {
                guard words.count == 5, text[3] == "time" else {
                    throw CommandError(message: "expected 'dup-addr-detection max-moves N time M'", word: words[1])
                }
                detection.maxMoves = Int(try parseNumber(words[2], in: 2...1000, what: "max-moves"))
                detection.seconds = Int(try parseNumber(words[4], in: 2...1800, what: "time"))
            } else if text[1] == "freeze" {
                try expect(words, count: 3)
                detection.freeze = text[2] == "permanent" ? .permanent : .seconds(Int(try parseNumber(words[2], in: 30...3600, what: "freeze time")))
            } else {
                throw CommandError(message: "expected 'max-moves N time M' or 'freeze N|permanent'", word: words[1])
            }
            router?.duplicateAddressDetection = detection
            return .done
        case "no":
            if words.count == 3, text[1] == "autort", text[2] == "rfc8365-compatible" {
                router?.autortRFC8365 = false
                return .done
            }
            guard words.count >= 2, text[1] == "dup-addr-detection" else { return .notHere }
            var detection = router?.duplicateAddressDetection ?? DupAddrDetectionConfig()
            if words.count >= 3, text[2] == "freeze" {
                detection.freeze = nil
            } else {
                detection.enabled = false
            }
            router?.duplicateAddressDetection = detection
            return .done
        default:
            return .notHere
        }
    }

    /// Lines inside `vni N` ... `exit-vni`.
    mutating func vniCommand(_ words: [Word], vni: UInt32) throws(CommandError) -> Outcome {
        let text = words.map(\.text)
        guard let index = router?.vnis.firstIndex(where: { $0.vni == vni }) else { return .notHere }
        switch text[0] {
        case "exit-vni":
            try expect(words, count: 1)
            node = .addressFamily(.l2vpnEVPN)
            return .done
        case "rd":
            try expect(words, count: 2)
            guard let rd = RouteDistinguisher(text[1]) else {
                throw CommandError(message: "expected a route distinguisher (ASN:NN or A.B.C.D:NN)", word: words[1])
            }
            router?.vnis[index].rd = rd
            return .done
        case "route-target":
            try expect(words, count: 3)
            if text[2].hasPrefix("*:") {
                // Any AS: only the number is compared (as the automatic import target is).
                guard text[1] == "import" else {
                    throw CommandError(message: "a route target with '*' can only be imported ('route-target import *:N')", word: words[1])
                }
                guard let number = UInt32(text[2].dropFirst(2)) else {
                    throw CommandError(message: "expected '*:N' with N from 0 to 4294967295", word: words[2])
                }
                if router?.vnis[index].importAnyAS.contains(number) == false { router?.vnis[index].importAnyAS.append(number) }
                return .done
            }
            guard let target = RouteTarget(text[2]) else {
                throw CommandError(message: "expected a route target (ASN:NN or A.B.C.D:NN)", word: words[2])
            }
            switch text[1] {
            case "import": router?.vnis[index].importRouteTargets.append(target)
            case "export": router?.vnis[index].exportRouteTargets.append(target)
            case "both":
                router?.vnis[index].importRouteTargets.append(target)
                router?.vnis[index].exportRouteTargets.append(target)
            default: throw CommandError(message: "expected 'import', 'export' or 'both'", word: words[1])
            }
            return .done
        default:
            // Anything else (`advertise-default-gw`...) is not ours: the enclosing node decides (and a
            // command of the address family ends the block, as FRR's parser does).
            return .notHere
        }
    }
}
