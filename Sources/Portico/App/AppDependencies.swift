import Foundation
import Logging
import Mailer
import PorticoCrypto
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
    public let repositories: Repositories
    public let sessions: any SessionStore
    public let hasher: PasswordHasher
    public let passwordPolicy: PasswordPolicy
    public let rateLimiter: RateLimiter
    public let outbox: Outbox
    public let mailTransport: any MailTransport
    /// Uploaded files: `PORTICO_DATA_DIR/files/<tenant>/…` unless a test gives another store.
    public let blobStore: any BlobStore
    /// clamd when `CLAMD_SOCKET` is set, otherwise no scanning.
    public let virusScanner: any VirusScanner
    /// TXT lookups for custom-domain verification (tests pass a fake).
    public let dnsResolver: any DNSResolver
    public let logger: Logger
    /// Repeated failure lines (a database outage) at most once per interval per kind.
    public var logThrottle = LogThrottle()
    /// Triggered at the first SIGTERM/SIGINT, before the HTTP server has drained: the mail
    /// and webhook workers stop claiming at once.
    public let shutdownSignal = ShutdownSignal()
    /// API requests per tenant, counted in memory and flushed by `APIUsageFlusher`.
    public let apiUsage = APIUsageTally()

    public init(
        configuration: AppConfiguration, pool: ConnectionPool, listener: NotificationListener,
        tenants: any TenantStore, renderer: PageRenderer, hasher: PasswordHasher, logger: Logger,
        repositories: Repositories = .postgres, sessions: any SessionStore = PostgresSessionStore(),
        passwordPolicy: PasswordPolicy = .standard, mailTransport: (any MailTransport)? = nil,
        blobStore: (any BlobStore)? = nil, virusScanner: (any VirusScanner)? = nil,
        dnsResolver: any DNSResolver = SystemDNSResolver()
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
        self.mailTransport = mailTransport ?? MailDropTransport(directory: configuration.dataDirectory.appendingPathComponent("mail"), logger: logger)
        self.blobStore = blobStore ?? FileBlobStore(root: configuration.dataDirectory.appendingPathComponent("files"))
        self.virusScanner = virusScanner ?? configuration.makeVirusScanner()
        self.dnsResolver = dnsResolver
        self.logger = logger
    }

    /// The relay named by `SMTP_URL`, or the mail drop (`.eml` files under the data directory).
    public static func mailTransport(for configuration: AppConfiguration, logger: Logger) throws -> any MailTransport {
        guard let url = configuration.smtpURL else {
            return MailDropTransport(directory: configuration.dataDirectory.appendingPathComponent("mail"), logger: logger)
        }
        do {
            let smtp = try SMTPConfiguration.parse(url: url, startTLS: configuration.smtpStartTLS, caFile: configuration.smtpCAFile)
            return SMTPTransport(configuration: smtp, concurrency: 2, logger: logger)
        } catch let error as MailError {
            if case .invalidConfiguration(let variable, let message) = error {
                throw ConfigurationError(variable: variable, message: message)
            }
            throw ConfigurationError(variable: "SMTP_URL", message: "\(error)")
        }
    }

    /// Outbox delivery through this process's mail transport.
    public var outboxDelivery: OutboxDelivery {
        OutboxDelivery(pool: pool, transport: mailTransport, fromAddress: configuration.smtpFrom, logger: logger)
    }

    /// Channels the process listens on.
    public static let notificationChannels = [TenantDirectory.notificationChannel, "portico_outbox", LiveEvent.channel, WebhookDelivery.channel]

    /// Webhook delivery with the production back-off schedule and this configuration's
    /// http / private-address switches.
    public var webhookDelivery: WebhookDelivery {
        var policy = WebhookDelivery.Policy()
        policy.allowHTTP = configuration.webhooksAllowHTTP
        policy.allowPrivate = configuration.webhooksAllowPrivate
        return WebhookDelivery(pool: pool, policy: policy, logger: logger)
    }

    /// Builds the production dependencies against a database.
    public static func make(configuration: AppConfiguration, appURL: String, logger: Logger) async throws -> AppDependencies {
        let pool = ConnectionPool(
            configuration: PoolConfiguration(
                conninfo: appURL, maxConnections: configuration.effectivePoolSize,
                cacheStatements: configuration.databaseStatementCache
            ),
            logger: logger
        )
        // LISTEN needs a session of its own: through PgBouncer in transaction mode it would
        // not hear anything, so PORTICO_LISTEN_DATABASE_URL may name a direct connection.
        // A start-up NOTIFY round trip tells when it would not (`NotificationListener.Status`).
        let listenURL = configuration.databaseURL != nil ? (configuration.listenDatabaseURL ?? appURL) : appURL
        let listener = NotificationListener(
            conninfo: listenURL, channels: notificationChannels, cacheStatements: configuration.databaseStatementCache,
            urlVariable: configuration.databaseURL != nil && configuration.listenDatabaseURL != nil ? "PORTICO_LISTEN_DATABASE_URL" : "DATABASE_URL",
            logger: logger
        )
        let themes = try ThemeLibrary(directory: try ResourceLocator.directory(named: "Themes"))
        let catalogs = try MessageCatalogs(directory: try ResourceLocator.directory(named: "Locales"))
        return AppDependencies(
            configuration: configuration, pool: pool, listener: listener,
            tenants: PostgresTenantStore(pool: pool),
            renderer: PageRenderer(themes: themes, catalogs: catalogs, auditsViews: configuration.auditViews), hasher: PasswordHasher(),
            logger: logger,
            mailTransport: try mailTransport(for: configuration, logger: logger)
        )
    }

    /// Releases what `make` opened.
    public func shutdown() async {
        await listener.stop()
        if let smtp = mailTransport as? SMTPTransport { await smtp.shutdown() }
        await hasher.shutdown()
        await pool.close()
    }

    var cookies: SessionCookies { SessionCookies(https: configuration.publicScheme == .https) }
}
