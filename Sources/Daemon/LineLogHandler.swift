// evpnd's log lines: one line per event on stderr, `LEVEL message peer=10.0.0.2 vni=100`, metadata (peer, VNI) as
// key=value pairs a grep or journald's MESSAGE can match. Under systemd ($JOURNAL_STREAM set) journald stamps the
// time itself, so the timestamp is left out; elsewhere each line starts with one (ISO 8601, UTC).

import Glibc
import Logging

public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let timestamps: Bool

    public init(label: String, level: Logger.Level, timestamps: Bool = getenv("JOURNAL_STREAM") == nil) {
        self.label = label
        self.logLevel = level
        self.timestamps = timestamps
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = timestamps ? Self.timestamp() + " " : ""
        line += "\(event.level) \(Self.oneLine("\(event.message)"))"
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for key in all.keys.sorted() {
            line += " \(key)=\(Self.oneLine("\(all[key].map { "\($0)" } ?? "")"))"
        }
        line += "\n"
        // One write(2) per line: lines from different threads never interleave (pipes keep writes up to 4 KiB whole).
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Newlines in a message would split one event over several journal entries.
    static func oneLine(_ text: String) -> String {
        text.contains("\n") ? text.replacingNewlines() : text
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let millis = now.tv_nsec / 1_000_000
        let text = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text + "." + String(repeating: "0", count: millis < 10 ? 2 : millis < 100 ? 1 : 0) + "\(millis)Z"
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(self.map { $0 == "\n" ? " " : $0 })
    }
}
