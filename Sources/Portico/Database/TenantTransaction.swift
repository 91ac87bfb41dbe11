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

    public func pipeline(_ statements: [SQL]) async throws -> [QueryResult] {
        try await base.pipeline(statements)
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

extension ConnectionPool {
    /// Authentication and handler in one tenant transaction (see `withRequestTransaction`).
    func withRequestTransaction<L: Sendable, T>(
        tenant: TenantID, share: Bool, lookup: (TenantTransaction) async throws -> L, then rest: (L) async throws -> T
    ) async throws -> T {
        try await withRequestTransaction(tenant: tenant.rawValue, share: share, lookup: { transaction in
            try await lookup(TenantTransaction(tenant: tenant, base: transaction))
        }, then: rest)
    }
}
