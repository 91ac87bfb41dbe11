import Foundation
import PorticoCrypto
import Postgres

/// What a WISP's billing or CRM system does through the integration API, HTTP-free:
/// idempotent upserts by external id (organizations, customers, equipment, service), sync
/// listings, and work orders and appointments through the staff services' rules. A request
/// that changes nothing writes nothing (so `updated_at` stays put and sync loops do not
/// churn); every write is audited as the API key.
public struct IntegrationSync: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let sessions: any SessionStore
    /// Work orders and appointments go through the staff services' rules.
    let workOrders: StaffWorkOrders
    let appointments: StaffAppointments
    /// Invitations are the portal's own (same email, same link).
    let customerAccounts: CustomerAccounts

    public enum Outcome: Sendable { case created, updated, unchanged }

    // MARK: Helpers

    static func checkExternalId(_ value: String, field: String = "external_id") throws -> String {
        guard (1...200).contains(value.count), value.allSatisfy({ !$0.isWhitespace && !$0.isNewline }) else {
            throw AppError.validation([field: "Use your system's id: 1 to 200 characters without spaces."])
        }
        return value
    }

    func audit(
        _ key: APIKeyIdentity, _ origin: RequestOrigin, action: String, targetKind: String, target: String,
        details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .init(
                actorKind: "integration", actorId: key.id, actorLabel: key.actor.name, action: action,
                targetKind: targetKind, targetId: String(target.prefix(200)), ip: origin.ip,
                userAgent: origin.userAgent, details: details), in: tx)
    }

    /// Serializes upserts of one external id, so two identical requests at once make one record.
    func lock(_ kind: String, _ externalId: String, in tx: TenantTransaction) async throws {
        try await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(\(kind + ":" + tx.tenant.description + ":" + externalId), 0))")
    }

    // MARK: Organizations

    // MARK: Equipment

    // MARK: Customers

    // MARK: Work orders

    // MARK: Appointments
}
