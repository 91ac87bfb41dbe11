import Foundation
import PorticoCrypto
import Postgres

/// A tenant's webhook endpoints as admins manage them: list, create, enable, disable, rotate
/// the secret, delete, and queue a delivery again. Every change is audited in its own
/// transaction; another tenant's endpoint or delivery is "not found".
struct WebhookEndpoints: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    var repository: any WebhookRepository { repositories.webhooks }

    static func newSecret() -> String { Hex.encode(SecureRandom.bytes(32)) }

    /// The endpoints with their deliveries counted per status.
    func overview(tenant: TenantID) async throws -> ([WebhookEndpoint], [UUID: [WebhookDeliveryStatus: Int]]) {
        try await pool.withTenant(tenant) { tx in (try await repository.endpoints(in: tx), try await repository.counts(in: tx)) }
    }

    /// One endpoint with its newest deliveries and every attempt of each.
    struct Log: Sendable {
        let endpoint: WebhookEndpoint
        let deliveries: [WebhookDeliveryRecord]
        let attempts: [WebhookAttempt]
    }

    func log(of id: UUID, tenant: TenantID) async throws -> Log {
        try await pool.withTenant(tenant) { tx in
            guard let endpoint = try await repository.endpoint(id: id, in: tx) else { throw AppError.notFound("webhook endpoint") }
            let deliveries = try await repository.deliveries(endpoint: id, limit: 100, in: tx)
            return Log(
                endpoint: endpoint, deliveries: deliveries,
                attempts: try await repository.attempts(endpoint: id, deliveries: deliveries.map(\.id), in: tx))
        }
    }

    func create(_ new: NewWebhookEndpoint, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws -> WebhookEndpoint {
        try await pool.withTenant(tenant) { tx in
            let endpoint = try await repository.createEndpoint(new, in: tx)
            try await audit(
                staff, "webhook.created", endpoint: endpoint.id, origin: origin,
                details: ["url": String(endpoint.url.prefix(300)), "events": endpoint.events.joined(separator: ",")], in: tx)
            return endpoint
        }
    }

    /// Enabling wakes the delivery workers, so deliveries held while it was off go out now.
    func setEnabled(_ enabled: Bool, endpoint id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            guard try await repository.setEnabled(enabled, endpoint: id, in: tx) else { throw AppError.notFound("webhook endpoint") }
            try await audit(staff, enabled ? "webhook.enabled" : "webhook.disabled", endpoint: id, origin: origin, in: tx)
            if enabled { try await tx.notify(channel: WebhookDelivery.channel, payload: "") }
        }
    }

    /// A new signing secret, returned once to show; the old one stops signing at once.
    func rotateSecret(of id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws -> String {
        let secret = Self.newSecret()
        try await pool.withTenant(tenant) { tx in
            guard try await repository.rotateSecret(secret, endpoint: id, in: tx) else { throw AppError.notFound("webhook endpoint") }
            try await audit(staff, "webhook.secret_rotated", endpoint: id, origin: origin, in: tx)
        }
        return secret
    }

    func delete(_ id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            guard let endpoint = try await repository.endpoint(id: id, in: tx), try await repository.deleteEndpoint(id, in: tx) else {
                throw AppError.notFound("webhook endpoint")
            }
            try await audit(staff, "webhook.deleted", endpoint: id, origin: origin, details: ["url": String(endpoint.url.prefix(300))], in: tx)
        }
    }

    /// Queues a delivery again; a conflict while it is being sent.
    func redeliver(_ delivery: UUID, endpoint id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            guard let found = try await repository.delivery(id: delivery, endpoint: id, in: tx) else { throw AppError.notFound("delivery") }
            guard try await repository.redeliver(delivery, endpoint: id, in: tx) else {
                throw AppError(.conflict, code: "delivery_in_progress", L10n.t("console.webhooks.inProgress"))
            }
            try await repositories.audit.record(
                .byStaff(
                    staff, "webhook.redelivered", targetKind: "webhook_delivery", targetId: delivery.uuidString.lowercased(), origin: origin,
                    details: ["endpoint": id.uuidString.lowercased(), "event": found.eventType, "previous_status": found.status.rawValue]),
                in: tx)
        }
    }

    private func audit(
        _ staff: SignedInStaff, _ action: String, endpoint: UUID, origin: RequestOrigin, details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .byStaff(staff, action, targetKind: "webhook_endpoint", targetId: endpoint.uuidString.lowercased(), origin: origin, details: details),
            in: tx)
    }
}
