import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The systemd unit's setup: `DATABASE_URL` is the application role and nothing else. Start-up
/// and the CLI must work with it, and refuse clearly when the schema is behind.
@Suite("Start-up with the application role only")
struct ApplicationRoleStartTests {
    func migrator() throws -> Migrator {
        try Migrator(directory: ResourceLocator.directory(named: "Migrations"), logger: TestLogging.logger("migrate"))
    }

    func configuration(appURL: String) -> AppConfiguration {
        var configuration = AppConfiguration(databaseURL: appURL)
        configuration.logLevel = .critical
        return configuration
    }

    @Test("a migrated database: the start-up check, `migrate status` and a CLI command run as the application role")
    func migratedDatabaseStarts() async throws {
        let scratch = try await TestCluster.migratedScratchDatabase(prefix: "approle")
        defer { Task { await scratch.drop() } }
        let configuration = configuration(appURL: scratch.appURL)

        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: TestLogging.logger("bootstrap"))
        #expect(endpoints.ownerURL == nil)
        try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: TestLogging.logger("bootstrap"))

        let status = try await MigrationCommands.status(configuration: configuration)
        #expect(!status.isEmpty)
        #expect(!status.contains("pending"))

        let tenants = try await CommandEnvironment.run(configuration) { environment in
            try await TenantCommands.list(environment: environment)
        }
        #expect(tenants.isEmpty)
    }

    @Test("pending migrations: start-up refuses with one line that says how to apply them")
    func pendingMigrationsRefused() async throws {
        let scratch = try await TestCluster.scratchDatabase(prefix: "approle_pending")
        defer { Task { await scratch.drop() } }
        let database = try await TestCluster.database()
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        try await migrator().up(pool: owner, appRole: database.handle.credentials.appUser, limit: 3)
        await owner.close()

        let configuration = configuration(appURL: scratch.appURL)
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: TestLogging.logger("bootstrap"))
        let error = await #expect(throws: ConfigurationError.self) {
            try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: TestLogging.logger("bootstrap"))
        }
        #expect(error?.variable == "MIGRATE_DATABASE_URL")
        #expect(error?.description.contains("portico migrate up") == true)
        #expect(error?.description.contains("pending") == true)
    }

    @Test("a database migrated before the grant existed: the error names the one command that fixes it")
    func legacyDatabaseWithoutGrant() async throws {
        let scratch = try await TestCluster.migratedScratchDatabase(prefix: "approle_legacy")
        defer { Task { await scratch.drop() } }
        let database = try await TestCluster.database()
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        try await owner.withConnection { connection in
            let revoke =
                try await connection.scalar(
                    "SELECT format('REVOKE SELECT ON schema_migrations FROM %I', \(database.handle.credentials.appUser)::text)", as: String.self
                ) ?? ""
            try await connection.run(script: revoke)
        }

        let configuration = configuration(appURL: scratch.appURL)
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: TestLogging.logger("bootstrap"))
        let error = await #expect(throws: ConfigurationError.self) {
            try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: TestLogging.logger("bootstrap"))
        }
        #expect(error?.description.contains("portico migrate up") == true)

        // Running the migrator again as the owner (nothing pending) restores the read.
        try await migrator().up(pool: owner, appRole: database.handle.credentials.appUser)
        await owner.close()
        try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: TestLogging.logger("bootstrap"))
    }
}
