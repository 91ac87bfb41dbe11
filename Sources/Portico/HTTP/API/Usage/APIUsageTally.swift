import Foundation
import Synchronization

/// Which API a request used: the subscriber app's (bearer tokens) or a WISP's integration
/// (API keys).
public enum APISurface: String, Sendable, CaseIterable {
    case subscriber
    case integration
}

/// API requests counted in memory per tenant, UTC day and surface, until `APIUsageFlusher`
/// adds them to `api_usage_daily`. Counting is a lock and a dictionary update, so the hot
/// path pays no database write; an instance that dies loses at most a minute of counts.
public final class APIUsageTally: Sendable {
    struct Key: Hashable, Sendable {
        let tenant: TenantID
        /// Days since 1970-01-01 (UTC).
        let day: Int
        let surface: APISurface
    }

    private let counts = Mutex<[Key: Int]>([:])

    public init() {}

    public func count(_ surface: APISurface, tenant: TenantID, at date: Date = Date()) {
        let key = Key(tenant: tenant, day: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)), surface: surface)
        counts.withLock { $0[key, default: 0] += 1 }
    }

    /// Everything counted so far, leaving the tally empty.
    func drain() -> [Key: Int] {
        counts.withLock { counts in
            defer { counts = [:] }
            return counts
        }
    }

    /// Puts back counts a failed flush could not write, so they go with the next one.
    func restore(_ drained: [Key: Int]) {
        counts.withLock { counts in
            for (key, value) in drained { counts[key, default: 0] += value }
        }
    }
}
