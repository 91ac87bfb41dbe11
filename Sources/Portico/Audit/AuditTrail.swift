import Foundation
import Postgres

/// The tenant's audit events as admins read and export them. An export is itself audited
/// before its first row is sent.
struct AuditTrail: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories

    /// Events matching `filter`, newest first.
    func events(_ filter: AuditFilter, limit: Int, offset: Int, tenant: TenantID) async throws -> [AuditEvent] {
        try await pool.withTenant(tenant) { tx in try await repositories.audit.list(filter, limit: limit, offset: offset, in: tx) }
    }

    func recordExport(staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in try await repositories.audit.record(.byStaff(staff, "audit.exported", origin: origin), in: tx) }
    }
}
