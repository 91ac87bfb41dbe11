import Foundation
import Logging

/// Everything Portico reads from its environment, validated once at start-up.
///
/// A bad value stops start-up with one line that names the variable and says what is
/// expected (`ConfigurationError`).
public struct AppConfiguration: Sendable {
    public enum Scheme: String, Sendable { case http, https }
    /// `LOG_FORMAT`: `text` (swift-log's key=value lines) or `json` (one object per line).
    public enum LogFormat: String, Sendable { case text, json }

    /// Application role connection; nil means "start the embedded cluster".
    public var databaseURL: String?
    /// Owner role connection for migrations; defaults to the embedded owner or stays nil.
    public var migrateDatabaseURL: String?
    /// A direct (non-pooled) application-role connection for `LISTEN`, when `databaseURL`
    /// goes through PgBouncer in transaction mode; nil: `databaseURL` is used.
    public var listenDatabaseURL: String?
    public var baseDomain: String
    public var operatorHost: String
    public var dataDirectory: URL
    public var smtpURL: String?
    public var smtpFrom: String
    public var smtpStartTLS: Bool
    public var smtpCAFile: String?
    public var publicScheme: Scheme
    public var logLevel: Logger.Level
    public var trustedProxies: [IPNetwork]
    public var databasePoolSize: Int
    /// `CLAMD_SOCKET`: path of clamd's UNIX socket (`/run/clamav/clamd.ctl`). When set, every
    /// uploaded file is scanned with `zINSTREAM` before it is accepted, and an unreachable or
    /// failing scanner refuses the upload (fail closed). clamd's `StreamMaxLength` must be at
    /// least 15 MB. Unset: uploads are not scanned.
    public var clamdSocket: String?
    /// Loopback-only listener for Caddy's on-demand TLS `ask` endpoint.
    public var internalPort: Int
    /// Port for links in emails when it is not the scheme's default (`PORTICO_PUBLIC_PORT`);
    /// on a `localhost` base domain `serve` uses its own port.
    public var publicPort: Int?
    /// Prepare statements once per connection (`PORTICO_DB_STATEMENT_CACHE=off` behind old PgBouncer).
    public var databaseStatementCache: Bool
    /// `PORTICO_WEBHOOKS_ALLOW_HTTP=1`: webhook endpoints may use plain http:// (tests, demo).
    /// Otherwise only https:// is accepted.
    public var webhooksAllowHTTP: Bool = false
    /// `PORTICO_WEBHOOKS_ALLOW_PRIVATE=1`: webhooks may go to loopback and private addresses
    /// (tests, demo). Otherwise a host that resolves to one is refused at delivery time.
    public var webhooksAllowPrivate: Bool = false
    /// `PORTICO_AUDIT_VIEWS=1` (tests): refuse to render a view a template would read by
    /// reflection (`ViewModelAudit`); the browser suite runs with it so every page it opens is checked.
    public var auditViews: Bool = false
    /// `LOG_FORMAT`.
    public var logFormat: LogFormat = .text
    /// Slow-client limits of the public listener (`PORTICO_HTTP_*`, `PORTICO_MAX_CONNECTIONS`).
    public var http = HTTPLimits()
    /// `PORTICO_SHUTDOWN_GRACE_SECONDS`: from SIGTERM to exit at most this long (plus stopping
    /// an embedded PostgreSQL): requests in flight and the mail or webhook in hand finish,
    /// or are cut off and released for another instance.
    public var shutdownGrace: Duration = .seconds(10)
    /// `PORTICO_BACKUP_DIR`, `PORTICO_BACKUP_SCHEDULE`, `PORTICO_BACKUP_KEEP`, `PORTICO_BACKUP_MAX_AGE_DAYS`.
    public var backup = BackupSettings()

    public init(
        databaseURL: String? = nil,
        migrateDatabaseURL: String? = nil,
        baseDomain: String = "localhost",
        operatorHost: String = "operator.localhost",
        dataDirectory: URL = URL(fileURLWithPath: ".portico"),
        smtpURL: String? = nil,
        smtpFrom: String = "portico@localhost",
        smtpStartTLS: Bool = true,
        smtpCAFile: String? = nil,
        publicScheme: Scheme = .http,
        logLevel: Logger.Level = .info,
        trustedProxies: [IPNetwork] = [],
        databasePoolSize: Int = 0,
        clamdSocket: String? = nil,
        internalPort: Int = 8081,
        publicPort: Int? = nil,
        databaseStatementCache: Bool = true
    ) {
        self.databaseURL = databaseURL
        self.migrateDatabaseURL = migrateDatabaseURL
        self.baseDomain = baseDomain
        self.operatorHost = operatorHost
        self.dataDirectory = dataDirectory
        self.smtpURL = smtpURL
        self.smtpFrom = smtpFrom
        self.smtpStartTLS = smtpStartTLS
        self.smtpCAFile = smtpCAFile
        self.publicScheme = publicScheme
        self.logLevel = logLevel
        self.trustedProxies = trustedProxies
        self.databasePoolSize = databasePoolSize
        self.clamdSocket = clamdSocket
        self.internalPort = internalPort
        self.publicPort = publicPort
        self.databaseStatementCache = databaseStatementCache
    }

