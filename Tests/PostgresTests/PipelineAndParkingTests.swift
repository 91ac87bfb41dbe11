import Foundation
import PorticoTestSupport
import Postgres
import Testing

/// Pipelines (several statements, one round trip), a request's parked transaction shared by
/// its next `withTenant`, and the per-task tally that counts both.
@Suite("Pipelines, parked transactions and the query tally")
struct PipelineAndParkingTests {
    let scratch = ErrorsAndTransactionsTests()

    @Test("a pipeline runs its statements in order in one round trip")
    func pipelineInOrder() async throws {
        try await scratch.withScratchTable { pool in
            let (results, counts) = try await pool.withTransaction { tx in
                try await QueryCount.of {
                    try await tx.pipeline(["INSERT INTO parents (id) VALUES (\(1)), (\(2))", "SELECT count(*) FROM parents", "SELECT \("x")::text"])
                }
            }
            #expect(results.count == 3)
            #expect(results[0].affectedRows == 2)
            #expect(try results[1].rows.first?.decode(at: 0, as: Int.self) == 2)
            #expect(try results[2].rows.first?.decode(at: 0, as: String.self) == "x")
            #expect(counts == QueryTally.Counts(statements: 3, transactions: 0, roundTrips: 1))
        }
    }

    @Test("a failing statement in a pipeline throws its error and the transaction rolls back; the connection stays usable")
    func pipelineFailure() async throws {
        try await scratch.withScratchTable { pool in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    _ = try await tx.pipeline([
                        "INSERT INTO parents (id) VALUES (1)", "INSERT INTO parents (id) VALUES (1)", "INSERT INTO parents (id) VALUES (2)",
                    ])
                }
            }
            #expect(error?.sqlState == .uniqueViolation)
            let count = try await pool.query("SELECT count(*) FROM parents").rows.first?.decode(at: 0, as: Int.self)
            #expect(count == 0)
        }
    }

    @Test("the first withTenant inside a parked transaction continues it: one BEGIN, one COMMIT")
    func parkedTransactionIsShared() async throws {
        try await scratch.withScratchTable { pool in
            let tenant = UUID()
            let (seen, counts) = try await QueryCount.of {
                let (open, _) = try await pool.begin(setup: [ConnectionPool.tenantSetting(tenant)], then: ["INSERT INTO parents (id) VALUES (1)"])
                return try await ParkedTransaction(open, tenantID: tenant).park {
                    try await pool.withTenant(tenant) { tx in
                        try await tx.scalar("SELECT count(*) || ':' || current_setting('app.tenant_id') FROM parents", as: String.self)
                    }
                }
            }
            #expect(seen == "1:\(tenant.uuidString.lowercased())")
            #expect(counts.transactions == 1)
            let count = try await pool.query("SELECT count(*) FROM parents").rows.first?.decode(at: 0, as: Int.self)
            #expect(count == 1)
        }
    }

    @Test("a parked transaction nobody took commits after a good body and rolls back after a failed one")
    func parkedTransactionEnds() async throws {
        try await scratch.withScratchTable { pool in
            let tenant = UUID()
            let (kept, _) = try await pool.begin(setup: [ConnectionPool.tenantSetting(tenant)], then: ["INSERT INTO parents (id) VALUES (1)"])
            try await ParkedTransaction(kept, tenantID: tenant).park {}
            let (dropped, _) = try await pool.begin(setup: [ConnectionPool.tenantSetting(tenant)], then: ["INSERT INTO parents (id) VALUES (2)"])
            struct PageFailed: Error {}
            await #expect(throws: PageFailed.self) {
                try await ParkedTransaction(dropped, tenantID: tenant).park { throw PageFailed() }
            }
            let ids = try await pool.query("SELECT id FROM parents ORDER BY id").rows.map { try $0.decode(at: 0, as: Int.self) }
            #expect(ids == [1])
        }
    }

    @Test("with a parked transaction, another tenant's or a plain checkout commits it first: a task never holds two connections")
    func parkedTransactionNeverHoldsTwo() async throws {
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.ownerURL, maxConnections: 1, acquireTimeout: .seconds(5)))
        let tenant = UUID(), other = UUID()
        let (open, _) = try await pool.begin(setup: [ConnectionPool.tenantSetting(tenant)], then: [])
        let setting = try await ParkedTransaction(open, tenantID: tenant).park {
            // With one connection, waiting for a second would time out.
            try await pool.withTenant(other) { tx in try await tx.scalar("SELECT current_setting('app.tenant_id')", as: String.self) }
        }
        #expect(setting == other.uuidString.lowercased())
        await pool.close()
    }

    @Test("read(tenant:) is one round trip and one read-only transaction scoped to the tenant")
    func readIsOneRoundTrip() async throws {
        try await scratch.withScratchTable { pool in
            try await pool.query("INSERT INTO parents (id) VALUES (1), (2)")
            let tenant = UUID()
            let ((count, setting), counts) = try await QueryCount.of {
                try await pool.read(
                    tenant: tenant, Query.scalar("SELECT count(*) FROM parents", as: Int.self),
                    Query.scalar("SELECT current_setting('app.tenant_id')", as: String.self))
            }
            #expect(count == 2)
            #expect(setting == tenant.uuidString.lowercased())
            // BEGIN READ ONLY, the tenant setting, two reads, COMMIT.
            #expect(counts == QueryTally.Counts(statements: 5, transactions: 1, roundTrips: 1))

            let refused = await #expect(throws: PostgresError.self) {
                _ = try await pool.read(tenant: tenant, ["INSERT INTO parents (id) VALUES (3)"])
            }
            #expect(refused?.sqlState?.rawValue == "25006")  // read_only_sql_transaction
            let after = try await pool.query("SELECT count(*) FROM parents").rows.first?.decode(at: 0, as: Int.self)
            #expect(after == 2)
        }
    }

    @Test("read(tenant:) after a parked transaction runs in it and commits it in the same round trip")
    func readCommitsParkedTransaction() async throws {
        try await scratch.withScratchTable { pool in
            let tenant = UUID()
            let (open, _) = try await pool.begin(setup: [ConnectionPool.tenantSetting(tenant)], then: ["INSERT INTO parents (id) VALUES (1)"])
            let (seen, counts) = try await QueryCount.of {
                try await ParkedTransaction(open, tenantID: tenant).park {
                    try await pool.read(tenant: tenant, Query.scalar("SELECT count(*) FROM parents", as: Int.self))
                }
            }
            #expect(seen == 1)  // the parked transaction's own write, seen before it commits
            // The read and COMMIT, nothing else: no second BEGIN, no commit of its own afterwards.
            #expect(counts == QueryTally.Counts(statements: 2, transactions: 0, roundTrips: 1))
            let kept = try await pool.query("SELECT count(*) FROM parents").rows.first?.decode(at: 0, as: Int.self)
            #expect(kept == 1)
        }
    }

    @Test("a failing read after a parked transaction rolls the whole request back")
    func failingReadRollsBackParkedTransaction() async throws {
        try await scratch.withScratchTable { pool in
            let tenant = UUID()
            let (open, _) = try await pool.begin(setup: [ConnectionPool.tenantSetting(tenant)], then: ["INSERT INTO parents (id) VALUES (1)"])
            let error = await #expect(throws: PostgresError.self) {
                try await ParkedTransaction(open, tenantID: tenant).park {
                    _ = try await pool.read(tenant: tenant, ["SELECT 1 / 0"])
                }
            }
            #expect(error?.sqlState?.rawValue == "22012")  // division_by_zero
            let count = try await pool.query("SELECT count(*) FROM parents").rows.first?.decode(at: 0, as: Int.self)
            #expect(count == 0)
        }
    }

    @Test("a withTenant body can end with its last reads and COMMIT in one round trip; nothing runs in it afterwards")
    func bodyCommitsWithItsLastReads() async throws {
        try await scratch.withScratchTable { pool in
            let tenant = UUID()
            func insertThenCount(_ id: Int) async throws -> ((Int?, String?), QueryTally.Counts) {
                try await QueryCount.of {
                    try await pool.withTenant(tenant) { tx in
                        try await tx.execute("INSERT INTO parents (id) VALUES (\(id))")
                        let count = try await tx.commit(after: Query.scalar("SELECT count(*) FROM parents", as: Int.self))
                        // The transaction has ended: a statement now would run outside it, unscoped.
                        let refused = await #expect(throws: PostgresError.self) { try await tx.execute("INSERT INTO parents (id) VALUES (99)") }
                        return (count, refused?.message)
                    }
                }
            }
            _ = try await insertThenCount(1)  // prepares the statements on the connection
            let ((count, afterwards), counts) = try await insertThenCount(2)
            #expect(count == 2)
            #expect(afterwards == "The transaction has already ended")
            // BEGIN + setting, the insert, the read + COMMIT: three round trips, no fourth for COMMIT.
            #expect(counts == QueryTally.Counts(statements: 5, transactions: 1, roundTrips: 3))
            let ids = try await pool.query("SELECT id FROM parents ORDER BY id").rows.map { try $0.decode(at: 0, as: Int.self) }
            #expect(ids == [1, 2])
        }
    }

    @Test("a failing last read rolls the body's writes back")
    func failingLastReadRollsBack() async throws {
        try await scratch.withScratchTable { pool in
            await #expect(throws: PostgresError.self) {
                try await pool.withTenant(UUID()) { tx in
                    try await tx.execute("INSERT INTO parents (id) VALUES (1)")
                    _ = try await tx.commit(after: ["SELECT 1 / 0"])
                }
            }
            let count = try await pool.query("SELECT count(*) FROM parents").rows.first?.decode(at: 0, as: Int.self)
            #expect(count == 0)
        }
    }
}
