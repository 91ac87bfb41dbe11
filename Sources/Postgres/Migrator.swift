import Foundation
import Logging

/// One numbered migration: `0001_platform.up.sql` with its `0001_platform.down.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String

    public init(version: Int, name: String, up: String, down: String) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    public var fileName: String { String(format: "%04d_%@", version, name) }
}

/// What `migrate status` reports for one migration.
public struct MigrationStatus: Sendable {
    public let migration: Migration
    public let appliedAt: Date?
    /// The file changed since it was applied.
    public let checksumMismatch: Bool
}

public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Applies plain-SQL migrations in order, each in its own transaction, under an advisory
/// lock so that instances starting together apply each file exactly once.
///
/// Migrations run as the schema owner. They grant the application role what it needs with
/// `portico_grant(...)`, which reads the role name from the `portico.app_role` setting the
/// migrator puts on its session.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    let logger: Logger
    /// `hashtext('portico.schema_migrations')`, fixed so every instance takes the same lock.
    static let lockKey: Int64 = 7_243_113_001

    public init(migrations: [Migration], logger: Logger = Logger(label: "portico.migrate")) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Reads `NNNN_name.up.sql` / `NNNN_name.down.sql` pairs from a directory.
    public init(directory: URL, logger: Logger = Logger(label: "portico.migrate")) throws {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError("Cannot read the migrations directory \(directory.path): \(error.localizedDescription)")
        }
        var ups: [Int: (name: String, text: String)] = [:]
        var downs: [Int: (name: String, text: String)] = [:]
        for file in files where file.hasSuffix(".sql") {
            let parts = file.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), parts[0].count == 4 else {
                throw MigrationError("Migration file \(file) must be named NNNN_name.up.sql or NNNN_name.down.sql")
            }
            let rest = String(parts[1])
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            if rest.hasSuffix(".up.sql") {
                let name = String(rest.dropLast(".up.sql".count))
                if ups[version] != nil { throw MigrationError("Two up migrations are numbered \(parts[0])") }
                ups[version] = (name, text)
            } else if rest.hasSuffix(".down.sql") {
                let name = String(rest.dropLast(".down.sql".count))
                if downs[version] != nil { throw MigrationError("Two down migrations are numbered \(parts[0])") }
                downs[version] = (name, text)
            } else {
                throw MigrationError("Migration file \(file) must end in .up.sql or .down.sql")
            }
        }
        var migrations: [Migration] = []
        for (version, up) in ups {
            guard let down = downs[version], down.name == up.name else {
                throw MigrationError("Migration \(String(format: "%04d", version))_\(up.name).up.sql has no matching .down.sql")
            }
            migrations.append(Migration(version: version, name: up.name, up: up.text, down: down.text))
        }
        if let orphan = downs.keys.first(where: { ups[$0] == nil }) {
            throw MigrationError("Migration \(String(format: "%04d", orphan)) has a .down.sql without an .up.sql")
        }
        self.init(migrations: migrations, logger: logger)
    }

    // MARK: Commands

    /// Applies pending migrations (at most `limit`). Returns the ones applied.
    @discardableResult
    public func up(pool: ConnectionPool, appRole: String, limit: Int? = nil) async throws -> [Migration] {
        try await locked(pool: pool, appRole: appRole) { connection in
            let applied = try await verifiedApplied(connection)
            var pending = migrations.filter { applied[$0.version] == nil }
            if let limit { pending = Array(pending.prefix(limit)) }
            for migration in pending {
                logger.info("Applying migration \(migration.fileName)")
                try await inTransaction(connection, migration: migration, direction: "up") {
                    try await connection.run(script: migration.up)
                    try await connection.execute(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), encode(sha256(convert_to(\(migration.up), 'UTF8')), 'hex'))
                        """)
                }
            }
            return pending
        }
    }

    /// Reverts the last `count` applied migrations, newest first. Returns the ones reverted.
    @discardableResult
    public func down(pool: ConnectionPool, appRole: String, count: Int = 1) async throws -> [Migration] {
        try await locked(pool: pool, appRole: appRole) { connection in
            let applied = try await verifiedApplied(connection)
            let versions = applied.keys.sorted(by: >).prefix(max(0, count))
            var reverted: [Migration] = []
            for version in versions {
                guard let migration = migrations.first(where: { $0.version == version }) else {
                    throw MigrationError("Migration \(String(format: "%04d", version)) is applied but its files are missing; cannot revert it")
                }
                logger.info("Reverting migration \(migration.fileName)")
                try await inTransaction(connection, migration: migration, direction: "down") {
                    try await connection.run(script: migration.down)
                    try await connection.execute("DELETE FROM schema_migrations WHERE version = \(version)")
                }
                reverted.append(migration)
            }
            return reverted
        }
    }

    /// Every known migration with whether (and when) it is applied.
    public func status(pool: ConnectionPool) async throws -> [MigrationStatus] {
        try await pool.withConnection { connection in
            let exists = try await connection.scalar("SELECT to_regclass('schema_migrations') IS NOT NULL", as: Bool.self) ?? false
            var applied: [Int: (Date, String)] = [:]
            if exists {
                for row in try await connection.rows("SELECT version, applied_at, checksum FROM schema_migrations") {
                    applied[try row.decode("version", as: Int.self)] = (try row.decode("applied_at"), try row.decode("checksum"))
                }
            }
            var statuses: [MigrationStatus] = []
            for migration in migrations {
                var mismatch = false
                if let (_, checksum) = applied[migration.version] {
                    mismatch = try await self.checksum(of: migration, on: connection) != checksum
                }
                statuses.append(MigrationStatus(migration: migration, appliedAt: applied[migration.version]?.0, checksumMismatch: mismatch))
            }
            return statuses
        }
    }

    // MARK: Internals

    private func locked<R: Sendable>(pool: ConnectionPool, appRole: String, _ body: (PooledConnection) async throws -> R) async throws -> R {
        try await pool.withConnection { connection in
            connection.markSessionChanged()  // advisory lock and portico.app_role are session state
            try await connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                try await connection.execute("SELECT set_config('portico.app_role', \(appRole), false)")
                try await connection.run(
                    script: """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version integer PRIMARY KEY,
                            name text NOT NULL,
                            checksum text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now()
                        )
                        """)
                // `serve` and the CLI started with only the application role read the migration
                // state to refuse a database with pending migrations; reading it is all they may do.
                let grant =
                    try await connection.scalar(
                        "SELECT format('GRANT SELECT ON schema_migrations TO %I', \(appRole)::text)", as: String.self
                    ) ?? ""
                try await connection.run(script: grant)
                let result = try await body(connection)
                try await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                return result
            } catch {
                _ = try? await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func inTransaction(_ connection: PooledConnection, migration: Migration, direction: String, _ body: () async throws -> Void) async throws
    {
        try await connection.run(script: "BEGIN")
        do {
            try await body()
            try await connection.run(script: "COMMIT")
        } catch {
            try? await connection.run(script: "ROLLBACK")
            throw MigrationError("Migration \(migration.fileName).\(direction).sql failed and was rolled back: \(error)")
        }
    }

    private func checksum(of migration: Migration, on connection: PooledConnection) async throws -> String {
        try await connection.scalar("SELECT encode(sha256(convert_to(\(migration.up), 'UTF8')), 'hex')", as: String.self) ?? ""
    }

    /// Applied versions; refuses to go on if an applied file was edited afterwards.
    private func verifiedApplied(_ connection: PooledConnection) async throws -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try await connection.rows("SELECT version, checksum FROM schema_migrations") {
            applied[try row.decode("version", as: Int.self)] = try row.decode("checksum", as: String.self)
        }
        for migration in migrations {
            if let recorded = applied[migration.version], try await checksum(of: migration, on: connection) != recorded {
                throw MigrationError(
                    "Migration \(migration.fileName).up.sql was changed after it was applied (its checksum differs). "
                        + "Restore the original file and put the change in a new migration."
                )
            }
        }
        return applied
    }
}
