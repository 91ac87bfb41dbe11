import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Migrations")
struct MigratorTests {
    func migrator() throws -> Migrator {
        try Migrator(directory: ResourceLocator.directory(named: "Migrations"), logger: TestLogging.logger("migrate"))
    }

    @Test("the repository's migrations go up, down to zero with data in the tables, and up again")
    func upDownUp() async throws {
        let scratch = try await TestCluster.scratchDatabase(prefix: "migrate")
        let database = try await TestCluster.database()
        let appRole = database.handle.credentials.appUser
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        let migrator = try migrator()

        let applied = try await migrator.up(pool: owner, appRole: appRole)
        #expect(applied.count == migrator.migrations.count)
        #expect(try await migrator.up(pool: owner, appRole: appRole).isEmpty)

        // Put rows in every table the migrations made, then check none stayed empty.
        try await DemoSeedForMigrations.fill(ownerPool: owner)
        let emptyTables = try await owner.withConnection { connection in
            var empty: [String] = []
            let tables = try await connection.rows(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
                """
            ).map { try $0.decode("relname", as: String.self) }
            // Tenant tables hide rows without app.tenant_id: count as the acme tenant where needed.
            let acme = try await connection.scalar("SELECT id FROM tenants WHERE slug = 'acme'", as: UUID.self)!
            try await connection.execute("SELECT set_config('app.tenant_id', \(acme), false)")
            for table in tables {
                // Table names cannot be bound; query_to_xml runs the count with the name quoted by format(%I).
                let present =
                    try await connection.scalar(
                        "SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', \(table)::text), false, true, '')))[1]::text::int",
                        as: Int.self) ?? 0
                if present == 0 { empty.append(table) }
            }
            connection.markSessionChanged()
            return empty
        }
        #expect(emptyTables.isEmpty, "tables without rows: \(emptyTables)")

        let reverted = try await migrator.down(pool: owner, appRole: appRole, count: 1_000)
        #expect(reverted.count == migrator.migrations.count)
        let leftovers = try await owner.query(
            """
            SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm') AND c.relname <> 'schema_migrations'
            """
        ).rows.first?.decode("n", as: Int.self)
        #expect(leftovers == 0)

        let again = try await migrator.up(pool: owner, appRole: appRole)
        #expect(again.count == migrator.migrations.count)
        await owner.close()
        await scratch.drop()
    }

    @Test("an applied migration whose file changed is refused with a clear message")
    func checksumMismatch() async throws {
        let scratch = try await TestCluster.scratchDatabase(prefix: "checksum")
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        let original = Migrator(migrations: [
            Migration(version: 1, name: "first", up: "CREATE TABLE first_table (id int)", down: "DROP TABLE first_table")
        ])
        try await original.up(pool: owner, appRole: "portico_app")
        let edited = Migrator(migrations: [
            Migration(version: 1, name: "first", up: "CREATE TABLE first_table (id bigint)", down: "DROP TABLE first_table"),
            Migration(version: 2, name: "second", up: "CREATE TABLE second_table (id int)", down: "DROP TABLE second_table"),
        ])
        let error = await #expect(throws: MigrationError.self) {
            try await edited.up(pool: owner, appRole: "portico_app")
        }
        #expect(error?.description.contains("0001_first.up.sql was changed after it was applied") == true)
        let status = try await edited.status(pool: owner)
        #expect(status.first?.checksumMismatch == true)
        #expect(status.last?.appliedAt == nil)
        await owner.close()
        await scratch.drop()
    }

    @Test("a failing migration is rolled back entirely and named in the error")
    func failingMigrationRollsBack() async throws {
        let scratch = try await TestCluster.scratchDatabase(prefix: "failing")
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        let migrator = Migrator(migrations: [
            Migration(version: 1, name: "broken", up: "CREATE TABLE half_done (id int); SELECT 1/0;", down: "DROP TABLE half_done")
        ])
        let error = await #expect(throws: MigrationError.self) { try await migrator.up(pool: owner, appRole: "portico_app") }
        #expect(error?.description.contains("0001_broken.up.sql failed") == true)
        let exists = try await owner.query("SELECT to_regclass('half_done') IS NOT NULL AS present").rows.first?.decode("present", as: Bool.self)
        #expect(exists == false)
        await owner.close()
        await scratch.drop()
    }

    @Test("two migrators racing apply each migration exactly once")
    func racingMigrators() async throws {
        let scratch = try await TestCluster.scratchDatabase(prefix: "race")
        let database = try await TestCluster.database()
        let appRole = database.handle.credentials.appUser
        let migrator = try migrator()
        let applied = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
                    let count = try await migrator.up(pool: pool, appRole: appRole).count
                    await pool.close()
                    return count
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(applied.sorted() == [0, migrator.migrations.count])
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.ownerURL, maxConnections: 1))
        let rows = try await owner.query("SELECT count(*)::int AS n FROM schema_migrations").rows.first?.decode("n", as: Int.self)
        #expect(rows == migrator.migrations.count)
        await owner.close()
        await scratch.drop()
    }

    @Test("migration files are discovered in pairs; a lone up file is refused")
    func loneUpFileRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lone-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("SELECT 1".utf8).write(to: directory.appendingPathComponent("0001_alone.up.sql"))
        let error = #expect(throws: MigrationError.self) { try Migrator(directory: directory) }
        #expect(error?.description.contains("has no matching .down.sql") == true)
        try? FileManager.default.removeItem(at: directory)
    }
}
