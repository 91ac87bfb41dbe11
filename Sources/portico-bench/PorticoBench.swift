import Foundation
import Postgres

/// Drives one single-row primary-key SELECT through our `ConnectionPool` from N concurrent
/// clients for a fixed time and prints the throughput. `Tests/Benchmarks/pool-vs-pgbench.sh`
/// runs it next to `pgbench -S` with the same client count and duration.
///
///     portico-bench pool <conninfo> <clients> <seconds> <rows>
@main
struct PorticoBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 6, arguments[1] == "pool",
            let clients = Int(arguments[3]), let seconds = Int(arguments[4]), let rows = Int(arguments[5])
        else {
            FileHandle.standardError.write(Data("usage: portico-bench pool <conninfo> <clients> <seconds> <rows>\n".utf8))
            exit(64)
        }
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: arguments[2], maxConnections: clients))
        // Open every connection before the clock starts, as pgbench does.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients { group.addTask { try await pool.withConnection { _ = try await $0.query("SELECT 1") } } }
            try await group.waitForAll()
        }
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var count = 0
                    var generator = SystemRandomNumberGenerator()
                    while ContinuousClock.now < deadline {
                        let aid = Int.random(in: 1...rows, using: &generator)
                        let result = try await pool.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(aid)")
                        precondition(result.rows.count == 1)
                        count += 1
                    }
                    return count
                }
            }
            var sum = 0
            for try await count in group { sum += count }
            return sum
        }
        let elapsed = ContinuousClock.now - start
        let measured = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "pool_tps=%.1f queries=%d seconds=%.2f", Double(total) / measured, total, measured))
        await pool.close()
    }
}
