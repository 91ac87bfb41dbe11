import Foundation
import Postgres

/// Issuing and revoking a tenant's integration API keys, each audited in the same transaction
/// as the change, for the console (a staff member) and the CLI (the system) alike.
struct IntegrationKeys: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories

    func list(tenant: TenantID) async throws -> [APIKeyRecord] {
        try await pool.withTenant(tenant) { tx in try await repositories.apiKeys.list(in: tx) }
    }

    /// A new key; its secret exists only in the answer. `actor` says who asked, as the audit
    /// event names them (`NewAuditEvent.byStaff`, or the system for the CLI).
    func create(
        name: String, scopes: Set<APIKeyIdentity.Scope>, createdBy staff: UUID?, actor: NewAuditEvent, tenant: TenantID
    ) async throws -> CreatedAPIKey {
        try await pool.withTenant(tenant) { tx in
            let created = try await repositories.apiKeys.create(name: name, scopes: scopes, createdBy: staff, in: tx)
            try await audit(
                actor, "api_key.created", created.record,
                details: ["name": name, "prefix": created.record.keyPrefix, "scopes": scopes.map(\.rawValue).sorted().joined(separator: ",")],
                in: tx)
            return created
        }
    }

    /// Revokes a live key at once; `AppError.notFound` when this tenant has no live key `id`.
    func revoke(_ id: UUID, actor: NewAuditEvent, tenant: TenantID) async throws -> APIKeyRecord {
        try await pool.withTenant(tenant) { tx in
            guard let record = try await repositories.apiKeys.revoke(id: id, in: tx) else { throw AppError.notFound("API key") }
            try await audit(actor, "api_key.revoked", record, details: ["name": record.name, "prefix": record.keyPrefix], in: tx)
            return record
        }
    }

    private func audit(
        _ actor: NewAuditEvent, _ action: String, _ key: APIKeyRecord, details: [String: String], in tx: TenantTransaction
    ) async throws {
        var event = actor
        event.action = action
        event.targetKind = "api_key"
        event.targetId = key.id.uuidString.lowercased()
        event.details = details
        try await repositories.audit.record(event, in: tx)
    }
}
