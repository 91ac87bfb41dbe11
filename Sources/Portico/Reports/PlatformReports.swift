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
            id: "tenant-usage", title: L10n.t("reports.tenantUsage.title"),
            summary: limit.map { L10n.texts.plural("reports.tenantUsage.summaryLimited", count: $0) } ?? L10n.t("reports.tenantUsage.summaryAll"),
            label: .init(key: "tenant"),
            columns: [
                .init(key: "accounts", charted: false),
                .init(key: "logins", charted: false),
                .init(key: "work_orders"),
                .init(key: "open_work_orders"),
            ],
            unit: L10n.t("reports.unit.workOrders"), rows: rows(result))
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
            id: "platform-growth", title: L10n.t("reports.growth.title"),
            summary: L10n.t("reports.growth.summary"),
            label: .init(key: "week_starting"),
            columns: [
                .init(key: "new_tenants"), .init(key: "new_logins"),
                .init(key: "new_work_orders"),
            ],
            unit: L10n.t("reports.unit.perWeek"), rows: rows(result))
    }

    private static func rows(_ result: [Row]) -> [ReportTable.Row] {
        result.map { row in
            ReportTable.Row(label: row.text(at: 0) ?? "", values: (1..<row.count).map { ReportTable.number(row.text(at: $0)) })
        }
    }
}
