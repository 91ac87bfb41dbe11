import Foundation
import Postgres

/// Storage of a tenant's webhook endpoints, their queued deliveries and the delivery log.
/// (The worker that delivers across tenants is `WebhookDelivery`.)
public protocol WebhookRepository: Sendable {
    func endpoints(in transaction: TenantTransaction) async throws -> [WebhookEndpoint]
    func endpoint(id: UUID, in transaction: TenantTransaction) async throws -> WebhookEndpoint?
    func createEndpoint(_ new: NewWebhookEndpoint, in transaction: TenantTransaction) async throws -> WebhookEndpoint
    /// False when no such endpoint (or not this tenant's).
    func setEnabled(_ enabled: Bool, endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool
    func rotateSecret(_ secret: String, endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool
    /// Deletes the endpoint with its deliveries and log.
    func deleteEndpoint(_ endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool
    /// Whether any enabled endpoint takes this event (so the payload need not be built otherwise).
    func hasSubscribers(_ type: WebhookEventType, in transaction: TenantTransaction) async throws -> Bool
    /// Queues the event for every enabled endpoint subscribed to it; returns how many.
    func enqueue(eventId: UUID, type: WebhookEventType, payload: String, in transaction: TenantTransaction) async throws -> Int
    func deliveries(endpoint: UUID, limit: Int, in transaction: TenantTransaction) async throws -> [WebhookDeliveryRecord]
    func delivery(id: UUID, endpoint: UUID, in transaction: TenantTransaction) async throws -> WebhookDeliveryRecord?
    func attempts(endpoint: UUID, deliveries: [UUID], in transaction: TenantTransaction) async throws -> [WebhookAttempt]
    /// Queues a delivery again (delivered, dead or still queued): due now, with a fresh round
    /// of attempts. False when it is missing, another endpoint's, or being sent right now.
    func redeliver(_ delivery: UUID, endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool
    /// Deliveries per status for an endpoint.
    func counts(in transaction: TenantTransaction) async throws -> [UUID: [WebhookDeliveryStatus: Int]]
}

public struct PostgresWebhookRepository: WebhookRepository {
    public init() {}

    public func endpoints(in transaction: TenantTransaction) async throws -> [WebhookEndpoint] {
        try await transaction.rows("SELECT * FROM webhook_endpoints WHERE tenant_id = \(transaction.tenant) ORDER BY created_at, id")
            .map { try $0.decode(WebhookEndpoint.self) }
    }

    public func endpoint(id: UUID, in transaction: TenantTransaction) async throws -> WebhookEndpoint? {
        try await transaction.first("SELECT * FROM webhook_endpoints WHERE tenant_id = \(transaction.tenant) AND id = \(id)")?
            .decode(WebhookEndpoint.self)
    }

    public func createEndpoint(_ new: NewWebhookEndpoint, in transaction: TenantTransaction) async throws -> WebhookEndpoint {
        try await transaction.first(
            """
            INSERT INTO webhook_endpoints (tenant_id, url, description, events, secret)
            VALUES (\(transaction.tenant), \(new.url), \(new.description), \(new.events.map(\.rawValue)), \(new.secret))
            RETURNING *
            """)!.decode(WebhookEndpoint.self)
    }

    public func setEnabled(_ enabled: Bool, endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            UPDATE webhook_endpoints SET enabled = \(enabled) WHERE tenant_id = \(transaction.tenant) AND id = \(endpoint)
            """) == 1
    }

    public func rotateSecret(_ secret: String, endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            UPDATE webhook_endpoints SET secret = \(secret) WHERE tenant_id = \(transaction.tenant) AND id = \(endpoint)
            """) == 1
    }

    public func deleteEndpoint(_ endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM webhook_endpoints WHERE tenant_id = \(transaction.tenant) AND id = \(endpoint)") == 1
    }

    public func hasSubscribers(_ type: WebhookEventType, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id = \(transaction.tenant) AND enabled AND \(type.rawValue) = ANY(events))
            """, as: Bool.self) ?? false
    }

    public func enqueue(eventId: UUID, type: WebhookEventType, payload: String, in transaction: TenantTransaction) async throws -> Int {
        try await transaction.execute(
            """
            INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
            SELECT tenant_id, id, \(eventId)::uuid, \(type.rawValue)::text, \(payload)::text FROM webhook_endpoints
             WHERE tenant_id = \(transaction.tenant) AND enabled AND \(type.rawValue) = ANY(events)
            """)
    }

    public func deliveries(endpoint: UUID, limit: Int, in transaction: TenantTransaction) async throws -> [WebhookDeliveryRecord] {
        try await transaction.rows(
            """
            SELECT * FROM webhook_deliveries WHERE tenant_id = \(transaction.tenant) AND endpoint_id = \(endpoint)
             ORDER BY created_at DESC, id LIMIT \(limit)
            """
        ).map { try $0.decode(WebhookDeliveryRecord.self) }
    }

    public func delivery(id: UUID, endpoint: UUID, in transaction: TenantTransaction) async throws -> WebhookDeliveryRecord? {
        try await transaction.first(
            """
            SELECT * FROM webhook_deliveries WHERE tenant_id = \(transaction.tenant) AND endpoint_id = \(endpoint) AND id = \(id)
            """)?.decode(WebhookDeliveryRecord.self)
    }

    public func attempts(endpoint: UUID, deliveries: [UUID], in transaction: TenantTransaction) async throws -> [WebhookAttempt] {
        guard !deliveries.isEmpty else { return [] }
        return try await transaction.rows(
            """
            SELECT a.* FROM webhook_attempts a
              JOIN webhook_deliveries d ON d.tenant_id = a.tenant_id AND d.id = a.delivery_id
             WHERE a.tenant_id = \(transaction.tenant) AND d.endpoint_id = \(endpoint) AND a.delivery_id = ANY(\(deliveries)::uuid[])
             ORDER BY a.created_at, a.attempt
            """
        ).map { try $0.decode(WebhookAttempt.self) }
    }

    public func redeliver(_ delivery: UUID, endpoint: UUID, in transaction: TenantTransaction) async throws -> Bool {
        let rows = try await transaction.execute(
            """
            UPDATE webhook_deliveries SET status = 'queued', attempts = 0, next_attempt_at = now(), claimed_by = NULL, claimed_at = NULL
             WHERE tenant_id = \(transaction.tenant) AND endpoint_id = \(endpoint) AND id = \(delivery) AND status <> 'sending'
            """)
        if rows == 1 { try await transaction.notify(channel: WebhookDelivery.channel, payload: "") }
        return rows == 1
    }

    public func counts(in transaction: TenantTransaction) async throws -> [UUID: [WebhookDeliveryStatus: Int]] {
        var counts: [UUID: [WebhookDeliveryStatus: Int]] = [:]
        for row in try await transaction.rows(
            """
            SELECT endpoint_id, status, count(*)::int AS n FROM webhook_deliveries WHERE tenant_id = \(transaction.tenant)
             GROUP BY endpoint_id, status
            """)
        {
            let endpoint: UUID = try row.decode("endpoint_id")
            let status = WebhookDeliveryStatus(rawValue: try row.decode("status", as: String.self)) ?? .queued
            counts[endpoint, default: [:]][status] = try row.decode("n", as: Int.self)
        }
        return counts
    }
}
