import Foundation
import Logging
import Postgres

/// Where Portico's database lives and with which roles it talks to it.
public struct DatabaseEndpoints: Sendable {
    /// The application role: owns nothing, no superuser, no BYPASSRLS.
    public let appURL: String
    /// The schema owner, for migrations; nil when only the application role is known.
    public let ownerURL: String?
    /// Set when Portico started its own cluster and should stop it on exit.
    public let embedded: EmbeddedCluster?
    public let embeddedStartedHere: Bool
    /// `PORTICO_DB_STATEMENT_CACHE`: every connection the process opens follows it, the
    /// one-off ones at start-up and in the CLI too — behind PgBouncer < 1.21 in transaction
    /// mode a single named statement left on a server connection breaks the next client.
    public var cacheStatements: Bool = true

    /// A pool on `conninfo` (one of the URLs above) that honours the statement-cache setting.
    public func pool(_ conninfo: String, maxConnections: Int, logger: Logger = Logger(label: "portico.postgres")) -> ConnectionPool {
        ConnectionPool(
            configuration: PoolConfiguration(conninfo: conninfo, maxConnections: maxConnections, cacheStatements: cacheStatements),
            logger: logger
        )
    }
}

/// Prepares the database before anything serves requests: starts the embedded cluster
/// when no `DATABASE_URL` is set, applies migrations when owner credentials are known,
/// and refuses an application role that could bypass row-level security.
public enum DatabaseBootstrap {
    /// Resolves the endpoints; starts the embedded cluster if needed.
    public static func endpoints(for configuration: AppConfiguration, logger: Logger) async throws -> DatabaseEndpoints {
        if let appURL = configuration.databaseURL {
            return DatabaseEndpoints(
                appURL: appURL, ownerURL: configuration.migrateDatabaseURL, embedded: nil, embeddedStartedHere: false,
                cacheStatements: configuration.databaseStatementCache
            )
        }
        try await StartupChecks.prepareDataDirectory(configuration.dataDirectory)
        let cluster = EmbeddedCluster(dataDirectory: configuration.dataDirectory, logger: logger)
        let handle = try await cluster.start()
        return DatabaseEndpoints(
            appURL: handle.appURL, ownerURL: handle.ownerURL, embedded: cluster, embeddedStartedHere: handle.startedHere,
            cacheStatements: configuration.databaseStatementCache
        )
    }

    public static func migrator(logger: Logger) throws -> Migrator {
        try Migrator(directory: try ResourceLocator.directory(named: "Migrations"), logger: logger)
    }

    /// Name of the application role, read from a connection made with the application URL.
    public static func applicationRole(_ endpoints: DatabaseEndpoints) async throws -> String {
        let pool = endpoints.pool(endpoints.appURL, maxConnections: 1)
        do {
            let role = try await pool.query("SELECT current_user").rows.first?.decode(at: 0, as: String.self) ?? ""
            await pool.close()
            return role
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Applies pending migrations as the owner, or, without owner credentials, checks that
    /// none are pending.
    public static func migrateOrVerify(_ endpoints: DatabaseEndpoints, logger: Logger) async throws {
        let migrator = try migrator(logger: logger)
        if let ownerURL = endpoints.ownerURL {
            let appRole = try await applicationRole(endpoints)
            let owner = endpoints.pool(ownerURL, maxConnections: 1, logger: logger)
            do {
                try await migrator.up(pool: owner, appRole: appRole)
                await owner.close()
            } catch {
                await owner.close()
                throw error
            }
        } else {
            let pool = endpoints.pool(endpoints.appURL, maxConnections: 1, logger: logger)
            let statuses: [MigrationStatus]
            do {
                statuses = try await migrator.status(pool: pool)
                await pool.close()
            } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                // Databases migrated before the application role could read the migration state.
                await pool.close()
                throw ConfigurationError(
                    variable: "MIGRATE_DATABASE_URL",
                    message:
                        "is not set and the application role may not read schema_migrations yet: run `portico migrate up` once with MIGRATE_DATABASE_URL pointing at the schema owner (it grants that read)"
                )
            } catch {
                await pool.close()
                throw error
            }
            let pending = statuses.filter { $0.appliedAt == nil }
            if !pending.isEmpty {
                throw ConfigurationError(
                    variable: "MIGRATE_DATABASE_URL",
                    message:
                        "is not set and \(pending.count) migration(s) are pending (\(pending.first!.migration.fileName)…): run `portico migrate up` with MIGRATE_DATABASE_URL pointing at the schema owner, or set it for `serve` to migrate on start"
                )
            }
        }
    }

    /// Refuses to serve as a role that row-level security would not hold back.
    public static func verifyApplicationRole(pool: ConnectionPool) async throws {
        guard
            let row = try await pool.query(
                """
                SELECT r.rolname, r.rolsuper, r.rolbypassrls,
                       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE c.relowner = r.oid AND n.nspname = 'public') AS owned
                  FROM pg_roles r WHERE r.rolname = current_user
                """
            ).rows.first
        else {
            throw ConfigurationError(variable: "DATABASE_URL", message: "connects as a role that pg_roles does not list")
        }
        let name: String = try row.decode("rolname")
        if try row.decode("rolsuper", as: Bool.self) {
            throw ConfigurationError(
                variable: "DATABASE_URL",
                message: "connects as superuser '\(name)'; use an application role without SUPERUSER (see docs/operator-guide.md, \"Roles\")")
        }
        if try row.decode("rolbypassrls", as: Bool.self) {
            throw ConfigurationError(
                variable: "DATABASE_URL",
                message: "connects as '\(name)', which has BYPASSRLS; use an application role without it (see docs/operator-guide.md, \"Roles\")")
        }
        if try row.decode("owned", as: Int.self) > 0 {
            throw ConfigurationError(
                variable: "DATABASE_URL",
                message: "connects as '\(name)', which owns tables; connect as the application role and keep the owner for MIGRATE_DATABASE_URL")
        }
    }
}
