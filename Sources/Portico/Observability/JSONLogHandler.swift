import Foundation
import Logging
import Synchronization

/// `LOG_FORMAT=json`: one JSON object per line — `ts` (UTC, milliseconds), `level`, `label`,
/// `msg`, then the metadata as top-level keys (nested metadata stays nested) — for log
/// shippers that index fields rather than parse text.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: @Sendable (String) -> Void

    /// A handler writing to `output` (standard error in production; a buffer in tests).
    public init(
        label: String, metadataProvider: Logger.MetadataProvider? = nil,
        output: @escaping @Sendable (String) -> Void = StandardError.writeLine
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let specific = event.metadata { merged.merge(specific) { $1 } }
        output(Self.line(level: event.level, label: label, message: event.message.description, metadata: merged, date: Date()))
    }

    /// The JSON text of one record (no trailing newline). The fixed keys win over metadata of
    /// the same name, which is kept under `meta.<name>`.
    static func line(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, date: Date) -> String {
        var object: [String: Any] = [:]
        for (key, value) in metadata {
            object[fixedKeys.contains(key) ? "meta.\(key)" : key] = json(value)
        }
        object["ts"] = date.formatted(timestampStyle)
        object["level"] = level.rawValue
        object["label"] = label
        object["msg"] = message
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"level":"error","msg":"log record could not be encoded as JSON"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    static let fixedKeys: Set<String> = ["ts", "level", "label", "msg"]
    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }
}

/// Whole lines to standard error, each with one `write(2)` under a lock, so lines from
/// concurrent tasks never interleave.
public enum StandardError {
    private static let lock = Mutex<Void>(())

    public static func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lock.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }
}
