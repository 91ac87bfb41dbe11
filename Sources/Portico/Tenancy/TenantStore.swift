import Foundation
import Mustache
import Postgres

/// Usage figures an operator sees per tenant.
@MustacheView
public struct TenantUsage: Sendable {
    public let organizations: Int
    public let customers: Int
    public let staff: Int
    public let openWorkOrders: Int
}

/// Platform-level tenant data: who the tenants are, which hosts reach them, how they look.
public protocol TenantStore: Sendable {
    func tenant(slug: String) async throws -> Tenant?
    func tenant(id: TenantID) async throws -> Tenant?
    /// The tenant that holds `domain` as a verified custom domain.
    func tenantForActiveDomain(_ domain: String) async throws -> TenantID?
    func branding(for tenant: TenantID) async throws -> Branding?
    func domains(for tenant: TenantID) async throws -> [TenantDomain]
    func allTenants() async throws -> [Tenant]
    /// Suspends or resumes; nil when no tenant has that slug.
    func setStatus(_ status: TenantStatus, slug: String) async throws -> Tenant?
    func usage(for tenant: TenantID) async throws -> TenantUsage
}

public struct PostgresTenantStore: TenantStore {
    let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    static let tenantColumns: SQL = "id, slug, name, status, theme, time_zone, created_at, default_language, offered_languages"

    public func tenant(slug: String) async throws -> Tenant? {
        try await pool.query("SELECT \(Self.tenantColumns) FROM tenants WHERE slug = \(slug)").rows.first?.decode(Tenant.self)
    }

    public func tenant(id: TenantID) async throws -> Tenant? {
        try await pool.query("SELECT \(Self.tenantColumns) FROM tenants WHERE id = \(id)").rows.first?.decode(Tenant.self)
    }

    public func tenantForActiveDomain(_ domain: String) async throws -> TenantID? {
        // Readable without a tenant through the domain_lookup policy.
        try await pool.query(
            """
            SELECT tenant_id FROM tenant_domains WHERE domain = \(domain) AND verified_at IS NOT NULL
            """
        ).rows.first?.decode("tenant_id", as: TenantID.self)
    }

    public func branding(for tenant: TenantID) async throws -> Branding? {
        try await pool.withTenant(tenant) { transaction in
            try await transaction.first("SELECT * FROM tenant_branding").map { try $0.decode(Branding.self) }
        }
    }

    public func domains(for tenant: TenantID) async throws -> [TenantDomain] {
        try await pool.withTenant(tenant) { transaction in
            // The domain_lookup policy lets every tenant read all domains: filter explicitly.
            try await transaction.rows(
                """
                SELECT * FROM tenant_domains WHERE tenant_id = \(tenant) ORDER BY is_primary DESC, domain
                """
            ).map { try $0.decode(TenantDomain.self) }
        }
    }

    public func allTenants() async throws -> [Tenant] {
        try await pool.query("SELECT \(Self.tenantColumns) FROM tenants ORDER BY slug").rows.map { try $0.decode(Tenant.self) }
    }

    public func setStatus(_ status: TenantStatus, slug: String) async throws -> Tenant? {
        try await pool.query(
            """
            UPDATE tenants SET status = \(status) WHERE slug = \(slug) RETURNING \(Self.tenantColumns)
            """
        ).rows.first?.decode(Tenant.self)
    }

    public func usage(for tenant: TenantID) async throws -> TenantUsage {
        try await pool.withTenant(tenant) { transaction in
            let row = try await transaction.first(
                """
                SELECT (SELECT count(*) FROM organizations)::int AS organizations,
                       (SELECT count(*) FROM customers)::int AS customers,
                       (SELECT count(*) FROM staff_users WHERE status <> 'deactivated')::int AS staff,
                       (SELECT count(*) FROM work_orders WHERE status NOT IN ('completed', 'rejected', 'cancelled', 'draft'))::int AS open_work_orders
                """)!
            return TenantUsage(
                organizations: try row.decode("organizations"), customers: try row.decode("customers"),
                staff: try row.decode("staff"), openWorkOrders: try row.decode("open_work_orders")
            )
        }
    }
}
