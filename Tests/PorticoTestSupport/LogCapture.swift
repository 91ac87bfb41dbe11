import Foundation
import Logging
import Portico
import Synchronization

/// Collects what a test's application logs, for assertions about the log itself (no token
/// in the access line, outage errors bounded, JSON lines that parse).
///
///     let capture = LogCapture()
///     try await TestApp.with(logger: capture.logger("app")) { app in … }
///     #expect(capture.records.contains { $0.message == "request" })
public final class LogCapture: Sendable {
    public struct Record: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
        /// Every value of the record as text, for "does this secret appear anywhere" checks.
        public var text: String { ([message] + metadata.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    private let state = Mutex<(records: [Record], jsonLines: [String])>(([], []))

    public init() {}

    public var records: [Record] { state.withLock { $0.records } }
    /// Lines of `jsonLogger` loggers, as the JSON handler wrote them.
    public var jsonLines: [String] { state.withLock { $0.jsonLines } }

    /// A logger that records everything at `level` and above.
    public func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// A logger writing through Portico's `JSONLogHandler` into `jsonLines`.
    public func jsonLogger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { label in
            JSONLogHandler(label: label) { [self] line in self.state.withLock { $0.jsonLines.append(line) } }
        }
        logger.logLevel = level
        return logger
    }

    /// Access lines (`request`) in order.
    public var accessLines: [Record] { records.filter { $0.message == "request" } }

    /// Waits until an access line for `route` was written (the server logs after the client
    /// has gone); returns it.
    @discardableResult
    public func waitForAccessLine(route: String, timeout: Duration = .seconds(10), failure: @autoclosure () -> String = "") async throws -> Record {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = accessLines.first(where: { $0.metadata["route"] == route }) { return line }
            guard ContinuousClock.now < deadline else { throw TestSupportError("no access line for \(route) within \(timeout) \(failure())") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    fileprivate func append(_ record: Record) {
        state.withLock { $0.records.append(record) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .debug
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let specific = event.metadata { merged.merge(specific) { $1 } }
            capture.append(
                Record(
                    level: event.level, message: event.message.description,
                    metadata: merged.mapValues { "\($0)" }))
        }
    }
}
