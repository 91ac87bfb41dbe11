import Foundation
import PorticoTestSupport
import Postgres
import Testing

@Suite("Parameter binding and decoding")
struct ParameterBindingTests {
    @Test("every supported type round-trips through a bound parameter")
    func roundTrips() async throws {
        let pool = try await TestCluster.database().appPool
        let id = UUID()
        let moment = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let bytes = Data([0, 1, 2, 0xfe, 0xff, 0x5c, 0x78])
        let row = try #require(
            try await pool.query(
                """
                SELECT \(String("héllo wörld ✓ 日本"))::text AS text, \(Int(-42))::bigint AS int, \(Int64.max)::bigint AS int64,
                       \(true)::boolean AS yes, \(false)::boolean AS no, \(3.25)::float8 AS double, \(id)::uuid AS id,
                       \(moment)::timestamptz AS moment, \(bytes)::bytea AS bytes, \(["a", "b,c", "d\"e"])::text[] AS list
                """
            ).rows.first)
        #expect(try row.decode("text") == "héllo wörld ✓ 日本")
        #expect(try row.decode("int") == -42)
        #expect(try row.decode("int64") == Int64.max)
        #expect(try row.decode("yes") == true)
        #expect(try row.decode("no") == false)
        #expect(try row.decode("double") == 3.25)
        #expect(try row.decode("id") == id)
        let decodedMoment: Date = try row.decode("moment")
        #expect(abs(decodedMoment.timeIntervalSince1970 - moment.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode("bytes") == bytes)
        #expect(try row.decode("list") == ["a", "b,c", "d\"e"])
        // by position as well as by name
        #expect(try row.decode(at: 1, as: Int.self) == -42)
    }

    @Test("NULL binds and decodes as nil; a non-optional read of NULL is a clear error")
    func nulls() async throws {
        let pool = try await TestCluster.database().appPool
        let missing: String? = nil
        let row = try #require(try await pool.query("SELECT \(missing)::text AS value").rows.first)
        #expect(try row.decode("value", as: String?.self) == nil)
        #expect(throws: PostgresError.self) { try row.decode("value", as: String.self) }
    }

    @Test("hostile strings stay data, never SQL")
    func hostileStrings() async throws {
        let pool = try await TestCluster.database().appPool
        let hostile = [
            "'; DROP TABLE tenants; --", "\\'; SELECT 1; --", "$1", "\"quoted\"", "line\nbreak\r\n", "🙂‍↔️ emoji ZWJ",
            String(repeating: "long text ", count: 100_000),
        ]
        for value in hostile {
            let echoed = try await pool.query("SELECT \(value)::text AS echoed").rows.first?.decode("echoed", as: String.self)
            #expect(echoed == value)
        }
        let stillThere = try await pool.query("SELECT to_regclass('tenants') IS NOT NULL AS present").rows.first?.decode("present", as: Bool.self)
        #expect(stillThere == true)
    }

    @Test("a NUL byte in text is refused with a clear error before reaching the server")
    func nulByteRejected() async throws {
        let pool = try await TestCluster.database().appPool
        let error = await #expect(throws: PostgresError.self) {
            try await pool.query("SELECT \("abc\u{0}def")::text")
        }
        #expect(error?.kind == .encoding)
        #expect(error?.message.contains("NUL") == true)
        #expect(error?.description.contains("abc") == false)
    }

    @Test("fragments splice with renumbered parameters")
    func fragments() async throws {
        let pool = try await TestCluster.database().appPool
        var conditions: [SQL] = ["x > \(1)", "x < \(5)"]
        conditions.append("x <> \(3)")
        let sql: SQL = "SELECT count(*)::int AS n FROM generate_series(0, \(10)) AS x WHERE \(SQL.join(conditions, separator: " AND "))"
        #expect(sql.description.contains("$4"))
        let count = try await pool.query(sql).rows.first?.decode("n", as: Int.self)
        #expect(count == 2)  // 2 and 4
    }

    @Test("rows decode into Decodable structs by snake_case column names")
    func rowDecoding() async throws {
        struct Sample: Decodable {
            let someId: UUID
            let createdAt: Date
            let label: String?
            let tags: [String]
            let payload: Payload
        }
        struct Payload: Decodable, Equatable { let a: Int }
        let pool = try await TestCluster.database().appPool
        let row = try #require(
            try await pool.query(
                """
                SELECT gen_random_uuid() AS some_id, now() AS created_at, NULL::text AS label,
                       ARRAY['x','y'] AS tags, '{"a": 7}'::jsonb AS payload
                """
            ).rows.first)
        let sample = try row.decode(Sample.self)
        #expect(sample.label == nil)
        #expect(sample.tags == ["x", "y"])
        #expect(sample.payload == Payload(a: 7))
    }

    @Test("an unknown column name is a clear decoding error")
    func unknownColumn() async throws {
        let pool = try await TestCluster.database().appPool
        let row = try #require(try await pool.query("SELECT 1 AS one").rows.first)
        let error = #expect(throws: PostgresError.self) { try row.decode("two", as: Int.self) }
        #expect(error?.message.contains("two") == true)
    }
}
