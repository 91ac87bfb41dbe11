import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/reports` (admins): how the queue and the portal are doing over a date range,
/// optionally for one category: each report a chart, a table and a CSV download
/// (`/admin/reports/<report>.csv` with the same filter). Technicians and agents get the
/// console's 403: the reports show every technician's figures.
struct ReportsController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.reports, use: page)
        group.get(ConsoleRoutes.report, use: download)
    }

    @MustacheView
    struct View {
        @MustacheView
        struct Option { let name: String; let selected: Bool }
        let layout: LayoutModel
        let from: String
        let to: String
        let categories: [Option]
        let reports: [ReportView]
        /// "Weeks start on Monday; days are local days in America/Chicago. …"
        let note: String
    }

    /// The filter of this request, checked against the tenant's categories.
    func filter(_ request: Request, _ context: StaffRequestContext) async throws -> ReportFilter {
        let categories = try await pool.withTenant(context.tenant.id) { tx in
            try await WorkOrderCategories.all(in: tx).map(\.name)
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        return try ReportFilter.parse(query, categories: categories, zone: DisplayDate.current.zone)
    }

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let filter = try await filter(request, context)
        let (tables, categories) = try await pool.withTenant(context.tenant.id) { tx in
            var tables: [ReportTable] = []
            for report in TenantReports.all { tables.append(try await report.build(filter, tx)) }
            return (tables, try await WorkOrderCategories.all(in: tx).map(\.name))
        }
        let view = View(
            layout: context.layout(title: L10n.t("console.nav.reports"), current: ConsoleRoutes.reports.path), from: filter.from, to: filter.to,
            categories: categories.map { View.Option(name: $0, selected: $0 == filter.category) },
            reports: tables.map { ReportView($0, csvBase: ConsoleRoutes.reports.path, query: filter.query) },
            note: L10n.t("reports.adminNote", ["zone": DisplayDate.current.zone.identifier]))
        return try renderer.render(.adminReports, theme: context.tenant.theme, view)
    }

    @Sendable func download(_ request: Request, context: StaffRequestContext) async throws -> Response {
        guard let report = context.parameters.get("file").flatMap(TenantReports.named) else { throw AppError.notFound("report") }
        let filter = try await filter(request, context)
        let table = try await pool.withTenant(context.tenant.id) { tx in
            let table = try await report.build(filter, tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "report.downloaded",
                    targetKind: "report", targetId: report.id, ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "",
                    details: ["from": filter.from, "to": filter.to, "category": filter.category ?? ""]), in: tx)
            return table
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(context.tenant.slug)-\(report.id)-\(filter.from)-to-\(filter.to).csv\"",
                .cacheControl: "no-store",
            ], body: ResponseBody(byteBuffer: ByteBuffer(string: table.csv)))
    }
}
