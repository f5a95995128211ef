// Human-readable rendering of decoded messages, one block per message, in the order of the wire.
import BGPWire

enum TextRendering {
    static func render(_ message: DecodedMessage) -> String {
        var lines = ["\(message.type) at offset \(message.offset), \(message.length) octets"]
        switch message.result {
        case .failure(let error):
            lines.append("  error: \(error)")
        case .success(let decoded):
            lines += body(decoded.json(context: message.context), indent: "  ")
        }
        return lines.joined(separator: "\n")
    }

    /// Walks the JSON description, so text and JSON never disagree about what a message holds.
    private static func body(_ value: JSONValue, indent: String) -> [String] {
        guard case .object(let pairs) = value else { return [indent + scalar(value)] }
        var lines: [String] = []
        for (key, member) in pairs where key != "type" || indent != "  " {
            switch member {
            case .object:
                lines.append(indent + key + ":")
                lines += body(member, indent: indent + "  ")
            case .array(let items) where items.contains(where: { if case .object = $0 { return true } else { return false } }):
                lines.append(indent + key + ":")
                for item in items {
                    let inner = body(item, indent: indent + "    ")
                    if let first = inner.first {
                        lines.append(indent + "  - " + first.dropFirst(indent.count + 4))
                        lines += inner.dropFirst()
                    }
                }
            default:
                lines.append(indent + key + ": " + scalar(member))
            }
        }
        return lines
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "-"
        case .bool(let b): return b ? "yes" : "no"
        case .number(let i): return String(i)
        case .string(let s): return s
        case .array(let items): return items.map(scalar).joined(separator: ", ")
        case .object: return value.serialized
        }
    }
}
