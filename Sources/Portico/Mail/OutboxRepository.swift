import Foundation
import Postgres

/// The console's reads and retries of a tenant's outbox (delivery itself is `OutboxDelivery`'s,
/// which works across tenants under its own role).
public protocol OutboxRepository: Sendable {
    /// The newest messages, optionally of one status.
    func recent(status: OutboxStatus?, limit: Int, in transaction: TenantTransaction) async throws -> [OutboxMessage]
    /// How many messages are in each status, in status order.
    func countsByStatus(in transaction: TenantTransaction) async throws -> [(status: String, count: Int)]
    /// A message that stopped (failed or dead), so it may be queued again.
    func stopped(id: UUID, in transaction: TenantTransaction) async throws -> OutboxMessage?
    /// Queues a stopped message again from its first attempt and wakes the delivery worker
    /// when the transaction commits; false when it is no longer stopped.
    func requeue(id: UUID, in transaction: TenantTransaction) async throws -> Bool
}

public struct PostgresOutboxRepository: OutboxRepository {
    public init() {}

    public func recent(status: OutboxStatus?, limit: Int, in transaction: TenantTransaction) async throws -> [OutboxMessage] {
        try await transaction.rows(
            """
            SELECT * FROM outbox WHERE tenant_id = \(transaction.tenant) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
            ORDER BY created_at DESC LIMIT \(limit)
            """
        ).map { try $0.decode(OutboxMessage.self) }
    }

    public func countsByStatus(in transaction: TenantTransaction) async throws -> [(status: String, count: Int)] {
        try await transaction.rows(
            "SELECT status, count(*)::int AS n FROM outbox WHERE tenant_id = \(transaction.tenant) GROUP BY status ORDER BY status"
        ).map { (status: try $0.decode("status", as: String.self), count: try $0.decode("n", as: Int.self)) }
    }

    public func stopped(id: UUID, in transaction: TenantTransaction) async throws -> OutboxMessage? {
        try await transaction.first(
            "SELECT * FROM outbox WHERE tenant_id = \(transaction.tenant) AND id = \(id) AND status IN ('dead', 'failed')"
        )?.decode(OutboxMessage.self)
    }

    public func requeue(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        let rows = try await transaction.execute(
            """
            UPDATE outbox SET status = 'queued', attempts = 0, uncertain = false, next_attempt_at = now(), last_error = NULL
             WHERE tenant_id = \(transaction.tenant) AND id = \(id) AND status IN ('dead', 'failed')
            """)
        if rows == 1 { try await transaction.notify(channel: "portico_outbox", payload: "") }
        return rows == 1
    }
}
