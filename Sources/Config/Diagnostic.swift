// Diagnostics of the config parser, printed the way compilers print them so that editors and
// scripts can jump to the spot: `FILE:LINE:COLUMN: error: message: 'offending text'`.

public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, in characters.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

public struct Diagnostic: Hashable, Sendable, CustomStringConvertible, Error {
    public enum Severity: String, Hashable, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    /// The text the message is about (a whole line or one word of it); empty when there is none.
    public var text: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String, text: String = "") {
        self.severity = severity
        self.location = location
        self.message = message
        self.text = text
    }

    public var description: String {
        text.isEmpty
            ? "\(location): \(severity.rawValue): \(message)"
            : "\(location): \(severity.rawValue): \(message): '\(text)'"
    }
}

/// What `ConfigParser.parse` found: the configuration when there were no errors, and every diagnostic either way.
public struct ConfigParseResult: Sendable {
    public var config: BGPConfig?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}