    /// Reads and validates the environment.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        let read = EnvironmentReader(environment: environment)
        var configuration = AppConfiguration()
        try configuration.readDatabase(read)
        try configuration.readSites(read)
        try configuration.readMail(read)
        try configuration.readLogging(read)
        try configuration.readHTTP(read)
        for (name, keyPath) in [
            ("PORTICO_WEBHOOKS_ALLOW_HTTP", \AppConfiguration.webhooksAllowHTTP),
            ("PORTICO_WEBHOOKS_ALLOW_PRIVATE", \AppConfiguration.webhooksAllowPrivate),
            ("PORTICO_AUDIT_VIEWS", \AppConfiguration.auditViews),
        ] {
            if let flag = try read.oneOrZero(name) { configuration[keyPath: keyPath] = flag }
        }
        configuration.clamdSocket = read.value("CLAMD_SOCKET")
        configuration.backup = try BackupSettings.fromEnvironment(read.value)
        return configuration
    }

    private mutating func readDatabase(_ read: EnvironmentReader) throws {
        databaseURL = try read.databaseURL("DATABASE_URL", example: "postgresql://user:password@host:5432/db") ?? databaseURL
        migrateDatabaseURL =
            try read.databaseURL("MIGRATE_DATABASE_URL", example: "postgresql://owner:password@host:5432/db")
            ?? migrateDatabaseURL
        listenDatabaseURL =
            try read.databaseURL("PORTICO_LISTEN_DATABASE_URL", example: "postgresql://user:password@primary:5432/db")
            ?? listenDatabaseURL
        databasePoolSize = try read.number("PORTICO_DB_POOL_SIZE", in: 1...500) ?? databasePoolSize
        databaseStatementCache = try read.onOff("PORTICO_DB_STATEMENT_CACHE") ?? databaseStatementCache
    }

    private mutating func readSites(_ read: EnvironmentReader) throws {
        baseDomain = try read.hostName("PORTICO_BASE_DOMAIN", example: "portal.example.net") ?? baseDomain
        operatorHost = try read.hostName("PORTICO_OPERATOR_HOST", example: "operator.example.net") ?? operatorHost
        if let directory = read.value("PORTICO_DATA_DIR") { dataDirectory = URL(fileURLWithPath: directory) }
        publicScheme = try read.choice("PORTICO_PUBLIC_SCHEME", as: Scheme.self, expected: "http or https") ?? publicScheme
    }

    private mutating func readMail(_ read: EnvironmentReader) throws {
        if let url = read.value("SMTP_URL") {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw ConfigurationError(
                    variable: "SMTP_URL", message: "must start with smtp:// (STARTTLS) or smtps:// (implicit TLS), got '\(url.prefix(12))…'")
            }
            smtpURL = url
        }
        if let from = read.value("SMTP_FROM") {
            guard from.contains("@"), !from.contains("\r"), !from.contains("\n"), !from.contains(" ") else {
                throw ConfigurationError(variable: "SMTP_FROM", message: "must be a bare email address such as noreply@example.net")
            }
            smtpFrom = from
        }
        smtpStartTLS = try read.onOff("SMTP_STARTTLS", alsoOn: ["required"]) ?? smtpStartTLS
        smtpCAFile = read.value("SMTP_CA_FILE")
    }

    private mutating func readLogging(_ read: EnvironmentReader) throws {
        if let level = read.value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(
                    variable: "LOG_LEVEL", message: "must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
            }
            logLevel = parsed
        }
        logFormat = try read.choice("LOG_FORMAT", as: LogFormat.self, expected: "text or json") ?? logFormat
    }

    private mutating func readHTTP(_ read: EnvironmentReader) throws {
        if let proxies = read.value("PORTICO_TRUSTED_PROXIES") {
            trustedProxies = try proxies.split(separator: ",").map { entry in
                let trimmed = entry.trimmingCharacters(in: .whitespaces)
                guard let network = IPNetwork(trimmed) else {
                    throw ConfigurationError(
                        variable: "PORTICO_TRUSTED_PROXIES",
                        message: "must be a comma-separated list of IP addresses or CIDR ranges; '\(trimmed)' is neither")
                }
                return network
            }
        }
        internalPort = try read.port("PORTICO_INTERNAL_PORT") ?? internalPort
        publicPort = try read.port("PORTICO_PUBLIC_PORT") ?? publicPort
        shutdownGrace = try read.seconds("PORTICO_SHUTDOWN_GRACE_SECONDS", in: 1...300) ?? shutdownGrace
        http.headerTimeout = try read.seconds("PORTICO_HTTP_HEADER_TIMEOUT_SECONDS", in: 1...300) ?? http.headerTimeout
        http.idleTimeout = try read.seconds("PORTICO_HTTP_IDLE_TIMEOUT_SECONDS", in: 1...3600) ?? http.idleTimeout
        http.maxConnections = try read.number("PORTICO_MAX_CONNECTIONS", in: 1...1_000_000) ?? http.maxConnections
    }

    /// Pool size actually used: configured, or the pool's default.
    var effectivePoolSize: Int {
        databasePoolSize > 0 ? databasePoolSize : 2 * ProcessInfo.processInfo.activeProcessorCount + 2
    }
}
