// Graceful restart (RFC 4724) as FRR 8.4 writes it (bgpd/bgp_vty.c):
//   router bgp: `bgp graceful-restart` (restart and help), `bgp graceful-restart-disable` (neither; the
//   default is helper only), `bgp graceful-restart restart-time (0-4095)` (120),
//   `bgp graceful-restart stalepath-time (1-4095)` (360), `bgp graceful-restart select-defer-time
//   (0-3600)` (360), `bgp graceful-restart preserve-fw-state`; each with a `no` form.
//   neighbor: `neighbor X graceful-restart`, `graceful-restart-helper`, `graceful-restart-disable`
//   (and `no ...`: back to the global mode).

/// The global mode; nil in `GracefulRestartConfig.mode` is FRR's default, helper only.
public enum GlobalGracefulRestart: String, Hashable, Sendable {
    case restart
    case disable
}

/// A neighbor's role, resolved or as written on the neighbor or its group.
public enum NeighborGracefulRestart: String, Hashable, Sendable {
    case restart
    case helper
    case disable

    /// The `neighbor X ...` word.
    var command: String {
        switch self {
        case .restart: return "graceful-restart"
        case .helper: return "graceful-restart-helper"
        case .disable: return "graceful-restart-disable"
        }
    }
}

public struct GracefulRestartConfig: Hashable, Sendable {
    public var mode: GlobalGracefulRestart?
    public var restartTime: UInt16?
    public var stalePathTime: UInt16?
    public var selectDeferTime: UInt16?
    public var preserveForwardingState = false

    public static let defaultRestartTime: UInt16 = 120
    public static let defaultStalePathTime: UInt16 = 360
    public static let defaultSelectDeferTime: UInt16 = 360

    public init() {}

    /// A neighbor without its own setting takes this.
    public var neighborDefault: NeighborGracefulRestart {
        switch mode {
        case .restart?: return .restart
        case .disable?: return .disable
        case nil: return .helper
        }
    }

    /// `show running-config` lines, in FRR's order.
    var lines: [String] {
        var lines: [String] = []
        if let stalePathTime { lines.append("bgp graceful-restart stalepath-time \(stalePathTime)") }
        if let restartTime { lines.append("bgp graceful-restart restart-time \(restartTime)") }
        if let selectDeferTime { lines.append("bgp graceful-restart select-defer-time \(selectDeferTime)") }
        switch mode {
        case .restart?: lines.append("bgp graceful-restart")
        case .disable?: lines.append("bgp graceful-restart-disable")
        case nil: break
        }
        if preserveForwardingState { lines.append("bgp graceful-restart preserve-fw-state") }
        return lines
    }
}

extension Parser {
    /// `[no] bgp graceful-restart ...` and `[no] bgp graceful-restart-disable`; `words` starts at `bgp`.
    mutating func gracefulRestartCommand(_ words: [Word], negated: Bool) throws(CommandError) {
        guard router != nil else { return }
        let text = words.map(\.text)
        var gr = router?.gracefulRestart ?? GracefulRestartConfig()
        if text[1] == "graceful-restart-disable" {
            try expect(words, count: 2)
            if !negated { gr.mode = .disable } else if gr.mode == .disable { gr.mode = nil }
        } else if words.count == 2 {
            if !negated { gr.mode = .restart } else if gr.mode == .restart { gr.mode = nil }
        } else {
            switch text[2] {
            case "restart-time":
                try expect(words, count: negated ? 3 : 4, orAtMost: 4)
                gr.restartTime = negated ? nil : try parseNumber(words[3], in: 0...4095, what: "restart-time")
            case "stalepath-time":
                try expect(words, count: negated ? 3 : 4, orAtMost: 4)
                gr.stalePathTime = negated ? nil : try parseNumber(words[3], in: 1...4095, what: "stalepath-time")
            case "select-defer-time":
                try expect(words, count: negated ? 3 : 4, orAtMost: 4)
                gr.selectDeferTime = negated ? nil : try parseNumber(words[3], in: 0...3600, what: "select-defer-time")
            case "preserve-fw-state":
                try expect(words, count: 3)
                gr.preserveForwardingState = !negated
            default:
                throw CommandError(message: "unknown 'bgp graceful-restart' command (restart-time, stalepath-time, select-defer-time, preserve-fw-state)", word: words[2])
            }
        }
        router?.gracefulRestart = gr
    }
}
