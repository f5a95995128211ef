// The AS_PATH loop check on routes from eBGP peers (RFC 4271 section 9.1.2: a route whose AS_PATH holds our
// AS is not used), and FRR's relaxation of it, `neighbor X allowas-in [N|origin]` (bgpd/bgp_route.c,
// `bgp_update`): leaves that share an AS behind eBGP spines see each other's routes with their own AS in the
// path, and without it they drop them.
//
//   no allowas-in     our AS anywhere in the path (AS_SEQUENCE or AS_SET): a loop
//   allowas-in N      a loop only when our AS occurs more than N times (FRR's `aspath_loop_check` > N)
//   allowas-in origin no loop when our AS is the origin (the path's last AS); otherwise any occurrence is one

import BGPWire

public enum AllowASIn: Hashable, Sendable {
    case occurrences(Int)
    case origin

    /// Whether a path with `asPath` from an eBGP peer loops for `localAS`, given the setting (nil: none).
    static func loops(_ asPath: ASPath, localAS: UInt32, allowing: AllowASIn?) -> Bool {
        let count = asPath.segments.reduce(0) { $0 + $1.asns.count { $0 == localAS } }
        switch allowing {
        case nil: return count > 0
        case .occurrences(let n)?: return count > n
        case .origin?: return count > 0 && asPath.originAS != localAS
        }
    }
}

extension ASPath {
    /// The AS that originated the route: the last AS of the path (FRR's `aspath_get_last_as`), nil when the
    /// path is empty or ends in an AS_SET.
    var originAS: UInt32? {
        guard let last = segments.last, last.type == .sequence else { return nil }
        return last.asns.last
    }
}
