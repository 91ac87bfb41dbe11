import Postgres

/// Rows waiting to be delivered (queued or being sent) and how long the oldest due one has
/// waited past its due time (0 when none is due).
struct Backlog: Sendable {
    let count: Int
    let oldestDueSeconds: Double

    /// `table` is one of two program constants (`outbox`, `webhook_deliveries`), both with
    /// `status` and `next_attempt_at`.
    static func read(_ table: StaticString, in tx: Transaction) async throws -> Backlog {
        let sql: SQL = """
            SELECT count(*) AS backlog,
                   coalesce(extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE status = 'queued' AND next_attempt_at <= now())), 0)::float8 AS oldest
              FROM \(raw: table) WHERE status IN ('queued', 'sending')
            """
        guard let row = try await tx.first(sql) else { return Backlog(count: 0, oldestDueSeconds: 0) }
        return Backlog(count: try row.decode("backlog", as: Int.self), oldestDueSeconds: try row.decode("oldest", as: Double.self))
    }
}
