import Foundation
import PorticoTestSupport
import Postgres
import Testing

@Suite("Connection pool")
struct ConnectionPoolTests {
    @Test("more concurrent callers than connections all succeed, never exceeding the bound")
    func boundedConcurrency() async throws {
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 3, acquireTimeout: .seconds(30)))
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await pool.query("SELECT \(index)::int AS n, pg_sleep(0.01)").rows.first!.decode("n", as: Int.self)
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<40))
        let statistics = await pool.statistics()
        #expect(statistics.open <= 3)
        await pool.close()
    }

    @Test("a caller that cannot get a connection in time gets a clear pool-timeout error")
    func acquireTimeout() async throws {
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 1, acquireTimeout: .milliseconds(200)))
        let holder = Task {
            try await pool.withConnection { connection in
                try await connection.query("SELECT pg_sleep(1.5)")
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let error = await #expect(throws: PostgresError.self) {
            try await pool.query("SELECT 1")
        }
        #expect(error?.kind == .poolTimeout)
        #expect(error?.message.contains("No database connection became free") == true)
        _ = try await holder.value
        // and once the holder is done the pool works again
        #expect(try await pool.query("SELECT 1 AS one").rows.first?.decode("one", as: Int.self) == 1)
        await pool.close()
    }

    @Test("a backend killed with pg_terminate_backend is replaced")
    func killedBackendIsReplaced() async throws {
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 1))
        let firstPID = try await pool.withConnection { $0.backendPID }
        let admin = ConnectionPool(configuration: PoolConfiguration(conninfo: database.adminURL(), maxConnections: 1))
        try await admin.query("SELECT pg_terminate_backend(\(Int(firstPID)))")
        await admin.close()
        try await Task.sleep(for: .milliseconds(100))

        // A transaction notices the dead connection at BEGIN and retries on a fresh one.
        let pid = try await pool.withTransaction { transaction in
            try await transaction.scalar("SELECT pg_backend_pid()", as: Int.self)
        }
        #expect(pid != nil)
        #expect(pid != Int(firstPID))
        // plain statements work again too
        #expect(try await pool.query("SELECT 2 AS two").rows.first?.decode("two", as: Int.self) == 2)
        await pool.close()
    }

    @Test("a connection left inside a failed transaction is rolled back before reuse")
    func failedTransactionIsCleaned() async throws {
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 1))
        try await pool.withConnection { connection in
            try await connection.run(script: "BEGIN")
            _ = try? await connection.query("SELECT 1/0")
        }
        // the next caller gets a clean connection, not "current transaction is aborted"
        #expect(try await pool.query("SELECT 3 AS three").rows.first?.decode("three", as: Int.self) == 3)
        await pool.close()
    }
}
