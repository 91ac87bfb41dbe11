import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Adds the in-memory API counts to `api_usage_daily` about once a minute and once more on
/// shutdown: one statement for every tenant (the `api_usage` worker policy), so the cost does
/// not grow with the number of tenants. Instances add, never overwrite, so any number of
/// them can run side by side.
public struct APIUsageFlusher: Service {
    let pool: ConnectionPool
    let tally: APIUsageTally
    let logger: Logger
    let interval: Duration

    public init(pool: ConnectionPool, tally: APIUsageTally, logger: Logger, interval: Duration = .seconds(60)) {
        self.pool = pool
        self.tally = tally
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flushLogged()
        }
    }

    func flushLogged() async {
        do { try await flush() } catch {
            logger.warning("Could not record API usage; will add it to the next attempt", metadata: ["error": "\(error)"])
        }
    }

    /// Writes what was counted; on failure the counts go back into the tally.
    @discardableResult
    public func flush() async throws -> Int {
        let drained = tally.drain()
        guard !drained.isEmpty else { return 0 }
        let entries = Array(drained)
        do {
            try await pool.withTransaction { tx in
                try await tx.execute("SELECT set_config('app.worker', 'api_usage', true)")
                try await tx.execute(
                    """
                    INSERT INTO api_usage_daily (tenant_id, day, surface, requests)
                    SELECT tenant, DATE '1970-01-01' + day, surface, requests
                      FROM unnest(\(entries.map { $0.key.tenant.rawValue })::uuid[], \(entries.map { $0.key.day })::int[],
                                  \(entries.map { $0.key.surface.rawValue })::text[], \(entries.map { $0.value })::bigint[])
                           AS counted (tenant, day, surface, requests)
                        -- A tenant deleted since the request was counted has nowhere to keep it.
                     WHERE EXISTS (SELECT 1 FROM tenants WHERE tenants.id = counted.tenant)
                    ON CONFLICT (tenant_id, day, surface) DO UPDATE SET requests = api_usage_daily.requests + EXCLUDED.requests
                    """)
            }
        } catch {
            tally.restore(drained)
            throw error
        }
        return entries.count
    }
}
