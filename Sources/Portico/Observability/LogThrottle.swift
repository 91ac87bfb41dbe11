import Logging
import Synchronization

/// Lets one line of a kind through per interval and counts the ones it holds back, which
/// the next line reports as `suppressed`. A database outage under load would otherwise
/// write the same error for every request — tens of thousands of lines a minute that
/// bury the one that matters.
public final class LogThrottle: Sendable {
    public let interval: Duration
    private let state = Mutex<[String: Entry]>([:])
    private let clock: @Sendable () -> ContinuousClock.Instant

    struct Entry {
        var lastEmitted: ContinuousClock.Instant
        var suppressed: Int
    }

    /// `clock` is for tests that need time to stand still or jump.
    public init(interval: Duration = .seconds(10), clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.interval = interval
        self.clock = clock
    }

    /// nil: hold this line back. Otherwise emit it, noting how many were held back since
    /// the previous one of this kind.
    public func admit(_ key: String, now: ContinuousClock.Instant? = nil) -> Int? {
        let now = now ?? clock()
        return state.withLock { entries in
            if var entry = entries[key], now < entry.lastEmitted + interval {
                entry.suppressed += 1
                entries[key] = entry
                return nil
            }
            let suppressed = entries[key]?.suppressed ?? 0
            entries[key] = Entry(lastEmitted: now, suppressed: 0)
            return suppressed
        }
    }
}

extension Logger {
    /// Logs through `throttle`: at most one line per interval for `key`, with the count of
    /// those held back since the last one.
    public func throttled(
        _ throttle: LogThrottle, key: String, level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        guard logLevel <= level, let suppressed = throttle.admit(key) else { return }
        var metadata = metadata()
        if suppressed > 0 {
            metadata["suppressed"] = "\(suppressed)"
        }
        metadata["repeats_at_most_every_s"] = "\(throttle.interval.components.seconds)"
        log(level: level, message(), metadata: metadata)
    }
}
