import Foundation
import PorticoTestSupport
import Postgres
import Testing

@Suite("SQLSTATE mapping and transactions")
struct ErrorsAndTransactionsTests {
    /// A throw-away table in a scratch schema owned by the owner role.
    func withScratchTable(_ body: (ConnectionPool) async throws -> Void) async throws {
        let database = try await TestCluster.database()
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: database.ownerURL, maxConnections: 2))
        let schema = "t_\(UUID().uuidString.prefix(8).lowercased())"
        do {
            try await owner.withConnection { connection in
                try await connection.run(
                    script: """
                        CREATE SCHEMA \(schema);
                        SET search_path = \(schema);
                        CREATE TABLE parents (id int PRIMARY KEY);
                        CREATE TABLE items (id int PRIMARY KEY, parent_id int REFERENCES parents (id), qty int CHECK (qty >= 0), email text UNIQUE);
                        """)
            }
            let scoped = ConnectionPool(
                configuration: PoolConfiguration(conninfo: database.ownerURL + "&options=-csearch_path%3D\(schema)", maxConnections: 2))
            do {
                try await body(scoped)
            } catch {
                await scoped.close()
                throw error
            }
            await scoped.close()
            try await owner.query("SELECT 1")
            try await owner.withConnection { try await $0.run(script: "DROP SCHEMA \(schema) CASCADE") }
        } catch {
            await owner.close()
            throw error
        }
        await owner.close()
    }

    @Test("unique, foreign-key and check violations carry their SQLSTATE and constraint, not the values")
    func sqlStates() async throws {
        try await withScratchTable { pool in
            try await pool.query("INSERT INTO parents (id) VALUES (1)")
            try await pool.query("INSERT INTO items (id, parent_id, qty, email) VALUES (1, 1, 1, \("secret@example.net"))")

            let unique = await #expect(throws: PostgresError.self) {
                try await pool.query("INSERT INTO items (id, parent_id, qty, email) VALUES (2, 1, 1, \("secret@example.net"))")
            }
            #expect(unique?.sqlState == .uniqueViolation)
            #expect(unique?.constraint == "items_email_key")
            #expect(unique?.description.contains("secret@example.net") == false || unique?.detail?.contains("secret") == true)
            #expect(unique?.query?.contains("VALUES (2, 1, 1, $1)") == true)

            let foreign = await #expect(throws: PostgresError.self) {
                try await pool.query("INSERT INTO items (id, parent_id, qty) VALUES (3, 99, 1)")
            }
            #expect(foreign?.sqlState == .foreignKeyViolation)

            let check = await #expect(throws: PostgresError.self) {
                try await pool.query("INSERT INTO items (id, parent_id, qty) VALUES (4, 1, -1)")
            }
            #expect(check?.sqlState == .checkViolation)
            #expect(check?.sqlState?.isIntegrityViolation == true)
        }
    }

    @Test("a throwing body rolls the transaction back; a returning body commits")
    func rollbackOnThrow() async throws {
        struct Boom: Error {}
        try await withScratchTable { pool in
            try await pool.withTransaction { transaction in
                try await transaction.execute("INSERT INTO parents (id) VALUES (10)")
            }
            await #expect(throws: Boom.self) {
                try await pool.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO parents (id) VALUES (11)")
                    throw Boom()
                }
            }
            let ids = try await pool.query("SELECT id FROM parents ORDER BY id").rows.map { try $0.decode("id", as: Int.self) }
            #expect(ids == [10])
        }
    }

    @Test("withTenant sets app.tenant_id for the transaction only")
    func tenantSetting() async throws {
        // One connection, so the second transaction surely runs on the same session.
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 1))
        let tenant = UUID()
        let inside = try await pool.withTenant(tenant) { transaction in
            try await transaction.scalar("SELECT current_setting('app.tenant_id', true)", as: String.self)
        }
        #expect(inside == tenant.uuidString.lowercased())
        let after = try await pool.withTransaction { transaction in
            try await transaction.scalar("SELECT current_setting('app.tenant_id', true)", as: String.self)
        }
        #expect(after == nil || after == "")
        await pool.close()
    }
}
