import Foundation
import Postgres

/// Which tenants have background work due, found with one statement across every tenant
/// (migration 0039: functions that read across tenants as the owner and return only ids and
/// flags). Maintenance then opens transactions for those tenants alone, so an idle tenant
/// costs an index probe per pass, not a transaction.
public struct DueWork: Sendable {
    let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    public struct Housekeeping: Sendable, Equatable {
        public let tenant: TenantID
        public let slug: String
        /// Something to remove under the tenant's retention settings.
        public let retention: Bool
        /// API tokens expired or revoked more than a day ago.
        public let apiTokens: Bool
    }

    /// Tenants with records past their retention period or old API tokens.
    public func housekeeping() async throws -> [Housekeeping] {
        try await pool.query("SELECT due_tenant, due_slug, retention_due, api_tokens_due FROM portico_retention_due()").rows.map {
            Housekeeping(
                tenant: try $0.decode("due_tenant"), slug: try $0.decode("due_slug"),
                retention: try $0.decode("retention_due"), apiTokens: try $0.decode("api_tokens_due"))
        }
    }

    /// Active tenants with a visit in the day after `now` whose reminder has not gone.
    public func reminders(now: Date) async throws -> [TenantID] {
        try await pool.query("SELECT due_tenant FROM portico_reminders_due(\(now))").rows.map { try $0.decode("due_tenant") }
    }
}
