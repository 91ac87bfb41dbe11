import Foundation
import Logging
import Postgres
import PorticoCrypto

/// Everything the application needs from the outside world, made once per process (or per
/// test) and handed to `buildApplication`.
public struct AppDependencies: Sendable {
    public let configuration: AppConfiguration
    public let pool: ConnectionPool
    public let listener: NotificationListener
    public let tenants: any TenantStore
    public let directory: TenantDirectory
    public let renderer: PageRenderer
    public let repositories: Repositories
    public let sessions: any SessionStore
    public let hasher: PasswordHasher
    public let passwordPolicy: PasswordPolicy
    public let rateLimiter: RateLimiter
    public let outbox: Outbox
    public let logger: Logger

    public init(
        configuration: AppConfiguration, pool: ConnectionPool, listener: NotificationListener,
        tenants: any TenantStore, renderer: PageRenderer, hasher: PasswordHasher, logger: Logger,
        repositories: Repositories = .postgres, sessions: any SessionStore = PostgresSessionStore(),
        passwordPolicy: PasswordPolicy = .standard
    ) {
        self.configuration = configuration
        self.pool = pool
        self.listener = listener
        self.tenants = tenants
        self.directory = TenantDirectory(store: tenants, configuration: configuration, logger: logger)
        self.renderer = renderer
        self.repositories = repositories
        self.sessions = sessions
        self.hasher = hasher
        self.passwordPolicy = passwordPolicy
        self.rateLimiter = RateLimiter(pool: pool)
        self.outbox = Outbox(composer: EmailComposer(renderer: renderer))
        self.logger = logger
    }

    /// Channels the process listens on.
    public static let notificationChannels = [TenantDirectory.notificationChannel, "portico_outbox", "portico_events"]

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
            tenants: PostgresTenantStore(pool: pool), renderer: PageRenderer(themes: themes), hasher: PasswordHasher(), logger: logger
        )
    }

    /// Releases what `make` opened.
    public func shutdown() async {
        await listener.stop()
        await hasher.shutdown()
        await pool.close()
    }

    var cookies: SessionCookies { SessionCookies(https: configuration.publicScheme == .https) }
}
