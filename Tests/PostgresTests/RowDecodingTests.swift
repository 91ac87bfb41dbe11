import Foundation
import PorticoTestSupport
import Postgres
import Testing

/// Rows decode into structs by property name: `createdAt` reads `created_at`. The mapping is
/// worked out once per result, so it must find exactly the columns the per-row conversion did.
@Suite("Row decoding by property name")
struct RowDecodingTests {
    struct Order: Decodable, Equatable {
        let id: Int
        let createdAt: String
        let line2Address: String?
        let customerID: String
        let dueOn: String?
        let note: String?
        let tags: [String: Int]
    }

    @Test("snake_case columns, digits, acronyms, NULLs, an absent optional and a JSON column decode by property name")
    func decodesByPropertyName() async throws {
        let pool = try await TestCluster.database().appPool

        let row = try #require(
            try await pool.query(
                """
                SELECT 7 AS id, 'today' AS created_at, 'Unit 4' AS line2_address, 'c-1' AS customer_i_d,
                       NULL::text AS due_on, '{"a": 1}'::jsonb AS tags
                """
            ).rows.first)
        let order = try row.decode(Order.self)

        #expect(order == Order(id: 7, createdAt: "today", line2Address: "Unit 4", customerID: "c-1", dueOn: nil, note: nil, tags: ["a": 1]))
    }

    @Test("a missing or NULL column for a required property names the column in its error")
    func namesTheColumn() async throws {
        let pool = try await TestCluster.database().appPool
        struct Needs: Decodable { let createdAt: String }

        let missing = try #require(try await pool.query("SELECT 1 AS id").rows.first)
        let null = try #require(try await pool.query("SELECT NULL::text AS created_at").rows.first)

        let absent = #expect(throws: PostgresError.self) { try missing.decode(Needs.self) }
        #expect(absent?.message.contains("\"created_at\"") == true)
        let empty = #expect(throws: PostgresError.self) { try null.decode(Needs.self) }
        #expect(empty?.message.contains("\"created_at\" is NULL") == true)
    }

    @Test("a prepared statement's later results reuse its columns, singly and in a pipeline; other statements get their own")
    func reusesColumnsPerStatement() async throws {
        let pool = try await TestCluster.database().appPool
        struct Pair: Decodable, Equatable { let createdAt: String; let line2Address: Int }
        let sql: SQL = "SELECT \("today")::text AS created_at, 2 AS line2_address"
        let (first, second, piped, other) = try await pool.withTransaction { tx in
            let first = try await tx.query(sql)
            let second = try await tx.query(sql)
            let piped = try await tx.pipeline([sql, "SELECT 1 AS created_at", sql])
            return (first, second, piped, try await tx.query("SELECT 'x' AS line2_address, 'y' AS created_at"))
        }
        #expect(second.columns === first.columns)
        #expect(piped[0].columns === first.columns && piped[2].columns === first.columns)
        #expect(piped[1].columns !== first.columns && piped[1].columns.names == ["created_at"])
        #expect(other.columns.names == ["line2_address", "created_at"])
        for result in [first, second, piped[0], piped[2]] {
            #expect(try result.rows.first?.decode(Pair.self) == Pair(createdAt: "today", line2Address: 2))
        }
        #expect(try other.rows.first?.decode("created_at", as: String.self) == "y")
    }
}
