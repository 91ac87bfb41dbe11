import Foundation
import Postgres

/// The tenant's reports as admins read them: the filter checked against the tenant's
/// categories and every report built in the same transaction; a CSV download audited with it.
struct StaffReports: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories

    /// What the reports page shows.
    struct Page: Sendable {
        let filter: ReportFilter
        let tables: [ReportTable]
        /// The tenant's work-order categories, to filter by.
        let categories: [String]
    }

    /// `query` is the request's query string (`from`, `to`, `category`); a validation error
    /// names what is wrong with it.
    func page(_ query: [String: String], zone: TimeZone, tenant: TenantID) async throws -> Page {
        try await pool.withTenant(tenant) { tx in
            let (filter, categories) = try await Self.filter(query, zone: zone, in: tx)
            var tables: [ReportTable] = []
            for report in TenantReports.all { tables.append(try await report.build(filter, tx)) }
            return Page(filter: filter, tables: tables, categories: categories)
        }
    }

    /// One report for download, audited as downloaded with its filter.
    func download(
        _ report: TenantReports.Report, _ query: [String: String], zone: TimeZone, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID
    ) async throws -> (ReportFilter, ReportTable) {
        try await pool.withTenant(tenant) { tx in
            let (filter, _) = try await Self.filter(query, zone: zone, in: tx)
            let table = try await report.build(filter, tx)
            try await repositories.audit.record(
                .byStaff(
                    staff, "report.downloaded", targetKind: "report", targetId: report.id, origin: origin,
                    details: ["from": filter.from, "to": filter.to, "category": filter.category ?? ""]), in: tx)
            return (filter, table)
        }
    }

    private static func filter(_ query: [String: String], zone: TimeZone, in tx: TenantTransaction) async throws -> (ReportFilter, [String]) {
        let categories = try await WorkOrderCategories.all(in: tx).map(\.name)
        return (try ReportFilter.parse(query, categories: categories, zone: zone), categories)
    }
}
