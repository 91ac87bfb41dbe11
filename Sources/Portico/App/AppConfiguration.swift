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
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var configuration = AppConfiguration()
        if let url = value("DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.contains("=") else {
                throw ConfigurationError(
                    variable: "DATABASE_URL",
                    message: "must be a PostgreSQL URI (postgresql://user:password@host:5432/db) or a libpq key=value string")
            }
            configuration.databaseURL = url
        }
        if let url = value("MIGRATE_DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.contains("=") else {
                throw ConfigurationError(
                    variable: "MIGRATE_DATABASE_URL",
                    message: "must be a PostgreSQL URI (postgresql://owner:password@host:5432/db) or a libpq key=value string")
            }
            configuration.migrateDatabaseURL = url
        }
        if let url = value("PORTICO_LISTEN_DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.contains("=") else {
                throw ConfigurationError(
                    variable: "PORTICO_LISTEN_DATABASE_URL",
                    message: "must be a PostgreSQL URI (postgresql://user:password@primary:5432/db) or a libpq key=value string")
            }
            configuration.listenDatabaseURL = url
        }
        if let domain = value("PORTICO_BASE_DOMAIN") {
            guard let normalized = HostName.normalize(domain) else {
                throw ConfigurationError(variable: "PORTICO_BASE_DOMAIN", message: "must be a host name such as portal.example.net, got '\(domain)'")
            }
            configuration.baseDomain = normalized
        }
        if let host = value("PORTICO_OPERATOR_HOST") {
            guard let normalized = HostName.normalize(host) else {
                throw ConfigurationError(
                    variable: "PORTICO_OPERATOR_HOST", message: "must be a host name such as operator.example.net, got '\(host)'")
            }
            configuration.operatorHost = normalized
        }
        if let directory = value("PORTICO_DATA_DIR") {
            configuration.dataDirectory = URL(fileURLWithPath: directory)
        }
        if let url = value("SMTP_URL") {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw ConfigurationError(
                    variable: "SMTP_URL", message: "must start with smtp:// (STARTTLS) or smtps:// (implicit TLS), got '\(url.prefix(12))…'")
            }
            configuration.smtpURL = url
        }
        if let from = value("SMTP_FROM") {
            guard from.contains("@"), !from.contains("\r"), !from.contains("\n"), !from.contains(" ") else {
                throw ConfigurationError(variable: "SMTP_FROM", message: "must be a bare email address such as noreply@example.net")
            }
            configuration.smtpFrom = from
        }
        if let startTLS = value("SMTP_STARTTLS") {
            switch startTLS.lowercased() {
            case "on", "true", "1", "required": configuration.smtpStartTLS = true
            case "off", "false", "0": configuration.smtpStartTLS = false
            default: throw ConfigurationError(variable: "SMTP_STARTTLS", message: "must be on or off, got '\(startTLS)'")
            }
        }
        configuration.smtpCAFile = value("SMTP_CA_FILE")
        if let scheme = value("PORTICO_PUBLIC_SCHEME") {
            guard let parsed = Scheme(rawValue: scheme.lowercased()) else {
                throw ConfigurationError(variable: "PORTICO_PUBLIC_SCHEME", message: "must be http or https, got '\(scheme)'")
            }
            configuration.publicScheme = parsed
        }
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(
                    variable: "LOG_LEVEL", message: "must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
            }
            configuration.logLevel = parsed
        }
        if let proxies = value("PORTICO_TRUSTED_PROXIES") {
            var networks: [IPNetwork] = []
            for entry in proxies.split(separator: ",") {
                let trimmed = entry.trimmingCharacters(in: .whitespaces)
                guard let network = IPNetwork(trimmed) else {
                    throw ConfigurationError(
                        variable: "PORTICO_TRUSTED_PROXIES",
                        message: "must be a comma-separated list of IP addresses or CIDR ranges; '\(trimmed)' is neither")
                }
                networks.append(network)
            }
            configuration.trustedProxies = networks
        }
        if let size = value("PORTICO_DB_POOL_SIZE") {
            guard let parsed = Int(size), (1...500).contains(parsed) else {
                throw ConfigurationError(variable: "PORTICO_DB_POOL_SIZE", message: "must be a whole number from 1 to 500, got '\(size)'")
            }
            configuration.databasePoolSize = parsed
        }
        configuration.clamdSocket = value("CLAMD_SOCKET")
        if let port = value("PORTICO_INTERNAL_PORT") {
            guard let parsed = Int(port), (1...65535).contains(parsed) else {
                throw ConfigurationError(variable: "PORTICO_INTERNAL_PORT", message: "must be a TCP port from 1 to 65535, got '\(port)'")
            }
            configuration.internalPort = parsed
        }
        if let port = value("PORTICO_PUBLIC_PORT") {
            guard let parsed = Int(port), (1...65535).contains(parsed) else {
                throw ConfigurationError(variable: "PORTICO_PUBLIC_PORT", message: "must be a TCP port from 1 to 65535, got '\(port)'")
            }
            configuration.publicPort = parsed
        }
        if let cache = value("PORTICO_DB_STATEMENT_CACHE") {
            switch cache.lowercased() {
            case "on", "true", "1": configuration.databaseStatementCache = true
            case "off", "false", "0": configuration.databaseStatementCache = false
            default: throw ConfigurationError(variable: "PORTICO_DB_STATEMENT_CACHE", message: "must be on or off, got '\(cache)'")
            }
        }
        if let format = value("LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw ConfigurationError(variable: "LOG_FORMAT", message: "must be text or json, got '\(format)'")
            }
            configuration.logFormat = parsed
        }
        func seconds(_ raw: String?, _ name: String, in range: ClosedRange<Int>) throws -> Duration? {
            guard let raw else { return nil }
            guard let parsed = Int(raw), range.contains(parsed) else {
                throw ConfigurationError(
                    variable: name, message: "must be a whole number of seconds from \(range.lowerBound) to \(range.upperBound), got '\(raw)'")
            }
            return .seconds(parsed)
        }
        if let grace = try seconds(value("PORTICO_SHUTDOWN_GRACE_SECONDS"), "PORTICO_SHUTDOWN_GRACE_SECONDS", in: 1...300) {
            configuration.shutdownGrace = grace
        }
        if let timeout = try seconds(value("PORTICO_HTTP_HEADER_TIMEOUT_SECONDS"), "PORTICO_HTTP_HEADER_TIMEOUT_SECONDS", in: 1...300) {
            configuration.http.headerTimeout = timeout
        }
        if let timeout = try seconds(value("PORTICO_HTTP_IDLE_TIMEOUT_SECONDS"), "PORTICO_HTTP_IDLE_TIMEOUT_SECONDS", in: 1...3600) {
            configuration.http.idleTimeout = timeout
        }
        if let limit = value("PORTICO_MAX_CONNECTIONS") {
            guard let parsed = Int(limit), (1...1_000_000).contains(parsed) else {
                throw ConfigurationError(variable: "PORTICO_MAX_CONNECTIONS", message: "must be a whole number from 1 to 1000000, got '\(limit)'")
            }
            configuration.http.maxConnections = parsed
        }
        for (name, keyPath) in [
            ("PORTICO_WEBHOOKS_ALLOW_HTTP", \AppConfiguration.webhooksAllowHTTP),
            ("PORTICO_WEBHOOKS_ALLOW_PRIVATE", \AppConfiguration.webhooksAllowPrivate),
            ("PORTICO_AUDIT_VIEWS", \AppConfiguration.auditViews),
        ] {
            guard let flag = value(name) else { continue }
            switch flag.lowercased() {
            case "1", "on", "true", "yes": configuration[keyPath: keyPath] = true
            case "0", "off", "false", "no": configuration[keyPath: keyPath] = false
            default: throw ConfigurationError(variable: name, message: "must be 1 or 0, got '\(flag)'")
            }
        }
        configuration.backup = try BackupSettings.fromEnvironment(value)
        return configuration
    }

    /// Pool size actually used: configured, or the pool's default.
    var effectivePoolSize: Int {
        databasePoolSize > 0 ? databasePoolSize : 2 * ProcessInfo.processInfo.activeProcessorCount + 2
    }
}
