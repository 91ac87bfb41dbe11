import Foundation
import Logging
import Postgres

/// Everything the application needs from the outside world, made once per process (or per
/// test) and handed to `buildApplication`.
public struct AppDependencies: Sendable {
    public let configuration: AppConfiguration
    public let pool: ConnectionPool
    public let logger: Logger

    public init(configuration: AppConfiguration, pool: ConnectionPool, logger: Logger) {
        self.configuration = configuration
        self.pool = pool
        self.logger = logger
    }

    /// Builds the production dependencies against a database.
    public static func make(configuration: AppConfiguration, appURL: String, logger: Logger) async throws -> AppDependencies {
        let pool = ConnectionPool(
            configuration: PoolConfiguration(conninfo: appURL, maxConnections: configuration.effectivePoolSize),
            logger: logger
        )
        return AppDependencies(configuration: configuration, pool: pool, logger: logger)
    }

    /// Releases what `make` opened.
    public func shutdown() async {
        await pool.close()
    }
}
