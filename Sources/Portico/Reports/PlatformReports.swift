import Foundation
import Postgres

/// The operator's platform reports: per tenant (accounts, logins, work orders) and weekly
/// growth. They read across tenants through the two SECURITY DEFINER functions of migration
/// 0036, which return counts only; the application role itself still sees no tenant's rows.
enum PlatformReports {
    /// How many tenants the page charts and lists (the biggest by work orders); the CSV has all.
    static let pageTenants = 20

    static let ids = ["tenant-usage", "platform-growth"]

    static func build(_ id: String, _ filter: ReportFilter, pool: ConnectionPool, limit: Int? = nil) async throws -> ReportTable {
        id == "tenant-usage" ? try await tenantUsage(pool: pool, limit: limit) : try await growth(filter, pool: pool)
    }

    /// Every tenant with its accounts, logins, submitted work orders and open ones, the busiest first.
    static func tenantUsage(pool: ConnectionPool, limit: Int? = nil) async throws -> ReportTable {
        let result = try await pool.query(
            """
            SELECT t.slug, u.organizations, u.customers, u.work_orders, u.open_work_orders
              FROM portico_platform_tenant_usage() u JOIN tenants t ON t.id = u.tenant_id
             ORDER BY u.work_orders DESC, t.slug
             LIMIT \(limit)
            """
        ).rows
        return ReportTable(
            id: "tenant-usage", title: "Work orders per tenant",
            summary: "Each tenant's subscriber accounts, subscriber logins, submitted work orders and the open ones among them, "
                + (limit.map { "the \($0) busiest tenants (the CSV lists every tenant)." } ?? "every tenant, the busiest first."),
            label: .init(key: "tenant", title: "Tenant"),
            columns: [
                .init(key: "accounts", title: "Accounts", charted: false),
                .init(key: "logins", title: "Logins", charted: false),
                .init(key: "work_orders", title: "Work orders"),
                .init(key: "open_work_orders", title: "Open work orders"),
            ],
            unit: "work orders", rows: rows(result))
    }

    /// New tenants, subscriber logins and work orders per week of the range.
    static func growth(_ filter: ReportFilter, pool: ConnectionPool) async throws -> ReportTable {
        let result = try await pool.query(
            """
            SELECT to_char(week, 'YYYY-MM-DD'), tenants, customers, work_orders
              FROM portico_platform_growth(\(filter.from)::date, \(filter.to)::date) ORDER BY week
            """
        ).rows
        return ReportTable(
            id: "platform-growth", title: "Platform growth",
            summary: "New tenants, new subscriber logins and new work orders across the platform, per week.",
            label: .init(key: "week_starting", title: "Week starting"),
            columns: [
                .init(key: "new_tenants", title: "New tenants"), .init(key: "new_logins", title: "New logins"),
                .init(key: "new_work_orders", title: "New work orders"),
            ],
            unit: "per week", rows: rows(result))
    }

    private static func rows(_ result: [Row]) -> [ReportTable.Row] {
        result.map { row in
            ReportTable.Row(label: row.text(at: 0) ?? "", values: (1..<row.count).map { ReportTable.number(row.text(at: $0)) })
        }
    }
}
