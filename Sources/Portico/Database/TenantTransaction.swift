import Postgres

/// A transaction in which `app.tenant_id` is set to `tenant`. Tenant-owned tables can only be
/// reached through one, so code that forgets the tenant does not compile; row-level security
/// is the second wall behind it.
///
/// Only the pool helpers in this file create one (the initializer is file-private), each right
/// after setting `app.tenant_id` in the same transaction: `withTenant` for ordinary work,
/// `withTenantSnapshot` for a consistent read, `beginTenant` for the request transaction the
/// session middleware opens, and `withNewTenant` for the transaction that creates a tenant.
public struct TenantTransaction: QueryRunner {
    public let tenant: TenantID
    let base: Transaction

    fileprivate init(tenant: TenantID, base: Transaction) {
        self.tenant = tenant
        self.base = base
    }

    public func query(_ sql: SQL) async throws -> QueryResult {
        try await base.query(sql)
    }

    public func pipeline(_ statements: [SQL]) async throws -> [QueryResult] {
        try await base.pipeline(statements)
    }

    /// The body's last reads, sent with `COMMIT` in one round trip; nothing may run in this
    /// transaction afterwards (see `Transaction.commit(after:)`).
    public func commit<each Value>(after queries: repeat Query<each Value>) async throws -> (repeat each Value) {
        try await base.commit(after: repeat each queries)
    }

    /// Makes `to_char` and `timestamptz` text in this transaction read in `zone` (an IANA name),
    /// for output formatted by PostgreSQL such as CSV exports.
    public func setTimeZone(_ zone: String) async throws {
        try await base.execute("SELECT set_config('TimeZone', \(zone), true)")
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
    /// A page's independent reads in one round trip, as a transaction of their own or, after
    /// the session lookup, as the end of the request's transaction (see `ConnectionPool.read`).
    func read<each Value>(_ tenant: TenantID, _ queries: repeat Query<each Value>) async throws -> (repeat each Value) {
        try await read(tenant: tenant.rawValue, repeat each queries)
    }

    /// `withTenant` in one read-only snapshot (`REPEATABLE READ`): every query sees the same data.
    func withTenantSnapshot<R: Sendable>(_ tenant: TenantID, _ body: (TenantTransaction) async throws -> R) async throws -> R {
        try await withTenantSnapshot(tenant.rawValue) { try await body(TenantTransaction(tenant: tenant, base: $0)) }
    }

    /// The transaction that creates a tenant (onboarding, demo seeding): `create` inserts the
    /// `tenants` row, unscoped, and says which tenant it made; then `app.tenant_id` is set to it
    /// and `body` writes the tenant's own rows, scoped exactly as `withTenant` scopes them. One
    /// transaction, so a failure leaves no half-made tenant.
    func withNewTenant<Created: Sendable, R: Sendable>(
        create: (Transaction) async throws -> Created, tenant: (Created) -> TenantID,
        then body: (Created, TenantTransaction) async throws -> R
    ) async throws -> R {
        try await withTransaction { transaction in
            let created = try await create(transaction)
            let id = tenant(created)
            try await transaction.execute(ConnectionPool.tenantSetting(id.rawValue))
            return try await body(created, TenantTransaction(tenant: id, base: transaction))
        }
    }

    /// Begins a transaction scoped to `tenant`, running `statements` in the same round trip (the
    /// session lookup); the caller commits it, rolls it back or parks it for the handler.
    func beginTenant(_ tenant: TenantID, then statements: [SQL]) async throws -> (OpenTenantTransaction, [QueryResult]) {
        let (open, results) = try await begin(setup: [ConnectionPool.tenantSetting(tenant.rawValue)], then: statements)
        return (OpenTenantTransaction(open: open, scoped: TenantTransaction(tenant: tenant, base: open.transaction)), results)
    }

    /// Authentication and handler in one tenant transaction (see `withRequestTransaction`).
    func withRequestTransaction<L: Sendable, T>(
        tenant: TenantID, share: Bool, lookup: (TenantTransaction) async throws -> L, then rest: (L) async throws -> T
    ) async throws -> T {
        try await withRequestTransaction(
            tenant: tenant.rawValue, share: share,
            lookup: { transaction in
                try await lookup(TenantTransaction(tenant: tenant, base: transaction))
            }, then: rest)
    }
}

/// A tenant transaction begun by `ConnectionPool.beginTenant`: `open` finishes it, `scoped`
/// runs queries in it.
struct OpenTenantTransaction: Sendable {
    let open: OpenTransaction
    let scoped: TenantTransaction
}
