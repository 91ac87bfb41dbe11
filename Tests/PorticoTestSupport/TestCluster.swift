import Foundation
import Logging
import Portico
import Postgres

/// The PostgreSQL every test talks to: one embedded cluster per test run (under
/// `.portico-test/`, durability switched off for speed), with a database recreated and
/// migrated at the start of the run. Tests share it and stay independent by each creating
/// its own tenant.
public enum TestCluster {
    public struct Database: Sendable {
        public let handle: EmbeddedCluster.Handle
        /// The application role's pool (RLS applies), shared by tests.
        public let appPool: ConnectionPool
        public var appURL: String { handle.appURL }
        public var ownerURL: String { handle.ownerURL }
        public func adminURL(database: String = "postgres") -> String { handle.adminURL(database: database) }
    }

    private static let bootstrap = Task<Database, any Error> {
        let logger = TestLogging.logger("test-cluster")
        let cluster = EmbeddedCluster(
            dataDirectory: dataDirectory,
            serverSettings: ["fsync": "off", "full_page_writes": "off", "synchronous_commit": "off", "max_connections": "300"],
            logger: logger
        )
        let handle = try await cluster.start()
        try await recreateDatabase(handle)
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: handle.ownerURL, maxConnections: 1), logger: logger)
        try await Migrator(directory: try ResourceLocator.directory(named: "Migrations"), logger: logger)
            .up(pool: owner, appRole: handle.credentials.appUser)
        await owner.close()
        let appPool = ConnectionPool(
            configuration: PoolConfiguration(conninfo: handle.appURL, maxConnections: 20, acquireTimeout: .seconds(60)), logger: logger)
        return Database(handle: handle, appPool: appPool)
    }

    /// The shared, migrated test database.
    public static func database() async throws -> Database {
        try await bootstrap.value
    }

    public static var dataDirectory: URL {
        let root = ProcessInfo.processInfo.environment["PORTICO_TEST_DATA_DIR"] ?? ".portico-test"
        return URL(fileURLWithPath: root).standardizedFileURL
    }

    private static func recreateDatabase(_ handle: EmbeddedCluster.Handle) async throws {
        let admin = ConnectionPool(configuration: PoolConfiguration(conninfo: handle.adminURL(), maxConnections: 1))
        do {
            let name = handle.credentials.database
            let owner = handle.credentials.ownerUser
            try await admin.withConnection { connection in
                // Scratch databases of earlier runs go too.
                let leftovers = try await connection.rows(
                    """
                    SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', datname) AS statement FROM pg_database
                     WHERE NOT datistemplate AND datname NOT IN ('postgres')
                    """
                ).map { try $0.decode("statement", as: String.self) }
                for statement in leftovers { try await connection.run(script: statement) }
                let drop = try await connection.scalar("SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', \(name)::text)", as: String.self)!
                try await connection.run(script: drop)
                let create = try await connection.scalar(
                    "SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L', \(name)::text, \(owner)::text, 'UTF8')",
                    as: String.self)!
                try await connection.run(script: create)
            }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }

    /// A fresh, empty database owned by `portico_owner` (for migration tests), dropped by the
    /// returned closure.
    /// A scratch database with every migration applied, for suites that need a database of
    /// their own (the outbox worker claims mail of every tenant, so its tests must not see
    /// other suites' mail).
    public static func migratedScratchDatabase(prefix: String) async throws -> (ownerURL: String, appURL: String, drop: @Sendable () async -> Void) {
        let scratch = try await scratchDatabase(prefix: prefix)
        let shared = try await database()
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        try await Migrator(directory: try ResourceLocator.directory(named: "Migrations"), logger: TestLogging.logger("migrate"))
            .up(pool: owner, appRole: shared.handle.credentials.appUser)
        await owner.close()
        return scratch
    }

    public static func scratchDatabase(
        prefix: String = "scratch"
    ) async throws -> (ownerURL: String, appURL: String, drop: @Sendable () async -> Void) {
        let shared = try await database()
        let handle = shared.handle
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let owner = handle.credentials.ownerUser
        let admin = ConnectionPool(configuration: PoolConfiguration(conninfo: handle.adminURL(), maxConnections: 1))
        try await admin.withConnection { connection in
            let create = try await connection.scalar(
                "SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L', \(name)::text, \(owner)::text, 'UTF8')", as: String.self)!
            try await connection.run(script: create)
        }
        await admin.close()
        let ownerURL = handle.url(user: handle.credentials.ownerUser, password: handle.credentials.ownerPassword, database: name)
        let appURL = handle.url(user: handle.credentials.appUser, password: handle.credentials.appPassword, database: name)
        let drop: @Sendable () async -> Void = {
            let admin = ConnectionPool(configuration: PoolConfiguration(conninfo: handle.adminURL(), maxConnections: 1))
            _ = try? await admin.withConnection { connection in
                let text = try await connection.scalar("SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', \(name)::text)", as: String.self)!
                try await connection.run(script: text)
            }
            await admin.close()
        }
        return (ownerURL, appURL, drop)
    }
}

public enum TestLogging {
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: "test.\(label)")
        let level = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        logger.logLevel = level
        return logger
    }
}
