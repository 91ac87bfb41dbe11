import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/reports` (admins): how the queue and the portal are doing over a date range,
/// optionally for one category: each report a chart, a table and a CSV download
/// (`/admin/reports/<report>.csv` with the same filter). Technicians and agents get the
/// console's 403: the reports show every technician's figures.
struct ReportsController {
    let reports: StaffReports
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

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let shown = try await reports.page(ReportFilter.query(of: request), zone: DisplayDate.current.zone, tenant: context.tenant.id)
        let (filter, tables, categories) = (shown.filter, shown.tables, shown.categories)
        let view = View(
            layout: context.layout(title: L10n.t("console.nav.reports"), current: ConsoleRoutes.reports.path), from: filter.from, to: filter.to,
            categories: categories.map { View.Option(name: $0, selected: $0 == filter.category) },
            reports: tables.map { ReportView($0, csvBase: ConsoleRoutes.reports.path, query: filter.query) },
            note: L10n.t("reports.adminNote", ["zone": DisplayDate.current.zone.identifier]))
        return try renderer.render(.adminReports, theme: context.tenant.theme, view)
    }

    @Sendable func download(_ request: Request, context: StaffRequestContext) async throws -> Response {
        guard let report = context.parameters.get("file").flatMap(TenantReports.named) else { throw AppError.notFound("report") }
        let (filter, table) = try await reports.download(
            report, ReportFilter.query(of: request), zone: DisplayDate.current.zone, staff: context.staff, origin: context.origin(request),
            tenant: context.tenant.id)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(context.tenant.slug)-\(report.id)-\(filter.from)-to-\(filter.to).csv\"",
                .cacheControl: "no-store",
            ], body: ResponseBody(byteBuffer: ByteBuffer(string: table.csv)))
    }
}
