import Foundation
import Logging
import Postgres

/// `portico migrate up|down|status`, callable from the CLI and from tests.
public enum MigrationCommands {
    /// Owner URL, application role and a cleanup for the embedded cluster.
    struct Target {
        let ownerURL: String
        let appRole: String
        let endpoints: DatabaseEndpoints

        func finish() async {
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
        }
    }

    static func target(_ configuration: AppConfiguration, logger: Logger) async throws -> Target {
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: logger)
        guard let ownerURL = endpoints.ownerURL else {
            throw ConfigurationError(
                variable: "MIGRATE_DATABASE_URL",
                message: "must be set to the schema owner's connection to run migrations against an external database")
        }
        let appRole: String
        if let role = ProcessInfo.processInfo.environment["PORTICO_APP_ROLE"], !role.isEmpty {
            appRole = role
        } else {
            appRole = try await DatabaseBootstrap.applicationRole(endpoints)
        }
        return Target(ownerURL: ownerURL, appRole: appRole, endpoints: endpoints)
    }

    static func withOwnerPool<T: Sendable>(
        _ configuration: AppConfiguration, _ body: (Migrator, ConnectionPool, String) async throws -> T
    ) async throws -> T {
        let logger = makeLogger(label: "portico.migrate", level: configuration.logLevel)
        let target = try await target(configuration, logger: logger)
        let pool = target.endpoints.pool(target.ownerURL, maxConnections: 1, logger: logger)
        do {
            let result = try await body(try DatabaseBootstrap.migrator(logger: logger), pool, target.appRole)
            await pool.close()
            await target.finish()
            return result
        } catch {
            await pool.close()
            await target.finish()
            throw error
        }
    }

    public static func up(configuration: AppConfiguration, limit: Int?) async throws -> [String] {
        try await withOwnerPool(configuration) { migrator, pool, appRole in
            try await migrator.up(pool: pool, appRole: appRole, limit: limit).map(\.fileName)
        }
    }

    public static func down(configuration: AppConfiguration, count: Int) async throws -> [String] {
        try await withOwnerPool(configuration) { migrator, pool, appRole in
            try await migrator.down(pool: pool, appRole: appRole, count: count).map(\.fileName)
        }
    }

    /// Reading the state needs no owner: with only `DATABASE_URL` it is read as the
    /// application role (which migrations grant SELECT on `schema_migrations`).
    public static func status(configuration: AppConfiguration) async throws -> String {
        let logger = makeLogger(label: "portico.migrate", level: configuration.logLevel)
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: logger)
        let pool = endpoints.pool(endpoints.ownerURL ?? endpoints.appURL, maxConnections: 1, logger: logger)
        let statuses: [MigrationStatus]
        do {
            statuses = try await DatabaseBootstrap.migrator(logger: logger).status(pool: pool)
            await pool.close()
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
        } catch {
            await pool.close()
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
            if let error = error as? PostgresError, error.sqlState == .insufficientPrivilege {
                throw ConfigurationError(
                    variable: "MIGRATE_DATABASE_URL",
                    message:
                        "is not set and the application role may not read schema_migrations yet: run `portico migrate up` once with MIGRATE_DATABASE_URL pointing at the schema owner (it grants that read)"
                )
            }
            throw error
        }
        return render(statuses)
    }

    static func render(_ statuses: [MigrationStatus]) -> String {
        statuses.map { status in
            let state: String
            if let applied = status.appliedAt {
                state = status.checksumMismatch ? "CHANGED after it was applied (\(applied))" : "applied \(applied)"
            } else {
                state = "pending"
            }
            return "\(status.migration.fileName)\t\(state)"
        }.joined(separator: "\n")
    }
}
