// The control socket's protocol: a Unix stream socket carrying one JSON object per line each way.
//
//   evpnctl -> evpnd   {"command":["show","bgp","l2vpn","evpn","summary"],"json":true}\n
//   evpnd  -> evpnctl  {"ok":true,"output":"{ ...FRR's JSON... }"}\n
//
// The daemon renders the output (as vtysh's daemons do), so the CLI stays thin and every command's text and JSON
// come from one place. The command is vtysh's words, so new commands need no protocol change.

// FoundationEssentials, not Foundation: the daemon links this module, and Foundation would bring ICU and
// about 6 MB of resident libraries into evpnd for nothing it uses (docs/PERFORMANCE.md, idle memory).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum ControlSocket {
    public static let defaultPath = "/run/evpnd/evpnd.sock"
    /// A request line longer than this is refused (and the connection closed): no unbounded buffering.
    public static let maxRequestLength = 64 * 1024
}

public struct ControlRequest: Codable, Hashable, Sendable {
    /// vtysh's words, e.g. ["show", "bgp", "l2vpn", "evpn", "summary"].
    public var command: [String]
    /// `--json`: FRR's JSON layout instead of vtysh's table.
    public var json: Bool

    public init(command: [String], json: Bool = false) {
        self.command = command
        self.json = json
    }

    /// One line of the protocol, newline included.
    public func encodedLine() throws -> Data {
        var data = try JSONEncoder().encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func decode(line: some DataProtocol) throws -> ControlRequest {
        try JSONDecoder().decode(ControlRequest.self, from: Data(line))
    }
}

public struct ControlResponse: Codable, Hashable, Sendable {
    public var ok: Bool
    /// What to print: FRR's JSON text or vtysh's table.
    public var output: String
    /// Why the request failed, when `ok` is false.
    public var error: String?

    public init(ok: Bool, output: String = "", error: String? = nil) {
        self.ok = ok
        self.output = output
        self.error = error
    }

    public static func failure(_ message: String) -> ControlResponse { ControlResponse(ok: false, error: message) }

    public func encodedLine() -> Data {
        // Encoding a struct of strings and a bool cannot fail; fall back to a fixed line rather than trap.
        var data = (try? JSONEncoder().encode(self)) ?? Data(#"{"ok":false,"output":"","error":"internal encoding error"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func decode(line: some DataProtocol) throws -> ControlResponse {
        try JSONDecoder().decode(ControlResponse.self, from: Data(line))
    }
}
