// vtysh's pretty JSON (json-c's JSON_C_TO_STRING_PRETTY, as FRR prints it): two spaces per level, no space
// after the colon, `/` escaped, an empty object as `{\n}`. evpnd's views built as ordered `JSONValue`s print
// so, keeping FRR's key order, which a plain JSONEncoder does not promise.

import BGPWire

extension JSONValue {
    var frrPretty: String {
        var out = ""
        writeFRR(into: &out, indent: 0)
        return out
    }

    private func writeFRR(into out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        switch self {
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                out += (i == 0 ? "\n" : ",\n") + pad
                item.writeFRR(into: &out, indent: indent + 2)
            }
            out += "\n" + String(repeating: " ", count: indent) + "]"
        case .object(let pairs):
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                out += (i == 0 ? "\n" : ",\n") + pad
                out += JSONValue.string(key).serialized.replacingSlashes + ":"
                value.writeFRR(into: &out, indent: indent + 2)
            }
            out += "\n" + String(repeating: " ", count: indent) + "}"
        case .string:
            out += serialized.replacingSlashes
        default:
            out += serialized
        }
    }
}

private extension String {
    /// json-c escapes `/` (FRR's "n\/a").
    var replacingSlashes: String { split(separator: "/", omittingEmptySubsequences: false).joined(separator: "\\/") }
}
