import Postgres

/// A transaction in which `app.tenant_id` is set to `tenant`. Tenant-owned tables can only be
/// reached through one, so code that forgets the tenant does not compile; row-level security
/// is the second wall behind it.
public struct TenantTransaction: QueryRunner {
    public let tenant: TenantID
    let base: Transaction

    public func query(_ sql: SQL) async throws -> QueryResult {
        try await base.query(sql)
    }
}

extension ConnectionPool {
    /// Runs `body` in a transaction scoped to `tenant` (see `TenantTransaction`).
    public func withTenant<R: Sendable>(_ tenant: TenantID, _ body: (TenantTransaction) async throws -> R) async throws -> R {
        try await withTenant(tenant.rawValue) { transaction in
            try await body(TenantTransaction(tenant: tenant, base: transaction))
        }
    }
}
