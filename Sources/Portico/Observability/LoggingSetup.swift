import Logging
import Synchronization

/// Chooses the process's log handler once, from `LOG_FORMAT`: swift-log's key=value lines
/// on standard error (`text`), or one JSON object per line (`json`).
public enum LoggingSetup {
    private static let done = Mutex(false)

    public static func bootstrap(_ format: AppConfiguration.LogFormat) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        switch format {
        case .text:
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
        case .json:
            LoggingSystem.bootstrap({ label, provider in JSONLogHandler(label: label, metadataProvider: provider) }, metadataProvider: nil)
        }
    }
}
