// `metrics listen ADDRESS PORT`: an evpnd extension (FRR has no such command; FRR would refuse the line),
// at the top level of the file. Turns the Prometheus endpoint on (docs/OPERATIONS.md, Metrics); without
// the line, and without `evpnd --metrics ADDRESS:PORT`, there is no endpoint.

import BGPWire

/// Where the Prometheus endpoint listens.
public struct MetricsEndpointConfig: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `ADDRESS:PORT`, IPv6 in brackets (`[::1]:9479`), as the `--metrics` flag takes it.
    public init?(endpoint text: String) {
        let addressText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            addressText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            addressText = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !addressText.contains(":") else { return nil }  // IPv6 needs brackets
        }
        guard let address = IPAddress(String(addressText)), let port = UInt16(portText), port != 0 else { return nil }
        self.init(address: address, port: port)
    }

    /// As the flag takes it.
    public var description: String {
        switch address {
        case .v4: return "\(address):\(port)"
        case .v6: return "[\(address)]:\(port)"
        }
    }

    /// The configuration line.
    public var line: String { "metrics listen \(address) \(port)" }
}

extension Parser {
    mutating func metricsCommand(_ words: [Word]) throws(CommandError) -> Outcome {
        guard words.count >= 2, words[1].text == "listen" else {
            throw CommandError(message: "expected 'metrics listen ADDRESS PORT'", word: words.count >= 2 ? words[1] : words[0])
        }
        guard words.count >= 4 else { throw CommandError(message: "'metrics listen' needs an address and a port", word: words[1]) }
        guard words.count == 4 else { throw CommandError(message: "unexpected word", word: words[4]) }
        guard let address = IPAddress(words[2].text) else { throw CommandError(message: "bad address", word: words[2]) }
        let port = try parseNumber(words[3], in: 1...65535, what: "port")
        if metrics != nil { warning("a second 'metrics listen' line; this one is in force", words[0]) }
        metrics = MetricsEndpointConfig(address: address, port: port)
        return .done
    }
}
