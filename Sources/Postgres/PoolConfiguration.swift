import Foundation

/// How a `ConnectionPool` connects and how large it may grow.
public struct PoolConfiguration: Sendable {
    /// A libpq URI (`postgresql://user:pass@host:port/db`) or key/value conninfo.
    public var conninfo: String
    /// Upper bound on open connections; also the size of the blocking-call thread pool.
    public var maxConnections: Int
    /// How long a caller waits for a free connection before getting `.poolTimeout`.
    public var acquireTimeout: Duration
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String
    /// Prepare each distinct statement once per connection (see `Connection.connect`).
    public var cacheStatements: Bool

    public init(
        conninfo: String,
        maxConnections: Int = PoolConfiguration.defaultMaxConnections,
        acquireTimeout: Duration = .seconds(5),
        applicationName: String = "portico",
        cacheStatements: Bool = true
    ) {
        self.conninfo = conninfo
        self.maxConnections = max(1, maxConnections)
        self.acquireTimeout = acquireTimeout
        self.applicationName = applicationName
        self.cacheStatements = cacheStatements
    }

    /// 2 × cores + 2: enough to keep the database busy while some connections wait on I/O.
    public static var defaultMaxConnections: Int {
        2 * ProcessInfo.processInfo.activeProcessorCount + 2
    }
}
