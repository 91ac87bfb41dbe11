import Foundation
import Logging
import Postgres

/// Everything the application needs from the outside world, made once per process (or per
/// test) and handed to `buildApplication`.
public struct AppDependencies: Sendable {
    public let configuration: AppConfiguration
    public let pool: ConnectionPool
    public let listener: NotificationListener
    public let tenants: any TenantStore
    public let directory: TenantDirectory
    public let renderer: PageRenderer
    public let logger: Logger

    public init(
        configuration: AppConfiguration, pool: ConnectionPool, listener: NotificationListener,
        tenants: any TenantStore, renderer: PageRenderer, logger: Logger
    ) {
        self.configuration = configuration
        self.pool = pool
        self.listener = listener
        self.tenants = tenants
        self.directory = TenantDirectory(store: tenants, configuration: configuration, logger: logger)
        self.renderer = renderer
        self.logger = logger
    }

    /// Channels the process listens on.
    public static let notificationChannels = [TenantDirectory.notificationChannel]

    /// Builds the production dependencies against a database.
    public static func make(configuration: AppConfiguration, appURL: String, logger: Logger) async throws -> AppDependencies {
        let pool = ConnectionPool(
            configuration: PoolConfiguration(
                conninfo: appURL, maxConnections: configuration.effectivePoolSize,
                cacheStatements: configuration.databaseStatementCache
            ),
            logger: logger
        )
        let listener = NotificationListener(conninfo: appURL, channels: notificationChannels, logger: logger)
        let themes = try ThemeLibrary(directory: try ResourceLocator.directory(named: "Themes"))
        return AppDependencies(
            configuration: configuration, pool: pool, listener: listener,
            tenants: PostgresTenantStore(pool: pool), renderer: PageRenderer(themes: themes), logger: logger
        )
    }

    /// Releases what `make` opened.
    public func shutdown() async {
        await listener.stop()
        await pool.close()
    }
}
